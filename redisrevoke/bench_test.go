package redisrevoke_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkStore measures a verified request (GET /protected with a live
// token cookie) through app.Handler(), its revocation checked by the
// default in-memory Storage (memory) or by a List synced with a real
// redis-server (redis).
//
// go test -run '^$' -bench Store -benchmem
func BenchmarkStore(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		benchmarkVerified(b, nil)
	})
	b.Run("redis", func(b *testing.B) {
		srv := startRedis(b)
		list, err := redisrevoke.New(newClient(b, srv.Addr(), "bench"), redisrevoke.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = list.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := list.Ready(ctx); err != nil {
			b.Fatal(err)
		}
		benchmarkVerified(b, list)
	})
}

func benchmarkVerified(b *testing.B, rev fiberjwt.Revocations) {
	app := newApp("bench", newSecret(b), rev)
	s := loginInProcess(b, app, "alice")
	h := app.Handler()
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI("/protected")
	ctx.Request.Header.SetCookie("token", s.token)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		h(ctx)
	}
	b.StopTimer()
	if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
		b.Fatalf("status %d, body %q; want 200", got, ctx.Response.Body())
	}
}

// loginInProcess signs id in through app.Test and returns the cookies.
func loginInProcess(tb testing.TB, app *fiber.App, id string) session {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"id": {id}, "pw": {"pw"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := app.Test(req, -1)
	if err != nil {
		tb.Fatalf("login: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("login: status %d", resp.StatusCode)
	}
	return sessionOf(tb, resp.Cookies())
}

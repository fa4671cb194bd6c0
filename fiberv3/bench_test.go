package fiberjwt_test

// BenchmarkCompare: the same verified request through bare Fiber v3 and
// Fiber v3 + this package, and, for scale in the same run, through bare
// Fiber v2 and Fiber v2 + the root package. gofiber/contrib's jwt
// middleware for Fiber v3 is not served by the module proxy at this time
// (neither github.com/gofiber/contrib/v3/jwt nor .../contrib/jwt/v3), so it
// is not compared here; integration/ compares contrib/jwt on Fiber v2.
//
//	cd fiberv3
//	go test -run Compare -bench Compare -benchmem -count 5 .
//
// The middleware overhead of an adapter is its ns/op minus its bare
// Fiber's; noop is the part of it that any middleware costs the framework.

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	fiberjwt2 "github.com/fiberjwt/fiberjwt"
	fiberjwt "github.com/fiberjwt/fiberjwt/fiberv3"
	fiber2 "github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

// benchUser is what the compared token carries.
type benchUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// benchBody is what /protected answers in every mode.
const benchBody = "Protected Page"

var benchKey = bytes.Repeat([]byte("k"), 64)

// compareModes are the apps of BenchmarkCompare, in the order they run.
// noop is a middleware that only calls the next handler: what a
// middleware costs the framework before it does anything.
var compareModes = []string{"bare-v3", "noop-v3", "fiberjwt-v3", "bare-v2", "noop-v2", "fiberjwt-v2"}

func benchAuthenticate(id, pw string) (benchUser, error) {
	if id == "alice" && pw == "wonderland" {
		return benchUser{ID: "alice", Name: "Alice"}, nil
	}
	return benchUser{}, errors.New("wrong id or password")
}

// compareHandler returns the handler of mode: GET /protected answering
// benchBody behind no middleware, a no-op one or fiberjwt with benchKey
// (with POST /login signing alice in).
func compareHandler(tb testing.TB, mode string) fasthttp.RequestHandler {
	tb.Helper()
	switch mode {
	case "bare-v3", "noop-v3", "fiberjwt-v3":
		app := fiber.New()
		if mode == "noop-v3" {
			app.Use(func(c fiber.Ctx) error { return c.Next() })
		}
		if mode == "fiberjwt-v3" {
			app.Use(fiberjwt.New(fiberjwt.Config[benchUser]{
				SecretKey:    benchKey,
				Authenticate: func(_ fiber.Ctx, id, pw string) (benchUser, error) { return benchAuthenticate(id, pw) },
				Next:         func(c fiber.Ctx) bool { return c.Path() == "/login" },
			}))
			app.Post("/login", func(c fiber.Ctx) error {
				_, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
				return err
			})
		}
		app.Get("/protected", func(c fiber.Ctx) error { return c.SendString(benchBody) })
		return app.Handler()
	case "bare-v2", "noop-v2", "fiberjwt-v2":
		app := fiber2.New()
		if mode == "noop-v2" {
			app.Use(func(c *fiber2.Ctx) error { return c.Next() })
		}
		if mode == "fiberjwt-v2" {
			app.Use(fiberjwt2.New(fiberjwt2.Config[benchUser]{
				SecretKey:    benchKey,
				Authenticate: func(_ *fiber2.Ctx, id, pw string) (benchUser, error) { return benchAuthenticate(id, pw) },
				Next:         func(c *fiber2.Ctx) bool { return c.Path() == "/login" },
			}))
			app.Post("/login", func(c *fiber2.Ctx) error {
				_, err := fiberjwt2.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
				return err
			})
		}
		app.Get("/protected", func(c *fiber2.Ctx) error { return c.SendString(benchBody) })
		return app.Handler()
	}
	tb.Fatalf("unknown mode %q", mode)
	return nil
}

// benchToken signs alice in through the fiberjwt-v3 app and returns her
// token: one token for every mode, as both adapters verify the other's.
func benchToken(tb testing.TB) string {
	tb.Helper()
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(http.MethodPost)
	ctx.Request.SetRequestURI("/login")
	ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
	ctx.Request.SetBodyString("id=alice&pw=wonderland")
	compareHandler(tb, "fiberjwt-v3")(ctx)
	cookie := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(cookie)
	var token string
	if cookie.ParseBytes(ctx.Response.Header.PeekCookie("token")) == nil {
		token = string(cookie.Value())
	}
	if ctx.Response.StatusCode() != http.StatusOK || strings.Count(token, ".") != 2 {
		tb.Fatalf("login: %d, token %q", ctx.Response.StatusCode(), token)
	}
	return token
}

// compareRequest returns a reusable request context for GET /protected
// with the cookie token=<token>.
func compareRequest(token string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(http.MethodGet)
	ctx.Request.SetRequestURI("/protected")
	ctx.Request.Header.Set("Cookie", "token="+token)
	return ctx
}

// go test -run Test_Compare_SameAnswers
//
// The benchmarks compare like with like: every mode answers the token with
// the page, and both adapters refuse it once its signature is changed.
func Test_Compare_SameAnswers(t *testing.T) {
	token := benchToken(t)
	dot := strings.LastIndexByte(token, '.')
	i := dot + 1 + (len(token)-dot-1)/2
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	forged := token[:i] + string(c) + token[i+1:]
	for _, mode := range compareModes {
		t.Run(mode, func(t *testing.T) {
			handler := compareHandler(t, mode)
			ctx := compareRequest(token)
			handler(ctx)
			if status, body := ctx.Response.StatusCode(), string(ctx.Response.Body()); status != http.StatusOK || body != benchBody {
				t.Fatalf("token: %d %q, want 200 %q", status, body, benchBody)
			}
			if !strings.HasPrefix(mode, "fiberjwt") {
				return
			}
			ctx = compareRequest(forged)
			handler(ctx)
			if status := ctx.Response.StatusCode(); status != http.StatusUnauthorized {
				t.Fatalf("forged token: %d, want 401", status)
			}
		})
	}
}

// BenchmarkCompare serves the same verified GET /protected with the token
// cookie through each app, reusing one request context.
func BenchmarkCompare(b *testing.B) {
	token := benchToken(b)
	for _, mode := range compareModes {
		b.Run(mode, func(b *testing.B) {
			handler := compareHandler(b, mode)
			ctx := compareRequest(token)
			check := func(when string) {
				if status, body := ctx.Response.StatusCode(), string(ctx.Response.Body()); status != http.StatusOK || body != benchBody {
					b.Fatalf("%s: %d %q, want 200 %q", when, status, body, benchBody)
				}
			}
			handler(ctx)
			check("first request")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ctx.Response.Reset()
				handler(ctx)
			}
			b.StopTimer()
			check("last request")
		})
	}
}

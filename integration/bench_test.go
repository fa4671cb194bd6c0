package integration

// Side-by-side benchmarks: the same verified request through bare Fiber,
// Fiber + fiberjwt and Fiber + gofiber/contrib/jwt v1.1.2, all over one HS512
// token that fiberjwt issued, and the floor every HMAC-based verifier pays:
// HMAC-SHA512 over the token's signing input with the keyed state reused.
//
//	cd integration
//	go test -run Compare -bench . -benchmem -count 5 .
//
// The middleware overhead of a mode is its ns/op minus bare's.
// loadtest.sh measures the same apps under wrk, and fiberjwt with its
// revocations in Redis (BenchmarkCompareStore measures that one here).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
	jwtware "github.com/gofiber/contrib/jwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	goredis "github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
)

// compareUser is what the compared token carries.
type compareUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// compareBody is what /protected answers in every mode.
const compareBody = "Protected Page"

// compareModes are the apps of BenchmarkCompare, in the order they run.
// fiberjwt-roles is fiberjwt with a user type holding a slice, over a token
// that carries three roles (compareTokenFor).
var compareModes = []string{"bare", "fiberjwt", "fiberjwt-roles", "contribjwt"}

// rolesUser is the user of fiberjwt-roles: the most common user type with
// a slice.
type rolesUser struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// rolesToken issues the token of fiberjwt-roles, once per process.
var rolesToken = sync.OnceValues(func() (string, error) {
	fx, err := compareToken()
	if err != nil {
		return "", err
	}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[rolesUser]{
		SecretKey: fx.key,
		Authenticate: func(_ *fiber.Ctx, id, _ string) (rolesUser, error) {
			return rolesUser{ID: id, Name: "Alice", Roles: []string{"reader", "editor", "admin"}}, nil
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	ctx := compareRequest("/login", "")
	app.Handler()(ctx)
	if ctx.Response.StatusCode() != fiber.StatusOK {
		return "", fmt.Errorf("roles login: %d %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	return string(ctx.Response.Body()), nil
})

// compareTokenFor returns the token that mode's requests carry.
func compareTokenFor(tb testing.TB, mode string, fx compareFixture) string {
	tb.Helper()
	if mode != "fiberjwt-roles" {
		return fx.token
	}
	token, err := rolesToken()
	if err != nil {
		tb.Fatal(err)
	}
	return token
}

// compareFixture is the key and the token shared by every comparison.
type compareFixture struct {
	key   []byte // 64 random bytes, the minimum fiberjwt accepts for HS512
	token string // issued by fiberjwt.ProcessLogin for alice
}

// compareToken issues the one token of the comparison, once per process.
var compareToken = sync.OnceValues(func() (compareFixture, error) {
	key := make([]byte, 64)
	if _, err := rand.Read(key); err != nil {
		return compareFixture{}, err
	}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[compareUser]{
		SecretKey: key,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (compareUser, error) {
			if id != "alice" || pw != "wonderland" {
				return compareUser{}, errors.New("wrong id or password")
			}
			return compareUser{ID: "alice", Name: "Alice"}, nil
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Post("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	resp, err := app.Test(httptest.NewRequest(fiber.MethodPost, "/login", nil), -1)
	if err != nil {
		return compareFixture{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return compareFixture{}, err
	}
	if resp.StatusCode != fiber.StatusOK {
		return compareFixture{}, fmt.Errorf("login: status %d: %s", resp.StatusCode, body)
	}
	token := string(body)
	for _, c := range resp.Cookies() {
		if c.Name == "token" && c.Value == token {
			return compareFixture{key: key, token: token}, nil
		}
	}
	return compareFixture{}, fmt.Errorf("login set no cookie token=%s", token)
})

func mustCompareToken(tb testing.TB) compareFixture {
	tb.Helper()
	fx, err := compareToken()
	if err != nil {
		tb.Fatal(err)
	}
	return fx
}

// compareApp returns the app of mode: GET /protected answering compareBody,
// behind no middleware (bare), fiberjwt or contrib/jwt, each configured for
// the cookie "token", HS512 and key. GET /whoami names the user the
// middleware stored (for the test only).
func compareApp(tb testing.TB, mode string, key []byte) *fiber.App {
	tb.Helper()
	app := fiber.New()
	whoami := func(c *fiber.Ctx) error { return c.SendString("") }
	switch mode {
	case "bare":
	case "fiberjwt-roles":
		app.Use(fiberjwt.New(fiberjwt.Config[rolesUser]{SecretKey: key}))
		whoami = func(c *fiber.Ctx) error {
			u, _ := fiberjwt.CurrentUser[rolesUser](c)
			return c.SendString(u.Name)
		}
	case "fiberjwt":
		app.Use(fiberjwt.New(fiberjwt.Config[compareUser]{SecretKey: key}))
		whoami = func(c *fiber.Ctx) error {
			u, _ := fiberjwt.CurrentUser[compareUser](c)
			return c.SendString(u.Name)
		}
	case "contribjwt":
		app.Use(jwtware.New(jwtware.Config{
			SigningKey:  jwtware.SigningKey{JWTAlg: jwtware.HS512, Key: key},
			TokenLookup: "cookie:token",
		}))
		whoami = func(c *fiber.Ctx) error {
			t, _ := c.Locals("user").(*jwt.Token)
			if t == nil {
				return c.SendString("")
			}
			claims, _ := t.Claims.(jwt.MapClaims)
			usr, _ := claims["usr"].(map[string]any)
			name, _ := usr["name"].(string)
			return c.SendString(name)
		}
	default:
		tb.Fatalf("unknown mode %q", mode)
	}
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString(compareBody) })
	app.Get("/whoami", whoami)
	return app
}

// compareRequest returns a reusable request context for GET path with the
// Cookie header "token=<token>".
func compareRequest(path, token string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.Set(fiber.HeaderCookie, "token="+token)
	return ctx
}

// serveCompare runs handler once on a fresh request and returns the status
// and the body.
func serveCompare(handler fasthttp.RequestHandler, path, token string) (int, string) {
	ctx := compareRequest(path, token)
	handler(ctx)
	return ctx.Response.StatusCode(), string(ctx.Response.Body())
}

// tamperSignature changes one character in the middle of the signature (not
// the last one, whose low bits base64 decoding may ignore).
func tamperSignature(tb testing.TB, token string) string {
	tb.Helper()
	dot := strings.LastIndexByte(token, '.')
	i := dot + 1 + (len(token)-dot-1)/2
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// tamperPayload renames the user in the payload and keeps the signature.
func tamperPayload(tb testing.TB, token string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	forged := bytes.Replace(payload, []byte(`"name":"Alice"`), []byte(`"name":"Mallory"`), 1)
	if bytes.Equal(forged, payload) {
		tb.Fatalf("payload names no Alice: %s", payload)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(forged)
	return strings.Join(parts, ".")
}

// Test_Compare_SameAnswers checks that the benchmarks compare like with
// like: both middlewares accept the token, see the same user and refuse a
// tampered token with 401; bare Fiber answers the same page.
func Test_Compare_SameAnswers(t *testing.T) {
	fx := mustCompareToken(t)
	if len(fx.token) < 100 || strings.Count(fx.token, ".") != 2 {
		t.Fatalf("not a JWT: %q", fx.token)
	}
	header, err := base64.RawURLEncoding.DecodeString(fx.token[:strings.IndexByte(fx.token, '.')])
	if err != nil || !bytes.Contains(header, []byte(`"alg":"HS512"`)) {
		t.Fatalf("header %s (%v), want HS512", header, err)
	}
	tampered := map[string]string{
		"signature": tamperSignature(t, fx.token),
		"payload":   tamperPayload(t, fx.token),
	}
	for _, mode := range compareModes {
		t.Run(mode, func(t *testing.T) {
			handler := compareApp(t, mode, fx.key).Handler()
			token := compareTokenFor(t, mode, fx)
			if status, body := serveCompare(handler, "/protected", token); status != fiber.StatusOK || body != compareBody {
				t.Fatalf("token: %d %q, want 200 %q", status, body, compareBody)
			}
			if mode == "bare" {
				return
			}
			if status, body := serveCompare(handler, "/whoami", token); status != fiber.StatusOK || body != "Alice" {
				t.Errorf("whoami: %d %q, want 200 Alice", status, body)
			}
			for what, token := range tampered {
				if status, body := serveCompare(handler, "/protected", token); status != fiber.StatusUnauthorized {
					t.Errorf("tampered %s: %d %q, want 401", what, status, body)
				}
			}
		})
	}
}

// BenchmarkCompare serves the same verified GET /protected with the token
// cookie through each app, reusing one request context.
func BenchmarkCompare(b *testing.B) {
	fx := mustCompareToken(b)
	for _, mode := range compareModes {
		b.Run(mode, func(b *testing.B) {
			handler := compareApp(b, mode, fx.key).Handler()
			ctx := compareRequest("/protected", compareTokenFor(b, mode, fx))
			check := func(when string) {
				if status, body := ctx.Response.StatusCode(), string(ctx.Response.Body()); status != fiber.StatusOK || body != compareBody {
					b.Fatalf("%s: %d %q, want 200 %q", when, status, body, compareBody)
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

// BenchmarkFloor is the least any HS512 verifier pays per request: the
// HMAC-SHA512 of the token's signing input (header.payload), with the keyed
// state built once and reset per request, summed into a reused buffer.
func BenchmarkFloor(b *testing.B) {
	fx := mustCompareToken(b)
	b.Run("hmac", func(b *testing.B) {
		dot := strings.LastIndexByte(fx.token, '.')
		input := []byte(fx.token[:dot])
		want, err := base64.RawURLEncoding.DecodeString(fx.token[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		mac := hmac.New(sha512.New, fx.key)
		sum := make([]byte, 0, sha512.Size)
		mac.Write(input)
		sum = mac.Sum(sum[:0])
		if !hmac.Equal(sum, want) {
			b.Fatal("the MAC is not the token's signature")
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			mac.Reset()
			mac.Write(input)
			sum = mac.Sum(sum[:0])
		}
		b.StopTimer()
		if !hmac.Equal(sum, want) {
			b.Fatal("the last MAC is not the token's signature")
		}
	})
}

// BenchmarkCompareStore serves the verified GET /protected of
// BenchmarkCompare through fiberjwt with its revocations in the default
// in-memory store (memory), in Redis through gofiber/storage/redis as
// Config.Storage, one GET per request (storage-redis), and in Redis
// through redisrevoke as Config.Revocations, checked in memory
// (redisrevoke), against one redis-server started for the run.
//
//	cd integration
//	go test -run '^$' -bench CompareStore -benchmem -count 5 .
func BenchmarkCompareStore(b *testing.B) {
	fx := mustCompareToken(b)
	host, port := testRedis(b)
	list, err := redisrevoke.New(goredis.NewClient(&goredis.Options{Addr: net.JoinHostPort(host, strconv.Itoa(port))}), redisrevoke.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = list.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := list.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	store := newRedisStore(host, port, "bench")
	b.Cleanup(func() { _ = store.Close() })
	configs := []struct {
		name string
		cfg  fiberjwt.Config[compareUser]
	}{
		{"memory", fiberjwt.Config[compareUser]{SecretKey: fx.key}},
		{"storage-redis", fiberjwt.Config[compareUser]{SecretKey: fx.key, Storage: store}},
		{"redisrevoke", fiberjwt.Config[compareUser]{SecretKey: fx.key, Revocations: list}},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			app := fiber.New()
			app.Use(fiberjwt.New(c.cfg))
			app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString(compareBody) })
			handler := app.Handler()
			req := compareRequest("/protected", fx.token)
			handler(req)
			if status := req.Response.StatusCode(); status != fiber.StatusOK {
				b.Fatalf("status %d: %s", status, req.Response.Body())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req.Response.Reset()
				handler(req)
			}
		})
	}
}

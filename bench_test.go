package fiberjwt_test

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// benchUser is the user of most benchmarks: plain values, as most apps
// keep in a token, so that verified requests are served from the cache.
type benchUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// benchApp returns the handler of an app serving /protected (behind the
// middleware when withMiddleware) and /login, and a token it issued. U is
// the user type; lookup's User is copied into it.
func benchApp[U any](b *testing.B, withMiddleware bool, toU func(User) U) (fasthttp.RequestHandler, string) {
	b.Helper()
	app := fiber.New()
	if withMiddleware {
		app.Use(fiberjwt.New(fiberjwt.Config[U]{
			SecretKey: testSecret,
			Next:      func(c *fiber.Ctx) bool { return c.Path() == "/login" },
			Authenticate: func(_ *fiber.Ctx, id, pw string) (U, error) {
				u, err := lookup(id, pw)
				return toU(u), err
			},
		}))
	}
	app.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		if _, ok := fiberjwt.CurrentUser[U](c); ok {
			return c.SendString("Protected Page")
		}
		return c.SendString("Public Page")
	})
	handler := app.Handler()
	if !withMiddleware {
		return handler, ""
	}
	login := serve(handler, "/login", "")
	if login.Response.StatusCode() != fiber.StatusOK {
		b.Fatalf("login: status %d", login.Response.StatusCode())
	}
	return handler, string(login.Response.Body())
}

func toBenchUser(u User) benchUser { return benchUser{ID: u.ID, Name: u.Name} }
func toUser(u User) User           { return u }

// benchRequest returns a reusable request context for GET path carrying the
// token cookie (none when token is "").
func benchRequest(path, token string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI(path)
	if token != "" {
		ctx.Request.Header.SetCookie("token", token)
	}
	return ctx
}

// benchServe runs handler b.N times on ctx, which must answer want.
func benchServe(b *testing.B, handler fasthttp.RequestHandler, ctx *fasthttp.RequestCtx, want int) {
	b.Helper()
	handler(ctx)
	if got := ctx.Response.StatusCode(); got != want {
		b.Fatalf("status %d, want %d: %s", got, want, ctx.Response.Body())
	}
	if want == fiber.StatusOK && string(ctx.Response.Body()) != "Protected Page" && ctx.Request.Header.Cookie("token") != nil {
		b.Fatalf("body %q: the user was not set", ctx.Response.Body())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		handler(ctx)
	}
}

// go test -run '^$' -bench Benchmark_Middleware -benchmem
func Benchmark_Middleware(b *testing.B) {
	handler, token := benchApp(b, true, toBenchUser)
	benchServe(b, handler, benchRequest("/protected", token), fiber.StatusOK)
}

// Benchmark_Middleware_ReferenceUser: a user type with a slice and a map
// is deep-copied from the cache for every request, so that requests share
// nothing.
//
//	go test -run '^$' -bench Benchmark_Middleware_ReferenceUser -benchmem
func Benchmark_Middleware_ReferenceUser(b *testing.B) {
	handler, token := benchApp(b, true, toUser)
	benchServe(b, handler, benchRequest("/protected", token), fiber.StatusOK)
}

// rolesUser and richUser are the users of Benchmark_UserShape: benchUser
// plus a slice, then plus a map and a pointer.
type rolesUser struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

type richUser struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Roles []string          `json:"roles"`
	Prefs map[string]string `json:"prefs"`
	Since *time.Time        `json:"since"`
}

func toRolesUser(u User) rolesUser {
	return rolesUser{ID: u.ID, Name: u.Name, Roles: []string{"reader", "writer", "admin"}}
}

func toRichUser(u User) richUser {
	since := epoch
	return richUser{
		ID: u.ID, Name: u.Name, Roles: []string{"reader", "writer", "admin"},
		Prefs: map[string]string{"theme": "dark", "lang": "en", "tz": "UTC"},
		Since: &since,
	}
}

// Benchmark_UserShape: a verified request served from the cache, for users
// of three shapes. Each request gets a user of its own; compare with
// Benchmark_Floor_HMAC in the same run.
//
//	go test -run '^$' -bench 'UserShape|Floor' -benchmem -count 5 -benchtime 20000x .
func Benchmark_UserShape(b *testing.B) {
	b.Run("flat", func(b *testing.B) {
		handler, token := benchApp(b, true, toBenchUser)
		benchServe(b, handler, benchRequest("/protected", token), fiber.StatusOK)
	})
	b.Run("roles", func(b *testing.B) {
		handler, token := benchApp(b, true, toRolesUser)
		benchServe(b, handler, benchRequest("/protected", token), fiber.StatusOK)
	})
	b.Run("rich", func(b *testing.B) {
		handler, token := benchApp(b, true, toRichUser)
		benchServe(b, handler, benchRequest("/protected", token), fiber.StatusOK)
	})
}

// go test -run '^$' -bench Benchmark_Middleware_Parallel -benchmem
func Benchmark_Middleware_Parallel(b *testing.B) {
	handler, token := benchApp(b, true, toBenchUser)
	ctx := benchRequest("/protected", token)
	handler(ctx)
	if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
		b.Fatalf("status %d: %s", got, ctx.Response.Body())
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := benchRequest("/protected", token)
		for pb.Next() {
			ctx.Response.Reset()
			handler(ctx)
		}
	})
}

// go test -run '^$' -bench Benchmark_Unauthorized -benchmem
func Benchmark_Unauthorized(b *testing.B) {
	handler, _ := benchApp(b, true, toBenchUser)
	h := &harness{clock: newClock()}
	forged := sign(b, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)
	benchServe(b, handler, benchRequest("/protected", forged), fiber.StatusUnauthorized)
}

// go test -run '^$' -bench Benchmark_ProcessLogin -benchmem
func Benchmark_ProcessLogin(b *testing.B) {
	handler, _ := benchApp(b, true, toBenchUser)
	benchServe(b, handler, benchRequest("/login", ""), fiber.StatusOK)
}

// go test -run '^$' -bench Benchmark_Bare -benchmem
func Benchmark_Bare(b *testing.B) {
	handler, _ := benchApp(b, false, toBenchUser)
	benchServe(b, handler, benchRequest("/protected", ""), fiber.StatusOK)
}

// Benchmark_Floor_HMAC is the floor the middleware is measured against: the
// HMAC-SHA512 of a token's signing input, keyed state reused, nothing else.
//
//	go test -run '^$' -bench 'Benchmark_(Floor|Middleware$|Bare)' -benchmem -count 5
func Benchmark_Floor_HMAC(b *testing.B) {
	_, token := benchApp(b, true, toBenchUser)
	input := []byte(token[:strings.LastIndexByte(token, '.')])
	want, err := base64.RawURLEncoding.DecodeString(token[len(input)+1:])
	if err != nil {
		b.Fatal(err)
	}
	h := hmac.New(sha512.New, testSecret)
	var sum [sha512.Size]byte
	h.Write(input)
	if !hmac.Equal(h.Sum(sum[:0]), want) {
		b.Fatal("the floor computes another MAC than the token's")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Reset()
		h.Write(input)
		h.Sum(sum[:0])
	}
}

// workingSets holds the apps of the working-set benchmarks, built once per
// process: a login costs a signature.
var workingSets sync.Map // int -> *workingSet

type workingSet struct {
	handler fasthttp.RequestHandler
	tokens  []string
}

// loadWorkingSet returns an app with the default CacheSize and n tokens of
// distinct logins, each served once already.
func loadWorkingSet(b *testing.B, n int) *workingSet {
	if ws, ok := workingSets.Load(n); ok {
		return ws.(*workingSet)
	}
	handler, tokens := cacheApp(b, 0, n, nil)
	misses(b, handler, tokens, roundRobin(n, 1))
	ws := &workingSet{handler: handler, tokens: tokens}
	workingSets.Store(n, ws)
	return ws
}

// benchTokens serves b.N requests, the i-th carrying tokens[order[i]],
// order repeating.
func benchTokens(b *testing.B, ws *workingSet, order []int) {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI("/protected")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Request.Header.SetCookie("token", ws.tokens[order[i%len(order)]])
		ctx.Response.Reset()
		ws.handler(ctx)
	}
	b.StopTimer()
	if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
		b.Fatalf("status %d", got)
	}
}

// Benchmark_WorkingSet: verified requests round robin over the tokens of
// 1, 1,000, 10,000 and 100,000 distinct logins, with the default CacheSize
// (100,000). /1 is the single-token cost the others compare with.
//
//	go test -run '^$' -bench 'Benchmark_WorkingSet|Floor' -benchmem
func Benchmark_WorkingSet(b *testing.B) {
	for _, n := range []int{1, 1000, 10000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchTokens(b, loadWorkingSet(b, n), roundRobin(n, 1))
		})
	}
}

// Benchmark_WorkingSetBare is the part of Benchmark_WorkingSet that is the
// benchmark's own: the same requests, their cookies copied from the same
// tokens, through an app without the middleware. With 100,000 tokens the
// copy alone reads cold memory.
//
//	go test -run '^$' -bench 'Benchmark_WorkingSet' -benchmem
func Benchmark_WorkingSetBare(b *testing.B) {
	handler, _ := benchApp(b, false, toBenchUser)
	for _, n := range []int{1, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ws := &workingSet{handler: handler, tokens: loadWorkingSet(b, n).tokens}
			benchTokens(b, ws, roundRobin(n, 1))
		})
	}
}

// Benchmark_WorkingSetRandom: the same, the tokens drawn at random.
//
//	go test -run '^$' -bench 'Benchmark_WorkingSetRandom' -benchmem
func Benchmark_WorkingSetRandom(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchTokens(b, loadWorkingSet(b, n), random(n, 1<<20))
		})
	}
}

// Benchmark_Parallel: verified requests from every core at once, round
// robin over 1,000 tokens from a different start on each.
//
//	go test -run '^$' -bench 'Benchmark_Parallel' -benchmem -cpu 1,2
func Benchmark_Parallel(b *testing.B) {
	ws := loadWorkingSet(b, 1000)
	var start atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := &fasthttp.RequestCtx{}
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI("/protected")
		i := int(start.Add(397))
		for pb.Next() {
			i++
			ctx.Request.Header.SetCookie("token", ws.tokens[i%len(ws.tokens)])
			ctx.Response.Reset()
			ws.handler(ctx)
		}
	})
}

// Benchmark_Miss: verified requests whose tokens are not cached (10,000
// tokens round robin through a cache of 64): the signature, the decoding
// and checking of the claims, the user, and the attempt to cache it.
//
//	go test -run '^$' -bench 'Benchmark_Miss|Floor' -benchmem
func Benchmark_Miss(b *testing.B) {
	const n = 10000
	handler, tokens := cacheApp(b, 64, n, nil)
	before := decodes.Load()
	benchTokens(b, &workingSet{handler: handler, tokens: tokens}, roundRobin(n, 1))
	b.ReportMetric(float64(decodes.Load()-before)/float64(b.N), "misses/op")
}

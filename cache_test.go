package fiberjwt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"
)

// decodes counts the JSON decodings of countedUser: the middleware decodes
// the user of a token it has not cached, and never that of a cached one
// (countedUser holds plain values only).
var decodes atomic.Int64

// countedUser is a user type that counts its decodings.
type countedUser struct {
	ID string `json:"id"`
}

func (u *countedUser) UnmarshalJSON(b []byte) error {
	decodes.Add(1)
	var v struct {
		ID string `json:"id"`
	}
	err := json.Unmarshal(b, &v)
	u.ID = v.ID
	return err
}

// cacheApp is an app with CacheSize size, its handler, and tokens of n
// distinct logins.
func cacheApp(tb testing.TB, size, n int, cfg func(*fiberjwt.Config[countedUser])) (fasthttp.RequestHandler, []string) {
	tb.Helper()
	c := fiberjwt.Config[countedUser]{
		SecretKey: testSecret,
		CacheSize: size,
		Next:      func(c *fiber.Ctx) bool { return c.Path() == "/login" },
		Authenticate: func(c *fiber.Ctx, id, _ string) (countedUser, error) {
			return countedUser{ID: id}, nil
		},
	}
	if cfg != nil {
		cfg(&c)
	}
	app := fiber.New()
	app.Use(fiberjwt.New(c))
	app.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, c.Query("id"), "pw")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("Protected Page") })
	handler := app.Handler()
	tokens := make([]string, n)
	for i := range tokens {
		ctx := serve(handler, fmt.Sprintf("/login?id=user%d", i), "")
		if ctx.Response.StatusCode() != fiber.StatusOK {
			tb.Fatalf("login %d: %d %s", i, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		tokens[i] = string(ctx.Response.Body())
	}
	return handler, tokens
}

// misses serves each of order's tokens once and returns how many were not
// in the cache.
func misses(tb testing.TB, handler fasthttp.RequestHandler, tokens []string, order []int) int {
	tb.Helper()
	before := decodes.Load()
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI("/protected")
	for _, i := range order {
		ctx.Request.Header.SetCookie("token", tokens[i])
		ctx.Response.Reset()
		handler(ctx)
		if ctx.Response.StatusCode() != fiber.StatusOK {
			tb.Fatalf("token %d: %d", i, ctx.Response.StatusCode())
		}
	}
	return int(decodes.Load() - before)
}

func roundRobin(n, passes int) []int {
	order := make([]int, 0, n*passes)
	for p := 0; p < passes; p++ {
		for i := 0; i < n; i++ {
			order = append(order, i)
		}
	}
	return order
}

func random(n, count int) []int {
	r := rand.New(rand.NewPCG(1, 2))
	order := make([]int, count)
	for i := range order {
		order[i] = r.IntN(n)
	}
	return order
}

// A working set that fits stays cached; one that does not keeps a hit rate
// in proportion to the cache, for round-robin and random access, and never
// falls to zero.
//
// Not parallel: the decodings are counted process-wide.
//
// go test -run Test_Cache_WorkingSet
func Test_Cache_WorkingSet(t *testing.T) {
	const size = 2000
	tests := []struct {
		name    string
		n       int
		order   func(n int) []int
		maxMiss float64 // the largest share of misses allowed after warming up
		minMiss float64 // and the least expected
	}{
		{name: "fits, round robin", n: 1500, order: func(n int) []int { return roundRobin(n, 3) }, maxMiss: 0.03},
		{name: "fits, random", n: 1500, order: func(n int) []int { return random(n, 3*n) }, maxMiss: 0.03},
		{name: "twice the cache, round robin", n: 2 * size, order: func(n int) []int { return roundRobin(n, 3) }, maxMiss: 0.7, minMiss: 0.3},
		{name: "twice the cache, random", n: 2 * size, order: func(n int) []int { return random(n, 3*n) }, maxMiss: 0.7, minMiss: 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler, tokens := cacheApp(t, size, tt.n, nil)
			misses(t, handler, tokens, roundRobin(tt.n, 2)) // warm up: see each token twice
			order := tt.order(tt.n)
			share := float64(misses(t, handler, tokens, order)) / float64(len(order))
			t.Logf("%d tokens, cache of %d: %.1f%% misses", tt.n, size, 100*share)
			if share > tt.maxMiss || share < tt.minMiss {
				t.Fatalf("%.1f%% misses, want %.0f%% to %.0f%%", 100*share, 100*tt.minMiss, 100*tt.maxMiss)
			}
		})
	}
}

// A token in its refresh window gets the same fresh token on every request
// until the browser sends the new one, and the new one is cached: one
// token does not mint a token per request nor fill the cache.
//
// go test -run Test_Cache_RefreshReused
func Test_Cache_RefreshReused(t *testing.T) {
	clk := newClock()
	handler, tokens := cacheApp(t, 100, 1, func(c *fiberjwt.Config[countedUser]) {
		c.TimeFunc = clk.Now
		c.Expiration = time.Hour
	})
	clk.Advance(45 * time.Minute) // in the refresh window (the last 30 minutes)
	var fresh []string
	for i := 0; i < 3; i++ {
		ctx := serve(handler, "/protected", "token="+tokens[0])
		utils.AssertEqual(t, fiber.StatusOK, ctx.Response.StatusCode())
		fresh = append(fresh, string(ctx.Response.Header.PeekCookie("token")))
	}
	if fresh[0] == "" || fresh[1] != fresh[0] || fresh[2] != fresh[0] {
		t.Fatalf("the refreshes of one token differ: %q", fresh)
	}
}

// go test -run Test_New_CacheSize
func Test_New_CacheSize(t *testing.T) {
	err := recovered(newPanics(fiberjwt.Config[User]{SecretKey: testSecret, CacheSize: -1}))
	if !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("New with CacheSize -1: %v, want ErrConfig", err)
	}
}

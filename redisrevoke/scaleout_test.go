package redisrevoke_test

// ScaleOut tests: fiberjwt instances that share their revocations through
// redisrevoke and a real Redis, each a Fiber app on its own loopback port
// with its own Redis client and List, driven by a real HTTP client. See
// redis_helpers_test.go for Redis and the proxy.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"
)

// A List is a fiberjwt.Revocations, for Fiber v2 and v3 alike: list.go
// does not import fiberjwt, so that a Fiber v3 app does not build Fiber v2.
var _ fiberjwt.Revocations = (*redisrevoke.List)(nil)

const (
	// expiration is the tokens' lifetime, and so the revocations'.
	expiration = 10 * time.Minute
	// failAfter is redisrevoke's default Options.FailAfter.
	failAfter = time.Second
	// failMargin is what a loaded machine may add to failAfter before an
	// instance cut off Redis answers 503.
	failMargin = 500 * time.Millisecond
	// recoverWithin bounds how long an instance takes to serve again once
	// Redis is back.
	recoverWithin = 5 * time.Second
	// defaultKey is redisrevoke's default Options.Key.
	defaultKey = "fiberjwt:revocations"
)

type testUser struct {
	ID string `json:"id"`
}

// The bodies of refusals: the tests' Unauthorized names the error, so that
// a real HTTP client can tell a revoked token from an unreachable Redis.
const (
	bodyRevoked     = "revoked"     // 401, fiberjwt.ErrRevoked
	bodyUnavailable = "unavailable" // 503, fiberjwt.ErrStorage wrapping redisrevoke.ErrUnavailable
)

// newApp returns an app with the middleware, keeping revocations in rev
// (nil: the default in-memory Storage), and the routes POST /login (form
// fields id and pw, any id with the password "pw"), POST /logout, GET
// /protected, which answers "ok <name> <user id>", and, signed in, POST
// /signout-others (SignOutOtherDevices) and POST /signout-everywhere (form
// field id: SignOutEverywhere of that user).
func newApp(name string, secret []byte, rev fiberjwt.Revocations) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[testUser]{
		SecretKey:   secret,
		Expiration:  expiration,
		Revocations: rev,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (testUser, error) {
			if pw != "pw" {
				return testUser{}, errors.New("wrong password")
			}
			return testUser{ID: id}, nil
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" || c.Path() == "/logout" },
		Unauthorized: func(c *fiber.Ctx, err error) error {
			switch {
			case errors.Is(err, fiberjwt.ErrStorage) && errors.Is(err, redisrevoke.ErrUnavailable):
				return c.Status(fiber.StatusServiceUnavailable).SendString(bodyUnavailable)
			case errors.Is(err, fiberjwt.ErrRevoked):
				return c.Status(fiber.StatusUnauthorized).SendString(bodyRevoked)
			}
			return c.Status(fiber.StatusUnauthorized).SendString(err.Error()) // not expected
		},
	}))
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString(err.Error())
		}
		return c.SendString("signed in")
	})
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil {
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		}
		return c.SendString("signed out")
	})
	app.Post("/signout-others", func(c *fiber.Ctx) error {
		if err := fiberjwt.SignOutOtherDevices(c); err != nil {
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		}
		return c.SendString("signed out elsewhere")
	})
	app.Post("/signout-everywhere", func(c *fiber.Ctx) error {
		if err := fiberjwt.SignOutEverywhere(c, c.FormValue("id")); err != nil {
			return c.Status(fiber.StatusInternalServerError).SendString(err.Error())
		}
		return c.SendString("signed out everywhere")
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[testUser](c)
		if !ok {
			return c.Status(fiber.StatusInternalServerError).SendString("no user on a protected route")
		}
		return c.SendString("ok " + name + " " + u.ID)
	})
	return app
}

// node is one instance: its own app, port, Redis client and List.
type node struct {
	name string
	url  string
	app  *fiber.App
	list *redisrevoke.List
}

// newNode starts an instance whose List talks to Redis at redisAddr, and
// returns at once: until the List's first load it answers 503. It is
// shut down when the test ends.
func newNode(tb testing.TB, name string, secret []byte, redisAddr string) *node {
	tb.Helper()
	return newNodeWith(tb, name, secret, newClient(tb, redisAddr, name), redisrevoke.Options{})
}

// newNodeWith is newNode over client (closed by whoever made it, after the
// node), with opts.
func newNodeWith(tb testing.TB, name string, secret []byte, client redis.UniversalClient, opts redisrevoke.Options) *node {
	tb.Helper()
	list, err := redisrevoke.New(client, opts)
	if err != nil {
		tb.Fatalf("node %s: redisrevoke.New: %v", name, err)
	}
	n := &node{name: name, app: newApp(name, secret, list), list: list}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("node %s: listen: %v", name, err)
	}
	n.url = "http://" + ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- n.app.Listener(ln) }()
	tb.Cleanup(func() { // before the client closes (cleanups run last first)
		if err := n.app.ShutdownWithTimeout(5 * time.Second); err != nil {
			tb.Errorf("node %s: shutdown: %v", name, err)
		}
		if err := <-served; err != nil {
			tb.Errorf("node %s: server: %v", name, err)
		}
		_ = list.Close()
	})
	return n
}

// startNode starts an instance and waits for its List's first load.
func startNode(tb testing.TB, name string, secret []byte, redisAddr string) *node {
	tb.Helper()
	return ready(tb, newNode(tb, name, secret, redisAddr))
}

// ready waits for n's List's first load and returns n.
func ready(tb testing.TB, n *node) *node {
	tb.Helper()
	name := n.name
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.list.Ready(ctx); err != nil {
		tb.Fatalf("node %s: %v", name, err)
	}
	return n
}

func newSecret(tb testing.TB) []byte {
	secret := make([]byte, 64) // HS512, the default, needs 64 bytes
	if _, err := rand.Read(secret); err != nil {
		tb.Fatal(err)
	}
	return secret
}

// newHTTPClient returns a client that keeps connections alive (so that
// polling measures the instance, not TCP handshakes).
func newHTTPClient(tb testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// session is what a browser keeps after a login.
type session struct {
	token string
	csrf  string
}

type reply struct {
	status int
	body   string
}

func (r reply) String() string { return fmt.Sprintf("%d %q", r.status, r.body) }

// send sends a request with the session's cookies and, for a form, its
// CSRF value in the X-CSRF-Token header.
func send(hc *http.Client, method, rawURL string, s session, form url.Values) (reply, *http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		return reply{}, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.token != "" {
		// By hand: the cookies are Secure and the test speaks plain http.
		req.AddCookie(&http.Cookie{Name: "token", Value: s.token})
		req.AddCookie(&http.Cookie{Name: fiberjwt.CSRFCookieName, Value: s.csrf})
		req.Header.Set(fiberjwt.CSRFHeader, s.csrf)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return reply{}, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, nil, err
	}
	return reply{status: resp.StatusCode, body: string(b)}, resp, nil
}

// get sends GET /protected to n with the session's token.
func get(tb testing.TB, hc *http.Client, n *node, s session) reply {
	tb.Helper()
	r, _, err := send(hc, http.MethodGet, n.url+"/protected", s, nil)
	if err != nil {
		tb.Fatalf("GET /protected on %s: %v", n.name, err)
	}
	return r
}

// login signs id in on n and returns the browser's cookies.
func login(tb testing.TB, hc *http.Client, n *node, id string) session {
	tb.Helper()
	r, resp, err := send(hc, http.MethodPost, n.url+"/login", session{}, url.Values{"id": {id}, "pw": {"pw"}})
	if err != nil || r.status != http.StatusOK {
		tb.Fatalf("login of %s on %s: %v, %v", id, n.name, r, err)
	}
	return sessionOf(tb, resp.Cookies())
}

// sessionOf reads the token and CSRF cookies a login set.
func sessionOf(tb testing.TB, cookies []*http.Cookie) session {
	tb.Helper()
	var s session
	for _, c := range cookies {
		switch c.Name {
		case "token":
			s.token = c.Value
		case fiberjwt.CSRFCookieName:
			s.csrf = c.Value
		}
	}
	if s.token == "" || s.csrf == "" {
		tb.Fatalf("the login set no token or CSRF cookie: %v", cookies)
	}
	return s
}

// logout signs s out on n.
func logout(tb testing.TB, hc *http.Client, n *node, s session) {
	tb.Helper()
	r, _, err := send(hc, http.MethodPost, n.url+"/logout", s, url.Values{})
	if err != nil || r.status != http.StatusOK {
		tb.Fatalf("logout on %s: %v, %v", n.name, r, err)
	}
}

// expect checks that n answers GET /protected with s as want.
func expect(tb testing.TB, hc *http.Client, n *node, s session, want reply, what string) {
	tb.Helper()
	if got := get(tb, hc, n, s); got != want {
		tb.Fatalf("%s: GET /protected on %s answered %v, want %v", what, n.name, got, want)
	}
}

func served(n *node, id string) reply { return reply{http.StatusOK, "ok " + n.name + " " + id} }

var (
	revoked     = reply{http.StatusUnauthorized, bodyRevoked}
	unavailable = reply{http.StatusServiceUnavailable, bodyUnavailable}
)

// poll calls check every interval (0: back to back) until it reports done,
// and returns how long that took; it fails the test when check fails or
// timeout passes first.
func poll(tb testing.TB, interval, timeout time.Duration, what string, check func() (done bool, err error)) time.Duration {
	tb.Helper()
	start := time.Now()
	for {
		done, err := check()
		elapsed := time.Since(start)
		switch {
		case err != nil:
			tb.Fatalf("%s: after %v: %v", what, elapsed.Round(time.Millisecond), err)
		case done:
			return elapsed
		case elapsed > timeout:
			tb.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(interval) // polling interval
	}
}

// until returns a check for poll: done when n answers want, an error
// when it answers something that is neither want nor one of meanwhile.
func until(tb testing.TB, hc *http.Client, n *node, s session, want reply, meanwhile ...reply) func() (bool, error) {
	return func() (bool, error) {
		got := get(tb, hc, n, s)
		switch {
		case got == want:
			return true, nil
		case slices.Contains(meanwhile, got):
			return false, nil
		}
		return false, fmt.Errorf("%s answered %v, want %v (or meanwhile %v)", n.name, got, want, meanwhile)
	}
}

// sessionID returns the token's sid claim, read without verification.
func sessionID(tb testing.TB, token string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token %q is not a JWS in compact form", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		SID string `json:"sid"`
	}
	if err == nil {
		err = json.Unmarshal(payload, &claims)
	}
	if err != nil || claims.SID == "" {
		tb.Fatalf("token payload %q: no sid (%v)", payload, err)
	}
	return claims.SID
}

// go test -run Test_ScaleOut_NoRoundTripPerRequest -v
func Test_ScaleOut_NoRoundTripPerRequest(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	a := startNode(t, "A", newSecret(t), srv.Addr())
	s := login(t, newHTTPClient(t), a, "alice")
	counter := newClient(t, srv.Addr(), "counter")

	const requests = 10_000
	before, beforeCalls := commandCalls(t, counter)
	start := time.Now()
	h := a.app.Handler()
	ctx := &fasthttp.RequestCtx{}
	for i := range requests {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI("/protected")
		ctx.Request.Header.SetCookie("token", s.token)
		h(ctx)
		if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
			t.Fatalf("request %d: status %d, body %q; want 200", i, got, ctx.Response.Body())
		}
	}
	elapsed := time.Since(start)
	after, afterCalls := commandCalls(t, counter)

	delta := make(map[string]int64)
	for name, n := range afterCalls {
		if d := n - beforeCalls[name]; d != 0 {
			delta[name] = d
		}
	}
	// Four PINGs per second (FailAfter/4), twice over for a loaded
	// machine, and a few commands of go-redis's own.
	allowed := 8*int64(math.Ceil(elapsed.Seconds())) + 10
	t.Logf("%d verified requests in %v: %d Redis commands (%v), allowed %d",
		requests, elapsed.Round(time.Millisecond), after-before, delta, allowed)
	if after-before > allowed {
		t.Fatalf("%d Redis commands for %d requests in %v (%v): want at most %d, none per request",
			after-before, requests, elapsed, delta, allowed)
	}

	// The count is real: a logout shows up in it.
	logout(t, newHTTPClient(t), a, s)
	_, logoutCalls := commandCalls(t, counter)
	for _, name := range []string{"zadd", "publish"} {
		if got := logoutCalls[name] - afterCalls[name]; got != 1 {
			t.Errorf("INFO commandstats counted %d %s for a logout, want 1", got, name)
		}
	}
}

// go test -run Test_ScaleOut_PropagationBound -v
func Test_ScaleOut_PropagationBound(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	secret := newSecret(t)
	a := startNode(t, "A", secret, srv.Addr())
	b := startNode(t, "B", secret, srv.Addr())
	hc := newHTTPClient(t)

	const logouts = 100
	lags := make([]time.Duration, 0, logouts)
	var requests int
	for i := range logouts {
		id := fmt.Sprintf("user-%d", i)
		s := login(t, hc, a, id)
		expect(t, hc, b, s, served(b, id), "before the logout")
		logout(t, hc, a, s)
		// Back to back: each poll is a real HTTP request to B.
		refused := until(t, hc, b, s, revoked, served(b, id))
		lags = append(lags, poll(t, 0, 2*time.Second, "B refuses a token revoked on A", func() (bool, error) {
			requests++
			return refused()
		}))
	}
	slices.Sort(lags)
	rank := func(p float64) time.Duration { return lags[int(math.Ceil(p*logouts))-1] } // nearest rank
	p50, p99, maxLag := rank(0.50), rank(0.99), lags[logouts-1]
	t.Logf("propagation A -> B over %d logouts: p50 %v, p99 %v, max %v (%d requests to B, each counted in full)",
		logouts, p50, p99, maxLag, requests)
	if p99 > 50*time.Millisecond {
		t.Fatalf("propagation p99 %v, want at most 50ms (p50 %v, max %v)", p99, p50, maxLag)
	}
}

// go test -run Test_ScaleOut_PartitionFailsClosed -v
func Test_ScaleOut_PartitionFailsClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// cut cuts B (through the proxy) or both A and B (Redis itself)
		// off Redis; heal undoes it.
		cut, heal func(srv *redisServer, p *proxy)
		aCut      bool
	}{
		{
			name: "redis-stopped",
			cut:  func(srv *redisServer, _ *proxy) { srv.Stop() },
			heal: func(srv *redisServer, _ *proxy) { srv.Restart() },
			aCut: true,
		},
		{
			name: "connection-cut",
			cut:  func(_ *redisServer, p *proxy) { p.Cut() },
			heal: func(_ *redisServer, p *proxy) { p.Restore() },
		},
		{
			name: "connection-stalled",
			cut:  func(_ *redisServer, p *proxy) { p.Stall() },
			heal: func(_ *redisServer, p *proxy) { p.Restore() },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRedis(t)
			p := startProxy(t, srv.Addr())
			secret := newSecret(t)
			a := startNode(t, "A", secret, srv.Addr()) // connected directly
			b := startNode(t, "B", secret, p.Addr())
			hc := newHTTPClient(t)
			s := login(t, hc, a, "alice")
			expect(t, hc, b, s, served(b, "alice"), "before the cut")
			cut := []*node{b}
			if tt.aCut {
				cut = []*node{a, b} // A first: its time is not B's
			}

			tt.cut(srv, p)
			cutAt := time.Now()
			for _, n := range cut {
				poll(t, time.Millisecond, failAfter+failMargin, n.name+" fails closed",
					until(t, hc, n, s, unavailable, served(n, "alice")))
				t.Logf("%s: %s answered 503 %v after the cut", tt.name, n.name, time.Since(cutAt).Round(time.Millisecond))
			}
			if !tt.aCut {
				expect(t, hc, a, s, served(a, "alice"), "A, still connected, while B is cut off")
			}

			tt.heal(srv, p)
			healedAt := time.Now()
			for _, n := range cut {
				poll(t, time.Millisecond, recoverWithin, n.name+" recovers by itself",
					until(t, hc, n, s, served(n, "alice"), unavailable))
				t.Logf("%s: %s answered 200 again %v after the repair", tt.name, n.name, time.Since(healedAt).Round(time.Millisecond))
			}
		})
	}
}

// go test -run Test_ScaleOut_RevocationDuringPartition -v
func Test_ScaleOut_RevocationDuringPartition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		partition func(p *proxy)
		// noticed: B fails closed before the logout, rather than missing
		// the announcement while it still serves.
		noticed bool
	}{
		{name: "connection-cut", partition: (*proxy).Cut, noticed: true},
		// A silent partition swallows the announcement while B still
		// serves: B may accept the token until FailAfter after Redis last
		// answered, never after it reconnected.
		{name: "connection-stalled", partition: (*proxy).Stall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRedis(t)
			p := startProxy(t, srv.Addr())
			secret := newSecret(t)
			a := startNode(t, "A", secret, srv.Addr())
			b := startNode(t, "B", secret, p.Addr())
			hc := newHTTPClient(t)
			s := login(t, hc, a, "alice")
			expect(t, hc, b, s, served(b, "alice"), "before the partition")

			tt.partition(p)
			if tt.noticed {
				poll(t, time.Millisecond, failAfter+failMargin, "B fails closed",
					until(t, hc, b, s, unavailable, served(b, "alice")))
			}
			logout(t, hc, a, s)
			expect(t, hc, a, s, revoked, "A, after the logout")
			if tt.noticed {
				expect(t, hc, b, s, unavailable, "B, cut off, after the logout on A")
			} else {
				poll(t, time.Millisecond, failAfter+failMargin, "B fails closed",
					until(t, hc, b, s, unavailable, served(b, "alice")))
			}

			p.Restore()
			took := poll(t, time.Millisecond, recoverWithin, "B, reconnected, knows the revocation",
				until(t, hc, b, s, revoked, unavailable)) // never 200
			for range 10 {
				expect(t, hc, b, s, revoked, "B, after it reconnected")
			}
			s2 := login(t, hc, a, "bob")
			expect(t, hc, b, s2, served(b, "bob"), "B, another session")
			t.Logf("%s: B refused the token revoked during the partition %v after the repair", tt.name, took.Round(time.Millisecond))
		})
	}
}

// go test -run Test_ScaleOut_FreshInstanceKnowsRevocations -v
func Test_ScaleOut_FreshInstanceKnowsRevocations(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	secret := newSecret(t)
	a := startNode(t, "A", secret, srv.Addr())
	hc := newHTTPClient(t)
	live := login(t, hc, a, "bob")
	s := login(t, hc, a, "alice")
	logout(t, hc, a, s)
	revokedAt := time.Now()

	// The revocation lasts as long as the token could, in Redis too.
	rc := newClient(t, srv.Addr(), "inspect")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	score, err := rc.ZScore(ctx, defaultKey, sessionID(t, s.token)).Result()
	if err != nil {
		t.Fatalf("ZSCORE %s <sid>: %v", defaultKey, err)
	}
	pttl, err := rc.PTTL(ctx, defaultKey).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", defaultKey, err)
	}
	left := time.UnixMilli(int64(score)).Sub(revokedAt)
	t.Logf("revoked for %v more; %s expires in %v", left.Round(time.Millisecond), defaultKey, pttl)
	if left <= expiration-5*time.Second || left > expiration+time.Second {
		t.Errorf("the revocation's score is %v from now, want about Expiration (%v)", left, expiration)
	}
	if pttl <= 0 || (pttl-left).Abs() > time.Second {
		t.Errorf("PTTL %s is %v, want the revocation's %v: the set must expire with its last entry", defaultKey, pttl, left)
	}

	// A fresh instance never serves the token: 503 until it has loaded the
	// revocations, then 401.
	c := newNode(t, "C", secret, srv.Addr())
	var unsynced int
	poll(t, 0, recoverWithin, "C, fresh, refuses the revoked token", func() (bool, error) {
		switch got := get(t, hc, c, s); got {
		case revoked:
			return true, nil
		case unavailable:
			unsynced++
			return false, nil
		default:
			return false, fmt.Errorf("C answered %v", got)
		}
	})
	t.Logf("C answered 503 %d times before it refused the token with 401", unsynced)
	expect(t, hc, c, live, served(c, "bob"), "C, a live session")

	// Ready means the revocations are loaded.
	d := newNode(t, "D", secret, srv.Addr())
	if err := d.list.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	expect(t, hc, d, s, revoked, "D, right after Ready")
	expect(t, hc, d, live, served(d, "bob"), "D, a live session")
}

package integration

// ScaleOut tests: fiberjwt revocation shared through a real Redis by two app
// instances that listen on their own loopback ports and are driven by a real
// HTTP client. See redis_helpers_test.go for how Redis is provided.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/internal/redistest"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/storage/redis/v3"
	goredis "github.com/redis/go-redis/v9"
)

// scaleOutExpiration is the token lifetime in these tests: long enough for
// the test, short enough that revocations left in a shared $REDIS_ADDR
// expire soon.
const scaleOutExpiration = 2 * time.Minute

type scaleOutUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// meBody is what GET /me answers.
type meBody struct {
	Instance string `json:"instance"`
	ID       string `json:"id"`
	Name     string `json:"name"`
}

// errRecorder keeps the errors a Config.Unauthorized received. The handler
// runs on a server goroutine; the test reads after the response arrived.
type errRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *errRecorder) add(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// take returns the errors recorded since the last take and forgets them.
func (r *errRecorder) take() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs
	r.errs = nil
	return errs
}

// instance is one app server: its own fiber.App, its own Redis client and
// its own loopback port.
type instance struct {
	name   string
	url    string
	app    *fiber.App
	store  *redis.Storage
	rec    *errRecorder // nil: the library's default Unauthorized
	served chan error   // app.Listener's result
	down   bool
}

// newRedisStore returns a Redis client built the plain way, with
// redis.New. redis.New pings and panics when Redis is down: call it only
// while Redis is up.
func newRedisStore(host string, port int, name string) *redis.Storage {
	return redis.New(redis.Config{Host: host, Port: port, ClientName: "fiberjwt-scaleout-" + name})
}

// newFailFastRedisStore returns a Redis client that gives up quickly while
// Redis is down. redis.Config has no retry settings, and with go-redis's
// defaults (4 attempts per command, each dial tried 5 times 100ms apart,
// until 10 dials per CPU failed in a row) every request waits about 2
// seconds for its 503 at the start of an outage. The timeouts keep go-redis's
// defaults: a killed server refuses connections at once, and short timeouts
// would only make the test flaky on a loaded machine.
func newFailFastRedisStore(host string, port int, name string) *redis.Storage {
	return redis.NewFromConnection(goredis.NewClient(&goredis.Options{
		Addr:       net.JoinHostPort(host, strconv.Itoa(port)),
		ClientName: "fiberjwt-scaleout-" + name,
		// go-redis stops dialling once PoolSize dials failed in a row, and
		// then redials in the background every second.
		PoolSize:        2,
		DialerRetries:   1,
		MaxRetries:      1,
		MinRetryBackoff: 10 * time.Millisecond,
		MaxRetryBackoff: 50 * time.Millisecond,
	}))
}

// startInstance starts an instance signing with secret and revoking in
// store, which it closes when it stops. With record set, its Unauthorized
// records every error and answers 503 for ErrStorage and 401 otherwise;
// without, the library's default Unauthorized answers.
func startInstance(t *testing.T, name string, secret []byte, store *redis.Storage, record bool) *instance {
	t.Helper()
	in := &instance{name: name, store: store, served: make(chan error, 1)}
	cfg := fiberjwt.Config[scaleOutUser]{
		SecretKey:      secret,
		InsecureCookie: true, // plain http on loopback
		Expiration:     scaleOutExpiration,
		Storage:        store,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (scaleOutUser, error) {
			if id == "alice" && pw == "wonderland" {
				return scaleOutUser{ID: "alice", Name: "Alice"}, nil
			}
			return scaleOutUser{}, errors.New("wrong id or password")
		},
		Next: func(c *fiber.Ctx) bool {
			switch c.Path() {
			case "/login", "/logout", "/public":
				return true
			}
			return false
		},
	}
	if record {
		in.rec = &errRecorder{}
		cfg.Unauthorized = func(c *fiber.Ctx, err error) error {
			in.rec.add(err)
			if errors.Is(err, fiberjwt.ErrStorage) {
				return c.Status(fiber.StatusServiceUnavailable).SendString("unavailable")
			}
			return c.Status(fiber.StatusUnauthorized).SendString("refused")
		}
	}

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(cfg))
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
		}
		return c.SendString("signed in")
	})
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil {
			if errors.Is(err, fiberjwt.ErrStorage) {
				return c.Status(fiber.StatusServiceUnavailable).SendString("logout failed: storage")
			}
			return err
		}
		return c.SendString("signed out")
	})
	app.Get("/me", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[scaleOutUser](c)
		if !ok {
			return c.Status(fiber.StatusInternalServerError).SendString("no user on a protected route")
		}
		return c.JSON(meBody{Instance: name, ID: u.ID, Name: u.Name})
	})
	app.Get("/public", func(c *fiber.Ctx) error {
		if u, ok := fiberjwt.CurrentUser[scaleOutUser](c); ok {
			return c.SendString("hello " + u.ID)
		}
		return c.SendString("anonymous")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = store.Close()
		t.Fatalf("instance %s: listen: %v", name, err)
	}
	in.app, in.url = app, "http://"+ln.Addr().String()
	go func() { in.served <- app.Listener(ln) }()
	t.Cleanup(func() { in.stop(t) })
	return in
}

// stop shuts the app down, waits for its server to return and closes its
// Redis client. Calling it again does nothing.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	if in.down {
		return
	}
	in.down = true
	if err := in.app.ShutdownWithTimeout(5 * time.Second); err != nil {
		t.Errorf("instance %s: shutdown: %v", in.name, err)
	}
	select {
	case err := <-in.served:
		if err != nil {
			t.Errorf("instance %s: server: %v", in.name, err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("instance %s: server still running 5s after shutdown", in.name)
	}
	if err := in.store.Close(); err != nil {
		t.Errorf("instance %s: closing the Redis client: %v", in.name, err)
	}
}

// newHTTPClient returns a client that opens a new TCP connection per request
// (so nothing survives an instance restart) and does not follow redirects.
func newHTTPClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the token cookie (when token is not empty).
func do(hc *http.Client, method, rawURL, token string, form url.Values, accept string) (response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		return response{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "token", Value: token})
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

func mustDo(t *testing.T, hc *http.Client, method, rawURL, token string, form url.Values, accept string) response {
	t.Helper()
	r, err := do(hc, method, rawURL, token, form, accept)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	return r
}

// tokenCookie returns the token cookie a response sets.
func tokenCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "token" {
			return c
		}
	}
	t.Fatalf("response sets no token cookie; Set-Cookie: %q", r.header.Values("Set-Cookie"))
	return nil
}

// signedIn is what a browser keeps after a login: the token cookie and, when
// the library sets one, the readable CSRF cookie.
type signedIn struct {
	token string
	csrf  string
}

// login signs alice in on in and returns her new cookies.
func login(t *testing.T, hc *http.Client, in *instance) signedIn {
	t.Helper()
	r := mustDo(t, hc, http.MethodPost, in.url+"/login", "", url.Values{"id": {"alice"}, "pw": {"wonderland"}}, "")
	if r.status != http.StatusOK {
		t.Fatalf("login on %s: status %d, body %q", in.name, r.status, r.body)
	}
	c := tokenCookie(t, r)
	if c.Value == "" || !c.HttpOnly {
		t.Fatalf("login on %s: token cookie %+v: want a non-empty HttpOnly value", in.name, c)
	}
	s := signedIn{token: c.Value}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "csrf_token" {
			s.csrf = c.Value
		}
	}
	return s
}

// logoutForm is the body of POST /logout: it carries the CSRF value like
// a form of the site would.
func logoutForm(s signedIn) url.Values {
	form := url.Values{}
	if s.csrf != "" {
		form.Set("csrf_token", s.csrf)
	}
	return form
}

// logout signs the session s out on in.
func logout(t *testing.T, hc *http.Client, in *instance, s signedIn) {
	t.Helper()
	r := mustDo(t, hc, http.MethodPost, in.url+"/logout", s.token, logoutForm(s), "")
	if r.status != http.StatusOK {
		t.Fatalf("logout on %s: status %d, body %q", in.name, r.status, r.body)
	}
	if c := tokenCookie(t, r); c.Value != "" {
		t.Fatalf("logout on %s did not clear the token cookie: %+v", in.name, c)
	}
}

// expectServed checks that in serves GET /me to alice with token.
func expectServed(t *testing.T, hc *http.Client, in *instance, token, what string) {
	t.Helper()
	r := mustDo(t, hc, http.MethodGet, in.url+"/me", token, nil, "")
	if r.status != http.StatusOK {
		var errs []error
		if in.rec != nil {
			errs = in.rec.take()
		}
		t.Fatalf("%s: GET /me on %s: status %d, body %q, Unauthorized got %v; want 200", what, in.name, r.status, r.body, errs)
	}
	var me meBody
	if err := json.Unmarshal([]byte(r.body), &me); err != nil {
		t.Fatalf("%s: GET /me on %s: body %q: %v", what, in.name, r.body, err)
	}
	if want := (meBody{Instance: in.name, ID: "alice", Name: "Alice"}); me != want {
		t.Fatalf("%s: GET /me answered %+v, want %+v", what, me, want)
	}
	if in.rec != nil {
		if errs := in.rec.take(); len(errs) != 0 {
			t.Fatalf("%s: Unauthorized on %s was called with %v", what, in.name, errs)
		}
	}
}

// expectRefused checks that in refuses GET /me with token with wantStatus,
// and, when in records, that Unauthorized got exactly one error that
// errors.Is want.
func expectRefused(t *testing.T, hc *http.Client, in *instance, token string, wantStatus int, want error, what string) error {
	t.Helper()
	r := mustDo(t, hc, http.MethodGet, in.url+"/me", token, nil, "")
	if r.status != wantStatus {
		t.Fatalf("%s: GET /me on %s: status %d, body %q; want %d", what, in.name, r.status, r.body, wantStatus)
	}
	if token != "" && strings.Contains(r.body, token) {
		t.Fatalf("%s: the refusal on %s reveals the token", what, in.name)
	}
	if in.rec == nil {
		return nil
	}
	errs := in.rec.take()
	if len(errs) != 1 {
		t.Fatalf("%s: Unauthorized on %s was called %d times (%v), want once", what, in.name, len(errs), errs)
	}
	if !errors.Is(errs[0], want) {
		t.Fatalf("%s: Unauthorized on %s got %v, want an error that errors.Is %v", what, in.name, errs[0], want)
	}
	return errs[0]
}

// eventually polls cond every 50ms until it returns "" or timeout passes,
// and then fails with its last answer.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := cond()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, timeout, last)
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}

func newSecret(t *testing.T) []byte {
	t.Helper()
	secret := make([]byte, 64) // HS512, the default, needs 64 bytes
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

// sessionIDs returns the token's sid and jti claims that are set, read
// without verification: the ids a revocation key can name.
func sessionIDs(t *testing.T, token string) []string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS in compact form", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims struct {
		SID string `json:"sid"`
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.JTI == "" {
		t.Fatalf("token payload %s: no jti (%v)", payload, err)
	}
	if claims.SID != "" {
		return []string{claims.SID, claims.JTI}
	}
	return []string{claims.JTI}
}

// maxRevocationTTL is the longest a revocation needs to live: no token of
// the session issued before the logout lives longer than Expiration (plus
// the one second the library rounds up, and one of slack).
const maxRevocationTTL = scaleOutExpiration + 2*time.Second

// expectRevocationInRedis checks, with a Redis client of its own, that Redis
// holds exactly one key naming the token's session (sid, or jti), and that
// it expires instead of staying forever.
func expectRevocationInRedis(t *testing.T, host string, port int, token string) {
	t.Helper()
	store := redis.New(redis.Config{Host: host, Port: port, PoolSize: 1})
	defer store.Close()
	db := store.Conn()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	found := map[string]bool{}
	for _, id := range sessionIDs(t, token) {
		iter := db.Scan(ctx, 0, "*"+id+"*", 1000).Iterator()
		for iter.Next(ctx) {
			found[iter.Val()] = true
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("scanning Redis: %v", err)
		}
	}
	var keys []string
	for k := range found {
		keys = append(keys, k)
	}
	if len(keys) != 1 {
		t.Fatalf("Redis keys naming the revoked token's sid or jti: %q, want exactly one", keys)
	}
	ttl, err := db.TTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatalf("TTL %s: %v", keys[0], err)
	}
	if ttl <= 0 || ttl > maxRevocationTTL {
		t.Fatalf("revocation %s has TTL %v, want it to expire (0 < TTL <= %v)", keys[0], ttl, maxRevocationTTL)
	}
}

// Test_ScaleOut_SharedRevocation: a session started on A is served by B, and
// after a logout on A a kept copy of its token is refused by B (ErrRevoked,
// 401) and by A, through the revocation stored in Redis; another session of
// the same user goes on working on both.
func Test_ScaleOut_SharedRevocation(t *testing.T) {
	t.Parallel()
	host, port := testRedis(t)
	secret := newSecret(t)
	a := startInstance(t, "A", secret, newRedisStore(host, port, "A"), false)
	b := startInstance(t, "B", secret, newRedisStore(host, port, "B"), true)
	hc := newHTTPClient(t)

	// Without a token B refuses with ErrNoToken: the recorder tells the
	// reasons apart.
	expectRefused(t, hc, b, "", http.StatusUnauthorized, fiberjwt.ErrNoToken, "no token")

	stolen := login(t, hc, a) // the session that logs out; a copy of its token is kept
	other := login(t, hc, a)  // a second session of the same user
	if stolen.token == other.token {
		t.Fatal("two logins returned the same token")
	}
	expectServed(t, hc, b, stolen.token, "token from A before logout")
	expectServed(t, hc, a, stolen.token, "token from A before logout")

	logout(t, hc, a, stolen)
	expectRevocationInRedis(t, host, port, stolen.token)

	err := expectRefused(t, hc, b, stolen.token, http.StatusUnauthorized, fiberjwt.ErrRevoked, "kept token after logout on A")
	if errors.Is(err, fiberjwt.ErrStorage) {
		t.Fatalf("revoked token reported as a storage failure: %v", err)
	}
	expectRefusedDefault(t, hc, a, stolen.token, http.StatusUnauthorized, "Unauthorized", "kept token after logout, on A itself")

	expectServed(t, hc, b, other.token, "other session after logout")
	expectServed(t, hc, a, other.token, "other session after logout")
}

// Test_ScaleOut_RestartKeepsRevocation: after both instances are replaced
// (apps shut down, Redis clients closed, new apps and clients on the same
// Redis), a token revoked before the restart is still refused by both, and a
// session started before the logout still works on both.
func Test_ScaleOut_RestartKeepsRevocation(t *testing.T) {
	t.Parallel()
	host, port := testRedis(t)
	secret := newSecret(t)
	a := startInstance(t, "A", secret, newRedisStore(host, port, "A"), false)
	b := startInstance(t, "B", secret, newRedisStore(host, port, "B"), true)
	hc := newHTTPClient(t)

	stolen := login(t, hc, a)
	other := login(t, hc, b) // the second session starts on B
	logout(t, hc, a, stolen)
	expectRefused(t, hc, b, stolen.token, http.StatusUnauthorized, fiberjwt.ErrRevoked, "before restart")

	a.stop(t)
	b.stop(t)
	for _, old := range []*instance{a, b} {
		if _, err := do(hc, http.MethodGet, old.url+"/me", other.token, nil, ""); err == nil {
			t.Fatalf("instance %s still answers after shutdown", old.name)
		}
		if _, err := old.store.Get("probe"); err == nil {
			t.Fatalf("instance %s: Redis client still works after Close", old.name)
		}
	}

	a2 := startInstance(t, "A", secret, newRedisStore(host, port, "A"), false)
	b2 := startInstance(t, "B", secret, newRedisStore(host, port, "B"), true)
	expectRefused(t, hc, b2, stolen.token, http.StatusUnauthorized, fiberjwt.ErrRevoked, "revoked token after restart")
	expectRefusedDefault(t, hc, a2, stolen.token, http.StatusUnauthorized, "Unauthorized", "revoked token after restart")
	expectServed(t, hc, a2, other.token, "other session after restart")
	expectServed(t, hc, b2, other.token, "other session after restart")
}

// Test_ScaleOut_RedisDownFailsClosed: with its redis-server killed, a valid
// token is refused (ErrStorage, 503 from the default handler, the user not
// set even on a public route), and once the server is back on the same port
// the same apps accept the token again by themselves.
func Test_ScaleOut_RedisDownFailsClosed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t) // its own server, even with $REDIS_ADDR: it is killed
	secret := newSecret(t)
	a := startInstance(t, "A", secret, newFailFastRedisStore("127.0.0.1", srv.Port(), "A"), false)
	b := startInstance(t, "B", secret, newFailFastRedisStore("127.0.0.1", srv.Port(), "B"), true)
	hc := newHTTPClient(t)

	token := login(t, hc, a).token
	expectServed(t, hc, a, token, "Redis up")
	expectServed(t, hc, b, token, "Redis up")

	srv.Stop()
	if err := redistest.Ping(srv.Addr()); err == nil {
		t.Fatal("redis-server still answers PING after it was killed")
	}
	start := time.Now()

	expectRefusedDefault(t, hc, a, token, http.StatusServiceUnavailable, "Service Unavailable", "Redis down")
	r := mustDo(t, hc, http.MethodGet, a.url+"/me", token, nil, "application/json")
	if r.status != http.StatusServiceUnavailable || r.body != `{"error":"unavailable"}` {
		t.Fatalf("Redis down, JSON client: %d %q, want 503 {\"error\":\"unavailable\"}", r.status, r.body)
	}
	err := expectRefused(t, hc, b, token, http.StatusServiceUnavailable, fiberjwt.ErrStorage, "Redis down")
	if errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("Redis down reported as a revocation: %v", err)
	}
	if err.Error() == fiberjwt.ErrStorage.Error() {
		t.Fatalf("the ErrStorage error does not carry Redis's own error: %v", err)
	}
	t.Logf("Redis down: Unauthorized got %q", err)

	// A public route serves the request, but not as alice.
	if r := mustDo(t, hc, http.MethodGet, a.url+"/public", token, nil, ""); r.status != http.StatusOK || r.body != "anonymous" {
		t.Fatalf("Redis down, public route: %d %q, want 200 \"anonymous\"", r.status, r.body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing requests while Redis is down took %v; want it quick", d)
	}

	srv.Restart() // same port, same --dir; nothing was persisted
	for _, in := range []*instance{a, b} {
		eventually(t, 10*time.Second, "instance "+in.name+" accepts the token again after Redis restarted", func() string {
			r, err := do(hc, http.MethodGet, in.url+"/me", token, nil, "")
			switch {
			case err != nil:
				return err.Error()
			case r.status != http.StatusOK:
				return fmt.Sprintf("status %d, body %q", r.status, r.body)
			}
			return ""
		})
		if in.rec != nil {
			for _, err := range in.rec.take() { // refusals while the client reconnected
				if !errors.Is(err, fiberjwt.ErrStorage) {
					t.Fatalf("instance %s, while Redis came back: Unauthorized got %v, want only ErrStorage", in.name, err)
				}
			}
		}
		expectServed(t, hc, in, token, "after Redis restarted")
	}
	t.Logf("recovered %v after Redis was killed", time.Since(start))
}

// Test_ScaleOut_LogoutWhileRedisDownReportsErrStorage: a logout on a public
// route (as the README advises) while Redis is down cannot store the
// revocation, so Logout must say so with ErrStorage (the handler answers
// 503) instead of reporting success; the cookie is cleared all the same.
func Test_ScaleOut_LogoutWhileRedisDownReportsErrStorage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t) // its own server, even with $REDIS_ADDR: it is killed
	a := startInstance(t, "A", newSecret(t), newFailFastRedisStore("127.0.0.1", srv.Port(), "A"), false)
	hc := newHTTPClient(t)

	s := login(t, hc, a)
	expectServed(t, hc, a, s.token, "Redis up")
	srv.Stop()

	r := mustDo(t, hc, http.MethodPost, a.url+"/logout", s.token, logoutForm(s), "")
	if c := tokenCookie(t, r); c.Value != "" {
		t.Errorf("logout with Redis down did not clear the token cookie: %+v", c)
	}
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("logout with Redis down: %d %q, want 503: Logout must return ErrStorage when it cannot store the revocation", r.status, r.body)
	}
}

// expectRefusedDefault checks the default Unauthorized's answer on an
// instance without a recorder: status, plain-text body and no-store.
func expectRefusedDefault(t *testing.T, hc *http.Client, in *instance, token string, wantStatus int, wantBody, what string) response {
	t.Helper()
	if in.rec != nil {
		t.Fatalf("%s: instance %s has a custom Unauthorized", what, in.name)
	}
	r := mustDo(t, hc, http.MethodGet, in.url+"/me", token, nil, "text/plain")
	if r.status != wantStatus || r.body != wantBody {
		t.Fatalf("%s: GET /me on %s: %d %q, want %d %q", what, in.name, r.status, r.body, wantStatus, wantBody)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("%s: refusal on %s has Cache-Control %q, want no-store; header %v", what, in.name, cc, r.header)
	}
	return r
}

// Package fiberjwt_test tests fiberjwt from the outside, the way an
// application uses it.
package fiberjwt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// ---------------------------------------------------------------------------
// Test fixtures: users, a driven clock, an application under test.

// User is the application's user type. Its slice and map fields show that
// every request gets a value of its own.
type User struct {
	ID    string
	Name  string
	Roles []string          `json:",omitempty"`
	Prefs map[string]string `json:",omitempty"`
}

var (
	// testSecret is a 64-byte key, long enough for HS512.
	testSecret = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	// otherSecret is as long, and different.
	otherSecret = []byte("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")

	// epoch is where the driven clock starts.
	epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

	errNoSuchUser    = errors.New("test: no such user")
	errWrongPassword = errors.New("test: wrong password")
	errBackend       = errors.New("test: storage backend down")
	errVetoed        = errors.New("test: session vetoed by Validate")
)

// passwords is the user table: alice/wonderland and bob/builder, plus any
// "userN" whose password is "pw-userN".
var passwords = map[string]string{"alice": "wonderland", "bob": "builder"}

func displayName(id string) string { return strings.ToUpper(id[:1]) + id[1:] }

// lookup is the application's password check; it returns a fresh User.
func lookup(id, pw string) (User, error) {
	want, ok := passwords[id]
	if !ok && strings.HasPrefix(id, "user") {
		want, ok = "pw-"+id, true
	}
	switch {
	case !ok:
		return User{}, errNoSuchUser
	case pw != want:
		return User{}, errWrongPassword
	}
	return User{
		ID:    id,
		Name:  displayName(id),
		Roles: []string{"reader"},
		Prefs: map[string]string{"theme": "dark"},
	}, nil
}

// clock is a clock that tests drive by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: epoch} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// errLog records errors handed out by the library, safe for concurrent use.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

// last returns the error recorded since the previous call and forgets it:
// nil when there is none; the test fails when there are several.
func (l *errLog) last(tb testing.TB) error {
	tb.Helper()
	l.mu.Lock()
	errs := l.errs
	l.errs = nil
	l.mu.Unlock()
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	tb.Fatalf("want at most one error, got %d: %v", len(errs), errs)
	return nil
}

// count returns how many errors were recorded since the previous call to
// last or count, and forgets them.
func (l *errLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.errs)
	l.errs = nil
	return n
}

// harness is an application using the middleware, with everything the
// library hands back recorded.
type harness struct {
	app   *fiber.App
	clock *clock

	unauthorized errLog // errors passed to Config.Unauthorized
	login        errLog // errors returned by ProcessLogin
	logout       errLog // errors returned by Logout
	authCalls    atomic.Int64

	cookieName, issuer, audience string
	csrfOn                       bool // Config.DisableCSRF is false

	mu     sync.Mutex
	csrfOf map[string]string // token -> the csrf_token cookie its login set
}

// option changes the harness's Config.
type option func(*fiberjwt.Config[User])

// defaultUnauthorized keeps the library's own Unauthorized handler.
func defaultUnauthorized(cfg *fiberjwt.Config[User]) { cfg.Unauthorized = nil }

func withAlgorithm(alg string) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Algorithm = alg }
}

func withLeeway(d time.Duration) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Leeway = d }
}

func withIssuer(iss string) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Issuer = iss }
}

func withAudience(aud string) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Audience = aud }
}

func withStorage(s fiber.Storage) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Storage = s }
}

// isPublic is the harness's Config.Next: the login, logout and home pages
// are public.
func isPublic(c *fiber.Ctx) bool {
	switch c.Path() {
	case "/login", "/logout", "/public":
		return true
	}
	return false
}

func newHarness(tb testing.TB, opts ...option) *harness {
	tb.Helper()
	h := &harness{clock: newClock()}
	cfg := fiberjwt.Config[User]{
		SecretKey: testSecret,
		TimeFunc:  h.clock.Now,
		Next:      isPublic,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) {
			h.authCalls.Add(1)
			return lookup(id, pw)
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			h.unauthorized.add(err)
			return c.Status(fiber.StatusUnauthorized).SendString("refused")
		},
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	h.cookieName, h.issuer, h.audience = cfg.CookieName, cfg.Issuer, cfg.Audience
	h.csrfOn, h.csrfOf = !cfg.DisableCSRF, map[string]string{}
	if h.cookieName == "" {
		h.cookieName = "token"
	}

	// The tests send cookies far larger than Fiber's default 4 KiB header
	// buffer; they must reach the middleware.
	h.app = fiber.New(fiber.Config{ReadBufferSize: 256 << 10})
	h.app.Use(fiberjwt.New(cfg))

	h.app.Post("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
		h.login.add(err)
		if err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
		}
		u, ok := fiberjwt.CurrentUser[User](c)
		if !ok || u.ID != c.FormValue("id") {
			return c.Status(fiber.StatusInternalServerError).SendString("ProcessLogin did not store the user")
		}
		c.Set("X-Token", token)
		c.Set("X-Login-CSRF", fiberjwt.CSRFToken(c))
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	logout := func(c *fiber.Ctx) error {
		err := fiberjwt.Logout(c)
		h.logout.add(err)
		if _, ok := fiberjwt.CurrentUser[User](c); ok || c.Locals("user") != nil {
			return c.Status(fiber.StatusInternalServerError).SendString("still signed in after Logout")
		}
		if err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("logout failed")
		}
		return c.SendString("bye")
	}
	h.app.Post("/logout", logout)         // public
	h.app.Post("/account/logout", logout) // protected
	h.app.Get("/protected", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[User](c)
		if !ok {
			return c.Status(fiber.StatusInternalServerError).SendString("anonymous request let through")
		}
		if l, _ := c.Locals("user").(User); l.ID != u.ID {
			return c.Status(fiber.StatusInternalServerError).SendString("c.Locals and CurrentUser disagree")
		}
		return c.SendString("Protected Page. name: " + u.Name)
	})
	h.app.Get("/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		return c.JSON(u)
	})
	h.app.Post("/mutate", func(c *fiber.Ctx) error {
		u := c.Locals("user").(User)
		u.Roles[0] = "hacked"
		u.Roles = append(u.Roles, "admin")
		u.Prefs["theme"] = "hacked"
		return c.JSON(u)
	})
	h.app.All("/public", func(c *fiber.Ctx) error {
		if u, ok := fiberjwt.CurrentUser[User](c); ok {
			return c.SendString("hello " + u.Name)
		}
		return c.SendString("hello guest")
	})
	return h
}

// do sends req through app.Test and returns the response and its body.
func (h *harness) do(tb testing.TB, req *http.Request) (*http.Response, string) {
	tb.Helper()
	resp, err := h.app.Test(req, -1)
	if err != nil {
		tb.Fatalf("app.Test: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("reading body: %v", err)
	}
	_ = resp.Body.Close()
	return resp, string(body)
}

// send sends a request with the raw Cookie header cookie ("" sends none).
// Like the page script of a browser, it copies the csrf_token cookie, when
// the Cookie header has one, into the X-CSRF-Token header of an unsafe
// request (anything but GET, HEAD, OPTIONS and TRACE).
func (h *harness) send(tb testing.TB, method, path, cookie string) (*http.Response, string) {
	tb.Helper()
	var header []string
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
	default:
		if v := cookieValue(cookie, fiberjwt.CSRFCookieName); v != "" {
			header = []string{fiberjwt.CSRFHeader, v}
		}
	}
	return h.call(tb, method, path, cookie, header...)
}

// call sends a request with the raw Cookie header cookie ("" sends none)
// and the header fields given as name, value pairs, and nothing else: no
// CSRF header is added.
func (h *harness) call(tb testing.TB, method, path, cookie string, header ...string) (*http.Response, string) {
	tb.Helper()
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return h.do(tb, req)
}

// cookieValue returns the value of the cookie name in the raw Cookie header
// cookie, or "".
func cookieValue(cookie, name string) string {
	req := http.Request{Header: http.Header{"Cookie": {cookie}}}
	if c, err := req.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// with returns the Cookie header a browser sends after the login that
// issued token: the token cookie and, when the login set one, the
// csrf_token cookie.
func (h *harness) with(token string) string {
	if csrf := h.csrfFor(token); csrf != "" {
		return h.cookieName + "=" + token + "; " + fiberjwt.CSRFCookieName + "=" + csrf
	}
	return h.cookieName + "=" + token
}

// withToken returns the Cookie header carrying token alone.
func (h *harness) withToken(token string) string { return h.cookieName + "=" + token }

// csrfFor returns the CSRF cookie set by the login (or refresh) that
// issued token, or "".
func (h *harness) csrfFor(token string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.csrfOf[token]
}

// remember records csrf as the CSRF cookie that came with token.
func (h *harness) remember(token, csrf string) {
	h.mu.Lock()
	h.csrfOf[token] = csrf
	h.mu.Unlock()
}

func (h *harness) postLogin(tb testing.TB, id, pw string) (*http.Response, string) {
	tb.Helper()
	form := url.Values{"id": {id}, "pw": {pw}}
	req := httptest.NewRequest(fiber.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	return h.do(tb, req)
}

// signIn logs id in and returns the token cookie's value.
func (h *harness) signIn(tb testing.TB, id, pw string) string {
	tb.Helper()
	resp, body := h.postLogin(tb, id, pw)
	if err := h.login.last(tb); err != nil {
		tb.Fatalf("ProcessLogin(%q): %v", id, err)
	}
	utils.AssertEqual(tb, fiber.StatusSeeOther, resp.StatusCode, body)
	token := onlyCookie(tb, resp, h.cookieName).Value
	utils.AssertEqual(tb, resp.Header.Get("X-Token"), token, "ProcessLogin's token is the cookie's")
	if h.csrfOn {
		csrf := onlyCookie(tb, resp, fiberjwt.CSRFCookieName).Value
		if csrf == "" {
			tb.Fatal("login set an empty csrf_token cookie")
		}
		utils.AssertEqual(tb, resp.Header.Get("X-Login-CSRF"), csrf, "CSRFToken(c) in the login handler is the cookie's")
		h.remember(token, csrf)
	} else {
		noCookie(tb, resp, fiberjwt.CSRFCookieName)
		utils.AssertEqual(tb, "", resp.Header.Get("X-Login-CSRF"), "CSRFToken(c) with DisableCSRF")
	}
	return token
}

// signOut logs the session holding token out on the public logout route.
func (h *harness) signOut(tb testing.TB, token string) {
	tb.Helper()
	resp, body := h.send(tb, fiber.MethodPost, "/logout", h.with(token))
	if err := h.logout.last(tb); err != nil {
		tb.Fatalf("Logout: %v", err)
	}
	utils.AssertEqual(tb, fiber.StatusOK, resp.StatusCode, body)
}

// noCookie fails unless resp sets no cookie named name.
func noCookie(tb testing.TB, resp *http.Response, name string) {
	tb.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == name {
			tb.Fatalf("want no Set-Cookie named %q, got %q", name, resp.Header.Values("Set-Cookie"))
		}
	}
}

// onlyCookie returns the one Set-Cookie of resp named name.
func onlyCookie(tb testing.TB, resp *http.Response, name string) *http.Cookie {
	tb.Helper()
	var found []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("want one Set-Cookie named %q, got %d (headers %q)", name, len(found), resp.Header.Values("Set-Cookie"))
	}
	return found[0]
}

// ---------------------------------------------------------------------------
// Token crafting with golang-jwt directly.

// claims returns valid claims for id at the harness's current time.
func (h *harness) claims(id string) jwt.MapClaims {
	now := h.clock.Now()
	c := jwt.MapClaims{
		"sub": id,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"jti": "crafted-" + id,
		"usr": map[string]any{"ID": id, "Name": displayName(id)},
	}
	if h.issuer != "" {
		c["iss"] = h.issuer
	}
	if h.audience != "" {
		c["aud"] = h.audience
	}
	return c
}

// with1 returns claims with key set to value (deleted when value is nil).
func with1(c jwt.MapClaims, key string, value any) jwt.MapClaims {
	if value == nil {
		delete(c, key)
	} else {
		c[key] = value
	}
	return c
}

// sign signs claims with method and key, adding header fields.
func sign(tb testing.TB, method jwt.SigningMethod, key []byte, claims jwt.MapClaims, header map[string]any) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatalf("signing: %v", err)
	}
	return s
}

// segment returns v as a JSON, base64url-encoded token segment.
func segment(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hs512 returns the base64url HMAC-SHA512 signature of signingString.
func hs512(tb testing.TB, signingString string, key []byte) string {
	tb.Helper()
	sig, err := jwt.SigningMethodHS512.Sign(signingString, key)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sig)
}

// unsigned returns an "alg: none"-style token with the given alg spelling
// and an empty signature.
func unsigned(tb testing.TB, alg string, claims jwt.MapClaims) string {
	tb.Helper()
	return segment(tb, map[string]any{"alg": alg, "typ": "JWT"}) + "." + segment(tb, claims) + "."
}

// parts splits a compact token into its three segments.
func parts(tb testing.TB, token string) (header, payload, signature string) {
	tb.Helper()
	p := strings.Split(token, ".")
	if len(p) != 3 {
		tb.Fatalf("token %q has %d segments", token, len(p))
	}
	return p[0], p[1], p[2]
}

// ---------------------------------------------------------------------------
// Flask-JWT-Login's own tests, ported.

// go test -run Test_Login_SetsTokenCookie -race
func Test_Login_SetsTokenCookie(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	resp, body := h.postLogin(t, "alice", "wonderland")

	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	utils.AssertEqual(t, "/protected", resp.Header.Get(fiber.HeaderLocation))
	if err := h.login.last(t); err != nil {
		t.Fatalf("ProcessLogin: %v", err)
	}
	c := onlyCookie(t, resp, "token")
	utils.AssertEqual(t, 3, len(strings.Split(c.Value, ".")), "cookie holds a compact JWS")
	utils.AssertEqual(t, resp.Header.Get("X-Token"), c.Value)
}

// go test -run Test_Login_WrongPassword -race
func Test_Login_WrongPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	resp, body := h.postLogin(t, "alice", "looking-glass")

	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	utils.AssertEqual(t, "wrong id or password", body)
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
	if err := h.login.last(t); !errors.Is(err, fiberjwt.ErrInvalidCredentials) {
		t.Fatalf("ProcessLogin error = %v, want ErrInvalidCredentials", err)
	}
}

// go test -run Test_Protected_ValidToken -race
func Test_Protected_ValidToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "Protected Page. name: Alice", body)
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// go test -run Test_Protected_FakeOrMissingToken -race
func Test_Protected_FakeOrMissingToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cookie  string
		wantErr error
	}{
		{name: "missing", cookie: "", wantErr: fiberjwt.ErrNoToken},
		{name: "fake", cookie: "token=fake-token", wantErr: fiberjwt.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)

			resp, body := h.send(t, fiber.MethodGet, "/protected", tt.cookie)

			if err := h.unauthorized.last(t); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Unauthorized got %v, want %v", err, tt.wantErr)
			}
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
			utils.AssertEqual(t, "refused", body, "the unauthorized handler's answer")
		})
	}
}

// ---------------------------------------------------------------------------
// Verification.

// go test -run Test_Verify -race
func Test_Verify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []option
		// cookie returns the request's Cookie header ("" sends none).
		cookie     func(t *testing.T, h *harness) string
		wantErr    error // nil: the request is let through
		wantCause  error // also in the chain, when set
		wantStatus int
	}{
		{
			name: "valid crafted token",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name:       "valid token from ProcessLogin",
			cookie:     func(t *testing.T, h *harness) string { return h.with(h.signIn(t, "alice", "wonderland")) },
			wantStatus: fiber.StatusOK,
		},
		{
			name:       "no cookie",
			cookie:     func(*testing.T, *harness) string { return "" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "other cookies only",
			cookie:     func(*testing.T, *harness) string { return "session=abc; theme=dark" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "empty cookie",
			cookie:     func(*testing.T, *harness) string { return "token=" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "garbage",
			cookie:     func(*testing.T, *harness) string { return "token=this-is-not-a-jwt" },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "two segments",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "four segments",
			cookie: func(t *testing.T, h *harness) string {
				tok := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
				_, _, sig := parts(t, tok)
				return h.with(tok + "." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "bad base64 in the payload",
			cookie: func(t *testing.T, h *harness) string {
				hdr, _, sig := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + ".!!!not*base64!!!." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "bad base64 in the signature",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload + ".*")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "correctly signed payload that is not JSON",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "HS512", "typ": "JWT"}) + "." + base64.RawURLEncoding.EncodeToString([]byte("not json"))
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "tampered payload (the signature of another payload)",
			cookie: func(t *testing.T, h *harness) string {
				hdr, _, sig := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("bob"), nil))
				_, admin, _ := parts(t, sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + admin + "." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "stripped signature",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload + ".")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "wrong key",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "alg none (golang-jwt's own)",
			cookie: func(t *testing.T, h *harness) string {
				tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, h.claims("alice")).SignedString(jwt.UnsafeAllowNoneSignatureType)
				if err != nil {
					t.Fatal(err)
				}
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg None",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "None", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg NONE",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "NONE", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg nOnE",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "nOnE", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "alg none with a valid HMAC signature",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + segment(t, h.claims("alice"))
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS256 with the same secret, HS512 configured",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS384 with the same secret, HS512 configured",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS384, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS512 with the same secret, HS256 configured",
			opts: []option{withAlgorithm("HS256")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS256 configured and used",
			opts: []option{withAlgorithm("HS256")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-1)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired by the clock after ProcessLogin",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(24 * time.Hour)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired and wrongly signed is invalid, not expired",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-1)
				return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing exp",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "exp", nil), nil))
			},
			wantErr:    fiberjwt.ErrNoExpiry,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "exp is null",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "HS512", "typ": "JWT"}) + "." +
					segment(t, map[string]any{"sub": "alice", "exp": nil, "jti": "x", "usr": map[string]any{"ID": "alice"}})
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrNoExpiry,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "exp is not a number",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "exp", "tomorrow"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "nbf in the future",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "nbf", h.clock.Now().Unix()+60)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenNotValidYet,
			wantCause:  jwt.ErrTokenNotValidYet,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "iat in the future",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "iat", h.clock.Now().Unix()+60)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenNotValidYet,
			wantCause:  jwt.ErrTokenUsedBeforeIssued,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired by less than the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-29)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "expired by more than the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-31)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "nbf within the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "nbf", h.clock.Now().Unix()+29)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "unknown crit header",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), map[string]any{"crit": []string{"x-unknown"}, "x-unknown": true}))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing jti",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "jti", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing usr",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "usr", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "usr is null",
			cookie: func(t *testing.T, h *harness) string {
				c := h.claims("alice")
				c["usr"] = json.RawMessage("null")
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "usr of the wrong type",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "usr", "alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "issuer configured and matching",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "wrong issuer",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "iss", "https://evil.example"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidIssuer,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing issuer",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "iss", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience configured and matching",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "wrong audience",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", "api"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidAudience,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience list without ours",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", []string{"api", "admin"}), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidAudience,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience list with ours",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", []string{"api", "web"}), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "missing audience",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "oversized, correctly signed token",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "usr", map[string]any{"ID": "alice", "Name": strings.Repeat("A", 4096)})
				tok := sign(t, jwt.SigningMethodHS512, testSecret, c, nil)
				if len(tok) <= 4096 {
					t.Fatalf("token is only %d bytes", len(tok))
				}
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "valid token with a trailing byte",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil) + "A")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "revoked by Logout",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			// A token without sid is its own session, keyed by its jti.
			name: "crafted token without sid, revoked by Logout",
			cookie: func(t *testing.T, h *harness) string {
				tok := sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "csrf", "crafted-csrf"), nil)
				h.remember(tok, "crafted-csrf")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "crafted token without sid, another session revoked",
			cookie: func(t *testing.T, h *harness) string {
				h.signOut(t, h.signIn(t, "alice", "wonderland"))
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			// Revocation is by session: any token carrying a revoked sid
			// is refused, whatever its jti.
			name: "crafted token with the sid of a revoked session",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				var issued struct {
					SID string `json:"sid"`
				}
				_, payload, _ := parts(t, tok)
				raw, err := base64.RawURLEncoding.DecodeString(payload)
				if err != nil || json.Unmarshal(raw, &issued) != nil || issued.SID == "" {
					t.Fatalf("no sid in the issued token: %s", raw)
				}
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "sid", issued.SID), nil))
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			h := newHarness(t, tt.opts...)
			resp, body := h.send(t, fiber.MethodGet, "/protected", tt.cookie(t, h))
			err := h.unauthorized.last(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Unauthorized got %v, want %v", err, tt.wantErr)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Fatalf("Unauthorized got %v, want it to wrap %v", err, tt.wantCause)
			}
			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode, body)

			// The same request with the default Unauthorized handler.
			h = newHarness(t, append(tt.opts, defaultUnauthorized)...)
			resp, body = h.send(t, fiber.MethodGet, "/protected", tt.cookie(t, h))
			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode, body)
			if tt.wantStatus == fiber.StatusOK {
				utils.AssertEqual(t, "Protected Page. name: Alice", body)
			} else {
				utils.AssertEqual(t, "Unauthorized", body)
			}
		})
	}
}

// go test -run Test_Verify_Lifetime -race
func Test_Verify_Lifetime(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	h.clock.Advance(24*time.Hour - time.Second)
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := h.unauthorized.last(t); err != nil {
		t.Fatalf("one second before exp: %v", err)
	}

	h.clock.Advance(time.Second)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
		t.Fatalf("at exp: got %v, want ErrTokenExpired", err)
	}
}

// go test -run Test_Verify_SignatureIsNotMalleable -race
func Test_Verify_SignatureIsNotMalleable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")
	hdr, payload, sig := parts(t, token)
	want, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}

	// Other spellings of the same signature bytes: the unused low bits of the
	// last character, and the line breaks base64 decoding skips.
	var variants []string
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, r := range alphabet {
		alt := sig[:len(sig)-1] + string(r)
		if got, err := base64.RawURLEncoding.DecodeString(alt); alt != sig && err == nil && bytes.Equal(got, want) {
			variants = append(variants, alt)
		}
	}
	if len(variants) == 0 {
		t.Fatal("found no alternative spelling of the signature")
	}
	variants = append(variants, sig[:10]+"\n"+sig[10:], sig[:10]+"\r"+sig[10:])

	// The genuine token is accepted first, so that any cache of verified
	// tokens knows it, and again after the variants.
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	app := h.app.Handler()
	for _, v := range variants {
		ctx := &fasthttp.RequestCtx{}
		ctx.Request.SetRequestURI("/protected")
		ctx.Request.Header.SetCookie("token", hdr+"."+payload+"."+v)
		app(ctx)
		utils.AssertEqual(t, fiber.StatusUnauthorized, ctx.Response.StatusCode(), fmt.Sprintf("signature spelled %q", v))
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrInvalidToken) {
			t.Fatalf("signature spelled %q: got %v, want ErrInvalidToken", v, err)
		}
	}

	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
}

// go test -run Test_Verify_CookieName -race
func Test_Verify_CookieName(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.CookieName = "__Host-session" })
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/protected", "__Host-session="+token)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)

	resp, _ = h.send(t, fiber.MethodGet, "/protected", "token="+token)
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the default name is not read")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrNoToken) {
		t.Fatalf("got %v, want ErrNoToken", err)
	}
}

// ---------------------------------------------------------------------------
// Configuration.

type (
	userWithPassword       struct{ ID, Password string }
	flaskUser              struct{ ID, PW, Name string } // the seed's User class
	userWithTaggedPassword struct {
		ID     string
		Secret string `json:"password_hash"`
	}
	userWithRenamedPassword struct {
		ID       string
		Password string `json:"p"`
	}
	userWithDashCommaPassword struct {
		ID string
		//lint:ignore SA5008 deliberate: this tag encodes the field under the key "-"
		Password string `json:"-,omitempty"`
	}
	userWithNestedPassword struct {
		ID      string
		Account struct{ PasswordHash string }
	}
	userWithPasswordInSlice struct {
		ID     string
		Logins []*struct{ Pwd string }
	}
	userWithHiddenPassword struct {
		ID       string
		Password string `json:"-"`
	}
	userWithChan struct {
		ID      string
		Updates chan string
	}
)

// newPanics returns a function calling fiberjwt.New(cfg).
func newPanics[U any](cfg fiberjwt.Config[U]) func() {
	return func() { _ = fiberjwt.New(cfg) }
}

// recovered runs f and returns what it panicked with, as an error.
func recovered(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if err, ok = r.(error); !ok {
				err = fmt.Errorf("panic with a %T, not an error: %v", r, r)
			}
		}
	}()
	f()
	return nil
}

func key(n int) []byte { return bytes.Repeat([]byte{'k'}, n) }

// go test -run Test_New_Misconfiguration -race
func Test_New_Misconfiguration(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	tests := []struct {
		name      string
		build     func()
		wantErr   error  // nil: New must not panic
		wantField string // the panic message names it
	}{
		{name: "defaults", build: newPanics(cfg{SecretKey: testSecret})},
		{name: "no secret", build: newPanics(cfg{}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "empty secret", build: newPanics(cfg{SecretKey: []byte{}}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS256 with 31 bytes", build: newPanics(cfg{SecretKey: key(31), Algorithm: "HS256"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS256 with 32 bytes", build: newPanics(cfg{SecretKey: key(32), Algorithm: "HS256"})},
		{name: "HS384 with 47 bytes", build: newPanics(cfg{SecretKey: key(47), Algorithm: "HS384"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS384 with 48 bytes", build: newPanics(cfg{SecretKey: key(48), Algorithm: "HS384"})},
		{name: "HS512 with 63 bytes", build: newPanics(cfg{SecretKey: key(63), Algorithm: "HS512"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "default HS512 with 63 bytes", build: newPanics(cfg{SecretKey: key(63)}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS512 with 64 bytes", build: newPanics(cfg{SecretKey: key(64), Algorithm: "HS512"})},
		{name: "algorithm none", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "none"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm None", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "None"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm RS256", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "RS256"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm hs512", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "hs512"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "SameSite None with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieSameSite"},
		{name: "SameSite None, Secure", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None"})},
		{name: "SameSite strict, any case", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "strict"})},
		{name: "SameSite Loose", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "Loose"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieSameSite"},
		{name: "cookie name with a space", build: newPanics(cfg{SecretKey: testSecret, CookieName: "bad name"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name with a semicolon", build: newPanics(cfg{SecretKey: testSecret, CookieName: "a;b"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name with an equals sign", build: newPanics(cfg{SecretKey: testSecret, CookieName: "a=b"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name not ASCII", build: newPanics(cfg{SecretKey: testSecret, CookieName: "é"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token"})},
		{name: "__Host- prefix with a Domain", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", CookieDomain: "example.com"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix with a Path", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", CookiePath: "/app"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Secure- prefix with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Secure-token", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "relative cookie path", build: newPanics(cfg{SecretKey: testSecret, CookiePath: "app"}), wantErr: fiberjwt.ErrConfig, wantField: "CookiePath"},
		{name: "cookie domain with a semicolon", build: newPanics(cfg{SecretKey: testSecret, CookieDomain: "example.com; secure"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieDomain"},
		{name: "negative expiration", build: newPanics(cfg{SecretKey: testSecret, Expiration: -time.Hour}), wantErr: fiberjwt.ErrConfig, wantField: "Expiration"},
		{name: "expiration of 500ms", build: newPanics(cfg{SecretKey: testSecret, Expiration: 500 * time.Millisecond}), wantErr: fiberjwt.ErrConfig, wantField: "Expiration"},
		{name: "expiration of 1s", build: newPanics(cfg{SecretKey: testSecret, Expiration: time.Second})},
		{name: "negative leeway", build: newPanics(cfg{SecretKey: testSecret, Leeway: -time.Second}), wantErr: fiberjwt.ErrConfig, wantField: "Leeway"},
		{name: "user with a Password field", build: newPanics(fiberjwt.Config[userWithPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: "the seed's user with a PW field", build: newPanics(fiberjwt.Config[flaskUser]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "PW"},
		{name: "user with a field tagged password_hash", build: newPanics(fiberjwt.Config[userWithTaggedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "password_hash"},
		{name: "user with a Password field renamed in JSON", build: newPanics(fiberjwt.Config[userWithRenamedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: `user with a Password field tagged "-,omitempty"`, build: newPanics(fiberjwt.Config[userWithDashCommaPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: "user with a nested password hash", build: newPanics(fiberjwt.Config[userWithNestedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "PasswordHash"},
		{name: "user with a password in a slice of pointers", build: newPanics(fiberjwt.Config[*userWithPasswordInSlice]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Pwd"},
		{name: `user with a Password tagged json:"-"`, build: newPanics(fiberjwt.Config[userWithHiddenPassword]{SecretKey: testSecret})},
		{name: "user that cannot be encoded as JSON", build: newPanics(fiberjwt.Config[userWithChan]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := recovered(tt.build)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New panicked with %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && !strings.Contains(err.Error(), tt.wantField) {
				t.Fatalf("message %q does not name %q", err, tt.wantField)
			}
		})
	}
}

// go test -run Test_New_Defaults -race
func Test_New_Defaults(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    testSecret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
		Next:         func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Get("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		return err
	})
	app.Get("/me", func(c *fiber.Ctx) error { return c.JSON(c.Locals("user")) })

	before := time.Now().Truncate(time.Second)
	resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode)
	c := onlyCookie(t, resp, "token")
	utils.AssertEqual(t, 86400, c.MaxAge, "Max-Age")
	utils.AssertEqual(t, http.SameSiteLaxMode, c.SameSite)
	utils.AssertEqual(t, true, c.Secure)
	utils.AssertEqual(t, true, c.HttpOnly)
	utils.AssertEqual(t, "/", c.Path)
	// CSRF protection is on by default: a readable cookie in step with the
	// token's.
	csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
	utils.AssertEqual(t, 86400, csrf.MaxAge, "csrf_token Max-Age")
	utils.AssertEqual(t, http.SameSiteLaxMode, csrf.SameSite)
	utils.AssertEqual(t, true, csrf.Secure)
	utils.AssertEqual(t, false, csrf.HttpOnly)
	utils.AssertEqual(t, "/", csrf.Path)

	var claims struct {
		jwt.RegisteredClaims
		CSRF string `json:"csrf"`
	}
	tok, err := jwt.ParseWithClaims(c.Value, &claims, func(*jwt.Token) (any, error) { return testSecret, nil })
	if err != nil {
		t.Fatalf("parsing the issued token: %v", err)
	}
	utils.AssertEqual(t, "HS512", tok.Method.Alg())
	if claims.CSRF == "" || claims.CSRF != csrf.Value {
		t.Fatalf("csrf claim %q, csrf_token cookie %q", claims.CSRF, csrf.Value)
	}
	if exp := claims.ExpiresAt.Time; exp.Before(before.Add(24*time.Hour)) || exp.After(time.Now().Add(24*time.Hour)) {
		t.Fatalf("exp %v is not now + 24h", exp)
	}

	req := httptest.NewRequest(fiber.MethodGet, "/me", nil)
	req.Header.Set("Cookie", "token="+c.Value)
	resp, err = app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, string(body))
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["reader"],"Prefs":{"theme":"dark"}}`, string(body), `the user under c.Locals("user")`)
}

// go test -run Test_New_CopiesSecretKey -race
func Test_New_CopiesSecretKey(t *testing.T) {
	t.Parallel()
	secret := append([]byte(nil), testSecret...)
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.SecretKey = secret })
	token := h.signIn(t, "alice", "wonderland")

	copy(secret, otherSecret) // the caller reuses its buffer

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
}

// ---------------------------------------------------------------------------
// Cookies.

// go test -run Test_Cookie_Attributes -race
func Test_Cookie_Attributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opt        option
		wantName   string
		wantSecure bool
		wantSame   http.SameSite
		wantPath   string
		wantDomain string
		wantMaxAge int
	}{
		{
			name:       "defaults",
			opt:        func(*fiberjwt.Config[User]) {},
			wantName:   "token",
			wantSecure: true, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name: "strict, domain, path, name and expiration",
			opt: func(cfg *fiberjwt.Config[User]) {
				cfg.CookieSameSite = "Strict"
				cfg.CookieDomain = "example.com"
				cfg.CookiePath = "/app"
				cfg.CookieName = "sid"
				cfg.Expiration = 2 * time.Hour
			},
			wantName:   "sid",
			wantSecure: true, wantSame: http.SameSiteStrictMode, wantPath: "/app", wantDomain: "example.com", wantMaxAge: 7200,
		},
		{
			name:       "SameSite None",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.CookieSameSite = "None" },
			wantName:   "token",
			wantSecure: true, wantSame: http.SameSiteNoneMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name:       "InsecureCookie",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.InsecureCookie = true },
			wantName:   "token",
			wantSecure: false, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name:       "__Host- prefix",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.CookieName = "__Host-token" },
			wantName:   "__Host-token",
			wantSecure: true, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opt)

			// Login: the token cookie, and the CSRF cookie that a page's
			// script reads (so not HttpOnly), with the same scope and life.
			resp, body := h.postLogin(t, "alice", "wonderland")
			utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
			utils.AssertEqual(t, 2, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
			c := onlyCookie(t, resp, tt.wantName)
			utils.AssertEqual(t, resp.Header.Get("X-Token"), c.Value)
			utils.AssertEqual(t, true, c.HttpOnly, "HttpOnly")
			csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
			utils.AssertEqual(t, false, csrf.HttpOnly, "csrf_token HttpOnly")
			utils.AssertEqual(t, resp.Header.Get("X-Login-CSRF"), csrf.Value, "csrf_token is CSRFToken(c)")
			if csrf.Value == "" {
				t.Fatal("empty csrf_token cookie")
			}
			for _, c := range []*http.Cookie{c, csrf} {
				utils.AssertEqual(t, tt.wantSecure, c.Secure, c.Name+" Secure")
				utils.AssertEqual(t, tt.wantSame, c.SameSite, c.Name+" SameSite")
				utils.AssertEqual(t, tt.wantPath, c.Path, c.Name+" Path")
				utils.AssertEqual(t, tt.wantDomain, c.Domain, c.Name+" Domain")
				utils.AssertEqual(t, tt.wantMaxAge, c.MaxAge, c.Name+" Max-Age")
				if !c.Expires.IsZero() && !c.Expires.Equal(epoch.Add(time.Duration(tt.wantMaxAge)*time.Second)) {
					t.Fatalf("%s: Expires %v, want %v", c.Name, c.Expires, epoch.Add(time.Duration(tt.wantMaxAge)*time.Second))
				}
			}
			token := c.Value

			// Logout: both cleared, with the same scope.
			resp, body = h.send(t, fiber.MethodPost, "/logout", tt.wantName+"="+token+"; "+fiberjwt.CSRFCookieName+"="+csrf.Value)
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			utils.AssertEqual(t, 2, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
			for _, name := range []string{tt.wantName, fiberjwt.CSRFCookieName} {
				c = onlyCookie(t, resp, name)
				utils.AssertEqual(t, "", c.Value, name+" cleared value")
				utils.AssertEqual(t, tt.wantPath, c.Path, name+" Path")
				utils.AssertEqual(t, tt.wantDomain, c.Domain, name+" Domain")
				utils.AssertEqual(t, name == tt.wantName, c.HttpOnly, name+" HttpOnly")
				utils.AssertEqual(t, tt.wantSecure, c.Secure, name+" Secure")
				utils.AssertEqual(t, tt.wantSame, c.SameSite, name+" SameSite")
				if c.MaxAge > 0 {
					t.Fatalf("cleared cookie %s has Max-Age %d", name, c.MaxAge)
				}
				if c.Expires.IsZero() || !c.Expires.Before(time.Now()) || !c.Expires.Before(epoch) {
					t.Fatalf("cleared cookie %s expires %v, want a time in the past", name, c.Expires)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Logout.

// go test -run Test_Logout_RevokesCopiedToken -race
func Test_Logout_RevokesCopiedToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		route string
	}{
		{name: "public route", route: "/logout"},
		{name: "protected route", route: "/account/logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			token := h.signIn(t, "alice", "wonderland")

			resp, body := h.send(t, fiber.MethodPost, tt.route, h.with(token))
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value)
			utils.AssertEqual(t, "", onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)

			// The browser dropped the cookie; an attacker kept a copy.
			resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
			if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
				t.Fatalf("copied token: got %v, want ErrRevoked", err)
			}

			// A revoked token does not greet anyone on a public page either.
			_, body = h.send(t, fiber.MethodGet, "/public", h.with(token))
			utils.AssertEqual(t, "hello guest", body)
		})
	}
}

// go test -run Test_Logout_OtherSessionsStay -race
func Test_Logout_OtherSessionsStay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	laptop := h.signIn(t, "alice", "wonderland")
	phone := h.signIn(t, "alice", "wonderland")
	bob := h.signIn(t, "bob", "builder")
	if laptop == phone {
		t.Fatal("two logins returned the same token")
	}

	h.signOut(t, laptop)

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(phone))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "alice's other session: "+body)
	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(bob))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "bob's session: "+body)
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")

	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(laptop))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
}

// go test -run Test_Logout_WithoutValidToken -race
func Test_Logout_WithoutValidToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cookie func(t *testing.T, h *harness) string
	}{
		{name: "garbage", cookie: func(*testing.T, *harness) string { return "token=garbage" }},
		{name: "wrong key", cookie: func(t *testing.T, h *harness) string {
			return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
		}},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(25 * time.Hour)
				return h.with(tok)
			},
		},
		{
			name: "already revoked",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)

			resp, body := h.send(t, fiber.MethodPost, "/logout", tt.cookie(t, h))

			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			for _, name := range []string{"token", fiberjwt.CSRFCookieName} {
				c := onlyCookie(t, resp, name)
				utils.AssertEqual(t, "", c.Value, name)
				if !c.Expires.Before(time.Now()) {
					t.Fatalf("cleared cookie %s expires %v", name, c.Expires)
				}
			}
		})
	}
}

// A logout request without a token changes nothing: it may be a form that
// another site posts, which the browser sends without the SameSite cookies,
// so clearing them would sign the user out from another site.
//
// go test -run Test_Logout_NoTokenClearsNothing -race
func Test_Logout_NoTokenClearsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.call(t, fiber.MethodPost, "/logout", "", fiberjwt.CSRFHeader, "guessed")

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := h.logout.last(t); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the session after the cookie-less logout: "+body)
}

// recordingStorage is an in-memory fiber.Storage (without expiry) that
// counts the revocations written, and whose Get fails while down is set.
type recordingStorage struct {
	mu   sync.Mutex
	m    map[string][]byte
	sets int
	down atomic.Bool
}

func newRecordingStorage() *recordingStorage { return &recordingStorage{m: map[string][]byte{}} }

func (s *recordingStorage) Get(k string) ([]byte, error) {
	if s.down.Load() {
		return nil, errBackend
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *recordingStorage) Set(k string, v []byte, _ time.Duration) error {
	if s.down.Load() {
		return errBackend
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), v...)
	s.sets++
	return nil
}

func (s *recordingStorage) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sets
}

func (*recordingStorage) Delete(string) error { return nil }
func (*recordingStorage) Reset() error        { return nil }
func (*recordingStorage) Close() error        { return nil }

// Logout revokes every genuine token it is shown, also on a public logout
// route where the middleware did not accept it (vetoed by Validate, already
// revoked), so that a user who asks to be signed out is. It does not when
// the storage is down (ErrStorage: the app is told the revocation was not
// written; the cookies are cleared), nor when the request fails the CSRF
// check (ErrCSRF: a cross-site form must not sign the user out, so nothing
// is done, not even clearing the cookies).
//
// go test -run Test_Logout_PublicRoute -race
func Test_Logout_PublicRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// fail makes the token fail a check on the logout request and
		// returns the Cookie header and the header pairs to send; undo
		// makes the check pass again.
		fail func(h *harness, st *recordingStorage, veto *atomic.Bool, token string) (cookie string, header []string)
		undo func(st *recordingStorage, veto *atomic.Bool)
		// want is Logout's error; revoked, whether the token is refused
		// once the check passes again.
		want    error
		revoked bool
	}{
		{
			name: "vetoed by Validate",
			fail: func(h *harness, _ *recordingStorage, veto *atomic.Bool, token string) (string, []string) {
				veto.Store(true)
				return h.with(token), []string{fiberjwt.CSRFHeader, h.csrfFor(token)}
			},
			undo:    func(_ *recordingStorage, veto *atomic.Bool) { veto.Store(false) },
			revoked: true,
		},
		{
			name: "storage down",
			fail: func(h *harness, st *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				st.down.Store(true)
				return h.with(token), []string{fiberjwt.CSRFHeader, h.csrfFor(token)}
			},
			undo: func(st *recordingStorage, _ *atomic.Bool) { st.down.Store(false) },
			want: fiberjwt.ErrStorage,
		},
		{
			name: "CSRF value missing",
			fail: func(h *harness, _ *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				return h.with(token), nil
			},
			want: fiberjwt.ErrCSRF,
		},
		{
			name: "CSRF value wrong",
			fail: func(h *harness, _ *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				return h.with(token), []string{fiberjwt.CSRFHeader, "not-" + h.csrfFor(token)}
			},
			want: fiberjwt.ErrCSRF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newRecordingStorage()
			var veto atomic.Bool
			h := newHarness(t, withStorage(st), func(cfg *fiberjwt.Config[User]) {
				cfg.Validate = func(*fiber.Ctx, User) error {
					if veto.Load() {
						return errVetoed
					}
					return nil
				}
			})
			token := h.signIn(t, "alice", "wonderland")

			cookie, header := tt.fail(h, st, &veto, token)
			resp, body := h.call(t, fiber.MethodPost, "/logout", cookie, header...)
			if err := h.logout.last(t); !errors.Is(err, tt.want) {
				t.Fatalf("Logout: %v, want %v (%d %q)", err, tt.want, resp.StatusCode, body)
			}
			if errors.Is(tt.want, fiberjwt.ErrCSRF) {
				utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers of a refused logout")
			} else {
				for _, name := range []string{"token", fiberjwt.CSRFCookieName} {
					utils.AssertEqual(t, "", onlyCookie(t, resp, name).Value, name+" cleared")
				}
			}
			wantWrites := 0
			if tt.revoked {
				wantWrites = 1
			}
			utils.AssertEqual(t, wantWrites, st.writes(), "revocations written")

			if tt.undo != nil {
				tt.undo(st, &veto)
			}
			resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
			if tt.revoked {
				utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the token after the logout: "+body)
				if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
					t.Fatalf("got %v, want ErrRevoked", err)
				}
			} else {
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the token after the failed logout: "+body)
			}
		})
	}

	t.Run("already revoked", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		token := h.signIn(t, "alice", "wonderland")
		h.signOut(t, token)

		resp, body := h.call(t, fiber.MethodPost, "/logout", h.with(token), fiberjwt.CSRFHeader, h.csrfFor(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		if err := h.logout.last(t); err != nil {
			t.Fatalf("second Logout: %v", err)
		}
		utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value)
		utils.AssertEqual(t, "", onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)
		resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the token after the second logout")
	})
}

// go test -run Test_Logout_RevocationOutlivesLeeway -race
func Test_Logout_RevocationOutlivesLeeway(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLeeway(time.Hour))
	token := h.signIn(t, "alice", "wonderland")
	other := h.signIn(t, "alice", "wonderland")
	h.signOut(t, token)

	// Past exp but within the leeway, a token is still accepted ...
	h.clock.Advance(24*time.Hour + 59*time.Minute)
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(other))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)

	// ... so its revocation must not have been forgotten.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
}

// storage is a fiber.Storage stub whose Get and Set fail with the given
// errors; Set records nothing.
type storage struct{ getErr, setErr error }

func (s storage) Get(string) ([]byte, error)              { return nil, s.getErr }
func (s storage) Set(string, []byte, time.Duration) error { return s.setErr }
func (storage) Delete(string) error                       { return nil }
func (storage) Reset() error                              { return nil }
func (storage) Close() error                              { return nil }

// go test -run Test_Logout_StorageFails -race
func Test_Logout_StorageFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withStorage(storage{setErr: errBackend}))
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodPost, "/logout", h.with(token))

	utils.AssertEqual(t, fiber.StatusServiceUnavailable, resp.StatusCode, body)
	err := h.logout.last(t)
	if !errors.Is(err, fiberjwt.ErrStorage) || !errors.Is(err, errBackend) {
		t.Fatalf("Logout: got %v, want ErrStorage wrapping the backend's error", err)
	}
	utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value, "the cookie is cleared all the same")
}

// ---------------------------------------------------------------------------
// Public routes (Config.Next).

// go test -run Test_Next -race
func Test_Next(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []option
		cookie   func(t *testing.T, h *harness) string
		wantBody string
	}{
		{name: "valid token sets the user", cookie: func(t *testing.T, h *harness) string { return h.with(h.signIn(t, "alice", "wonderland")) }, wantBody: "hello Alice"},
		{name: "no token", cookie: func(*testing.T, *harness) string { return "" }, wantBody: "hello guest"},
		{name: "garbage", cookie: func(*testing.T, *harness) string { return "token=garbage" }, wantBody: "hello guest"},
		{name: "wrong key", cookie: func(t *testing.T, h *harness) string {
			return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
		}, wantBody: "hello guest"},
		{name: "alg none", cookie: func(t *testing.T, h *harness) string { return h.with(unsigned(t, "none", h.claims("alice"))) }, wantBody: "hello guest"},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(48 * time.Hour)
				return h.with(tok)
			},
			wantBody: "hello guest",
		},
		{
			name: "revoked",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantBody: "hello guest",
		},
		{
			name: "storage down",
			opts: []option{withStorage(storage{getErr: errBackend})},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantBody: "hello guest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)

			resp, body := h.send(t, fiber.MethodGet, "/public", tt.cookie(t, h))

			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			utils.AssertEqual(t, tt.wantBody, body)
			utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
		})
	}
}

// ---------------------------------------------------------------------------
// ProcessLogin.

// go test -run Test_NotMounted -race
func Test_NotMounted(t *testing.T) {
	t.Parallel()
	var (
		mu                  sync.Mutex
		loginErr, logoutErr error
		signedIn            bool
	)
	record := func(c *fiber.Ctx) error {
		_, lerr := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		oerr := fiberjwt.Logout(c)
		_, ok := fiberjwt.CurrentUser[User](c)
		mu.Lock()
		loginErr, logoutErr, signedIn = lerr, oerr, ok
		mu.Unlock()
		return c.SendString("no panic")
	}
	app := fiber.New()
	// The middleware runs on /admin only.
	app.Use("/admin", fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    testSecret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
	}))
	app.Get("/login", record)

	resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode)
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(loginErr, fiberjwt.ErrNotMounted) {
		t.Fatalf("ProcessLogin: got %v, want ErrNotMounted", loginErr)
	}
	if !errors.Is(logoutErr, fiberjwt.ErrNotMounted) {
		t.Fatalf("Logout: got %v, want ErrNotMounted", logoutErr)
	}
	if !strings.Contains(loginErr.Error(), "app.Use(fiberjwt.New") {
		t.Fatalf("ErrNotMounted %q does not say how to mount the middleware", loginErr)
	}
	utils.AssertEqual(t, false, signedIn, "CurrentUser")
}

// go test -run Test_ProcessLogin_Refused -race
func Test_ProcessLogin_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []option
		id, pw    string
		wantErr   error
		wantCause error // also in the chain, when set
		wantCalls int64 // calls to Authenticate
	}{
		{name: "empty id", id: "", pw: "wonderland", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "empty password", id: "alice", pw: "", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "both empty", id: "", pw: "", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "wrong password", id: "alice", pw: "builder", wantErr: fiberjwt.ErrInvalidCredentials, wantCause: errWrongPassword, wantCalls: 1},
		{name: "unknown user", id: "mallory", pw: "x", wantErr: fiberjwt.ErrInvalidCredentials, wantCause: errNoSuchUser, wantCalls: 1},
		{
			name:    "verify-only instance",
			opts:    []option{func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil }},
			id:      "alice",
			pw:      "wonderland",
			wantErr: fiberjwt.ErrConfig,
		},
		{
			name:    "verify-only instance, empty id",
			opts:    []option{func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil }},
			id:      "",
			pw:      "wonderland",
			wantErr: fiberjwt.ErrConfig,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)

			resp, body := h.postLogin(t, tt.id, tt.pw)

			err := h.login.last(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ProcessLogin: got %v, want %v", err, tt.wantErr)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Fatalf("ProcessLogin: got %v, want it to wrap %v", err, tt.wantCause)
			}
			utils.AssertEqual(t, tt.wantCalls, h.authCalls.Load(), "calls to Authenticate")
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
			utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
		})
	}
}

// go test -run Test_ProcessLogin_VerifyOnly -race
func Test_ProcessLogin_VerifyOnly(t *testing.T) {
	t.Parallel()
	// An instance without Authenticate still verifies tokens signed elsewhere.
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil })
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("bob"), nil)))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "Protected Page. name: Bob", body)
}

// go test -run Test_ProcessLogin_TokenContent -race
func Test_ProcessLogin_TokenContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []option
		wantAlg  string
		wantLife time.Duration
		wantIss  string
		wantAud  []string
	}{
		{name: "defaults", wantAlg: "HS512", wantLife: 24 * time.Hour},
		{
			name: "HS256, 15 minutes, issuer and audience",
			opts: []option{
				withAlgorithm("HS256"), withIssuer("https://auth.example"), withAudience("web"),
				func(cfg *fiberjwt.Config[User]) { cfg.Expiration = 15 * time.Minute },
			},
			wantAlg: "HS256", wantLife: 15 * time.Minute, wantIss: "https://auth.example", wantAud: []string{"web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)
			h.clock.Advance(1500 * time.Millisecond) // not on a whole second
			now := h.clock.Now()
			first := h.signIn(t, "alice", "wonderland")
			second := h.signIn(t, "alice", "wonderland")

			var claims struct {
				jwt.RegisteredClaims
				AuthTime *jwt.NumericDate `json:"auth_time"`
				SID      string           `json:"sid"`
				CSRF     string           `json:"csrf"`
				User     User             `json:"usr"`
			}
			tok, err := jwt.ParseWithClaims(first, &claims,
				func(*jwt.Token) (any, error) { return testSecret, nil },
				jwt.WithTimeFunc(h.clock.Now), jwt.WithValidMethods([]string{tt.wantAlg}))
			if err != nil {
				t.Fatalf("parsing the issued token: %v", err)
			}
			utils.AssertEqual(t, tt.wantAlg, tok.Header["alg"], "alg")
			utils.AssertEqual(t, "alice", claims.Subject, "sub")
			utils.AssertEqual(t, now.Unix(), claims.IssuedAt.Unix(), "iat")
			utils.AssertEqual(t, now.Unix(), claims.NotBefore.Unix(), "nbf")
			utils.AssertEqual(t, now.Add(tt.wantLife).Unix(), claims.ExpiresAt.Unix(), "exp = now + Expiration")
			utils.AssertEqual(t, tt.wantIss, claims.Issuer, "iss")
			utils.AssertEqual(t, len(tt.wantAud), len(claims.Audience), "aud")
			for i := range tt.wantAud {
				utils.AssertEqual(t, tt.wantAud[i], claims.Audience[i], "aud")
			}
			want, _ := lookup("alice", "wonderland")
			utils.AssertEqual(t, want, claims.User, "usr")

			// The session: auth_time is the login time; sid and csrf
			// are random, per login.
			if claims.AuthTime == nil {
				t.Fatal("no auth_time claim")
			}
			utils.AssertEqual(t, now.Unix(), claims.AuthTime.Unix(), "auth_time")

			// jti, sid and csrf: 128 random bits each, base64url without
			// padding.
			for _, v := range []struct{ name, value string }{{"jti", claims.ID}, {"sid", claims.SID}, {"csrf", claims.CSRF}} {
				utils.AssertEqual(t, 22, len(v.value), v.name+" length")
				b, err := base64.RawURLEncoding.Strict().DecodeString(v.value)
				if err != nil {
					t.Fatalf("%s %q is not base64url: %v", v.name, v.value, err)
				}
				utils.AssertEqual(t, 16, len(b), v.name+" bytes")
			}
			if claims.CSRF == claims.ID || claims.CSRF == claims.SID {
				t.Fatalf("the csrf value %q is the jti or the sid", claims.CSRF)
			}
			utils.AssertEqual(t, h.csrfFor(first), claims.CSRF, "the csrf claim is the csrf_token cookie")
			var other struct {
				jwt.RegisteredClaims
				SID  string `json:"sid"`
				CSRF string `json:"csrf"`
			}
			if _, _, err := jwt.NewParser().ParseUnverified(second, &other); err != nil {
				t.Fatal(err)
			}
			if other.ID == claims.ID {
				t.Fatalf("two logins share the jti %q", claims.ID)
			}
			if other.SID == claims.SID {
				t.Fatalf("two logins share the sid %q", claims.SID)
			}
			if other.CSRF == claims.CSRF {
				t.Fatalf("two logins share the csrf value %q", claims.CSRF)
			}

			// The password is nowhere in the token.
			_, payload, _ := parts(t, first)
			raw, err := base64.RawURLEncoding.DecodeString(payload)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("wonderland")) || strings.Contains(first, "wonderland") {
				t.Fatalf("the password is in the token: %s", raw)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(raw, &keys); err != nil {
				t.Fatal(err)
			}
			for k := range keys {
				switch k {
				case "sub", "iat", "nbf", "exp", "jti", "usr", "iss", "aud", "auth_time", "sid", "csrf":
				default:
					t.Errorf("unexpected claim %q", k)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Unauthorized.

// go test -run Test_Unauthorized_Default -race
func Test_Unauthorized_Default(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []option
		accept     string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "no Accept", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "text/html", accept: "text/html", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "*/*", accept: "*/*", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "browser", accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "application/json", accept: "application/json", wantStatus: 401, wantType: "application/json", wantBody: `{"error":"unauthorized"}`},
		{name: "JSON preferred", accept: "text/html;q=0.5, application/json", wantStatus: 401, wantType: "application/json", wantBody: `{"error":"unauthorized"}`},
		{
			name: "storage down", opts: []option{withStorage(storage{getErr: errBackend})},
			wantStatus: 503, wantType: "text/plain", wantBody: "Service Unavailable",
		},
		{
			name: "storage down, JSON", opts: []option{withStorage(storage{getErr: errBackend})}, accept: "application/json",
			wantStatus: 503, wantType: "application/json", wantBody: `{"error":"unavailable"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, append(tt.opts, defaultUnauthorized)...)
			// A well-formed token whose signature is wrong, or that cannot be
			// checked against a failing storage.
			token := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
			if tt.wantStatus == 401 {
				token = sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)
			}
			req := httptest.NewRequest(fiber.MethodGet, "/protected", nil)
			req.Header.Set("Cookie", h.with(token))
			if tt.accept != "" {
				req.Header.Set(fiber.HeaderAccept, tt.accept)
			}

			resp, body := h.do(t, req)

			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode)
			utils.AssertEqual(t, tt.wantBody, body)
			if ct := resp.Header.Get(fiber.HeaderContentType); !strings.HasPrefix(ct, tt.wantType) {
				t.Fatalf("Content-Type %q, want %s", ct, tt.wantType)
			}
			utils.AssertEqual(t, "no-store", resp.Header.Get(fiber.HeaderCacheControl))
			_, _, sig := parts(t, token)
			if strings.Contains(body, sig) || strings.Contains(body, "test:") || strings.Contains(body, "fiberjwt") {
				t.Fatalf("body %q reveals the token or an error", body)
			}
			utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
		})
	}
}

// go test -run Test_Unauthorized_StorageError -race
func Test_Unauthorized_StorageError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withStorage(storage{getErr: errBackend}))
	token := h.signIn(t, "alice", "wonderland")

	resp, _ := h.send(t, fiber.MethodGet, "/protected", h.with(token))

	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	err := h.unauthorized.last(t)
	if !errors.Is(err, fiberjwt.ErrStorage) || !errors.Is(err, errBackend) {
		t.Fatalf("got %v, want ErrStorage wrapping the backend's error", err)
	}
}

// go test -run Test_Unauthorized_Custom -race
func Test_Unauthorized_Custom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    func(c *fiber.Ctx, err error) error
		wantStatus int
		wantBody   string
	}{
		{
			name: "writes its own answer",
			handler: func(c *fiber.Ctx, err error) error {
				return c.Status(fiber.StatusTeapot).SendString("teapot: " + fmt.Sprint(errors.Is(err, fiberjwt.ErrNoToken)))
			},
			wantStatus: fiber.StatusTeapot,
			wantBody:   "teapot: true",
		},
		{
			name:       "returns an error",
			handler:    func(*fiber.Ctx, error) error { return fiber.NewError(fiber.StatusForbidden, "go away") },
			wantStatus: fiber.StatusForbidden,
			wantBody:   "go away",
		},
		{
			name:       "redirects to the login page",
			handler:    func(c *fiber.Ctx, _ error) error { return c.Redirect("/login-page") },
			wantStatus: fiber.StatusFound,
			wantBody:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.Unauthorized = tt.handler })

			resp, body := h.send(t, fiber.MethodGet, "/protected", "")

			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode)
			utils.AssertEqual(t, tt.wantBody, body)
		})
	}
}

// ---------------------------------------------------------------------------
// Validate.

// go test -run Test_Validate -race
func Test_Validate(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []User
	)
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) {
		cfg.Validate = func(_ *fiber.Ctx, u User) error {
			mu.Lock()
			seen = append(seen, u)
			mu.Unlock()
			if u.ID == "bob" {
				return errVetoed
			}
			return nil
		}
	})
	takeSeen := func() []User {
		mu.Lock()
		defer mu.Unlock()
		s := seen
		seen = nil
		return s
	}
	alice := h.signIn(t, "alice", "wonderland")
	bob := h.signIn(t, "bob", "builder")
	takeSeen() // Validate does not run on ProcessLogin; drop nothing else

	// Accepted: Validate saw the decoded user.
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(alice))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	want, _ := lookup("alice", "wonderland")
	got := takeSeen()
	utils.AssertEqual(t, 1, len(got), "Validate calls")
	utils.AssertEqual(t, want, got[0], "the user given to Validate")

	// Refused: the hook's error is wrapped.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(bob))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	err := h.unauthorized.last(t)
	if !errors.Is(err, fiberjwt.ErrInvalidToken) || !errors.Is(err, errVetoed) {
		t.Fatalf("got %v, want ErrInvalidToken wrapping the hook's error", err)
	}
	utils.AssertEqual(t, 1, len(takeSeen()), "Validate calls")

	// On a public page the refused user is a guest.
	_, body = h.send(t, fiber.MethodGet, "/public", h.with(bob))
	utils.AssertEqual(t, "hello guest", body)
	takeSeen()

	// Not called for a token that does not verify.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	utils.AssertEqual(t, 0, len(takeSeen()), "Validate calls for a forged token")
}

// go test -run Test_CurrentUser_WrongType -race
func Test_CurrentUser_WrongType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ok atomic.Bool
	ok.Store(true)
	h.app.Get("/typed", func(c *fiber.Ctx) error {
		_, got := fiberjwt.CurrentUser[string](c)
		ok.Store(got)
		return c.SendString("done")
	})
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/typed", h.with(token))

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, false, ok.Load(), "CurrentUser[string] on a Config[User]")
}

// ---------------------------------------------------------------------------
// Hostile requests.

// serve sends a GET for path with the raw Cookie header cookie through the
// fasthttp handler.
func serve(handler fasthttp.RequestHandler, path, cookie string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.Set(fiber.HeaderCookie, cookie)
	handler(ctx)
	return ctx
}

// go test -run Test_Hostile -race
func Test_Hostile(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 512)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name   string
		cookie func(valid string) string
	}{
		{name: "100KB cookie", cookie: func(string) string { return "token=" + strings.Repeat("A", 100<<10) }},
		{name: "100KB of dots", cookie: func(string) string { return "token=" + strings.Repeat(".", 100<<10) }},
		{name: "binary bytes", cookie: func(string) string { return "token=" + string(binary) }},
		{name: "binary bytes inside the token", cookie: func(v string) string { return "token=" + v[:20] + "\x00\xff" + v[20:] }},
		{name: "truncated token", cookie: func(v string) string { return "token=" + v[:len(v)/2] }},
		{name: "token minus its last byte", cookie: func(v string) string { return "token=" + v[:len(v)-1] }},
		{name: "invalid UTF-8 header", cookie: func(string) string { return "token=\xc3\x28.\xa0\xa1.\xe2\x28\xa1" }},
		{name: "good then bad", cookie: func(v string) string { return "token=" + v + "; token=bad" }},
		{name: "bad then good", cookie: func(v string) string { return "token=bad; token=" + v }},
		{name: "empty then good", cookie: func(v string) string { return "token=; token=" + v }},
		{name: "good twice", cookie: func(v string) string { return "token=" + v + "; token=" + v }},
		{name: "quoted good", cookie: func(v string) string { return `token="` + v + `"` }},
		{name: "a thousand cookies", cookie: func(v string) string { return strings.Repeat("x=y; ", 1000) + "token=" + v }},
		{name: "only separators", cookie: func(string) string { return ";;;===;; ;" }},
		{name: "dots", cookie: func(string) string { return "token=.." }},
		{name: "JSON where base64 should be", cookie: func(string) string { return `token={"alg":"none"}.{"usr":{}}.` }},
	}
	h := newHarness(t, defaultUnauthorized)
	valid := h.signIn(t, "alice", "wonderland")
	handler := h.app.Handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := serve(handler, "/protected", tt.cookie(valid))

			// Only the issued token, among the first four cookies named
			// token, opens the page, and nothing is a server error.
			status := ctx.Response.StatusCode()
			want, n := fiber.StatusUnauthorized, 0
			ctx.Request.Header.VisitAllCookie(func(k, v []byte) {
				if string(k) == "token" {
					if n++; n <= 4 && string(v) == valid {
						want = fiber.StatusOK
					}
				}
			})
			utils.AssertEqual(t, want, status, string(ctx.Response.Body()))
		})
	}

}

// ---------------------------------------------------------------------------
// Concurrency.

// go test -run Test_Concurrent_Users -race
func Test_Concurrent_Users(t *testing.T) {
	t.Parallel()
	const (
		users    = 48
		requests = 10
	)
	h := newHarness(t)
	handler := h.app.Handler()

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("user%d", i)
			<-start

			login := &fasthttp.RequestCtx{}
			login.Request.Header.SetMethod(fiber.MethodPost)
			login.Request.SetRequestURI("/login")
			login.Request.Header.SetContentType(fiber.MIMEApplicationForm)
			login.Request.SetBodyString(url.Values{"id": {id}, "pw": {"pw-" + id}}.Encode())
			handler(login)
			if got := login.Response.StatusCode(); got != fiber.StatusSeeOther {
				t.Errorf("%s: login status %d", id, got)
				return
			}
			c := fasthttp.AcquireCookie()
			defer fasthttp.ReleaseCookie(c)
			c.SetKey("token")
			if !login.Response.Header.Cookie(c) {
				t.Errorf("%s: no token cookie", id)
				return
			}
			token := string(c.Value())
			c.SetKey(fiberjwt.CSRFCookieName)
			if !login.Response.Header.Cookie(c) || len(c.Value()) == 0 {
				t.Errorf("%s: no csrf_token cookie", id)
				return
			}
			csrf := string(c.Value())

			for j := range requests {
				path := "/me"
				if j%2 == 1 {
					path = "/mutate"
				}
				ctx := &fasthttp.RequestCtx{}
				if path == "/mutate" {
					// What the page's script sends: the CSRF cookie's value.
					ctx.Request.Header.SetMethod(fiber.MethodPost)
					ctx.Request.Header.Set(fiberjwt.CSRFHeader, csrf)
				}
				ctx.Request.SetRequestURI(path)
				ctx.Request.Header.SetCookie("token", token)
				ctx.Request.Header.SetCookie(fiberjwt.CSRFCookieName, csrf)
				handler(ctx)
				if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
					t.Errorf("%s %s: status %d", id, path, got)
					return
				}
				var u User
				if err := json.Unmarshal(ctx.Response.Body(), &u); err != nil {
					t.Errorf("%s %s: %v", id, path, err)
					return
				}
				if u.ID != id || u.Name != displayName(id) {
					t.Errorf("%s %s: saw the user %+v", id, path, u)
					return
				}
				// Each request starts from the token's user, whatever other
				// requests did to theirs.
				wantRoles, wantTheme := "reader", "dark"
				if path == "/mutate" {
					wantRoles, wantTheme = "hacked,admin", "hacked"
				}
				if got := strings.Join(u.Roles, ","); got != wantRoles || u.Prefs["theme"] != wantTheme {
					t.Errorf("%s %s: roles %q, theme %q", id, path, got, u.Prefs["theme"])
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// go test -run Test_User_NotShared -race
func Test_User_NotShared(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodPost, "/mutate", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["hacked","admin"],"Prefs":{"theme":"hacked"}}`, body)

	resp, body = h.send(t, fiber.MethodGet, "/me", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["reader"],"Prefs":{"theme":"dark"}}`, body)
}

// ---------------------------------------------------------------------------
// Fuzzing.

// go test -run '^$' -fuzz Fuzz_Verify -fuzztime 20s .
func Fuzz_Verify(f *testing.F) {
	h := &harness{clock: newClock()}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{SecretKey: testSecret, TimeFunc: h.clock.Now}))
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("secret") })
	handler := app.Handler()

	// The one valid token. It is crafted, not issued by ProcessLogin, so
	// that it is the same in every fuzzing process (a random jti would make
	// each process's token valid in the others too).
	valid := sign(f, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
	if got := serve(handler, "/protected", "token="+valid).Response.StatusCode(); got != fiber.StatusOK {
		f.Fatalf("the valid token is refused: %d", got)
	}
	f.Add(valid)
	f.Add(valid + "x")
	f.Add(`"` + valid + `"`)
	f.Add(valid[:len(valid)-1])
	// The same signature bytes spelled differently: the last character's
	// lowest bit is padding, ignored unless decoding is strict.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	f.Add(valid[:len(valid)-1] + string(alphabet[strings.IndexByte(alphabet, valid[len(valid)-1])^1]))
	f.Add("garbage")
	f.Add("")
	f.Add(unsigned(f, "none", h.claims("alice")))
	f.Add(sign(f, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))

	f.Fuzz(func(t *testing.T, value string) {
		ctx := serve(handler, "/protected", "token="+value)

		// A fuzzer cannot forge an HMAC: only the valid token, exactly as
		// signed, may open the page; anything else is a 401, never a 5xx.
		want := fiber.StatusUnauthorized
		if string(ctx.Request.Header.Cookie("token")) == valid {
			want = fiber.StatusOK
		}
		if got := ctx.Response.StatusCode(); got != want {
			t.Fatalf("cookie %q: status %d, want %d", value, got, want)
		}
	})
}

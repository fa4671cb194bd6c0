// Package fiberjwt_test tests fiberjwt from the outside, the way an
// application uses it. This file holds what the tests share: the fixtures,
// the harness (an application under test) and token crafting.
package fiberjwt_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
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

	cookieName, csrfName, issuer, audience string
	csrfOn                                 bool // Config.DisableCSRF is false

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
	h.csrfName = cfg.CSRFCookieName
	if h.csrfName == "" {
		h.csrfName = csrfCookieOf(h.cookieName)
	}

	// The tests send cookies far larger than Fiber's default 4 KiB header
	// buffer; they must reach the middleware.
	// The client's address, for throttling and events, comes from the
	// X-Client-IP header (app.Test's connections have none of their own).
	h.app = fiber.New(fiber.Config{ReadBufferSize: 256 << 10, ProxyHeader: "X-Client-IP"})
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
		if v := cookieValue(cookie, h.csrfName); v != "" {
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
		return h.cookieName + "=" + token + "; " + h.csrfName + "=" + csrf
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
		csrf := onlyCookie(tb, resp, h.csrfName).Value
		if csrf == "" {
			tb.Fatal("login set an empty csrf_token cookie")
		}
		utils.AssertEqual(tb, resp.Header.Get("X-Login-CSRF"), csrf, "CSRFToken(c) in the login handler is the cookie's")
		h.remember(token, csrf)
	} else {
		noCookie(tb, resp, h.csrfName)
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

// csrfCookieOf returns the default Config.CSRFCookieName for the token
// cookie's name: "csrf_" before it, without a "__Host-" or "__Secure-"
// prefix.
func csrfCookieOf(cookieName string) string {
	for _, p := range []string{"__Host-", "__Secure-"} {
		cookieName = strings.TrimPrefix(cookieName, p)
	}
	return "csrf_" + cookieName
}

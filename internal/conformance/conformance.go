// Package conformance is the behaviour every adapter's demo app must show,
// written once: the Fiber v2 demo (example/) and the Fiber v3 demo
// (fiberv3/example/) each run it with a constructor of their own.
//
//	go test -run TestConformance ./example
//	cd fiberv3 && go test -run TestConformance ./example
//
// It drives the demo through HTTP only (black-box), so what it checks is
// what a browser sees: the routes, the cookies byte for byte, CSRF, the
// sliding session, revocation, the refusal of hostile tokens, and the
// sign-in flows (sign-up, "remember me", signing out other devices, the
// password change, login throttling, the audit log). It is a
// non-test package so that both modules can import it; it uses the
// standard library and golang-jwt only.
package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// App is one adapter's demo app under test.
type App interface {
	Test(req *http.Request) (*http.Response, error) // app.Test without a timeout
	Serve(ln net.Listener) error                    // app.Listener(ln), ln wrapped as the demo's main does
	Shutdown() error
}

// Options are the settings of a demo app under test: each demo declares
// the same struct (its own Options, which this one converts to).
type Options struct {
	// Secret signs the tokens (HS512: at least 64 bytes).
	Secret []byte
	// TTL is Config.Expiration; 0 means its default.
	TTL time.Duration
	// Secure names the token cookie "__Host-token" and makes it Secure,
	// for a site served over HTTPS; otherwise it is "token", not Secure,
	// for plain http on loopback.
	Secure bool
	// Now is Config.TimeFunc; nil means time.Now.
	Now func() time.Time
	// Log receives the audit log: the sign-in events (Config.OnEvent) and
	// the sign-ups; nil means none.
	Log *slog.Logger
}

// CookieName is the token cookie's name the demo must use.
func (o Options) CookieName() string {
	if o.Secure {
		return "__Host-token"
	}
	return "token"
}

// ReadBufferSize is the request-header limit the demos must set
// (fiber.Config.ReadBufferSize): 16 KiB, which holds a browser's full
// token cookie and the rest of its headers.
const ReadBufferSize = 16 << 10

// Run runs the whole suite as subtests of t against the apps newApp builds.
func Run(t *testing.T, newApp func(Options) App) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(*testing.T, func(Options) App)
	}{
		{"Contract", testContract},
		{"Bob", testBob},
		{"ClicksNeedCSRF", testClicksNeedCSRF},
		{"SessionTTL", testSessionTTL},
		{"SecureCookie", testSecureCookie},
		{"LoginCookies", testLoginCookies},
		{"LogoutCookies", testLogoutCookies},
		{"Refusals", testRefusals},
		{"CSRF", testCSRF},
		{"LoginOrigin", testLoginOrigin},
		{"Refresh", testRefresh},
		{"LogoutRevokes", testLogoutRevokes},
		{"ReloginRevokes", testReloginRevokes},
		{"HostileTokens", testHostileTokens},
		{"SignUp", testSignUp},
		{"RememberMe", testRememberMe},
		{"BrowserSessionLimit", testBrowserSessionLimit},
		{"SignOutOtherDevices", testSignOutOtherDevices},
		{"ChangePassword", testChangePassword},
		{"LoginThrottled", testLoginThrottled},
		{"AuditLog", testAuditLog},
		{"HugeCookieAnswered", testHugeCookieAnswered},
		{"BrowserSizedRequest", testBrowserSizedRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newApp)
		})
	}
}

// secret signs the demo's tokens in every test; otherKey is a key of the
// same size that the demo does not trust.
var (
	secret   = bytes.Repeat([]byte("k"), 64)
	otherKey = bytes.Repeat([]byte("x"), 64)
)

// epoch is the fixed clock's start: a whole second, so that exp (whole
// seconds) is exactly epoch + TTL.
var epoch = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

// clock is a movable Options.Now, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

// Now is the app's Options.Now.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves the clock to epoch + d.
func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = epoch.Add(d)
}

// answer is a response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// setCookies returns the Set-Cookie headers as sent.
func (a answer) setCookies() []string { return a.header.Values("Set-Cookie") }

// cookie returns the value of the cookie name the answer sets, and whether
// it sets one.
func (a answer) cookie(name string) (string, bool) {
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// send sends req to app and reads the answer.
func send(t *testing.T, app App, req *http.Request) answer {
	t.Helper()
	a, err := trySend(app, req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trySend sends req to app and reads the answer, or returns app.Test's
// error.
func trySend(app App, req *http.Request) (answer, error) {
	resp, err := app.Test(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: reading the body: %w", req.Method, req.URL, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// browser is one client of the app: it keeps the cookies the app sets, by
// name, and sends them back, as a browser does on a same-site request.
type browser struct {
	t    *testing.T
	app  App
	o    Options
	jar  map[string]string
	keep bool // update jar from the answers' Set-Cookie
}

// newBrowser returns a browser of app, which newApp built with o, with no
// cookies.
func newBrowser(t *testing.T, app App, o Options) *browser {
	return &browser{t: t, app: app, o: o, jar: map[string]string{}, keep: true}
}

// request builds a request: a form body when form is not nil, and the
// header pairs.
func request(method, target string, form url.Values, header ...string) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// do sends a request with the browser's cookies and, unless keep is off,
// stores the cookies the answer sets (an empty value deletes one).
func (b *browser) do(method, target string, form url.Values, header ...string) answer {
	b.t.Helper()
	req := request(method, target, form, header...)
	for name, value := range b.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	a := send(b.t, b.app, req)
	if b.keep {
		for _, c := range (&http.Response{Header: a.header}).Cookies() {
			if c.Value == "" {
				delete(b.jar, c.Name)
			} else {
				b.jar[c.Name] = c.Value
			}
		}
	}
	return a
}

// token returns the browser's token cookie.
func (b *browser) token() string { return b.jar[b.o.CookieName()] }

// withToken returns a browser holding only the token tok, which does not
// keep the cookies it is sent: a copy of a token kept by someone.
func (b *browser) withToken(tok string) *browser {
	return &browser{t: b.t, app: b.app, o: b.o, jar: map[string]string{b.o.CookieName(): tok}}
}

// login signs id in with pw, "remember me" ticked, and fails the test
// unless the app answers 303 to /protected with a token and a CSRF cookie.
func (b *browser) login(id, pw string) answer {
	b.t.Helper()
	return b.loginWith(id, pw, true)
}

// loginWith is login with the "remember me" box ticked or not.
func (b *browser) loginWith(id, pw string, remember bool) answer {
	b.t.Helper()
	form := url.Values{"id": {id}, "pw": {pw}}
	if remember {
		form.Set("remember", "on") // what a browser sends for a ticked box
	}
	return b.signedIn("login "+id, b.do("POST", "/login", form))
}

// signedIn fails the test unless a, the answer to a login or a sign-up,
// is 303 to /protected with a token and a CSRF cookie, and returns it.
func (b *browser) signedIn(what string, a answer) answer {
	b.t.Helper()
	tok, okTok := a.cookie(b.o.CookieName())
	csrf, okCSRF := a.cookie("csrf_token")
	if a.status != 303 || a.header.Get("Location") != "/protected" || tok == "" || !okTok || csrf == "" || !okCSRF {
		b.t.Fatalf("%s = %d to %q, Set-Cookie %q; want 303 to /protected with a token and a CSRF cookie",
			what, a.status, a.header.Get("Location"), a.setCookies())
	}
	return a
}

// expect fails the test unless a's status is want and, when body is not
// empty, its body contains body.
func expect(t *testing.T, what string, a answer, want int, body string) {
	t.Helper()
	if a.status != want || !strings.Contains(a.body, body) {
		t.Fatalf("%s = %d %.300q; want %d with %q", what, a.status, a.body, want, body)
	}
}

// noCookies fails the test when a sets a cookie.
func noCookies(t *testing.T, what string, a answer) {
	t.Helper()
	if sc := a.setCookies(); len(sc) > 0 {
		t.Fatalf("%s set cookies %q; want none", what, sc)
	}
}

// hiddenCSRF returns the value of the page's hidden csrf_token field.
func hiddenCSRF(page string) string {
	const field = `name="csrf_token" value="`
	i := strings.Index(page, field)
	if i < 0 {
		return ""
	}
	v := page[i+len(field):]
	return v[:strings.IndexByte(v, '"')]
}

// claims returns the decoded payload of tok, numbers as json.Number, so
// that a token signed again from them carries the very same values.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments, want 3", tok, len(parts))
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload %q: %v", parts[1], err)
	}
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	var c map[string]any
	if err := d.Decode(&c); err != nil {
		t.Fatalf("token payload %s: %v", p, err)
	}
	return c
}

// unixClaim returns the claim name of c, a NumericDate, as a time.
func unixClaim(t *testing.T, c map[string]any, name string) time.Time {
	t.Helper()
	n, ok := c[name].(json.Number)
	if !ok {
		t.Fatalf("claim %q = %v, want a number", name, c[name])
	}
	s, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %q = %v: %v", name, n, err)
	}
	return time.Unix(s, 0)
}

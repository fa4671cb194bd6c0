package conformance

// The demo's routes, as the old example/main_test.go checked them.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testContract walks the demo's routes signed out, through a login, and
// through a logout, with the real clock (Options.Now nil).
func testContract(t *testing.T, newApp func(Options) App) {
	o := Options{Secret: secret}
	b := newBrowser(t, newApp(o), o)

	expect(t, "GET /", b.do("GET", "/", nil), 200, `action="/login"`)
	expect(t, "GET /: the login form's remember-me box", b.do("GET", "/", nil), 200, `type="checkbox" id="remember" name="remember"`)

	a := b.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"nope"}})
	expect(t, "wrong password", a, 401, "Wrong id or password.")
	noCookies(t, "wrong password", a)
	a = b.do("POST", "/login", url.Values{"id": {"nobody"}, "pw": {"wonderland"}})
	expect(t, "unknown user", a, 401, "Wrong id or password.")
	noCookies(t, "unknown user", a)

	a = b.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test")
	expect(t, "cross-site login", a, 403, "another site")
	noCookies(t, "cross-site login", a)

	expect(t, "GET /protected signed out", b.do("GET", "/protected", nil), 401, "Please sign in")
	a = b.do("GET", "/api/me", nil)
	if a.status != 401 || a.body != `{"error":"unauthorized"}` {
		t.Fatalf("GET /api/me signed out = %d %q, want 401 JSON", a.status, a.body)
	}

	b.login("alice", "wonderland")
	stolen := b.token()

	expect(t, "GET /protected", b.do("GET", "/protected", nil), 200, "Alice")
	expect(t, "GET / signed in", b.do("GET", "/", nil), 200, "Welcome back, <strong>Alice")
	a = b.do("GET", "/api/me", nil, "Accept", "application/json")
	if a.status != 200 || a.body != `{"id":"alice","name":"Alice"}` {
		t.Fatalf("GET /api/me = %d %q", a.status, a.body)
	}

	expect(t, "logout without the CSRF field", b.do("POST", "/logout", nil), 403, "")
	a = b.do("GET", "/protected", nil)
	expect(t, "GET /protected after a refused logout", a, 200, "Alice")
	csrf := hiddenCSRF(a.body)
	if csrf == "" || csrf != b.jar["csrf_token"] {
		t.Fatalf("the protected page's CSRF field is %q, want the csrf_token cookie %q", csrf, b.jar["csrf_token"])
	}
	a = b.do("POST", "/logout", url.Values{"csrf_token": {csrf}})
	if a.status != 303 || a.header.Get("Location") != "/" {
		t.Fatalf("logout = %d to %q, want 303 to /", a.status, a.header.Get("Location"))
	}
	if v, ok := a.cookie(o.CookieName()); !ok || v != "" {
		t.Fatalf("logout Set-Cookie %q, want the token cookie cleared", a.setCookies())
	}
	if len(b.jar) != 0 {
		t.Fatalf("after logout the browser still has the cookies %v", b.jar)
	}
	expect(t, "GET / signed out again", b.do("GET", "/", nil), 200, `action="/login"`)

	expect(t, "GET /protected with the logged-out token", b.withToken(stolen).do("GET", "/protected", nil), 401, "Please sign in")
}

// testBob: the second user signs in and is named.
func testBob(t *testing.T, newApp func(Options) App) {
	o := Options{Secret: secret}
	b := newBrowser(t, newApp(o), o)
	b.login("bob", "builder")
	a := b.do("GET", "/protected", nil)
	expect(t, "GET /protected as bob", a, 200, "Bob")
	if strings.Contains(a.body, "Alice") {
		t.Fatalf("bob's page names Alice: %s", a.body)
	}
	if a = b.do("GET", "/api/me", nil); a.status != 200 || a.body != `{"id":"bob","name":"Bob"}` {
		t.Fatalf("GET /api/me as bob = %d %q", a.status, a.body)
	}
	expect(t, "bob with alice's password", b.do("POST", "/login", url.Values{"id": {"bob"}, "pw": {"wonderland"}}), 401, "Wrong id or password.")
}

// testClicksNeedCSRF: the JavaScript API needs the CSRF header, and the
// page and its assets are served.
func testClicksNeedCSRF(t *testing.T, newApp func(Options) App) {
	o := Options{Secret: secret}
	b := newBrowser(t, newApp(o), o)
	b.login("alice", "wonderland")
	csrf := b.jar["csrf_token"]

	a := b.do("POST", "/api/clicks", nil)
	if a.status != 403 || a.body != `{"error":"forbidden"}` {
		t.Fatalf("clicks without the header = %d %q, want 403 forbidden", a.status, a.body)
	}
	for want := 1; want <= 2; want++ {
		a = b.do("POST", "/api/clicks", nil, "X-CSRF-Token", csrf)
		if a.status != 200 || a.body != fmt.Sprintf(`{"clicks":%d}`, want) {
			t.Fatalf("click %d = %d %q", want, a.status, a.body)
		}
	}
	a = b.do("GET", "/protected", nil)
	if !strings.Contains(a.body, `src="/static/app.js"`) || !strings.Contains(a.body, `id="expires"`) {
		t.Fatalf("the protected page lacks the script or the expiry: %s", a.body)
	}
	for name, mime := range map[string]string{"app.js": "javascript", "style.css": "text/css"} {
		a = b.do("GET", "/static/"+name, nil)
		if a.status != 200 || len(a.body) == 0 || !strings.Contains(a.header.Get("Content-Type"), mime) {
			t.Fatalf("GET /static/%s = %d, %q, %d bytes; want 200 with %s", name, a.status, a.header.Get("Content-Type"), len(a.body), mime)
		}
	}
}

// testSessionTTL: Options.TTL sets the token's lifetime and the cookie's
// Max-Age.
func testSessionTTL(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: 90 * time.Second, Now: c.Now}
	b := newBrowser(t, newApp(o), o)
	a := b.login("bob", "builder")
	if sc := a.setCookies(); len(sc) == 0 || !strings.Contains(sc[0], "; max-age=90;") {
		t.Fatalf("login Set-Cookie %q, want the token's Max-Age 90", sc)
	}
	if exp := unixClaim(t, claims(t, b.token()), "exp"); !exp.Equal(epoch.Add(90 * time.Second)) {
		t.Fatalf("token exp %v, want login time + 90s = %v", exp, epoch.Add(90*time.Second))
	}
	c.set(89 * time.Second)
	b.keep = false // the request at +89s refreshes the token: keep the login's
	expect(t, "GET /protected at +89s", b.do("GET", "/protected", nil), 200, "Bob")
	c.set(91 * time.Second)
	expect(t, "GET /protected at +91s with the login's token", b.do("GET", "/protected", nil), 401, "Please sign in")
}

// testSecureCookie: with Options.Secure the token cookie is __Host-token,
// Secure, and the CSRF cookie is Secure too.
func testSecureCookie(t *testing.T, newApp func(Options) App) {
	o := Options{Secret: secret, Secure: true}
	b := newBrowser(t, newApp(o), o)
	a := b.login("alice", "wonderland")
	if _, ok := a.cookie("token"); ok {
		t.Errorf("login also set a plain token cookie: %q", a.setCookies())
	}
	for _, sc := range a.setCookies() {
		if !strings.Contains(sc, "; secure;") {
			t.Errorf("Set-Cookie %q is not Secure", sc)
		}
		if strings.Contains(strings.ToLower(sc), "domain=") {
			t.Errorf("Set-Cookie %q has a Domain: __Host- forbids it", sc)
		}
	}
	if b.token() == "" {
		t.Fatalf("no __Host-token in %q", a.setCookies())
	}
	expect(t, "GET /protected with __Host-token", b.do("GET", "/protected", nil), 200, "Alice")
	expect(t, "GET /protected with the token as a plain token cookie",
		newBrowser(t, b.app, Options{}).withToken(b.token()).do("GET", "/protected", nil), 401, "Please sign in")
}

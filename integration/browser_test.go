package integration

// End-to-end tests of the demo site (../example) in headless Chromium: the
// cookie flags, redirects, forms, CSRF values and logout as a browser
// handles them, which app.Test cannot show. Each test starts the demo on a
// free loopback port and a browser with a fresh profile. Without Chromium
// (see browserPath) they skip, or fail when $CI is set.
//
//	cd integration && go test -run Browser ./...

import (
	"context"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Test_Browser_LoginForm signs in through the home page's form and lands on
// the protected page, which greets the user by name.
func Test_Browser_LoginForm(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")

	resp := browserLogin(t, tab, base, browserUser, browserPassword, true)
	if resp.Status != http.StatusOK {
		t.Fatalf("login landed with status %d, want 200", resp.Status)
	}
	if loc := browserLocation(t, tab); loc != base+"/protected" {
		t.Fatalf("login landed on %s, want %s/protected", loc, base)
	}
	greeting, err := chromedp.Run(tab, chromedp.Text(chromedp.ID("greeting")))
	if err != nil {
		t.Fatalf("reading #greeting: %v", err)
	}
	if !strings.Contains(greeting, browserGreeting) || !strings.Contains(greeting, browserUserName) {
		t.Errorf("#greeting = %q, want %q and %q", greeting, browserGreeting, browserUserName)
	}
	// The page says until when the session lasts: a time in the future.
	if exp := browserExpires(t, tab); !exp.After(time.Now()) {
		t.Errorf("#expires = %v, want a time in the future", exp)
	}
}

// Test_Browser_CookieFlags checks the cookies as the browser stored them
// after a login with "remember me" ticked: the page's scripts cannot read
// the token (HttpOnly) but can read the CSRF value, and both cookies are
// SameSite=Lax with Path=/ and an expiry (Test_Browser_RememberMe has the
// login without it).
func Test_Browser_CookieFlags(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	browserMustLogin(t, tab, base)

	cookies := browserCookies(t, tab, base)
	token, csrf := cookies["token"], cookies["csrf_token"]
	if token == nil || csrf == nil {
		t.Fatalf("after login the browser holds cookies %v, want token and csrf_token", slices.Sorted(maps.Keys(cookies)))
	}

	// What the page's JavaScript sees.
	docCookie := browserEval[string](t, tab, `document.cookie`)
	names := cookieNames(docCookie)
	if slices.Contains(names, "token") || strings.Contains(docCookie, token.Value) {
		t.Errorf("document.cookie = %q shows the token; it must be HttpOnly", docCookie)
	}
	if !slices.Contains(names, "csrf_token") || !strings.Contains(docCookie, "csrf_token="+csrf.Value) {
		t.Errorf("document.cookie = %q lacks csrf_token=%s, which the page's script sends back", docCookie, csrf.Value)
	}

	// The flags, read through the DevTools protocol.
	for _, c := range []struct {
		cookie   *network.Cookie
		httpOnly bool
	}{{token, true}, {csrf, false}} {
		if c.cookie.HTTPOnly != c.httpOnly {
			t.Errorf("cookie %s: HttpOnly = %v, want %v", c.cookie.Name, c.cookie.HTTPOnly, c.httpOnly)
		}
		if c.cookie.SameSite != network.CookieSameSiteLax {
			t.Errorf("cookie %s: SameSite = %q, want Lax", c.cookie.Name, c.cookie.SameSite)
		}
		if c.cookie.Path != "/" {
			t.Errorf("cookie %s: Path = %q, want /", c.cookie.Name, c.cookie.Path)
		}
		if c.cookie.Domain != "127.0.0.1" {
			t.Errorf("cookie %s: Domain = %q, want the host-only 127.0.0.1", c.cookie.Name, c.cookie.Domain)
		}
		if c.cookie.Session || c.cookie.Expires <= float64(time.Now().Unix()) {
			t.Errorf("cookie %s: expires %v (session cookie: %v), want a lifetime like the token's", c.cookie.Name, c.cookie.Expires, c.cookie.Session)
		}
	}
}

// Test_Browser_WrongPassword: a wrong password shows the form again with
// the error message, answers 401 and leaves the browser without cookies.
func Test_Browser_WrongPassword(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")

	resp := browserLogin(t, tab, base, browserUser, "not-"+browserPassword, false)
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("wrong password answered %d, want 401", resp.Status)
	}
	if body := browserBody(t, tab); !strings.Contains(body, "Wrong id or password.") {
		t.Errorf("the page after a wrong password says %q, want the error message", body)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Errorf("the login form is not shown again: %v", err)
	}
	if cookies := browserCookies(t, tab, base); len(cookies) != 0 {
		for name := range cookies {
			t.Errorf("a wrong password set the cookie %s", name)
		}
	}
}

// Test_Browser_CSRFHeader: the protected page's script calls POST
// /api/clicks with the X-CSRF-Token header read from the csrf_token cookie
// and is served; the same call without the header is refused with 403 and
// counts nothing. Saves a screenshot of the protected page.
func Test_Browser_CSRFHeader(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	browserMustLogin(t, tab, base)

	if status, text := browserClick(t, tab, "click"); status != "200" || text != "Clicks so far: 1" {
		t.Errorf("#click with the header: status %s, %q; want 200, %q", status, text, "Clicks so far: 1")
	}
	if status, text := browserClick(t, tab, "click-nocsrf"); status != "403" || !strings.Contains(text, "Refused with 403") {
		t.Errorf("#click-nocsrf without the header: status %s, %q; want 403, refused", status, text)
	}
	// The refused call changed nothing.
	if status, text := browserClick(t, tab, "click"); status != "200" || text != "Clicks so far: 2" {
		t.Errorf("#click after the refused call: status %s, %q; want 200, %q", status, text, "Clicks so far: 2")
	}

	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	saveBrowserArtifact(t, "protected.png", png)
}

// Test_Browser_CrossOriginForms: pages of other origins that post forms to
// the demo as soon as they load (to /api/clicks and to /logout) do not act
// as the signed-in user: the click count and the session stay as they were.
//
// Two layers stop them, and the test shows each:
//
//   - A page of another site (http://localhost:PORT2, while the demo is
//     http://127.0.0.1:PORT: another host, so another site) gets nothing
//     from the cookies: the token cookie is SameSite=Lax, and a browser
//     sends a Lax cookie with a cross-site request only on a top-level
//     navigation with a safe method (GET), never with a POST. The demo sees
//     no token and answers 401; it never gets to the CSRF check.
//   - A page of the same site on another port (http://127.0.0.1:PORT2) is
//     another origin, but SameSite does not care about ports, and cookies
//     are not per port: the browser sends the token cookie. Here the CSRF
//     double-submit check refuses the request with 403: the page cannot
//     read the csrf_token cookie of the demo's origin, so its form carries
//     a guessed value.
func Test_Browser_CrossOriginForms(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	browserMustLogin(t, tab, base)
	if status, text := browserClick(t, tab, "click"); status != "200" || text != "Clicks so far: 1" {
		t.Fatalf("#click: status %s, %q; want 200, %q", status, text, "Clicks so far: 1")
	}
	tokenBefore := browserCookies(t, tab, base)["token"]
	if tokenBefore == nil {
		t.Fatal("no token cookie after login")
	}

	port := attackerServer(t, base)
	for _, a := range []struct {
		name, origin, page, target string
		wantStatus                 int64
		wantTokenSent              bool
	}{
		{"cross-site clicks", "http://localhost:" + port, "/clicks", base + "/api/clicks", http.StatusUnauthorized, false},
		{"cross-site logout", "http://localhost:" + port, "/logout", base + "/logout", http.StatusUnauthorized, false},
		{"same-site clicks", "http://" + net.JoinHostPort("127.0.0.1", port), "/clicks", base + "/api/clicks", http.StatusForbidden, true},
		{"same-site logout", "http://" + net.JoinHostPort("127.0.0.1", port), "/logout", base + "/logout", http.StatusForbidden, true},
	} {
		status, sent, blocked := browserFormPost(t, tab, a.origin+a.page, a.target)
		t.Logf("%s: %s%s posts to %s: status %d, token cookie sent: %v %v", a.name, a.origin, a.page, a.target, status, sent, blocked)
		if status != a.wantStatus || sent != a.wantTokenSent {
			t.Errorf("%s: status %d, token cookie sent %v (blocked: %v); want status %d, sent %v",
				a.name, status, sent, blocked, a.wantStatus, a.wantTokenSent)
		}
		// Chromium names the rule SchemefulSameSiteLax when it compares
		// sites with their scheme, as it does by default.
		if !a.wantTokenSent && !slices.Contains(blocked, network.CookieBlockedReasonSameSiteLax) &&
			!slices.Contains(blocked, network.CookieBlockedReasonSchemefulSameSiteLax) {
			t.Errorf("%s: the browser gave %v as the reasons for not sending the token cookie, want SameSite Lax", a.name, blocked)
		}
	}

	// Still signed in, with the same token: neither forged logout acted.
	resp := browserOpen(t, tab, base+"/protected")
	if body := browserBody(t, tab); resp.Status != http.StatusOK || !strings.Contains(body, browserGreeting) {
		t.Fatalf("after the forged posts /protected answered %d: %q; want 200 and the protected page", resp.Status, body)
	}
	if tokenAfter := browserCookies(t, tab, base)["token"]; tokenAfter == nil || tokenAfter.Value != tokenBefore.Value {
		t.Errorf("the token cookie changed under the forged posts")
	}
	// Not one forged click counted: the next real one is the second.
	if status, text := browserClick(t, tab, "click"); status != "200" || text != "Clicks so far: 2" {
		t.Errorf("#click after the forged posts: status %s, %q; want 200, %q", status, text, "Clicks so far: 2")
	}
}

// Test_Browser_LogoutAndBack: the logout button leads back to the login
// form; afterwards the protected page answers 401, and the back button
// does not show it again: the demo sends it with Cache-Control: no-store,
// and a copy restored from Chromium's back/forward cache reloads itself
// (pageshow with persisted), so the server answers, and refuses.
func Test_Browser_LogoutAndBack(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	browserMustLogin(t, tab, base)

	resp, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.ID("logout")))
	if err != nil || resp == nil {
		t.Fatalf("pressing Log out: %v (response: %v)", err, resp != nil)
	}
	if resp.Status != http.StatusOK || resp.URL != base+"/" {
		t.Errorf("logout landed on %s with status %d, want %s/ with 200", resp.URL, resp.Status, base)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Errorf("no login form after logout: %v", err)
	}
	if cookies := browserCookies(t, tab, base); len(cookies) != 0 {
		for name := range cookies {
			t.Errorf("cookie %s survived the logout", name)
		}
	}

	// Back to the protected page, as the browser's back button does.
	restored, reloaded := browserGoBack(t, tab)
	switch {
	case restored && !reloaded:
		t.Errorf("back after logout: Chromium restored /protected from its back/forward cache " +
			"and the page stayed as it was, showing the signed-out user's page without asking the server. " +
			"Cache-Control: no-store does not keep a page out of that cache in current Chromium, " +
			"and the logout's cookie change happened before the page entered it. " +
			"The protected page must load itself anew when restored: " +
			"addEventListener(\"pageshow\", e => { if (e.persisted) location.reload(); })")
	case restored:
		t.Log("back after logout: restored from the back/forward cache, then the page reloaded itself from the server")
	}
	if loc := browserLocation(t, tab); loc != base+"/protected" {
		t.Errorf("back went to %s, want %s/protected", loc, base)
	}
	body := browserBody(t, tab)
	if strings.Contains(body, browserGreeting) {
		t.Errorf("back after logout shows the protected content: %q", body)
	}
	if status := browserDocumentStatus(t, tab); status != http.StatusUnauthorized || !strings.Contains(body, browserSignInMsg) {
		t.Errorf("back after logout: status %d, %q; want 401 and %q", status, body, browserSignInMsg)
	}

	// And opening it anew.
	resp = browserOpen(t, tab, base+"/protected")
	body = browserBody(t, tab)
	if resp.Status != http.StatusUnauthorized || !strings.Contains(body, browserSignInMsg) || strings.Contains(body, browserGreeting) {
		t.Errorf("/protected after logout: status %d, %q; want 401 and %q", resp.Status, body, browserSignInMsg)
	}
}

// Test_Browser_SlidingRefresh: with SESSION_TTL=4s, a user who keeps using
// the site stays signed in past the first token's expiry, because the
// middleware replaces a token with less than half its life left. The test
// loads the protected page every 700ms for 6.5s of wall-clock time: that
// waiting is the point, the window slides with the clock.
func Test_Browser_SlidingRefresh(t *testing.T) {
	const (
		ttl      = 4 * time.Second
		interval = 700 * time.Millisecond
		keepUp   = 6500 * time.Millisecond // well past the first token's expiry
	)
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, ttl.String())
	browserMustLogin(t, tab, base)
	loggedIn := time.Now()

	firstExpiry := browserExpires(t, tab)
	if d := firstExpiry.Sub(loggedIn); d > ttl || d < ttl-2*time.Second {
		t.Fatalf("the first token expires %v after login, want about %v", d, ttl)
	}
	token := browserCookies(t, tab, base)["token"]
	if token == nil {
		t.Fatal("no token cookie after login")
	}

	refreshes := 0
	var lastOK time.Time
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for time.Since(loggedIn) < keepUp {
		select {
		case <-ctx.Done():
			t.Fatalf("test deadline: %v", ctx.Err())
		case <-tick.C:
		}
		resp := browserOpen(t, tab, base+"/protected")
		if body := browserBody(t, tab); resp.Status != http.StatusOK || !strings.Contains(body, browserUserName) {
			t.Fatalf("%v after login (first token expired at %v): /protected answered %d: %q",
				time.Since(loggedIn).Round(time.Millisecond), firstExpiry.Sub(loggedIn).Round(time.Millisecond), resp.Status, body)
		}
		lastOK = time.Now()
		if c := browserCookies(t, tab, base)["token"]; c == nil {
			t.Fatalf("%v after login: the token cookie is gone", time.Since(loggedIn).Round(time.Millisecond))
		} else if c.Value != token.Value {
			refreshes++
			token = c
		}
	}

	if refreshes == 0 {
		t.Errorf("the token cookie never changed in %v with SESSION_TTL=%v: no refresh", keepUp, ttl)
	}
	if !lastOK.After(firstExpiry) {
		t.Errorf("last served at %v, not after the first token's expiry %v", lastOK, firstExpiry)
	}
	if exp := browserExpires(t, tab); !exp.After(firstExpiry) {
		t.Errorf("the page shows the session expiring at %v, not after the first token's %v", exp, firstExpiry)
	}
	t.Logf("served for %v after login, %d refreshes; the first token expired %v after login",
		lastOK.Sub(loggedIn).Round(time.Millisecond), refreshes, firstExpiry.Sub(loggedIn).Round(time.Millisecond))
}

// browserExpires returns the session expiry that the protected page shows.
func browserExpires(t *testing.T, ctx context.Context) time.Time {
	t.Helper()
	s := browserEval[string](t, ctx, `document.getElementById("expires").getAttribute("datetime")`)
	exp, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("#expires datetime %q: %v", s, err)
	}
	return exp
}

package integration

// The demo's sign-in flows in headless Chromium: sign-up, "remember me"
// and signing out the other devices, each as a person does it, through
// the demo's forms. Like the tests of browser_test.go, they skip without
// Chromium, or fail when $CI is set.
//
//	cd integration && go test -run Browser ./...

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserText returns the text of the element with the id.
func browserText(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("reading #%s: %v", id, err)
	}
	return s
}

// Test_Browser_SignUp follows the home page's link to the sign-up form,
// fills it in, ticks "remember me" and presses the button: the browser
// lands on the protected page, signed in as the new user, whose name the
// page shows, with cookies that outlive the browser. After logging out,
// the new account signs in through the login form with its password.
func Test_Browser_SignUp(t *testing.T) {
	const (
		id   = "carol"
		name = "Carol Lewis"
		pw   = "looking-glass"
	)
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")

	browserOpen(t, tab, base+"/")
	resp, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.ID("signup-link")))
	if err != nil || resp == nil || resp.URL != base+"/signup" {
		t.Fatalf("following the sign-up link: %v (response: %v)", err, resp)
	}
	if err := chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.ID("signup")),
		chromedp.SendKeys(chromedp.ID("su-id"), id),
		chromedp.SendKeys(chromedp.ID("su-name"), name),
		chromedp.SendKeys(chromedp.ID("su-pw"), pw),
		chromedp.Click(chromedp.ID("su-remember")),
	); err != nil {
		t.Fatalf("filling in the sign-up form: %v", err)
	}
	resp, err = chromedp.RunResponse(tab, chromedp.Click(chromedp.CSS(`#signup button[type="submit"]`)))
	if err != nil || resp == nil {
		t.Fatalf("submitting the sign-up form: %v (response: %v)", err, resp != nil)
	}
	if resp.Status != http.StatusOK || resp.URL != base+"/protected" {
		t.Fatalf("the sign-up landed on %s with status %d, want %s/protected with 200: %q", resp.URL, resp.Status, base, browserBody(t, tab))
	}
	if greeting := browserText(t, tab, "greeting"); !strings.Contains(greeting, browserGreeting) || !strings.Contains(greeting, name) {
		t.Errorf("#greeting = %q, want %q and %q", greeting, browserGreeting, name)
	}
	if who := browserText(t, tab, "who"); who != name {
		t.Errorf("the header says signed in as %q, want %q", who, name)
	}
	if r := browserText(t, tab, "remembered"); r != "remembered" {
		t.Errorf("the session panel says %q, want remembered", r)
	}
	cookies := browserCookies(t, tab, base)
	if tok := cookies["token"]; tok == nil || tok.Session {
		t.Errorf("after the sign-up with remember me, the token cookie is %+v; want one that outlives the browser", tok)
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	saveBrowserArtifact(t, "signed-up.png", png)

	// The account stays: log out, and sign in with it.
	if _, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.ID("logout"))); err != nil {
		t.Fatalf("pressing Log out: %v", err)
	}
	resp = browserLogin(t, tab, base, id, pw, false)
	if resp.Status != http.StatusOK || resp.URL != base+"/protected" {
		t.Fatalf("signing in as the new user landed on %s with status %d: %q", resp.URL, resp.Status, browserBody(t, tab))
	}
	if greeting := browserText(t, tab, "greeting"); !strings.Contains(greeting, name) {
		t.Errorf("#greeting after signing in again = %q, want %q", greeting, name)
	}
}

// Test_Browser_RememberMe: a login without "remember me" leaves session
// cookies in Chromium (no expiry: they end with the browser), and the
// page says the browser is not remembered; Test_Browser_CookieFlags has
// the remembered login.
func Test_Browser_RememberMe(t *testing.T) {
	tab, ctx := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	resp := browserLogin(t, tab, base, browserUser, browserPassword, false)
	if resp.Status != http.StatusOK || resp.URL != base+"/protected" {
		t.Fatalf("login landed on %s with status %d, want %s/protected with 200", resp.URL, resp.Status, base)
	}
	cookies := browserCookies(t, tab, base)
	for _, name := range []string{"token", "csrf_token"} {
		if c := cookies[name]; c == nil || !c.Session {
			t.Errorf("after a login without remember me, cookie %s is %+v; want a session cookie", name, c)
		}
	}
	if r := browserText(t, tab, "remembered"); r != "not remembered" {
		t.Errorf("the session panel says %q, want not remembered", r)
	}
}

// Test_Browser_SignOutOtherDevices: two browsers, each with a profile of
// its own (two devices), are signed in as alice. On the first, "Sign out
// other devices" is pressed: the second's next page load is refused (its
// cookies are still there, the server refuses them), while the first
// stays signed in.
func Test_Browser_SignOutOtherDevices(t *testing.T) {
	tabA, ctx := newBrowser(t)
	tabB, _ := newBrowser(t)
	base := startBrowserDemo(ctx, t, "")
	browserMustLogin(t, tabA, base)
	browserMustLogin(t, tabB, base)
	if panel := browserText(t, tabA, "session"); !strings.Contains(panel, "cannot be listed") {
		t.Errorf("the session panel says %q; want that other devices cannot be listed", panel)
	}

	resp, err := chromedp.RunResponse(tabA, chromedp.Click(chromedp.ID("signout-others")))
	if err != nil || resp == nil {
		t.Fatalf("pressing Sign out other devices: %v (response: %v)", err, resp != nil)
	}
	if resp.Status != http.StatusOK || resp.URL != base+"/protected?done=others" {
		t.Fatalf("the sign-out landed on %s with status %d, want %s/protected?done=others with 200: %q", resp.URL, resp.Status, base, browserBody(t, tabA))
	}
	if notice := browserText(t, tabA, "notice"); notice != "Your other devices are signed out." {
		t.Errorf("the page after the sign-out says %q", notice)
	}
	png, err := chromedp.Run(tabA, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	saveBrowserArtifact(t, "signed-out-others.png", png)

	// The other device: its cookies are still there, and refused.
	if browserCookies(t, tabB, base)["token"] == nil {
		t.Fatal("the second browser lost its token cookie: the test needs it to be refused by the server")
	}
	resp = browserOpen(t, tabB, base+"/protected")
	body := browserBody(t, tabB)
	if resp.Status != http.StatusUnauthorized || !strings.Contains(body, browserSignInMsg) || strings.Contains(body, browserGreeting) {
		t.Errorf("the second browser's /protected after the sign-out: status %d, %q; want 401 and %q", resp.Status, body, browserSignInMsg)
	}

	// This device stays signed in.
	resp = browserOpen(t, tabA, base+"/protected")
	if body := browserBody(t, tabA); resp.Status != http.StatusOK || !strings.Contains(body, browserGreeting) {
		t.Errorf("the first browser's /protected after the sign-out: status %d, %q; want 200 and the protected page", resp.Status, body)
	}

	// The second device can sign in again.
	browserMustLogin(t, tabB, base)
}

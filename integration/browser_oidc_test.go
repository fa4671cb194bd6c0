package integration

// "Sign in with …" in headless Chromium, against a real OpenID Provider:
// the OpenID Connect demo (../oidclogin/example) configured by its
// environment variables for panva's oidc-provider, started on loopback by
// internal/oidctest. It skips without Chromium or Node, or fails when $CI
// is set.
//
//	cd integration && go test -run Test_Browser_OIDC ./...

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/fiberjwt/fiberjwt/internal/oidctest"
)

// Test_Browser_OIDC clicks through the whole flow as a person does: the
// demo's "Sign in with …" button (with "remember me" ticked), the
// provider's own login page, back to the demo signed in with the name the
// provider gave, then logout.
func Test_Browser_OIDC(t *testing.T) {
	tab, ctx := newBrowser(t)
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	const secret = "demo-client-secret-demo-client-secret"
	prov := oidctest.Start(t, oidctest.Client{ID: "demo", Secret: secret, RedirectURIs: []string{base + "/auth/oidc/callback"}})
	if _, err := runBrowserDemo(ctx, t, oidcDemo.binary(t), addr, []string{
		"SECRET_KEY=" + browserDemoSecret,
		"OIDC_ISSUER=" + prov.Issuer,
		"OIDC_CLIENT_ID=demo",
		"OIDC_CLIENT_SECRET=" + secret,
		"OIDC_LABEL=Test Provider",
	}); err != nil {
		t.Fatalf("starting the OpenID Connect demo: %v", err)
	}

	browserOpen(t, tab, base+"/")
	if button := browserText(t, tab, "signin"); button != "Sign in with Test Provider" {
		t.Fatalf("the home page's button says %q", button)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("remember"))); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(tab, chromedp.Click(chromedp.ID("signin")))
	if err != nil || resp == nil {
		t.Fatalf("pressing the button: %v (response: %v)", err, resp != nil)
	}
	if !strings.HasPrefix(resp.URL, prov.Issuer+"/interaction/") || resp.Status != http.StatusOK {
		t.Fatalf("the button led to %s (%d), want the provider's login page under %s/interaction/", resp.URL, resp.Status, prov.Issuer)
	}
	if err := chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "any password"),
	); err != nil {
		t.Fatalf("filling in the provider's login page: %v", err)
	}
	resp, err = chromedp.RunResponse(tab, chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if err != nil || resp == nil {
		t.Fatalf("signing in at the provider: %v (response: %v)", err, resp != nil)
	}
	if resp.URL != base+"/me" || resp.Status != http.StatusOK {
		t.Fatalf("the sign-in landed on %s (%d), want %s/me with 200: %q\nprovider log:\n%s", resp.URL, resp.Status, base, browserBody(t, tab), prov.Logs())
	}
	if who := browserText(t, tab, "who"); who != "Alice" {
		t.Errorf("signed in as %q, want Alice (the provider's name claim)", who)
	}
	if r := browserText(t, tab, "remembered"); r != "remembered" {
		t.Errorf("the session says %q, want remembered", r)
	}
	cookies := browserCookies(t, tab, base)
	if tok := cookies["token"]; tok == nil || tok.Session {
		t.Errorf("the token cookie is %+v, want one that outlives the browser", tok)
	}
	if c := cookies["oidc_oidc"]; c != nil {
		t.Errorf("the sign-in cookie survived the callback: %+v", c)
	}

	resp, err = chromedp.RunResponse(tab, chromedp.Click(chromedp.ID("logout")))
	if err != nil || resp == nil {
		t.Fatalf("pressing Log out: %v (response: %v)", err, resp != nil)
	}
	if resp.URL != base+"/" || resp.Status != http.StatusOK {
		t.Errorf("logout landed on %s (%d), want %s/", resp.URL, resp.Status, base)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.ID("signin"))); err != nil {
		t.Errorf("no sign-in button after logout: %v", err)
	}
	if tok := browserCookies(t, tab, base)["token"]; tok != nil {
		t.Errorf("the token cookie survived the logout: %+v", tok)
	}
	if resp := browserOpen(t, tab, base+"/me"); resp.Status != http.StatusUnauthorized {
		t.Errorf("/me after logout: %d, want 401", resp.Status)
	}
}

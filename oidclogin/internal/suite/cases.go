package suite

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// SignIn tests this: the whole sign-in as a browser does it (the site's link, the
// provider's login page, the callback), then the protected page and
// logout. The session is a browser session unless the link asked for
// remember; next is honoured when it is a local path, and ignored
// otherwise (an open redirect would send the user anywhere).
func SignIn(t *testing.T, serve Serve) {
	s := start(t, serve, nil)

	b := s.browser()
	callback := b.signIn("/auth/test?next=/me", "alice")
	if c := b.cookie("oidc_test"); c == nil {
		t.Fatal("the sign-in set no oidc_test cookie")
	}
	a := b.navigate(callback)
	if a.status != http.StatusSeeOther || a.location != "/me" {
		t.Fatalf("callback = %d to %q (%s), want 303 to /me; %v", a.status, a.location, a.body, a.cookies)
	}
	if me, ok := b.me(); !ok || me != "test:alice|Alice" {
		t.Fatalf("after the sign-in GET /me = %q, %v; want test:alice|Alice", me, ok)
	}
	if c := b.cookie("oidc_test"); c != nil {
		t.Errorf("the callback left the sign-in cookie: %v", c)
	}
	var token *http.Cookie
	for _, c := range a.cookies {
		if c.Name == "token" {
			token = c
		}
	}
	if token == nil || token.MaxAge != 0 || !token.Expires.IsZero() {
		t.Errorf("without remember the token cookie must be a browser session cookie: %+v", token)
	}
	// Logout needs the session's CSRF value, as any unsafe request.
	csrf := b.cookie("csrf_token")
	if csrf == nil {
		t.Fatal("no csrf_token cookie after the sign-in")
	}
	if a := b.do(http.MethodPost, "/logout", http.Header{"X-Csrf-Token": {csrf.Value}}); a.status != http.StatusOK {
		t.Fatalf("POST /logout = %d: %s", a.status, a.body)
	}
	if me, ok := b.me(); ok {
		t.Fatalf("still signed in as %q after logout", me)
	}

	// remember=on (a ticked checkbox): cookies that outlive the browser.
	r := s.browser()
	a = r.navigate(r.signIn("/auth/test?remember=on", "bob"))
	if a.status != http.StatusSeeOther || a.location != "/" {
		t.Fatalf("callback without next = %d to %q, want 303 to /", a.status, a.location)
	}
	remembered := false
	for _, c := range a.cookies {
		if c.Name == "token" && (c.MaxAge > 0 || !c.Expires.IsZero()) {
			remembered = true
		}
	}
	if !remembered {
		t.Errorf("with remember=on the token cookie has no expiry: %v", a.cookies)
	}
	if me, ok := r.me(); !ok || me != "test:bob|Bob" {
		t.Errorf("GET /me = %q, %v; want test:bob|Bob", me, ok)
	}

	for _, next := range []string{"//evil.test/", "https://evil.test/", "/\\evil.test", "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1"} {
		o := s.browser()
		a := o.navigate(o.signIn("/auth/test?next="+url.QueryEscape(next), "carol"))
		want := "/"
		if strings.HasPrefix(next, "/%") {
			want = next // a local path, percent-encoded: harmless
		}
		if a.status != http.StatusSeeOther || a.location != want {
			t.Errorf("next=%q: callback = %d to %q, want 303 to %q", next, a.status, a.location, want)
		}
	}
}

// StateMismatch tests this: a callback whose state is not the one this browser's
// sign-in holds (here: the browser began twice, and the first flow's
// callback arrives) is refused, 400, without a session.
func StateMismatch(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	first := b.begin("/auth/test")
	b.begin("/auth/test") // the cookie now holds the second flow
	callback := s.prov.SignIn(t, b.hc, first, "alice")
	b.refused(b.navigate(callback.String()), http.StatusBadRequest, "the first flow's callback")
}

// LoginCSRF tests this: an attacker signs in at the provider with their own account
// and sends the callback URL to a victim. The victim's browser began no
// sign-in, or another one: refused, 400, and the victim is not signed in
// as the attacker.
func LoginCSRF(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	attacker := s.browser()
	callback := attacker.signIn("/auth/test", "attacker")

	victim := s.browser()
	victim.refused(victim.navigate(callback), http.StatusBadRequest, "the attacker's callback in a browser with no sign-in")
	victim.begin("/auth/test")
	victim.refused(victim.navigate(callback), http.StatusBadRequest, "the attacker's callback in a browser with its own sign-in")
}

// ReplayedCode tests this: a callback is answered once. Its URL again in the same
// browser is refused (400: the sign-in cookie is gone); with a copy of the
// sign-in cookie in another browser the provider refuses the used code
// (401). Neither starts a session.
func ReplayedCode(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	callback := b.signIn("/auth/test", "alice")
	stolen := b.cookie("oidc_test")
	if a := b.navigate(callback); a.status != http.StatusSeeOther {
		t.Fatalf("callback = %d: %s", a.status, a.body)
	}
	if a := b.navigate(callback); a.status != http.StatusBadRequest {
		t.Errorf("the callback again in the same browser = %d (%s), want 400", a.status, a.body)
	}

	thief := s.browser()
	u, _ := url.Parse(s.base)
	thief.jar.SetCookies(u, []*http.Cookie{stolen})
	thief.refused(thief.navigate(callback), http.StatusUnauthorized, "the callback replayed with a copy of the sign-in cookie")
}

// WrongNonce tests this: the authorization request was altered on its way to the
// provider (another nonce): the ID token's nonce is not the one sealed in
// the browser's cookie, so it is refused, 401.
func WrongNonce(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	auth := tamper(t, b.begin("/auth/test"), "nonce", "attacker-chosen-nonce")
	callback := s.prov.SignIn(t, b.hc, auth, "alice")
	b.refused(b.navigate(callback.String()), http.StatusUnauthorized, "an ID token with another nonce")
}

// OtherClient tests this: the authorization request names another client of the same
// provider (client_id altered): the code was issued to that client, so the
// provider refuses it to this app (invalid_grant), 401. (An ID token whose
// audience is another client is refused too; the flow package's tests show
// that, since a real provider does not hand one to this client.)
func OtherClient(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	auth := tamper(t, b.begin("/auth/test"), "client_id", otherID)
	callback := s.prov.SignIn(t, b.hc, auth, "alice")
	b.refused(b.navigate(callback.String()), http.StatusUnauthorized, "a code issued to another client")
}

// IssuerMixUp tests this: the callback names another issuer in its iss parameter (RFC
// 9207) than the provider the sign-in began with: refused, 401.
func IssuerMixUp(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	callback := tamper(t, b.signIn("/auth/test", "alice"), "iss", "https://evil.test")
	b.refused(b.navigate(callback), http.StatusUnauthorized, "a callback naming another issuer")
}

// WrongSecret tests this: the app's client secret is wrong: the provider refuses the
// exchange (invalid_client), answered 502 (the app's configuration is at
// fault), without a session.
func WrongSecret(t *testing.T, serve Serve) {
	s := start(t, serve, func(o *Options) { o.Providers[0].ClientSecret = "not-the-secret" })
	b := s.browser()
	b.refused(b.navigate(b.signIn("/auth/test", "alice")), http.StatusBadGateway, "a wrong client secret")
}

// ProviderDown tests this: a provider that cannot be reached makes the sign-in link
// answer 503, and a callback whose code cannot be exchanged answer 503,
// without a session; the rest of the site keeps working.
func ProviderDown(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	callback := b.signIn("/auth/test", "alice")
	s.prov.Stop()
	b.refused(b.navigate(callback), http.StatusServiceUnavailable, "a callback while the provider is down")

	// A site that never reached its provider: discovery fails at the link.
	down := start(t, serve, nil)
	down.prov.Stop()
	d := down.browser()
	if a := d.get("/auth/test"); a.status != http.StatusServiceUnavailable {
		t.Errorf("the sign-in link while the provider is down = %d (%s), want 503", a.status, a.body)
	}
	if a := d.get("/"); a.status != http.StatusOK {
		t.Errorf("GET / while the provider is down = %d, want 200", a.status)
	}
}

// Expired tests this: a callback after FlowTimeout (default 10 minutes) is refused,
// 400.
func Expired(t *testing.T, serve Serve) {
	var offset atomic.Int64
	s := start(t, serve, func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	})
	b := s.browser()
	callback := b.signIn("/auth/test", "alice")
	offset.Store(int64(11 * time.Minute))
	b.refused(b.navigate(callback), http.StatusBadRequest, "a callback after FlowTimeout")
}

// Cancelled tests this: the user presses "Cancel" on the provider's page: the
// provider sends error=access_denied, answered 401.
func Cancelled(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	callback := s.prov.Cancel(t, b.hc, b.begin("/auth/test"))
	if callback.Query().Get("error") != "access_denied" {
		t.Fatalf("the provider's answer to Cancel is %s, want error=access_denied", callback)
	}
	b.refused(b.navigate(callback.String()), http.StatusUnauthorized, "a cancelled sign-in")
}

// UserRefused tests this: the app's Config.User refuses the identity: 403, no session.
func UserRefused(t *testing.T, serve Serve) {
	s := start(t, serve, nil)
	b := s.browser()
	b.refused(b.navigate(b.signIn("/auth/test", Refused)), http.StatusForbidden, "an identity the app refuses")
}

// SeveralProviders tests this: two providers on one site, each with its routes and
// its cookie; a callback of one does not answer the other's sign-in.
func SeveralProviders(t *testing.T, serve Serve) {
	s := start(t, serve, func(o *Options) {
		second := o.Providers[0]
		second.Name = "second"
		o.Providers = append(o.Providers, second)
	})
	b := s.browser()
	callback := b.signIn("/auth/second", "alice")
	if !strings.HasPrefix(callback, s.base+"/auth/second/callback?") {
		t.Fatalf("the provider sent the browser to %s, want the second provider's callback", callback)
	}
	if a := b.navigate(strings.Replace(callback, "/auth/second/", "/auth/test/", 1)); a.status != http.StatusBadRequest {
		t.Errorf("the second provider's callback at the first's route = %d (%s), want 400", a.status, a.body)
	}
	if a := b.navigate(callback); a.status != http.StatusSeeOther {
		t.Fatalf("callback = %d: %s", a.status, a.body)
	}
	if me, ok := b.me(); !ok || me != "second:alice|Alice" {
		t.Errorf("GET /me = %q, %v; want second:alice|Alice", me, ok)
	}
}

// SharedStateKey tests this: two instances with the same StateKey finish each
// other's sign-ins; an instance with another key refuses them (400).
func SharedStateKey(t *testing.T, serve Serve) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := start(t, serve, func(o *Options) { o.StateKey = key })
	b := s.browser()
	callback := b.signIn("/auth/test", "alice")
	c := b.cookie("oidc_test")
	other := func(k []byte) *browser {
		ln, err := newListener()
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		serve(t, ln, Options{BaseURL: s.base, StateKey: k, Providers: []Provider{{Name: "test", Issuer: s.prov.Issuer, ClientID: clientID, ClientSecret: clientSecret}}})
		o := (&site{t: t, base: base, prov: s.prov}).browser()
		u, _ := url.Parse(base)
		o.jar.SetCookies(u, []*http.Cookie{c})
		return o
	}
	moved := strings.Replace(callback, s.base, "", 1)
	wrong := other([]byte("another-key-another-key-another-key"))
	wrong.refused(wrong.navigate(moved), http.StatusBadRequest, "a sign-in sealed with another StateKey")
	same := other(key)
	if a := same.navigate(moved); a.status != http.StatusSeeOther {
		t.Fatalf("a callback at a second instance with the same StateKey = %d: %s", a.status, a.body)
	}
	if me, ok := same.me(); !ok || me != "test:alice|Alice" {
		t.Errorf("GET /me at the second instance = %q, %v", me, ok)
	}
}

// tamper returns rawURL with the query parameter set to value.
func tamper(t *testing.T, rawURL, param, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(param, value)
	u.RawQuery = q.Encode()
	return u.String()
}

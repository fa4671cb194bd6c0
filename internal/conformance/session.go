package conformance

// The sliding session and revocation, on a clock the test moves.

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokenSet returns the token the answer sets, failing the test when it
// sets none.
func tokenSet(t *testing.T, what string, a answer, o Options) string {
	t.Helper()
	tok, ok := a.cookie(o.CookieName())
	if !ok || tok == "" {
		t.Fatalf("%s set no token cookie: Set-Cookie %q", what, a.setCookies())
	}
	return tok
}

// testRefresh checks the sliding session with a TTL of 1h: no new token
// while more than half of the token's life is left; a new one, for a
// full TTL from then, once less is; the old token still works until its
// own exp, and is refused after.
func testRefresh(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	b := newBrowser(t, newApp(o), o)
	b.login("alice", "wonderland")
	old, csrf := b.token(), b.jar["csrf_token"]
	oldB := b.withToken(old) // keeps sending the login's token

	c.set(10 * time.Minute)
	a := oldB.do("GET", "/api/me", nil)
	expect(t, "GET /api/me at +10m", a, 200, `"alice"`)
	noCookies(t, "GET /api/me at +10m", a)

	c.set(40 * time.Minute)
	a = oldB.do("GET", "/api/me", nil)
	expect(t, "GET /api/me at +40m", a, 200, `"alice"`)
	fresh := tokenSet(t, "GET /api/me at +40m", a, o)
	if fresh == old {
		t.Fatalf("the refresh at +40m set the same token")
	}
	masked, values := maskValues(a.setCookies())
	want := []string{
		"token=…; max-age=3600; path=/; HttpOnly; SameSite=Lax",
		"csrf_token=…; max-age=3600; path=/; SameSite=Lax",
	}
	if strings.Join(masked, "\n") != strings.Join(want, "\n") || values["csrf_token"] != csrf {
		t.Fatalf("refresh Set-Cookie %q; want %q, with the session's CSRF value %q", a.setCookies(), want, csrf)
	}
	oc, fc := claims(t, old), claims(t, fresh)
	if exp := unixClaim(t, fc, "exp"); !exp.Equal(epoch.Add(40*time.Minute + time.Hour)) {
		t.Errorf("the fresh token's exp %v, want +40m+1h", exp.UTC())
	}
	for _, claim := range []string{"sid", "csrf", "auth_time", "sub"} {
		if fc[claim] != oc[claim] {
			t.Errorf("claim %q: fresh %v, old %v; want the session's", claim, fc[claim], oc[claim])
		}
	}
	freshB := b.withToken(fresh)
	a = freshB.do("GET", "/protected", nil)
	expect(t, "GET /protected with the fresh token", a, 200, "Alice")
	noCookies(t, "GET /protected with the fresh token", a)

	// The old token, sent again before its exp, still works, and is given
	// the same fresh token rather than a new one per request.
	c.set(59*time.Minute + 59*time.Second)
	a = oldB.do("GET", "/api/me", nil)
	expect(t, "GET /api/me with the old token at +59m59s", a, 200, `"alice"`)
	if again := tokenSet(t, "GET /api/me with the old token at +59m59s", a, o); again != fresh {
		t.Errorf("the old token got another new token %q, want the first refresh's", again)
	}
	// An unsafe request with the fresh token needs the session's CSRF value.
	a = freshB.do("POST", "/api/clicks", nil, "X-CSRF-Token", csrf)
	if a.status != 200 || a.body != `{"clicks":1}` {
		t.Fatalf("click with the fresh token = %d %q", a.status, a.body)
	}

	c.set(time.Hour + time.Minute)
	expect(t, "GET /protected with the old token at +1h01", oldB.do("GET", "/protected", nil), 401, "Please sign in")
	expect(t, "GET /protected with the fresh token at +1h01", freshB.do("GET", "/protected", nil), 200, "Alice")
	c.set(time.Hour + 41*time.Minute)
	expect(t, "GET /protected with the fresh token at +1h41", freshB.do("GET", "/protected", nil), 401, "Please sign in")
}

// testLogoutRevokes checks that a logout revokes its session: a copy of
// its token, or of the token a refresh gave it, is refused until the
// token expires; another login of the same user is untouched.
func testLogoutRevokes(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	b, other := newBrowser(t, app, o), newBrowser(t, app, o)
	b.login("alice", "wonderland")
	other.login("alice", "wonderland")
	first := b.token()
	c.set(40 * time.Minute)
	refreshed := tokenSet(t, "GET /api/me at +40m", b.do("GET", "/api/me", nil), o)

	c.set(41 * time.Minute)
	a := b.do("POST", "/logout", url.Values{"csrf_token": {b.jar["csrf_token"]}})
	if a.status != 303 {
		t.Fatalf("logout = %d, want 303", a.status)
	}
	for _, at := range []time.Duration{41 * time.Minute, 59 * time.Minute, 90 * time.Minute} {
		c.set(at)
		for name, tok := range map[string]string{"login's": first, "refreshed": refreshed} {
			if at > time.Hour && name == "login's" {
				continue // expired anyway
			}
			expect(t, "GET /protected with the logged-out session's "+name+" token at +"+at.String(),
				b.withToken(tok).do("GET", "/protected", nil), 401, "Please sign in")
		}
	}
	c.set(59 * time.Minute)
	expect(t, "GET /protected in the other session", other.do("GET", "/protected", nil), 200, "Alice")
}

// testReloginRevokes checks that a login from a browser that is signed in
// revokes that browser's previous session, and only that one.
func testReloginRevokes(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	b, other := newBrowser(t, app, o), newBrowser(t, app, o)
	other.login("alice", "wonderland")
	b.login("alice", "wonderland")
	first := b.token()

	c.set(time.Minute)
	b.login("bob", "builder") // sends the first session's cookies
	second := b.token()
	if second == first || claims(t, second)["sid"] == claims(t, first)["sid"] {
		t.Fatalf("the second login reused the first session")
	}
	expect(t, "GET /protected with the first session's token", b.withToken(first).do("GET", "/protected", nil), 401, "Please sign in")
	expect(t, "GET /protected with the second login's token", b.do("GET", "/protected", nil), 200, "Bob")
	expect(t, "GET /protected in another browser's session", other.do("GET", "/protected", nil), 200, "Alice")
}

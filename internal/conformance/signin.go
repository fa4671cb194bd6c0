package conformance

// The sign-in flows: sign-up, "remember me", signing out the other
// devices, the password change, login throttling and the audit log.

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/syncbuf"
)

// The cookies of a login, values masked (see maskValues): remembered,
// with the token's lifetime (TTL 1h, plain http), or ending with the
// browser.
var (
	rememberedCookies = []string{
		"token=…; max-age=3600; path=/; HttpOnly; SameSite=Lax",
		"csrf_token=…; max-age=3600; path=/; SameSite=Lax",
	}
	browserSessionCookies = []string{
		"token=…; path=/; HttpOnly; SameSite=Lax",
		"csrf_token=…; path=/; SameSite=Lax",
	}
)

// cookiesAre fails the test unless a sets exactly the cookies want,
// values masked.
func cookiesAre(t *testing.T, what string, a answer, want []string) {
	t.Helper()
	if got, _ := maskValues(a.setCookies()); !slices.Equal(got, want) {
		t.Fatalf("%s Set-Cookie (values masked):\n got %q\nwant %q", what, got, want)
	}
}

// pageAttr returns the value of the attribute attr of the element with
// the id on the page, and whether there is one.
func pageAttr(page, id, attr string) (string, bool) {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*? ` + regexp.QuoteMeta(attr) + `="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// pageText returns the text of the element with the id on the page: what
// lies between its start tag and the next tag.
func pageText(page, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// signUp posts the sign-up form.
func (b *browser) signUp(id, name, pw string, remember bool, header ...string) answer {
	b.t.Helper()
	form := url.Values{"id": {id}, "name": {name}, "pw": {pw}}
	if remember {
		form.Set("remember", "on")
	}
	return b.do("POST", "/signup", form, header...)
}

// testSignUp: the public sign-up form creates the account and signs the
// user in at once (LoginUser), remembered or not as the box says; the new
// account then signs in with its password elsewhere. Refused sign-ups
// (empty fields, a bad id, a short password, a taken id, another site's
// form) set no cookie and create no account.
func testSignUp(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	b := newBrowser(t, app, o)

	expect(t, "GET / links to the sign-up", b.do("GET", "/", nil), 200, `href="/signup"`)
	a := b.do("GET", "/signup", nil)
	expect(t, "GET /signup", a, 200, `action="/signup"`)
	for _, field := range []string{`name="id"`, `name="name"`, `name="pw"`, `name="remember"`} {
		if !strings.Contains(a.body, field) {
			t.Fatalf("the sign-up form lacks %s: %s", field, a.body)
		}
	}

	a = b.signedIn("sign-up carol", b.signUp("carol", "Carol Lewis", "looking-glass", true))
	cookiesAre(t, "sign-up with remember me", a, rememberedCookies)
	cl := claims(t, b.token())
	if cl["sub"] != "carol" {
		t.Errorf("the sign-up's token has sub %v, want carol (Config.Subject)", cl["sub"])
	}
	a = b.do("GET", "/protected", nil)
	expect(t, "GET /protected after the sign-up", a, 200, "Protected Page. name: <strong>Carol Lewis</strong>")
	if v, _ := pageAttr(a.body, "remembered", "data-remembered"); v != "true" {
		t.Errorf("the page after a remembered sign-up shows data-remembered=%q, want true", v)
	}
	if a = b.do("GET", "/api/me", nil); a.status != 200 || a.body != `{"id":"carol","name":"Carol Lewis"}` {
		t.Fatalf("GET /api/me after the sign-up = %d %q", a.status, a.body)
	}

	// The account is there for the next login, on another browser.
	other := newBrowser(t, app, o)
	expect(t, "carol with a wrong password", other.do("POST", "/login", url.Values{"id": {"carol"}, "pw": {"wonderland"}}), 401, "Wrong id or password.")
	other.login("carol", "looking-glass")
	expect(t, "GET /protected as carol on another browser", other.do("GET", "/protected", nil), 200, "Carol Lewis")

	// Not remembered: the cookies end with the browser.
	d := newBrowser(t, app, o)
	cookiesAre(t, "sign-up without remember me", d.signedIn("sign-up dora", d.signUp("dora", "Dora", "explorer-1", false)), browserSessionCookies)

	tests := []struct {
		name         string
		id, nm, pw   string
		header       []string
		want         int
		msg          string
		accountAfter bool // whether id signs in with pw afterwards
	}{
		{"taken id", "alice", "Mallory", "wonderland2", nil, 409, "This id is taken", false},
		{"taken id, just signed up", "carol", "Carol II", "another-one", nil, 409, "This id is taken", false},
		{"empty id", "", "Eve", "long-enough", nil, 400, "Please fill in every field.", false},
		{"empty name", "eve", "", "long-enough", nil, 400, "Please fill in every field.", false},
		{"blank name", "eve", "   ", "long-enough", nil, 400, "Please fill in every field.", false},
		{"empty password", "eve", "Eve", "", nil, 400, "Please fill in every field.", false},
		{"upper-case id", "Eve", "Eve", "long-enough", nil, 400, "lower-case letters", false},
		{"id with a space", "e ve", "Eve", "long-enough", nil, 400, "lower-case letters", false},
		{"short password", "eve", "Eve", "short", nil, 400, "at least 8 characters", false},
		{"another site's form", "eve", "Eve", "long-enough", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test"}, 403, "This sign-up came from another site", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the rows share the app's accounts.
			nb := newBrowser(t, app, o)
			a := nb.signUp(tt.id, tt.nm, tt.pw, true, tt.header...)
			expect(t, "sign-up", a, tt.want, tt.msg)
			noCookies(t, "refused sign-up", a)
			if !strings.Contains(a.body, `action="/signup"`) {
				t.Errorf("the refused sign-up does not show the form again: %s", a.body)
			}
			if tt.id != "" && !strings.Contains(a.body, `value="`+tt.id+`"`) {
				t.Errorf("the form shown again lacks the id typed, %q", tt.id)
			}
			if tt.pw != "" && strings.Contains(a.body, tt.pw) {
				t.Errorf("the refused sign-up shows the password typed")
			}
			if tt.id != "" && tt.pw != "" {
				got := nb.do("POST", "/login", url.Values{"id": {tt.id}, "pw": {tt.pw}})
				if (got.status == 303) != tt.accountAfter {
					t.Errorf("after the refused sign-up, login %s/%s = %d; want an account: %v", tt.id, tt.pw, got.status, tt.accountAfter)
				}
			}
		})
	}
	// The refused sign-ups changed no account.
	newBrowser(t, app, o).login("alice", "wonderland")
	newBrowser(t, app, o).login("carol", "looking-glass")
	// The id that another site's form tried is free for its owner.
	e := newBrowser(t, app, o)
	e.signedIn("sign-up eve from the site", e.signUp("eve", "Eve", "long-enough", false))
}

// testRememberMe: "remember me" ticked gives cookies with the token's
// Max-Age; unticked, cookies with no Max-Age nor Expires, which end with
// the browser. Refreshes keep the choice, and the protected page shows it,
// with the login time, the expiry and the time left.
func testRememberMe(t *testing.T, newApp func(Options) App) {
	tests := []struct {
		name     string
		remember bool
		cookies  []string
	}{
		{"remembered", true, rememberedCookies},
		{"not remembered", false, browserSessionCookies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock(epoch)
			o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
			b := newBrowser(t, newApp(o), o)
			a := b.loginWith("alice", "wonderland", tt.remember)
			cookiesAre(t, "login", a, tt.cookies)
			for _, sc := range a.setCookies() {
				if l := strings.ToLower(sc); !tt.remember && (strings.Contains(l, "max-age") || strings.Contains(l, "expires")) {
					t.Errorf("Set-Cookie %q of a login not remembered has an expiry", sc)
				}
			}

			c.set(10 * time.Minute)
			a = b.do("GET", "/protected", nil)
			expect(t, "GET /protected at +10m", a, 200, "Alice")
			noCookies(t, "GET /protected at +10m", a)
			want := map[string]string{"remembered": "false", "login-time": epoch.Format("2006-01-02T15:04:05.000Z07:00"),
				"expires": epoch.Add(time.Hour).Format(time.RFC3339), "time-left": "50 min"}
			if tt.remember {
				want["remembered"] = "true"
			}
			checkSessionPanel(t, "at +10m", a.body, want)

			// A refresh at +40m keeps the choice and the login time.
			c.set(40 * time.Minute)
			a = b.do("GET", "/protected", nil)
			expect(t, "GET /protected at +40m", a, 200, "Alice")
			cookiesAre(t, "the refresh at +40m", a, tt.cookies)
			want["expires"], want["time-left"] = epoch.Add(100*time.Minute).Format(time.RFC3339), "1 h 00 min"
			checkSessionPanel(t, "at +40m", a.body, want)
		})
	}
}

// checkSessionPanel fails the test unless the protected page's session
// panel shows what want says: "remembered" (data-remembered), "login-time"
// and "expires" (datetime, as instants) and "time-left" (the text).
func checkSessionPanel(t *testing.T, what, page string, want map[string]string) {
	t.Helper()
	if got, _ := pageAttr(page, "remembered", "data-remembered"); got != want["remembered"] {
		t.Errorf("%s: the page shows data-remembered=%q, want %q", what, got, want["remembered"])
	}
	for _, id := range []string{"login-time", "expires"} {
		got, _ := pageAttr(page, id, "datetime")
		g, err1 := time.Parse(time.RFC3339Nano, got)
		w, err2 := time.Parse(time.RFC3339Nano, want[id])
		if err1 != nil || err2 != nil || !g.Equal(w) {
			t.Errorf("%s: the page shows #%s datetime=%q, want %q", what, id, got, want[id])
		}
		// The date and the time, for a person.
		if text := pageText(page, id); !strings.Contains(text, g.Format("2006-01-02 15:04:05")) {
			t.Errorf("%s: #%s says %q, want the date and time %s", what, id, text, g.Format("2006-01-02 15:04:05"))
		}
	}
	if got := pageText(page, "time-left"); got != want["time-left"] {
		t.Errorf("%s: the page shows %q left, want %q", what, got, want["time-left"])
	}
}

// testBrowserSessionLimit: a login that is not remembered ends 12 hours
// after it began (Config.BrowserSessionAge's default), however busy; a
// remembered one, kept busy alike, goes on.
func testBrowserSessionLimit(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	browserOnly, remembered := newBrowser(t, app, o), newBrowser(t, app, o)
	browserOnly.loginWith("alice", "wonderland", false)
	remembered.loginWith("alice", "wonderland", true)
	// A request every 40 minutes: each refreshes the token.
	for at := 40 * time.Minute; at < 12*time.Hour; at += 40 * time.Minute {
		c.set(at)
		expect(t, "not remembered at +"+at.String(), browserOnly.do("GET", "/protected", nil), 200, "Alice")
		expect(t, "remembered at +"+at.String(), remembered.do("GET", "/protected", nil), 200, "Alice")
	}
	c.set(12*time.Hour + time.Second)
	expect(t, "not remembered at +12h0m1s", browserOnly.do("GET", "/protected", nil), 401, "Please sign in")
	expect(t, "remembered at +12h0m1s", remembered.do("GET", "/protected", nil), 200, "Alice")
}

// testSignOutOtherDevices: two devices of alice (two cookie jars) and one
// of bob. Device A's "Sign out other devices" (a form with the CSRF field)
// ends device B's session, the token a refresh gave it included, and
// keeps A's, through its refreshes too; bob is untouched, and B can sign
// in again.
func testSignOutOtherDevices(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	devA, devB, bob := newBrowser(t, app, o), newBrowser(t, app, o), newBrowser(t, app, o)
	devA.login("alice", "wonderland")
	devB.login("alice", "wonderland")
	bob.login("bob", "builder")
	bLogin := devB.token()

	a := devA.do("GET", "/protected", nil)
	if !strings.Contains(a.body, `action="/signout-others"`) || !strings.Contains(a.body, `id="signout-others"`) {
		t.Fatalf("the protected page has no sign-out-others form: %s", a.body)
	}
	if !strings.Contains(a.body, "cannot be listed") {
		t.Errorf("the protected page does not say that other devices cannot be listed: %s", a.body)
	}

	c.set(40 * time.Minute)
	bRefreshed := tokenSet(t, "device B at +40m", devB.do("GET", "/protected", nil), o)

	c.set(41 * time.Minute)
	expect(t, "sign out others without the CSRF field", devA.do("POST", "/signout-others", nil), 403, "did not come from this site")
	expect(t, "device B after the refused sign-out", devB.do("GET", "/protected", nil), 200, "Alice")

	a = devA.do("POST", "/signout-others", url.Values{"csrf_token": {devA.jar["csrf_token"]}})
	if a.status != 303 || a.header.Get("Location") != "/protected?done=others" {
		t.Fatalf("sign out others = %d to %q, want 303 to /protected?done=others", a.status, a.header.Get("Location"))
	}
	expect(t, "device A after signing out the others", devA.do("GET", "/protected?done=others", nil), 200, "Your other devices are signed out.")
	expect(t, "device B after the sign-out", devB.do("GET", "/protected", nil), 401, "Please sign in")
	if a = devB.do("GET", "/api/me", nil); a.status != 401 || a.body != `{"error":"unauthorized"}` {
		t.Fatalf("GET /api/me on device B after the sign-out = %d %q, want 401", a.status, a.body)
	}
	for name, tok := range map[string]string{"login's": bLogin, "refreshed": bRefreshed} {
		expect(t, "device B's "+name+" token", devB.withToken(tok).do("GET", "/protected", nil), 401, "Please sign in")
	}
	expect(t, "bob after alice's sign-out", bob.do("GET", "/protected", nil), 200, "Bob")

	c.set(90 * time.Minute) // A's token refreshed at +41m, and again now
	expect(t, "device A at +90m", devA.do("GET", "/protected", nil), 200, "Alice")
	devB.login("alice", "wonderland")
	expect(t, "device B signed in again", devB.do("GET", "/protected", nil), 200, "Alice")
	expect(t, "device A after B signed in again", devA.do("GET", "/protected", nil), 200, "Alice")
}

// testChangePassword: the password form (CSRF field, current and new
// password) checks the current password, sets the new one and signs out
// the other devices; this browser stays signed in, in a new session. The
// old password no longer signs in, the new one does.
func testChangePassword(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	devA, devB := newBrowser(t, app, o), newBrowser(t, app, o)
	devA.login("alice", "wonderland")
	devB.login("alice", "wonderland")
	before := devA.token()
	if a := devA.do("GET", "/protected", nil); !strings.Contains(a.body, `action="/password"`) {
		t.Fatalf("the protected page has no password form: %s", a.body)
	}
	c.set(time.Minute)

	change := func(csrf, current, next string) answer {
		form := url.Values{"pw": {current}, "new_pw": {next}}
		if csrf != "" {
			form.Set("csrf_token", csrf)
		}
		return devA.do("POST", "/password", form)
	}
	for _, tt := range []struct {
		name          string
		csrf          bool
		current, next string
		want          int
		msg           string
	}{
		{"without the CSRF field", false, "wonderland", "looking-glass", 403, "did not come from this site"},
		{"wrong current password", true, "wonderlan", "looking-glass", 403, "Your current password is wrong."},
		{"short new password", true, "wonderland", "glass", 400, "at least 8 characters"},
	} {
		csrf := ""
		if tt.csrf {
			csrf = devA.jar["csrf_token"]
		}
		a := change(csrf, tt.current, tt.next)
		expect(t, "password change "+tt.name, a, tt.want, tt.msg)
		noCookies(t, "password change "+tt.name, a)
		expect(t, "device B after the refused change ("+tt.name+")", devB.do("GET", "/protected", nil), 200, "Alice")
	}

	a := change(devA.jar["csrf_token"], "wonderland", "looking-glass")
	if a.status != 303 || a.header.Get("Location") != "/protected?done=password" {
		t.Fatalf("password change = %d to %q, want 303 to /protected?done=password", a.status, a.header.Get("Location"))
	}
	cookiesAre(t, "password change (a new session, remembered as before)", a, rememberedCookies)
	expect(t, "device A after the change", devA.do("GET", "/protected?done=password", nil), 200, "Your password is changed")
	expect(t, "device B after the change", devB.do("GET", "/protected", nil), 401, "Please sign in")
	expect(t, "device A's token from before the change", devA.withToken(before).do("GET", "/protected", nil), 401, "Please sign in")

	nb := newBrowser(t, app, o)
	expect(t, "login with the old password", nb.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}}), 401, "Wrong id or password.")
	nb.login("alice", "looking-glass")
	expect(t, "GET /protected with the new password's login", nb.do("GET", "/protected", nil), 200, "Alice")
	expect(t, "device A after the new login", devA.do("GET", "/protected", nil), 200, "Alice")
}

// testLoginThrottled: after 5 wrong passwords for one account from one
// address, logins of that account from there answer 429 with Retry-After
// until the minute that began with the first failure ends, even with the
// right password; other accounts sign in. The address alone is refused
// after 20 failures across accounts. The password change, which checks
// the current password as a login does, is throttled alike. The clock
// passes the window: no sleeping.
func testLoginThrottled(t *testing.T, newApp func(Options) App) {
	setup := func(t *testing.T) (*clock, *browser) {
		c := newClock(epoch)
		o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
		return c, newBrowser(t, newApp(o), o)
	}
	login := func(b *browser, id, pw string) answer {
		return b.do("POST", "/login", url.Values{"id": {id}, "pw": {pw}})
	}
	throttled := func(t *testing.T, what string, a answer, retryAfter string) {
		t.Helper()
		expect(t, what, a, 429, "Too many")
		if got := a.header.Get("Retry-After"); got != retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", what, got, retryAfter)
		}
		noCookies(t, what, a)
	}

	t.Run("account", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		for i := 1; i <= 5; i++ {
			c.set(time.Duration(i-1) * time.Second) // the window begins with the first, at +0s
			a := login(b, "alice", "wrong-password")
			expect(t, "wrong password", a, 401, "Wrong id or password.")
			if ra := a.header.Get("Retry-After"); ra != "" {
				t.Fatalf("wrong password %d has Retry-After %q", i, ra)
			}
			noCookies(t, "wrong password", a)
		}
		c.set(6 * time.Second)
		a := login(b, "alice", "wonderland")
		throttled(t, "the right password after 5 wrong ones", a, "54")
		if !strings.Contains(a.body, "try again in 54 seconds") || !strings.Contains(a.body, `action="/login"`) {
			t.Errorf("the 429 page says %q; want when to try again, and the form", a.body)
		}
		throttled(t, "a 6th wrong password", login(b, "alice", "wrong-password"), "54")
		throttled(t, "the account's id in upper case", login(b, "ALICE", "wonderland"), "54")
		b.login("bob", "builder") // another account from the same address

		c.set(30 * time.Second)
		throttled(t, "the right password at +30s", login(b, "alice", "wonderland"), "30")
		c.set(59*time.Second + 500*time.Millisecond)
		throttled(t, "the right password at +59.5s", login(b, "alice", "wonderland"), "1")
		c.set(60 * time.Second) // the window has ended
		b.login("alice", "wonderland")
		// A successful login clears the account's count.
		expect(t, "a wrong password after the login", login(b, "alice", "wrong-password"), 401, "Wrong id or password.")
	})

	t.Run("address", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		for i := 0; i < 20; i++ { // 4 x 5, across accounts
			expect(t, "an unknown account", login(b, "nobody"+string(rune('a'+i)), "guess"), 401, "Wrong id or password.")
		}
		throttled(t, "alice from the same address after 20 failures", login(b, "alice", "wonderland"), "60")
		c.set(time.Minute)
		b.login("alice", "wonderland")
	})

	t.Run("password change", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.login("alice", "wonderland")
		change := func(current string) answer {
			return b.do("POST", "/password", url.Values{"csrf_token": {b.jar["csrf_token"]}, "pw": {current}, "new_pw": {"looking-glass"}})
		}
		for i := 1; i <= 5; i++ {
			expect(t, "a wrong current password", change("wrong-password"), 403, "Your current password is wrong.")
		}
		a := change("wonderland")
		throttled(t, "the right current password after 5 wrong ones", a, "60")
		expect(t, "still signed in", b.do("GET", "/protected", nil), 200, "Alice")
		expect(t, "login with the old password, throttled too", login(newBrowser(t, b.app, b.o), "alice", "wonderland"), 429, "Too many")
		c.set(time.Minute)
		if a = change("wonderland"); a.status != 303 {
			t.Fatalf("the password change after the window = %d %.200q, want 303", a.status, a.body)
		}
	})
}

// testAuditLog: Options.Log receives one line per sign-in event (through
// Config.OnEvent) and sign-up, with the event, the user and the client's
// address, and the error of a refusal; never a password or a token.
func testAuditLog(t *testing.T, newApp func(Options) App) {
	var out syncbuf.Buffer
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now, Log: slog.New(slog.NewJSONHandler(&out, nil))}
	app := newApp(o)
	b, other := newBrowser(t, app, o), newBrowser(t, app, o)

	b.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"not-wonderland"}})
	b.login("alice", "wonderland")
	other.login("alice", "wonderland")
	c.set(time.Minute)
	b.do("POST", "/signout-others", url.Values{"csrf_token": {b.jar["csrf_token"]}})
	c.set(40 * time.Minute)
	b.do("GET", "/protected", nil) // a refresh
	tokens := []string{b.token(), other.token()}
	b.do("POST", "/logout", url.Values{"csrf_token": {b.jar["csrf_token"]}})
	nb := newBrowser(t, app, o)
	nb.signedIn("sign-up", nb.signUp("carol", "Carol", "looking-glass", true))
	for i := 0; i < 6; i++ {
		nb.do("POST", "/login", url.Values{"id": {"bob"}, "pw": {"not-builder"}})
	}

	type line struct {
		Level, Msg, Event, User, IP, Err string
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e line
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("audit log line %q: %v", l, err)
		}
		if e.Msg != "auth" || e.IP == "" {
			t.Errorf("audit log line %q: want msg auth and the client's address", l)
		}
		if (e.Err != "") != (e.Level == "WARN") || (e.Err != "") != strings.HasPrefix(e.Event, "login_") {
			t.Errorf("audit log line %q: want an error, at WARN, for a refused login only", l)
		}
		got = append(got, e.Event+" "+e.User)
		for _, secret := range append([]string{"wonderland", "looking-glass", "builder"}, tokens...) {
			if strings.Contains(l, secret) {
				t.Errorf("audit log line %q holds a password or a token", l)
			}
		}
	}
	want := []string{
		"login_failed alice", "login alice", "login alice",
		"sign_out_others alice", "refresh alice", "logout alice",
		"login carol", "signup carol",
		"login_failed bob", "login_failed bob", "login_failed bob", "login_failed bob", "login_failed bob",
		"login_throttled bob",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit log events:\n got %q\nwant %q\nlog:\n%s", got, want, out.String())
	}
}

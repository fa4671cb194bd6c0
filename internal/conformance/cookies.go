package conformance

// The cookies, byte for byte: both adapters must send the same.

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// maskValues returns the Set-Cookie headers with each cookie's value
// replaced by "…", and the values by cookie name.
func maskValues(setCookies []string) (masked []string, values map[string]string) {
	values = map[string]string{}
	for _, sc := range setCookies {
		name, rest, _ := strings.Cut(sc, "=")
		value, attrs, _ := strings.Cut(rest, ";")
		values[name] = value
		masked = append(masked, name+"=…;"+attrs)
	}
	return masked, values
}

var (
	jwtShape  = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
	csrfShape = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
)

// testLoginCookies checks the Set-Cookie headers of a login exactly, but
// for the values: attributes, their order and case, HttpOnly on the token
// only, SameSite=Lax, Secure with Options.Secure only, Max-Age from the
// TTL and the clock; and that the token's exp, the page's expiry and the
// CSRF values agree.
func testLoginCookies(t *testing.T, newApp func(Options) App) {
	tests := []struct {
		name   string
		now    time.Time
		ttl    time.Duration
		secure bool
		want   []string
	}{
		{"plain http, 1h", epoch, time.Hour, false, []string{
			"token=…; max-age=3600; path=/; HttpOnly; SameSite=Lax",
			"csrf_token=…; max-age=3600; path=/; SameSite=Lax",
		}},
		{"Secure, 1h", epoch, time.Hour, true, []string{
			"__Host-token=…; max-age=3600; path=/; HttpOnly; secure; SameSite=Lax",
			"csrf_token=…; max-age=3600; path=/; secure; SameSite=Lax",
		}},
		// exp counts whole seconds: epoch+90s, so 89.5s are left, and
		// Max-Age rounds them up.
		{"90s at mid-second", epoch.Add(500 * time.Millisecond), 90 * time.Second, false, []string{
			"token=…; max-age=90; path=/; HttpOnly; SameSite=Lax",
			"csrf_token=…; max-age=90; path=/; SameSite=Lax",
		}},
		{"default TTL 24h, Secure", epoch, 0, true, []string{
			"__Host-token=…; max-age=86400; path=/; HttpOnly; secure; SameSite=Lax",
			"csrf_token=…; max-age=86400; path=/; secure; SameSite=Lax",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock(tt.now)
			o := Options{Secret: secret, TTL: tt.ttl, Secure: tt.secure, Now: c.Now}
			b := newBrowser(t, newApp(o), o)
			a := b.login("alice", "wonderland")
			got, values := maskValues(a.setCookies())
			if !slices.Equal(got, tt.want) {
				t.Fatalf("login Set-Cookie (values masked):\n got %q\nwant %q", got, tt.want)
			}
			tok, csrf := values[o.CookieName()], values["csrf_token"]
			if !jwtShape.MatchString(tok) || !csrfShape.MatchString(csrf) {
				t.Fatalf("token %q and CSRF value %q: want a JWT and 22 base64url characters", tok, csrf)
			}

			ttl := tt.ttl
			if ttl == 0 {
				ttl = 24 * time.Hour
			}
			cl := claims(t, tok)
			wantExp := tt.now.Add(ttl).Truncate(time.Second)
			if exp := unixClaim(t, cl, "exp"); !exp.Equal(wantExp) {
				t.Errorf("token exp %v, want the clock + TTL = %v", exp.UTC(), wantExp)
			}
			if iat := unixClaim(t, cl, "iat"); !iat.Equal(tt.now.Truncate(time.Second)) {
				t.Errorf("token iat %v, want the clock %v", iat.UTC(), tt.now)
			}
			if cl["csrf"] != csrf || cl["sub"] != "alice" {
				t.Errorf("token claims csrf %v, sub %v; want the CSRF cookie %q and alice", cl["csrf"], cl["sub"], csrf)
			}

			p := b.do("GET", "/protected", nil)
			expect(t, "GET /protected", p, 200, "Alice")
			noCookies(t, "GET /protected right after login", p)
			if got := hiddenCSRF(p.body); got != csrf {
				t.Errorf("the page's CSRF field %q, want the cookie's %q", got, csrf)
			}
			m := regexp.MustCompile(`id="expires" datetime="([^"]+)"`).FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("the protected page shows no expiry: %s", p.body)
			}
			if shown, err := time.Parse(time.RFC3339, m[1]); err != nil || !shown.Equal(wantExp) {
				t.Errorf("the page shows the session ending at %q (%v), want %v", m[1], err, wantExp)
			}
		})
	}
}

// testLogoutCookies checks the Set-Cookie headers of a logout exactly:
// both cookies cleared, with the login's attributes.
func testLogoutCookies(t *testing.T, newApp func(Options) App) {
	tests := []struct {
		secure bool
		want   []string
	}{
		{false, []string{
			"token=; expires=Tue, 10 Nov 2009 23:00:00 GMT; path=/; HttpOnly; SameSite=Lax",
			"csrf_token=; expires=Tue, 10 Nov 2009 23:00:00 GMT; path=/; SameSite=Lax",
		}},
		{true, []string{
			"__Host-token=; expires=Tue, 10 Nov 2009 23:00:00 GMT; path=/; HttpOnly; secure; SameSite=Lax",
			"csrf_token=; expires=Tue, 10 Nov 2009 23:00:00 GMT; path=/; secure; SameSite=Lax",
		}},
	}
	for _, tt := range tests {
		name := "plain http"
		if tt.secure {
			name = "Secure"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newClock(epoch)
			o := Options{Secret: secret, TTL: time.Hour, Secure: tt.secure, Now: c.Now}
			b := newBrowser(t, newApp(o), o)
			b.login("alice", "wonderland")
			c.set(time.Minute)
			a := b.do("POST", "/logout", url.Values{"csrf_token": {b.jar["csrf_token"]}})
			if a.status != 303 || a.header.Get("Location") != "/" {
				t.Fatalf("logout = %d to %q, want 303 to /", a.status, a.header.Get("Location"))
			}
			if got := a.setCookies(); !slices.Equal(got, tt.want) {
				t.Fatalf("logout Set-Cookie:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

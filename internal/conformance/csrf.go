package conformance

// The demo's refusals (its Config.Unauthorized), CSRF, and the login's
// origin check.

import (
	"net/url"
	"strings"
	"testing"
)

// testRefusals checks the demo's Unauthorized answers: 401 for no valid
// token and 403 for a CSRF failure, as JSON under /api/ and as a page
// elsewhere, whatever the Accept header, never cached, setting no cookie.
func testRefusals(t *testing.T, newApp func(Options) App) {
	tests := []struct {
		name     string
		signedIn bool
		method   string
		path     string
		header   []string
		want     int
		json     string // the exact body of a JSON answer; "" for a page
		page     string // what the page says
	}{
		{name: "page signed out", method: "GET", path: "/protected", want: 401, page: "Please sign in to see this page."},
		{name: "page signed out, Accept JSON", method: "GET", path: "/protected", header: []string{"Accept", "application/json"}, want: 401, page: "Please sign in to see this page."},
		{name: "API signed out", method: "GET", path: "/api/me", want: 401, json: `{"error":"unauthorized"}`},
		{name: "API signed out, Accept HTML", method: "GET", path: "/api/me", header: []string{"Accept", "text/html"}, want: 401, json: `{"error":"unauthorized"}`},
		{name: "API POST signed out, no CSRF value", method: "POST", path: "/api/clicks", want: 401, json: `{"error":"unauthorized"}`},
		{name: "API without CSRF value", signedIn: true, method: "POST", path: "/api/clicks", want: 403, json: `{"error":"forbidden"}`},
		{name: "page without CSRF value", signedIn: true, method: "POST", path: "/logout", want: 403, page: "This request did not come from this site&#39;s own page."},
		{name: "unknown API route signed out", method: "GET", path: "/api/nothing", want: 401, json: `{"error":"unauthorized"}`},
		{name: "sign out others signed out", method: "POST", path: "/signout-others", want: 401, page: "Please sign in to see this page."},
		{name: "sign out others without CSRF value", signedIn: true, method: "POST", path: "/signout-others", want: 403, page: "This request did not come from this site&#39;s own page."},
		{name: "password change signed out", method: "POST", path: "/password", want: 401, page: "Please sign in to see this page."},
		{name: "password change without CSRF value", signedIn: true, method: "POST", path: "/password", want: 403, page: "This request did not come from this site&#39;s own page."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Secret: secret}
			b := newBrowser(t, newApp(o), o)
			if tt.signedIn {
				b.login("alice", "wonderland")
			}
			a := b.do(tt.method, tt.path, nil, tt.header...)
			what := tt.method + " " + tt.path
			ct := a.header.Get("Content-Type")
			if tt.json != "" {
				if a.status != tt.want || a.body != tt.json || !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("%s = %d %q (%s), want %d %q as JSON", what, a.status, a.body, ct, tt.want, tt.json)
				}
			} else {
				expect(t, what, a, tt.want, tt.page)
				if ct != "text/html; charset=utf-8" || !strings.Contains(a.body, "<title>Sign in required") {
					t.Fatalf("%s: Content-Type %q, body %q; want the demo's HTML page", what, ct, a.body)
				}
			}
			if cc := a.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
			}
			noCookies(t, what, a)
		})
	}
}

// testCSRF checks which unsafe requests of a signed-in browser carry the
// session's CSRF value: the X-CSRF-Token header or the csrf_token form
// field, never the query string nor another session's value; safe
// requests need none.
func testCSRF(t *testing.T, newApp func(Options) App) {
	// The value a row sends, from the session's own and another session's.
	right := func(own, _ string) string { return own }
	wrong := func(own, _ string) string { return flipLast(own) }
	other := func(_, other string) string { return other }
	tests := []struct {
		name   string
		method string
		path   string
		in     string // "header", "form", "query" or "" for nowhere
		value  func(own, other string) string
		want   int
		body   string
	}{
		{"clicks without a value", "POST", "/api/clicks", "", nil, 403, `{"error":"forbidden"}`},
		{"clicks with the header", "POST", "/api/clicks", "header", right, 200, `{"clicks":1}`},
		{"clicks with a wrong header", "POST", "/api/clicks", "header", wrong, 403, `{"error":"forbidden"}`},
		{"clicks with another session's header", "POST", "/api/clicks", "header", other, 403, `{"error":"forbidden"}`},
		{"clicks with the form field", "POST", "/api/clicks", "form", right, 200, `{"clicks":1}`},
		{"clicks with a wrong form field", "POST", "/api/clicks", "form", wrong, 403, `{"error":"forbidden"}`},
		{"clicks with the value in the query", "POST", "/api/clicks", "query", right, 403, `{"error":"forbidden"}`},
		{"logout without a field", "POST", "/logout", "", nil, 403, "did not come from this site"},
		{"logout with a wrong field", "POST", "/logout", "form", wrong, 403, "did not come from this site"},
		{"logout with the value in the query", "POST", "/logout", "query", right, 403, "did not come from this site"},
		{"logout with the field", "POST", "/logout", "form", right, 303, ""},
		{"logout with the header", "POST", "/logout", "header", right, 303, ""},
		{"GET /api/me needs none", "GET", "/api/me", "", nil, 200, `{"id":"alice","name":"Alice"}`},
		{"GET /protected needs none", "GET", "/protected", "", nil, 200, "Alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Secret: secret}
			app := newApp(o)
			b := newBrowser(t, app, o)
			b.login("alice", "wonderland")
			ob := newBrowser(t, app, o)
			ob.login("alice", "wonderland")
			own := b.jar["csrf_token"]
			if own == ob.jar["csrf_token"] {
				t.Fatalf("two logins got the same CSRF value %q", own)
			}

			path, form, header := tt.path, url.Values(nil), []string(nil)
			if tt.value != nil {
				v := tt.value(own, ob.jar["csrf_token"])
				switch tt.in {
				case "header":
					header = []string{"X-CSRF-Token", v}
				case "form":
					form = url.Values{"csrf_token": {v}}
				case "query":
					path += "?" + url.Values{"csrf_token": {v}}.Encode()
				}
			}
			a := b.do(tt.method, path, form, header...)
			expect(t, tt.name, a, tt.want, tt.body)
			if strings.HasPrefix(tt.body, "{") && a.body != tt.body {
				t.Fatalf("%s = %q, want %q", tt.name, a.body, tt.body)
			}
			// A refused request leaves the session as it was.
			if tt.want == 403 {
				expect(t, "GET /api/me after the refusal", b.do("GET", "/api/me", nil), 200, `"alice"`)
			}
		})
	}
}

// testLoginOrigin checks the login's own CSRF check: a login posted from
// another site (Sec-Fetch-Site, or an Origin whose host is not the Host)
// is refused with 403 and no cookie; one from the site's own page, or
// from a client that sends neither header, signs in.
func testLoginOrigin(t *testing.T, newApp func(Options) App) {
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no Origin nor Sec-Fetch-Site", nil, 303},
		{"Sec-Fetch-Site same-origin", []string{"Sec-Fetch-Site", "same-origin"}, 303},
		{"Sec-Fetch-Site none", []string{"Sec-Fetch-Site", "none"}, 303},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site with this Origin", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://example.com"}, 403},
		{"Origin of this host", []string{"Origin", "http://example.com"}, 303},
		{"Origin of this host, same-origin", []string{"Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"}, 303},
		{"Origin of another host", []string{"Origin", "https://evil.test"}, 403},
		{"Origin of a longer host", []string{"Origin", "http://example.com.evil.test"}, 403},
		{"Origin null", []string{"Origin", "null"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Secret: secret}
			b := newBrowser(t, newApp(o), o)
			req := request("POST", "http://example.com/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}}, tt.header...)
			a := send(t, b.app, req)
			if tt.want == 403 {
				expect(t, "login", a, 403, "This sign-in came from another site")
				noCookies(t, "refused login", a)
				return
			}
			if a.status != 303 || a.header.Get("Location") != "/protected" {
				t.Fatalf("login = %d to %q, want 303 to /protected", a.status, a.header.Get("Location"))
			}
			tok, _ := a.cookie(o.CookieName())
			expect(t, "GET /protected", b.withToken(tok).do("GET", "/protected", nil), 200, "Alice")
		})
	}
}

// flipLast returns s with its last character changed.
func flipLast(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'B'
	}
	return s[:len(s)-1] + string(c)
}

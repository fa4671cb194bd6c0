package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

var testSecret = bytes.Repeat([]byte("k"), 64)

type client struct {
	t      *testing.T
	app    *fiber.App
	cookie *http.Cookie
}

func (cl *client) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	cl.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if cl.cookie != nil {
		req.AddCookie(cl.cookie)
	}
	resp, err := cl.app.Test(req, -1)
	if err != nil {
		cl.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		cl.t.Fatal(err)
	}
	return resp, string(b)
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

func tokenCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "token" {
			return c
		}
	}
	return nil
}

// go test -run Test_Demo_Contract ./example
func Test_Demo_Contract(t *testing.T) {
	cl := &client{t: t, app: newApp(testSecret, 0)}

	resp, body := cl.do("GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("GET / = %d, want 200 with the login form", resp.StatusCode)
	}

	resp, body = cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"nope"}})
	if resp.StatusCode != 401 || tokenCookie(resp) != nil || !strings.Contains(body, "Wrong id or password") {
		t.Fatalf("wrong password: status %d, cookie %v", resp.StatusCode, tokenCookie(resp))
	}

	resp, _ = cl.do("GET", "/protected", nil)
	if resp.StatusCode != 401 {
		t.Fatalf("GET /protected signed out = %d, want 401", resp.StatusCode)
	}
	resp, body = cl.do("GET", "/api/me", nil)
	if resp.StatusCode != 401 || body != `{"error":"unauthorized"}` {
		t.Fatalf("GET /api/me signed out = %d %q, want 401 JSON", resp.StatusCode, body)
	}

	resp, _ = cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}})
	cl.cookie = tokenCookie(resp)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/protected" || cl.cookie == nil || !cl.cookie.HttpOnly {
		t.Fatalf("login = %d to %q, cookie %v; want 303 to /protected with an HttpOnly token cookie",
			resp.StatusCode, resp.Header.Get("Location"), cl.cookie)
	}
	stolen := cl.cookie

	resp, body = cl.do("GET", "/protected", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Alice") {
		t.Fatalf("GET /protected = %d, want 200 naming Alice", resp.StatusCode)
	}
	resp, body = cl.do("GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Welcome back, <strong>Alice") {
		t.Fatalf("GET / signed in = %d, want a greeting", resp.StatusCode)
	}
	resp, body = cl.do("GET", "/api/me", nil, "Accept", "application/json")
	if resp.StatusCode != 200 || body != `{"id":"alice","name":"Alice"}` {
		t.Fatalf("GET /api/me = %d %s", resp.StatusCode, body)
	}

	resp, _ = cl.do("POST", "/logout", nil)
	if resp.StatusCode != 403 {
		t.Fatalf("logout without the CSRF field = %d, want 403", resp.StatusCode)
	}
	resp, body = cl.do("GET", "/protected", nil)
	csrf := hiddenCSRF(body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /protected after a refused logout = %d, want 200", resp.StatusCode)
	}
	if csrf == "" {
		t.Fatalf("the protected page has no CSRF field in its logout form")
	}
	resp, _ = cl.do("POST", "/logout", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("logout = %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := tokenCookie(resp); c == nil || c.Value != "" || !c.Expires.Before(time.Now()) {
		t.Fatalf("logout cookie = %v, want it cleared", c)
	}

	cl.cookie = stolen // a copy of the token kept from before the logout
	resp, _ = cl.do("GET", "/protected", nil)
	if resp.StatusCode != 401 {
		t.Fatalf("GET /protected with the logged-out token = %d, want 401", resp.StatusCode)
	}
}

// go test -run Test_Demo_Bob ./example
func Test_Demo_Bob(t *testing.T) {
	cl := &client{t: t, app: newApp(testSecret, 0)}
	resp, _ := cl.do("POST", "/login", url.Values{"id": {"bob"}, "pw": {"builder"}})
	cl.cookie = tokenCookie(resp)
	if cl.cookie == nil {
		t.Fatal("bob could not log in")
	}
	if _, body := cl.do("GET", "/protected", nil); !strings.Contains(body, "Bob") {
		t.Fatalf("protected page for bob: %s", body)
	}
}

// go test -run Test_Demo_ClicksNeedCSRF ./example
func Test_Demo_ClicksNeedCSRF(t *testing.T) {
	cl := &client{t: t, app: newApp(testSecret, 0)}
	resp, _ := cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}})
	cl.cookie = tokenCookie(resp)
	var csrf string
	for _, c := range resp.Cookies() {
		if c.Name == "csrf_token" {
			csrf = c.Value
		}
	}
	if cl.cookie == nil || csrf == "" {
		t.Fatalf("login set token %v and csrf %q", cl.cookie, csrf)
	}
	resp, body := cl.do("POST", "/api/clicks", nil)
	if resp.StatusCode != 403 || body != `{"error":"forbidden"}` {
		t.Fatalf("clicks without the header = %d %s, want 403 forbidden", resp.StatusCode, body)
	}
	for want := 1; want <= 2; want++ {
		resp, body = cl.do("POST", "/api/clicks", nil, "X-CSRF-Token", csrf)
		if resp.StatusCode != 200 || body != fmt.Sprintf(`{"clicks":%d}`, want) {
			t.Fatalf("click %d = %d %s", want, resp.StatusCode, body)
		}
	}
	_, body = cl.do("GET", "/protected", nil)
	if !strings.Contains(body, `src="/static/app.js"`) || !strings.Contains(body, `id="expires"`) {
		t.Fatalf("the protected page lacks the script or the expiry: %s", body)
	}
	for _, path := range []string{"/static/app.js", "/static/style.css"} {
		resp, body = cl.do("GET", path, nil)
		if resp.StatusCode != 200 || len(body) < 100 {
			t.Fatalf("GET %s = %d (%d bytes)", path, resp.StatusCode, len(body))
		}
	}
}

// go test -run Test_Demo_SessionTTL ./example
func Test_Demo_SessionTTL(t *testing.T) {
	cl := &client{t: t, app: newApp(testSecret, 90*time.Second)}
	resp, _ := cl.do("POST", "/login", url.Values{"id": {"bob"}, "pw": {"builder"}})
	if c := tokenCookie(resp); c == nil || c.MaxAge != 90 {
		t.Fatalf("token cookie %v, want Max-Age 90", c)
	}
}

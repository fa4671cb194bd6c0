package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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
	cl := &client{t: t, app: newApp(testSecret, 0, false)}

	resp, body := cl.do("GET", "/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("GET / = %d, want 200 with the login form", resp.StatusCode)
	}

	resp, body = cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"nope"}})
	if resp.StatusCode != 401 || tokenCookie(resp) != nil || !strings.Contains(body, "Wrong id or password") {
		t.Fatalf("wrong password: status %d, cookie %v", resp.StatusCode, tokenCookie(resp))
	}

	resp, body = cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test")
	if resp.StatusCode != 403 || tokenCookie(resp) != nil || !strings.Contains(body, "another site") {
		t.Fatalf("cross-site login: status %d, cookie %v", resp.StatusCode, tokenCookie(resp))
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
	cl := &client{t: t, app: newApp(testSecret, 0, false)}
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
	cl := &client{t: t, app: newApp(testSecret, 0, false)}
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
	cl := &client{t: t, app: newApp(testSecret, 90*time.Second, false)}
	resp, _ := cl.do("POST", "/login", url.Values{"id": {"bob"}, "pw": {"builder"}})
	if c := tokenCookie(resp); c == nil || c.MaxAge != 90 {
		t.Fatalf("token cookie %v, want Max-Age 90", c)
	}
}

// go test -run Test_Demo_SecureCookie ./example
func Test_Demo_SecureCookie(t *testing.T) {
	cl := &client{t: t, app: newApp(testSecret, 0, true)}
	resp, _ := cl.do("POST", "/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}})
	if resp.StatusCode != 303 {
		t.Fatalf("login = %d, want 303", resp.StatusCode)
	}
	cookies := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	tok, csrf := cookies["__Host-token"], cookies["csrf_token"]
	if tok == nil || !tok.Secure || !tok.HttpOnly || tok.Path != "/" || tok.Domain != "" {
		t.Fatalf("token cookie %v, want __Host-token, Secure, HttpOnly, Path=/, no Domain (cookies: %v)", tok, resp.Header.Values("Set-Cookie"))
	}
	if cookies["token"] != nil {
		t.Errorf("login also set a plain token cookie: %v", cookies["token"])
	}
	if csrf == nil || !csrf.Secure {
		t.Errorf("csrf cookie %v, want Secure like the token's", csrf)
	}
	cl.cookie = tok
	if resp, body := cl.do("GET", "/protected", nil); resp.StatusCode != 200 || !strings.Contains(body, "Alice") {
		t.Fatalf("GET /protected with __Host-token = %d, want 200 naming Alice", resp.StatusCode)
	}
}

// go test -run Test_Demo_IsLoopback ./example
func Test_Demo_IsLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:3000", true},
		{"127.1.2.3:80", true},
		{"[::1]:3000", true},
		{"[::ffff:127.0.0.1]:3000", true},
		{"localhost:3000", true},
		{"LocalHost:3000", true},
		{":3000", false}, // every interface
		{"0.0.0.0:3000", false},
		{"[::]:3000", false},
		{"192.168.1.10:3000", false},
		{"example.com:443", false},
		{"127.0.0.1", false}, // no port: net.Listen refuses it anyway
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			if got := isLoopback(tt.addr); got != tt.want {
				t.Errorf("isLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// startDemo serves app as main does, on listen's listener, at a free
// loopback port until the test ends, and returns its host:port. The
// listener is open before startDemo returns, so there is nothing to wait
// for: connections queue until app.Listener accepts them.
func startDemo(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Errorf("app.Shutdown: %v", err)
		}
		ln.Close() // in case Shutdown ran before app.Listener took ln
		if err := <-done; err != nil {
			t.Errorf("app.Listener: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends req, a whole HTTP/1.1 request, to addr on a new TCP
// connection in one write and reads the response. When the response says
// the connection closes, it also reads on to the end of the connection,
// which must be a clean end of file: a reset there means the server closed
// with part of the request unread, and a client still writing it would
// have seen "connection reset by peer" instead of the response.
func rawExchange(addr string, req []byte) (status int, body string, err error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return 0, "", err
	}
	if _, err := c.Write(req); err != nil {
		return 0, "", fmt.Errorf("writing the request: %w", err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, "", fmt.Errorf("reading the response: %w", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("reading the %d response's body: %w", resp.StatusCode, err)
	}
	if resp.Close {
		if n, err := br.Read(make([]byte, 1)); err != io.EOF {
			return resp.StatusCode, string(b), fmt.Errorf("after the %d response (Connection: close): read %d bytes and %v, want a clean end of file", resp.StatusCode, n, err)
		}
	}
	return resp.StatusCode, string(b), nil
}

// go test -run Test_Demo_HugeCookieAnswered ./example
//
// An 80 KB Cookie header is far over readBufferSize. The demo must answer
// 431 (or 401) and end the connection cleanly every time, never reset it
// while the client is still sending: without listen's lingering close the
// server closes with most of the request unread, and the kernel resets the
// connection.
func Test_Demo_HugeCookieAnswered(t *testing.T) {
	addr := startDemo(t, newApp(testSecret, 0, false))
	req := []byte("GET /protected HTTP/1.1\r\nHost: " + addr + "\r\nCookie: token=" + strings.Repeat("a", 80_000) + "\r\n\r\n")
	const attempts = 30
	failed := 0
	for i := 1; i <= attempts; i++ {
		status, _, err := rawExchange(addr, req)
		if err == nil && status != 431 && status != 401 {
			err = fmt.Errorf("status %d", status)
		}
		if err != nil {
			failed++
			if failed <= 3 {
				t.Errorf("attempt %d: %v", i, err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d attempts got no clean answer; want 431 or 401 every time", failed, attempts)
	}
}

// padToken returns tok, a token the demo signed, with a "pad" claim added
// so that it is size bytes long (give or take one), signed again with
// testSecret. All its other claims stay as the demo signed them, so it is
// valid.
func padToken(t *testing.T, tok string, size int) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments", tok, len(parts))
	}
	var header struct{ Alg string }
	if h, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(h, &header) != nil || header.Alg != "HS512" {
		t.Fatalf("token header %q: want HS512", parts[0])
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]json.RawMessage // numbers stay as signed
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["pad"] = json.RawMessage(`""`)
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	// Each byte of padding adds 4/3 of a byte to the token.
	rest := len(tok) - len(parts[1]) + base64.RawURLEncoding.EncodedLen(len(p))
	claims["pad"] = json.RawMessage(strconv.Quote(strings.Repeat("p", (size-rest)*3/4)))
	if p, err = json.Marshal(claims); err != nil {
		t.Fatal(err)
	}
	signed := parts[0] + "." + base64.RawURLEncoding.EncodeToString(p)
	mac := hmac.New(sha512.New, testSecret)
	mac.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// go test -run Test_Demo_BrowserSizedRequest ./example
//
// A browser's request with the largest token cookie a browser keeps (4096
// bytes) and a browser's usual headers is over Fiber's default
// ReadBufferSize (4096 bytes, which would answer 431) but within the demo's.
func Test_Demo_BrowserSizedRequest(t *testing.T) {
	addr := startDemo(t, newApp(testSecret, 0, false))

	// Sign in over HTTP for a real token and CSRF value.
	hc := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer hc.CloseIdleConnections()
	resp, err := hc.PostForm("http://"+addr+"/login", url.Values{"id": {"alice"}, "pw": {"wonderland"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var token, csrf string
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "token":
			token = c.Value
		case "csrf_token":
			csrf = c.Value
		}
	}
	if resp.StatusCode != 303 || token == "" || csrf == "" {
		t.Fatalf("login = %d with token %q and csrf %q", resp.StatusCode, token, csrf)
	}
	// "token=" and the value: 4096 bytes, what browsers keep at most.
	big := padToken(t, token, 4096-len("token="))
	if len(big) < 4080 || len(big) > 4096-len("token=") {
		t.Fatalf("padded token has %d bytes, want about %d", len(big), 4096-len("token="))
	}

	// Chromium 131's headers on a navigation between the demo's pages.
	chromium := func(path, referer string) string {
		return "GET " + path + " HTTP/1.1\r\n" +
			"Host: " + addr + "\r\n" +
			"Connection: keep-alive\r\n" +
			`sec-ch-ua: "Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"` + "\r\n" +
			"sec-ch-ua-mobile: ?0\r\n" +
			`sec-ch-ua-platform: "Windows"` + "\r\n" +
			"Upgrade-Insecure-Requests: 1\r\n" +
			"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
			"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
			"Sec-Fetch-Site: same-origin\r\n" +
			"Sec-Fetch-Mode: navigate\r\n" +
			"Sec-Fetch-User: ?1\r\n" +
			"Sec-Fetch-Dest: document\r\n" +
			"Referer: " + referer + "\r\n" +
			"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
			"Accept-Language: de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7,fr-FR;q=0.6,fr;q=0.5,it;q=0.4\r\n" +
			"Priority: u=0, i\r\n" +
			"Cookie: _ga=GA1.1.1234567890.1733000000; _ga_ABCDEF1234=GS1.1.1733000000.3.1.1733000100.0.0.0; theme=dark; " +
			"csrf_token=" + csrf + "; token=" + big + "\r\n\r\n"
	}
	query := "?q=" + strings.Repeat("x", 2000)
	tests := []struct {
		name string
		req  string
	}{
		{"typical", chromium("/protected", "http://"+addr+"/?utm_source=newsletter&utm_medium=email&utm_campaign=winter-2025")},
		// Chromium cuts a Referer longer than 4096 bytes down to the origin.
		{"long URL and Referer", chromium("/protected"+query, "http://"+addr+"/"+strings.Repeat("r", 4096-len("http://"+addr+"/")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.req) <= fiber.DefaultReadBufferSize || len(tt.req) > readBufferSize {
				t.Fatalf("the request has %d bytes; the test needs more than Fiber's default %d and at most readBufferSize %d",
					len(tt.req), fiber.DefaultReadBufferSize, readBufferSize)
			}
			status, body, err := rawExchange(addr, []byte(tt.req))
			if err != nil {
				t.Fatal(err)
			}
			if status != 200 || !strings.Contains(body, "Alice") {
				t.Fatalf("GET /protected with a %d-byte request = %d, want 200 naming Alice", len(tt.req), status)
			}
			t.Logf("%d-byte request served", len(tt.req))
		})
	}
}

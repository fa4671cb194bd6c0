package conformance

// The demo served as main serves it: over TCP, on a listener App.Serve
// wraps as the demo's main does (a lingering close).

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fiberDefaultReadBufferSize is Fiber's default ReadBufferSize (v2 and v3).
const fiberDefaultReadBufferSize = 4096

// serve serves app (App.Serve) at a free loopback port until
// the test ends, and returns its host:port. The listener is open before
// serve returns, so there is nothing to wait for: connections queue until
// app.Serve accepts them.
func serve(t *testing.T, app App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Serve(ln) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Errorf("app.Shutdown: %v", err)
		}
		ln.Close() // in case Shutdown ran before app.Serve took ln
		if err := <-done; err != nil {
			t.Errorf("app.Serve: %v", err)
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

// testHugeCookieAnswered: an 80 KB Cookie header is far over
// ReadBufferSize. The demo must answer 431 (or 401) and end the
// connection cleanly every time, never reset it while the client is still
// sending: without the demo's lingering close the server closes with
// most of the request unread, and the kernel resets the connection.
func testHugeCookieAnswered(t *testing.T, newApp func(Options) App) {
	addr := serve(t, newApp(Options{Secret: secret}))
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
// secret. All its other claims stay as the demo signed them, so it is
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
	mac := hmac.New(sha512.New, secret)
	mac.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// testBrowserSizedRequest: a browser's request with the largest token
// cookie a browser keeps (4096 bytes) and a browser's usual headers is
// over Fiber's default ReadBufferSize (4096 bytes, which would answer 431)
// but within ReadBufferSize.
func testBrowserSizedRequest(t *testing.T, newApp func(Options) App) {
	addr := serve(t, newApp(Options{Secret: secret}))

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
			if len(tt.req) <= fiberDefaultReadBufferSize || len(tt.req) > ReadBufferSize {
				t.Fatalf("the request has %d bytes; the test needs more than Fiber's default %d and at most ReadBufferSize %d",
					len(tt.req), fiberDefaultReadBufferSize, ReadBufferSize)
			}
			status, body, err := rawExchange(addr, []byte(tt.req))
			if err != nil {
				t.Fatal(err)
			}
			if status != 200 || !strings.Contains(body, "Alice") {
				t.Fatalf("GET /protected with a %d-byte request = %d, want 200 naming Alice", len(tt.req), status)
			}
		})
	}
}

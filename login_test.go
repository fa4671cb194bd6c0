package fiberjwt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
)

// postLoginWith posts the login form of id and pw with the raw Cookie header
// cookie ("" sends none) and the header fields given as name, value pairs.
func (h *harness) postLoginWith(tb testing.TB, id, pw, cookie string, header ...string) (*http.Response, string) {
	tb.Helper()
	form := url.Values{"id": {id}, "pw": {pw}}
	req := httptest.NewRequest(fiber.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	if cookie != "" {
		req.Header.Set(fiber.HeaderCookie, cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return h.do(tb, req)
}

func withLoginOrigins(origins ...string) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.LoginOrigins = origins }
}

// go test -run Test_Login_CrossSite -race
func Test_Login_CrossSite(t *testing.T) {
	t.Parallel()
	// httptest.NewRequest sends Host: example.com.
	tests := []struct {
		name    string
		header  []string
		wantErr error // nil: signed in
	}{
		{name: "no Fetch Metadata, no Origin (not a browser)"},
		{name: "same-origin", header: []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"}},
		{name: "typed by the user", header: []string{"Sec-Fetch-Site", "none"}},
		{name: "cross-site form", header: []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test"}, wantErr: fiberjwt.ErrCSRF},
		{name: "cross-site without Origin", header: []string{"Sec-Fetch-Site", "cross-site"}, wantErr: fiberjwt.ErrCSRF},
		{name: "sibling subdomain", header: []string{"Sec-Fetch-Site", "same-site", "Origin", "https://evil.example.com"}, wantErr: fiberjwt.ErrCSRF},
		{name: "cross-site, origin allowed", header: []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://www.example.org"}},
		{name: "cross-site, origin allowed in other case", header: []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://WWW.example.org"}},
		{name: "cross-site, origin of an allowed host on another port", header: []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://www.example.org:8443"}, wantErr: fiberjwt.ErrCSRF},
		{name: "old browser, own Origin", header: []string{"Origin", "https://example.com"}},
		{name: "old browser, other Origin", header: []string{"Origin", "https://evil.test"}, wantErr: fiberjwt.ErrCSRF},
		{name: "old browser, own host on another port", header: []string{"Origin", "https://example.com:8080"}, wantErr: fiberjwt.ErrCSRF},
		{name: "old browser, opaque Origin", header: []string{"Origin", "null"}, wantErr: fiberjwt.ErrCSRF},
		{name: "old browser, Origin without scheme", header: []string{"Origin", "example.com"}, wantErr: fiberjwt.ErrCSRF},
		{name: "unknown Sec-Fetch-Site, other Origin", header: []string{"Sec-Fetch-Site", "elsewhere", "Origin", "https://evil.test"}, wantErr: fiberjwt.ErrCSRF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withLoginOrigins("https://www.example.org"))
			resp, body := h.postLoginWith(t, "alice", "wonderland", "", tt.header...)
			err := h.login.last(t)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("ProcessLogin: %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil {
				utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
				onlyCookie(t, resp, "token")
				return
			}
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
			noCookie(t, resp, "token")
			noCookie(t, resp, fiberjwt.CSRFCookieName)
			utils.AssertEqual(t, int64(0), h.authCalls.Load(), "Authenticate called for a cross-site login")
		})
	}
}

// go test -run Test_Login_RevokesPreviousSession -race
func Test_Login_RevokesPreviousSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		old   func(h *harness, token string) string // the Cookie header of the new login
		csrf  bool                                  // send the old session's CSRF header
		other bool                                  // the login is another user's
	}{
		{name: "same user, accepted by the middleware", old: (*harness).with, csrf: true},
		{name: "same user, no CSRF header (not accepted, still genuine)", old: (*harness).with},
		{name: "another user", old: (*harness).with, csrf: true, other: true},
		{name: "behind a junk cookie", old: func(h *harness, token string) string { return "token=junk; " + h.with(token) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			old := h.signIn(t, "alice", "wonderland")
			var header []string
			if tt.csrf {
				header = []string{fiberjwt.CSRFHeader, h.csrfFor(old)}
			}
			id, pw := "alice", "wonderland"
			if tt.other {
				id, pw = "bob", "builder"
			}
			resp, body := h.postLoginWith(t, id, pw, tt.old(h, old), header...)
			if err := h.login.last(t); err != nil {
				t.Fatalf("second login: %v", err)
			}
			utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
			fresh := onlyCookie(t, resp, "token").Value
			h.remember(fresh, onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)

			resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(old))
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the previous session after a new login")
			if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
				t.Fatalf("previous session: %v, want ErrRevoked", err)
			}
			resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(fresh))
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		})
	}

	t.Run("storage fails: no login", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withStorage(storage{setErr: errBackend}))
		old := h.signIn(t, "alice", "wonderland")
		resp, body := h.postLoginWith(t, "alice", "wonderland", h.with(old))
		if err := h.login.last(t); !errors.Is(err, fiberjwt.ErrStorage) {
			t.Fatalf("login over a session that cannot be revoked: %v, want ErrStorage", err)
		}
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
		noCookie(t, resp, "token")
		noCookie(t, resp, fiberjwt.CSRFCookieName)
	})
}

// go test -run Test_Login_TokenTooLarge -race
func Test_Login_TokenTooLarge(t *testing.T) {
	t.Parallel()
	// rolesApp signs in a user with the number of 20-byte roles given in
	// the form field n, on an app with the given ReadBufferSize (0: the
	// default, 4096 bytes).
	rolesApp := func(t *testing.T, readBuffer int) *fiber.App {
		app := fiber.New(fiber.Config{ReadBufferSize: readBuffer})
		app.Use(fiberjwt.New(fiberjwt.Config[User]{
			SecretKey: testSecret,
			Next:      func(c *fiber.Ctx) bool { return c.Path() == "/login" },
			Authenticate: func(c *fiber.Ctx, id, _ string) (User, error) {
				n, _ := strconv.Atoi(c.FormValue("n"))
				u := User{ID: id, Name: displayName(id)}
				for i := 0; i < n; i++ {
					u.Roles = append(u.Roles, fmt.Sprintf("group-%014d", i))
				}
				return u, nil
			},
		}))
		app.Post("/login", func(c *fiber.Ctx) error {
			token, err := fiberjwt.ProcessLogin(c, "alice", "pw")
			if err != nil {
				c.Set("X-Error", err.Error())
				return c.SendStatus(fiber.StatusUnprocessableEntity)
			}
			return c.SendString(token)
		})
		app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("ok") })
		return app
	}
	login := func(t *testing.T, app *fiber.App, roles int) (*http.Response, string) {
		req := httptest.NewRequest(fiber.MethodPost, "/login", strings.NewReader("n="+strconv.Itoa(roles)))
		req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}
	// browserRequest is GET /protected with the token cookie, the CSRF
	// cookie and 1,700 bytes of the headers a browser sends with it.
	browserRequest := func(token, csrf string) *http.Request {
		req := httptest.NewRequest(fiber.MethodGet, "/protected", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36")
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
		req.Header.Set("Accept-Language", "en-GB,en;q=0.9,fr;q=0.8,de;q=0.7")
		req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		req.Header.Set("Sec-Ch-Ua", `"Chromium";v="156", "Not-A.Brand";v="24"`)
		req.Header.Set("Sec-Ch-Ua-Mobile", "?0")
		req.Header.Set("Sec-Ch-Ua-Platform", `"Linux"`)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Referer", "https://example.com/"+strings.Repeat("r", 400))
		req.Header.Set(fiber.HeaderCookie, "token="+token+"; "+fiberjwt.CSRFCookieName+"="+csrf+"; _ga=GA1.1."+strings.Repeat("7", 300))
		return req
	}

	tests := []struct {
		name       string
		readBuffer int
		roles      int
		wantErr    bool
	}{
		{name: "default buffer, 10 roles (0.7 KB token)", roles: 10},
		{name: "default buffer, 60 roles (2.3 KB token)", roles: 60, wantErr: true},
		{name: "default buffer, 150 roles (5 KB token)", roles: 150, wantErr: true},
		{name: "16 KB buffer, 100 roles (3.5 KB token)", readBuffer: 16 << 10, roles: 100},
		{name: "16 KB buffer, 150 roles: over a browser's cookie", readBuffer: 16 << 10, roles: 150, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := rolesApp(t, tt.readBuffer)
			resp, body := login(t, app, tt.roles)
			if tt.wantErr {
				utils.AssertEqual(t, fiber.StatusUnprocessableEntity, resp.StatusCode, body)
				if msg := resp.Header.Get("X-Error"); !strings.Contains(msg, fiberjwt.ErrTokenTooLarge.Error()) || !strings.Contains(msg, "ReadBufferSize") {
					t.Fatalf("ProcessLogin: %q, want ErrTokenTooLarge naming ReadBufferSize", msg)
				}
				utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies set for a token too large")
				return
			}
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, resp.Header.Get("X-Error"))
			// What ProcessLogin sets, a browser can send back.
			resp, err := app.Test(browserRequest(body, cookieValue(resp.Header.Get("Set-Cookie"), fiberjwt.CSRFCookieName)), -1)
			if err != nil {
				t.Fatal(err)
			}
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "a browser request with the issued token")
		})
	}

	// The largest token a default app accepts leaves room for a browser's
	// other headers; one just larger is refused.
	t.Run("limit", func(t *testing.T) {
		t.Parallel()
		app := rolesApp(t, 0)
		largest := ""
		for n := 1; n < 60; n++ {
			resp, body := login(t, app, n)
			if resp.StatusCode != fiber.StatusOK {
				break
			}
			largest = body
			var csrf string
			for _, c := range resp.Cookies() {
				if c.Name == fiberjwt.CSRFCookieName {
					csrf = c.Value
				}
			}
			resp, err := app.Test(browserRequest(body, csrf), -1)
			if err != nil {
				t.Fatal(err)
			}
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, fmt.Sprintf("%d-byte token with browser headers", len(body)))
		}
		if len(largest) < 1500 || len(largest) > 2100 {
			t.Fatalf("the largest token accepted with the default ReadBufferSize has %d bytes, want 1500 to 2100", len(largest))
		}
	})
}

// go test -run Test_LoginOrigins_Misconfiguration -race
func Test_LoginOrigins_Misconfiguration(t *testing.T) {
	t.Parallel()
	cfg := func(origins ...string) func() {
		return newPanics(fiberjwt.Config[User]{SecretKey: testSecret, LoginOrigins: origins})
	}
	runNewCases(t, []newCase{
		{name: "origin", build: cfg("https://www.example.com", "http://localhost:8080")},
		{name: "trailing slash", build: cfg("https://www.example.com/"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "path", build: cfg("https://www.example.com/login"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "no scheme", build: cfg("www.example.com"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "other scheme", build: cfg("ftp://www.example.com"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "wildcard", build: cfg("*"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "query", build: cfg("https://www.example.com?"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
		{name: "user info", build: cfg("https://me@www.example.com"), wantErr: fiberjwt.ErrConfig, wantField: "LoginOrigins"},
	})
}

// ---------------------------------------------------------------------------
// ProcessLogin.

// go test -run Test_NotMounted -race
func Test_NotMounted(t *testing.T) {
	t.Parallel()
	var (
		mu                  sync.Mutex
		loginErr, logoutErr error
		signedIn            bool
	)
	record := func(c *fiber.Ctx) error {
		_, lerr := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		oerr := fiberjwt.Logout(c)
		_, ok := fiberjwt.CurrentUser[User](c)
		mu.Lock()
		loginErr, logoutErr, signedIn = lerr, oerr, ok
		mu.Unlock()
		return c.SendString("no panic")
	}
	app := fiber.New()
	// The middleware runs on /admin only.
	app.Use("/admin", fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    testSecret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
	}))
	app.Get("/login", record)

	resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode)
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(loginErr, fiberjwt.ErrNotMounted) {
		t.Fatalf("ProcessLogin: got %v, want ErrNotMounted", loginErr)
	}
	if !errors.Is(logoutErr, fiberjwt.ErrNotMounted) {
		t.Fatalf("Logout: got %v, want ErrNotMounted", logoutErr)
	}
	if !strings.Contains(loginErr.Error(), "app.Use(fiberjwt.New") {
		t.Fatalf("ErrNotMounted %q does not say how to mount the middleware", loginErr)
	}
	utils.AssertEqual(t, false, signedIn, "CurrentUser")
}

// go test -run Test_ProcessLogin_Refused -race
func Test_ProcessLogin_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []option
		id, pw    string
		wantErr   error
		wantCause error // also in the chain, when set
		wantCalls int64 // calls to Authenticate
	}{
		{name: "empty id", id: "", pw: "wonderland", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "empty password", id: "alice", pw: "", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "both empty", id: "", pw: "", wantErr: fiberjwt.ErrInvalidCredentials},
		{name: "wrong password", id: "alice", pw: "builder", wantErr: fiberjwt.ErrInvalidCredentials, wantCause: errWrongPassword, wantCalls: 1},
		{name: "unknown user", id: "mallory", pw: "x", wantErr: fiberjwt.ErrInvalidCredentials, wantCause: errNoSuchUser, wantCalls: 1},
		{
			name:    "verify-only instance",
			opts:    []option{func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil }},
			id:      "alice",
			pw:      "wonderland",
			wantErr: fiberjwt.ErrConfig,
		},
		{
			name:    "verify-only instance, empty id",
			opts:    []option{func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil }},
			id:      "",
			pw:      "wonderland",
			wantErr: fiberjwt.ErrConfig,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)

			resp, body := h.postLogin(t, tt.id, tt.pw)

			err := h.login.last(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ProcessLogin: got %v, want %v", err, tt.wantErr)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Fatalf("ProcessLogin: got %v, want it to wrap %v", err, tt.wantCause)
			}
			utils.AssertEqual(t, tt.wantCalls, h.authCalls.Load(), "calls to Authenticate")
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
			utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
		})
	}
}

// go test -run Test_ProcessLogin_VerifyOnly -race
func Test_ProcessLogin_VerifyOnly(t *testing.T) {
	t.Parallel()
	// An instance without Authenticate still verifies tokens signed elsewhere.
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.Authenticate = nil })
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("bob"), nil)))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "Protected Page. name: Bob", body)
}

// go test -run Test_ProcessLogin_TokenContent -race
func Test_ProcessLogin_TokenContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []option
		wantAlg  string
		wantLife time.Duration
		wantIss  string
		wantAud  []string
	}{
		{name: "defaults", wantAlg: "HS512", wantLife: 24 * time.Hour},
		{
			name: "HS256, 15 minutes, issuer and audience",
			opts: []option{
				withAlgorithm("HS256"), withIssuer("https://auth.example"), withAudience("web"),
				func(cfg *fiberjwt.Config[User]) { cfg.Expiration = 15 * time.Minute },
			},
			wantAlg: "HS256", wantLife: 15 * time.Minute, wantIss: "https://auth.example", wantAud: []string{"web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)
			h.clock.Advance(1500 * time.Millisecond) // not on a whole second
			now := h.clock.Now()
			first := h.signIn(t, "alice", "wonderland")
			second := h.signIn(t, "alice", "wonderland")

			var claims struct {
				jwt.RegisteredClaims
				AuthTime *jwt.NumericDate `json:"auth_time"`
				SID      string           `json:"sid"`
				CSRF     string           `json:"csrf"`
				User     User             `json:"usr"`
			}
			tok, err := jwt.ParseWithClaims(first, &claims,
				func(*jwt.Token) (any, error) { return testSecret, nil },
				jwt.WithTimeFunc(h.clock.Now), jwt.WithValidMethods([]string{tt.wantAlg}))
			if err != nil {
				t.Fatalf("parsing the issued token: %v", err)
			}
			utils.AssertEqual(t, tt.wantAlg, tok.Header["alg"], "alg")
			utils.AssertEqual(t, "alice", claims.Subject, "sub")
			utils.AssertEqual(t, now.Unix(), claims.IssuedAt.Unix(), "iat")
			utils.AssertEqual(t, now.Unix(), claims.NotBefore.Unix(), "nbf")
			utils.AssertEqual(t, now.Add(tt.wantLife).Unix(), claims.ExpiresAt.Unix(), "exp = now + Expiration")
			utils.AssertEqual(t, tt.wantIss, claims.Issuer, "iss")
			utils.AssertEqual(t, len(tt.wantAud), len(claims.Audience), "aud")
			for i := range tt.wantAud {
				utils.AssertEqual(t, tt.wantAud[i], claims.Audience[i], "aud")
			}
			want, _ := lookup("alice", "wonderland")
			utils.AssertEqual(t, want, claims.User, "usr")

			// The session: auth_time is the login time; sid and csrf
			// are random, per login.
			if claims.AuthTime == nil {
				t.Fatal("no auth_time claim")
			}
			utils.AssertEqual(t, now.Unix(), claims.AuthTime.Unix(), "auth_time")

			// jti, sid and csrf: 128 random bits each, base64url without
			// padding.
			for _, v := range []struct{ name, value string }{{"jti", claims.ID}, {"sid", claims.SID}, {"csrf", claims.CSRF}} {
				utils.AssertEqual(t, 22, len(v.value), v.name+" length")
				b, err := base64.RawURLEncoding.Strict().DecodeString(v.value)
				if err != nil {
					t.Fatalf("%s %q is not base64url: %v", v.name, v.value, err)
				}
				utils.AssertEqual(t, 16, len(b), v.name+" bytes")
			}
			if claims.CSRF == claims.ID || claims.CSRF == claims.SID {
				t.Fatalf("the csrf value %q is the jti or the sid", claims.CSRF)
			}
			utils.AssertEqual(t, h.csrfFor(first), claims.CSRF, "the csrf claim is the csrf_token cookie")
			var other struct {
				jwt.RegisteredClaims
				SID  string `json:"sid"`
				CSRF string `json:"csrf"`
			}
			if _, _, err := jwt.NewParser().ParseUnverified(second, &other); err != nil {
				t.Fatal(err)
			}
			if other.ID == claims.ID {
				t.Fatalf("two logins share the jti %q", claims.ID)
			}
			if other.SID == claims.SID {
				t.Fatalf("two logins share the sid %q", claims.SID)
			}
			if other.CSRF == claims.CSRF {
				t.Fatalf("two logins share the csrf value %q", claims.CSRF)
			}

			// The password is nowhere in the token.
			_, payload, _ := parts(t, first)
			raw, err := base64.RawURLEncoding.DecodeString(payload)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("wonderland")) || strings.Contains(first, "wonderland") {
				t.Fatalf("the password is in the token: %s", raw)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(raw, &keys); err != nil {
				t.Fatal(err)
			}
			for k := range keys {
				switch k {
				case "sub", "iat", "nbf", "exp", "jti", "usr", "iss", "aud", "auth_time", "sid", "csrf":
				default:
					t.Errorf("unexpected claim %q", k)
				}
			}
		})
	}
}

package fiberjwt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// ---------------------------------------------------------------------------
// Flask-JWT-Login's own tests, ported.

// go test -run Test_Login_SetsTokenCookie -race
func Test_Login_SetsTokenCookie(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	resp, body := h.postLogin(t, "alice", "wonderland")

	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	utils.AssertEqual(t, "/protected", resp.Header.Get(fiber.HeaderLocation))
	if err := h.login.last(t); err != nil {
		t.Fatalf("ProcessLogin: %v", err)
	}
	c := onlyCookie(t, resp, "token")
	utils.AssertEqual(t, 3, len(strings.Split(c.Value, ".")), "cookie holds a compact JWS")
	utils.AssertEqual(t, resp.Header.Get("X-Token"), c.Value)
}

// go test -run Test_Login_WrongPassword -race
func Test_Login_WrongPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	resp, body := h.postLogin(t, "alice", "looking-glass")

	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	utils.AssertEqual(t, "wrong id or password", body)
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
	if err := h.login.last(t); !errors.Is(err, fiberjwt.ErrInvalidCredentials) {
		t.Fatalf("ProcessLogin error = %v, want ErrInvalidCredentials", err)
	}
}

// go test -run Test_Protected_ValidToken -race
func Test_Protected_ValidToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "Protected Page. name: Alice", body)
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// go test -run Test_Protected_FakeOrMissingToken -race
func Test_Protected_FakeOrMissingToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cookie  string
		wantErr error
	}{
		{name: "missing", cookie: "", wantErr: fiberjwt.ErrNoToken},
		{name: "fake", cookie: "token=fake-token", wantErr: fiberjwt.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)

			resp, body := h.send(t, fiber.MethodGet, "/protected", tt.cookie)

			if err := h.unauthorized.last(t); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Unauthorized got %v, want %v", err, tt.wantErr)
			}
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
			utils.AssertEqual(t, "refused", body, "the unauthorized handler's answer")
		})
	}
}

// ---------------------------------------------------------------------------
// Public routes (Config.Next).

// go test -run Test_Next -race
func Test_Next(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []option
		cookie   func(t *testing.T, h *harness) string
		wantBody string
	}{
		{name: "valid token sets the user", cookie: func(t *testing.T, h *harness) string { return h.with(h.signIn(t, "alice", "wonderland")) }, wantBody: "hello Alice"},
		{name: "no token", cookie: func(*testing.T, *harness) string { return "" }, wantBody: "hello guest"},
		{name: "garbage", cookie: func(*testing.T, *harness) string { return "token=garbage" }, wantBody: "hello guest"},
		{name: "wrong key", cookie: func(t *testing.T, h *harness) string {
			return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
		}, wantBody: "hello guest"},
		{name: "alg none", cookie: func(t *testing.T, h *harness) string { return h.with(unsigned(t, "none", h.claims("alice"))) }, wantBody: "hello guest"},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(48 * time.Hour)
				return h.with(tok)
			},
			wantBody: "hello guest",
		},
		{
			name: "revoked",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantBody: "hello guest",
		},
		{
			name: "storage down",
			opts: []option{withStorage(storage{getErr: errBackend})},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantBody: "hello guest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)

			resp, body := h.send(t, fiber.MethodGet, "/public", tt.cookie(t, h))

			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			utils.AssertEqual(t, tt.wantBody, body)
			utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
		})
	}
}

// ---------------------------------------------------------------------------
// Unauthorized.

// go test -run Test_Unauthorized_Default -race
func Test_Unauthorized_Default(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []option
		accept     string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "no Accept", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "text/html", accept: "text/html", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "*/*", accept: "*/*", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "browser", accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", wantStatus: 401, wantType: "text/plain", wantBody: "Unauthorized"},
		{name: "application/json", accept: "application/json", wantStatus: 401, wantType: "application/json", wantBody: `{"error":"unauthorized"}`},
		{name: "JSON preferred", accept: "text/html;q=0.5, application/json", wantStatus: 401, wantType: "application/json", wantBody: `{"error":"unauthorized"}`},
		{
			name: "storage down", opts: []option{withStorage(storage{getErr: errBackend})},
			wantStatus: 503, wantType: "text/plain", wantBody: "Service Unavailable",
		},
		{
			name: "storage down, JSON", opts: []option{withStorage(storage{getErr: errBackend})}, accept: "application/json",
			wantStatus: 503, wantType: "application/json", wantBody: `{"error":"unavailable"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, append(tt.opts, defaultUnauthorized)...)
			// A well-formed token whose signature is wrong, or that cannot be
			// checked against a failing storage.
			token := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
			if tt.wantStatus == 401 {
				token = sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)
			}
			req := httptest.NewRequest(fiber.MethodGet, "/protected", nil)
			req.Header.Set("Cookie", h.with(token))
			if tt.accept != "" {
				req.Header.Set(fiber.HeaderAccept, tt.accept)
			}

			resp, body := h.do(t, req)

			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode)
			utils.AssertEqual(t, tt.wantBody, body)
			if ct := resp.Header.Get(fiber.HeaderContentType); !strings.HasPrefix(ct, tt.wantType) {
				t.Fatalf("Content-Type %q, want %s", ct, tt.wantType)
			}
			utils.AssertEqual(t, "no-store", resp.Header.Get(fiber.HeaderCacheControl))
			_, _, sig := parts(t, token)
			if strings.Contains(body, sig) || strings.Contains(body, "test:") || strings.Contains(body, "fiberjwt") {
				t.Fatalf("body %q reveals the token or an error", body)
			}
			utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "no Set-Cookie")
		})
	}
}

// go test -run Test_Unauthorized_StorageError -race
func Test_Unauthorized_StorageError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withStorage(storage{getErr: errBackend}))
	token := h.signIn(t, "alice", "wonderland")

	resp, _ := h.send(t, fiber.MethodGet, "/protected", h.with(token))

	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	err := h.unauthorized.last(t)
	if !errors.Is(err, fiberjwt.ErrStorage) || !errors.Is(err, errBackend) {
		t.Fatalf("got %v, want ErrStorage wrapping the backend's error", err)
	}
}

// go test -run Test_Unauthorized_Custom -race
func Test_Unauthorized_Custom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    func(c *fiber.Ctx, err error) error
		wantStatus int
		wantBody   string
	}{
		{
			name: "writes its own answer",
			handler: func(c *fiber.Ctx, err error) error {
				return c.Status(fiber.StatusTeapot).SendString("teapot: " + fmt.Sprint(errors.Is(err, fiberjwt.ErrNoToken)))
			},
			wantStatus: fiber.StatusTeapot,
			wantBody:   "teapot: true",
		},
		{
			name:       "returns an error",
			handler:    func(*fiber.Ctx, error) error { return fiber.NewError(fiber.StatusForbidden, "go away") },
			wantStatus: fiber.StatusForbidden,
			wantBody:   "go away",
		},
		{
			name:       "redirects to the login page",
			handler:    func(c *fiber.Ctx, _ error) error { return c.Redirect("/login-page") },
			wantStatus: fiber.StatusFound,
			wantBody:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.Unauthorized = tt.handler })

			resp, body := h.send(t, fiber.MethodGet, "/protected", "")

			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode)
			utils.AssertEqual(t, tt.wantBody, body)
		})
	}
}

// ---------------------------------------------------------------------------
// Validate.

// go test -run Test_Validate -race
func Test_Validate(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []User
	)
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) {
		cfg.Validate = func(_ *fiber.Ctx, u User) error {
			mu.Lock()
			seen = append(seen, u)
			mu.Unlock()
			if u.ID == "bob" {
				return errVetoed
			}
			return nil
		}
	})
	takeSeen := func() []User {
		mu.Lock()
		defer mu.Unlock()
		s := seen
		seen = nil
		return s
	}
	alice := h.signIn(t, "alice", "wonderland")
	bob := h.signIn(t, "bob", "builder")
	takeSeen() // Validate does not run on ProcessLogin; drop nothing else

	// Accepted: Validate saw the decoded user.
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(alice))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	want, _ := lookup("alice", "wonderland")
	got := takeSeen()
	utils.AssertEqual(t, 1, len(got), "Validate calls")
	utils.AssertEqual(t, want, got[0], "the user given to Validate")

	// Refused: the hook's error is wrapped.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(bob))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	err := h.unauthorized.last(t)
	if !errors.Is(err, fiberjwt.ErrInvalidToken) || !errors.Is(err, errVetoed) {
		t.Fatalf("got %v, want ErrInvalidToken wrapping the hook's error", err)
	}
	utils.AssertEqual(t, 1, len(takeSeen()), "Validate calls")

	// On a public page the refused user is a guest.
	_, body = h.send(t, fiber.MethodGet, "/public", h.with(bob))
	utils.AssertEqual(t, "hello guest", body)
	takeSeen()

	// Not called for a token that does not verify.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	utils.AssertEqual(t, 0, len(takeSeen()), "Validate calls for a forged token")
}

// go test -run Test_CurrentUser_WrongType -race
func Test_CurrentUser_WrongType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ok atomic.Bool
	ok.Store(true)
	h.app.Get("/typed", func(c *fiber.Ctx) error {
		_, got := fiberjwt.CurrentUser[string](c)
		ok.Store(got)
		return c.SendString("done")
	})
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/typed", h.with(token))

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, false, ok.Load(), "CurrentUser[string] on a Config[User]")
}

// ---------------------------------------------------------------------------
// Hostile requests.

// serve sends a GET for path with the raw Cookie header cookie through the
// fasthttp handler.
func serve(handler fasthttp.RequestHandler, path, cookie string) *fasthttp.RequestCtx {
	ctx := &fasthttp.RequestCtx{}
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.Set(fiber.HeaderCookie, cookie)
	handler(ctx)
	return ctx
}

// go test -run Test_Hostile -race
func Test_Hostile(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 512)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name   string
		cookie func(valid string) string
	}{
		{name: "100KB cookie", cookie: func(string) string { return "token=" + strings.Repeat("A", 100<<10) }},
		{name: "100KB of dots", cookie: func(string) string { return "token=" + strings.Repeat(".", 100<<10) }},
		{name: "binary bytes", cookie: func(string) string { return "token=" + string(binary) }},
		{name: "binary bytes inside the token", cookie: func(v string) string { return "token=" + v[:20] + "\x00\xff" + v[20:] }},
		{name: "truncated token", cookie: func(v string) string { return "token=" + v[:len(v)/2] }},
		{name: "token minus its last byte", cookie: func(v string) string { return "token=" + v[:len(v)-1] }},
		{name: "invalid UTF-8 header", cookie: func(string) string { return "token=\xc3\x28.\xa0\xa1.\xe2\x28\xa1" }},
		{name: "good then bad", cookie: func(v string) string { return "token=" + v + "; token=bad" }},
		{name: "bad then good", cookie: func(v string) string { return "token=bad; token=" + v }},
		{name: "empty then good", cookie: func(v string) string { return "token=; token=" + v }},
		{name: "good twice", cookie: func(v string) string { return "token=" + v + "; token=" + v }},
		{name: "quoted good", cookie: func(v string) string { return `token="` + v + `"` }},
		{name: "a thousand cookies", cookie: func(v string) string { return strings.Repeat("x=y; ", 1000) + "token=" + v }},
		{name: "only separators", cookie: func(string) string { return ";;;===;; ;" }},
		{name: "dots", cookie: func(string) string { return "token=.." }},
		{name: "JSON where base64 should be", cookie: func(string) string { return `token={"alg":"none"}.{"usr":{}}.` }},
	}
	h := newHarness(t, defaultUnauthorized)
	valid := h.signIn(t, "alice", "wonderland")
	handler := h.app.Handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := serve(handler, "/protected", tt.cookie(valid))

			// Only the issued token, among the first four cookies named
			// token, opens the page, and nothing is a server error.
			status := ctx.Response.StatusCode()
			want, n := fiber.StatusUnauthorized, 0
			ctx.Request.Header.VisitAllCookie(func(k, v []byte) {
				if string(k) == "token" {
					if n++; n <= 4 && string(v) == valid {
						want = fiber.StatusOK
					}
				}
			})
			utils.AssertEqual(t, want, status, string(ctx.Response.Body()))
		})
	}

}

// ---------------------------------------------------------------------------
// Concurrency.

// go test -run Test_Concurrent_Users -race
func Test_Concurrent_Users(t *testing.T) {
	t.Parallel()
	const (
		users    = 48
		requests = 10
	)
	h := newHarness(t)
	handler := h.app.Handler()

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("user%d", i)
			<-start

			login := &fasthttp.RequestCtx{}
			login.Request.Header.SetMethod(fiber.MethodPost)
			login.Request.SetRequestURI("/login")
			login.Request.Header.SetContentType(fiber.MIMEApplicationForm)
			login.Request.SetBodyString(url.Values{"id": {id}, "pw": {"pw-" + id}}.Encode())
			handler(login)
			if got := login.Response.StatusCode(); got != fiber.StatusSeeOther {
				t.Errorf("%s: login status %d", id, got)
				return
			}
			c := fasthttp.AcquireCookie()
			defer fasthttp.ReleaseCookie(c)
			c.SetKey("token")
			if !login.Response.Header.Cookie(c) {
				t.Errorf("%s: no token cookie", id)
				return
			}
			token := string(c.Value())
			c.SetKey(fiberjwt.CSRFCookieName)
			if !login.Response.Header.Cookie(c) || len(c.Value()) == 0 {
				t.Errorf("%s: no csrf_token cookie", id)
				return
			}
			csrf := string(c.Value())

			for j := range requests {
				path := "/me"
				if j%2 == 1 {
					path = "/mutate"
				}
				ctx := &fasthttp.RequestCtx{}
				if path == "/mutate" {
					// What the page's script sends: the CSRF cookie's value.
					ctx.Request.Header.SetMethod(fiber.MethodPost)
					ctx.Request.Header.Set(fiberjwt.CSRFHeader, csrf)
				}
				ctx.Request.SetRequestURI(path)
				ctx.Request.Header.SetCookie("token", token)
				ctx.Request.Header.SetCookie(fiberjwt.CSRFCookieName, csrf)
				handler(ctx)
				if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
					t.Errorf("%s %s: status %d", id, path, got)
					return
				}
				var u User
				if err := json.Unmarshal(ctx.Response.Body(), &u); err != nil {
					t.Errorf("%s %s: %v", id, path, err)
					return
				}
				if u.ID != id || u.Name != displayName(id) {
					t.Errorf("%s %s: saw the user %+v", id, path, u)
					return
				}
				// Each request starts from the token's user, whatever other
				// requests did to theirs.
				wantRoles, wantTheme := "reader", "dark"
				if path == "/mutate" {
					wantRoles, wantTheme = "hacked,admin", "hacked"
				}
				if got := strings.Join(u.Roles, ","); got != wantRoles || u.Prefs["theme"] != wantTheme {
					t.Errorf("%s %s: roles %q, theme %q", id, path, got, u.Prefs["theme"])
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// go test -run Test_User_NotShared -race
func Test_User_NotShared(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodPost, "/mutate", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["hacked","admin"],"Prefs":{"theme":"hacked"}}`, body)

	resp, body = h.send(t, fiber.MethodGet, "/me", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["reader"],"Prefs":{"theme":"dark"}}`, body)
}

// ---------------------------------------------------------------------------
// Fuzzing.

// go test -run '^$' -fuzz Fuzz_Verify -fuzztime 20s .
func Fuzz_Verify(f *testing.F) {
	h := &harness{clock: newClock()}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{SecretKey: testSecret, TimeFunc: h.clock.Now}))
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("secret") })
	handler := app.Handler()

	// The one valid token. It is crafted, not issued by ProcessLogin, so
	// that it is the same in every fuzzing process (a random jti would make
	// each process's token valid in the others too).
	valid := sign(f, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
	if got := serve(handler, "/protected", "token="+valid).Response.StatusCode(); got != fiber.StatusOK {
		f.Fatalf("the valid token is refused: %d", got)
	}
	f.Add(valid)
	f.Add(valid + "x")
	f.Add(`"` + valid + `"`)
	f.Add(valid[:len(valid)-1])
	// The same signature bytes spelled differently: the last character's
	// lowest bit is padding, ignored unless decoding is strict.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	f.Add(valid[:len(valid)-1] + string(alphabet[strings.IndexByte(alphabet, valid[len(valid)-1])^1]))
	f.Add("garbage")
	f.Add("")
	f.Add(unsigned(f, "none", h.claims("alice")))
	f.Add(sign(f, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))

	f.Fuzz(func(t *testing.T, value string) {
		ctx := serve(handler, "/protected", "token="+value)

		// A fuzzer cannot forge an HMAC: only the valid token, exactly as
		// signed, may open the page; anything else is a 401, never a 5xx.
		want := fiber.StatusUnauthorized
		if string(ctx.Request.Header.Cookie("token")) == valid {
			want = fiber.StatusOK
		}
		if got := ctx.Response.StatusCode(); got != want {
			t.Fatalf("cookie %q: status %d, want %d", value, got, want)
		}
	})
}

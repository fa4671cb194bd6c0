package fiberjwt_test

// The sign-in flows beyond an id and a password: a trusted user
// (LoginUser), remembered or browser-session logins, signing out other
// devices or everywhere, throttled logins, events, and the CSRF cookie of
// stacked instances.

import (
	"encoding/json"
	"errors"
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
)

// signInApp is the harness with Config.Subject (the user's ID) and the
// routes of the sign-in flows:
//   - POST /signup and GET /callback (public) sign in the user named by
//     the form field or query parameter "id" with LoginUser, remembered
//     when "remember" is "on";
//   - POST /login-with (public) is ProcessLoginWith, remember as above;
//   - GET /session (protected) answers CurrentSession as JSON;
//   - POST /account/others (protected) is SignOutOtherDevices;
//   - POST /admin/signout (public) is SignOutEverywhere of "id".
//
// The error of each call goes to h.login (LoginUser, ProcessLoginWith) or
// h.logout (the sign-outs); every event to events.
type signInApp struct {
	*harness
	events eventLog
}

type eventLog struct {
	mu     sync.Mutex
	events []fiberjwt.Event
}

// take returns the events recorded since the previous call.
func (l *eventLog) take() []fiberjwt.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.events
	l.events = nil
	return e
}

func signInPublic(c *fiber.Ctx) bool {
	switch c.Path() {
	case "/signup", "/callback", "/login-with", "/admin/signout":
		return true
	}
	return isPublic(c)
}

func newSignInApp(tb testing.TB, opts ...option) *signInApp {
	tb.Helper()
	s := &signInApp{}
	base := func(cfg *fiberjwt.Config[User]) {
		cfg.Subject = func(u User) string { return u.ID }
		cfg.Next = signInPublic
		cfg.OnEvent = func(_ *fiber.Ctx, e fiberjwt.Event) {
			s.events.mu.Lock()
			s.events.events = append(s.events.events, e)
			s.events.mu.Unlock()
		}
	}
	s.harness = newHarness(tb, append([]option{base}, opts...)...)
	signedIn := func(c *fiber.Ctx, token string, err error) error {
		s.login.add(err)
		switch {
		case errors.Is(err, fiberjwt.ErrThrottled):
			return c.SendStatus(fiber.StatusTooManyRequests)
		case errors.Is(err, fiberjwt.ErrCSRF):
			return c.SendStatus(fiber.StatusForbidden)
		case err != nil:
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		c.Set("X-Token", token)
		c.Set("X-Login-CSRF", fiberjwt.CSRFToken(c))
		return c.Redirect("/protected", fiber.StatusSeeOther)
	}
	trusted := func(c *fiber.Ctx) error {
		id := c.FormValue("id", c.Query("id"))
		u := User{ID: id, Name: displayName(id)}
		token, err := fiberjwt.LoginUser(c, u, fiberjwt.LoginOptions{Remember: c.FormValue("remember", c.Query("remember")) == "on"})
		return signedIn(c, token, err)
	}
	s.app.Post("/signup", trusted)
	s.app.Get("/callback", trusted)
	s.app.Post("/login-with", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLoginWith(c, c.FormValue("id"), c.FormValue("pw"),
			fiberjwt.LoginOptions{Remember: c.FormValue("remember") == "on"})
		return signedIn(c, token, err)
	})
	signedOut := func(c *fiber.Ctx, err error) error {
		s.logout.add(err)
		if err != nil {
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		return c.SendString("signed out")
	}
	s.app.Get("/session", func(c *fiber.Ctx) error {
		sess, ok := fiberjwt.CurrentSession(c)
		if !ok {
			return c.SendStatus(fiber.StatusInternalServerError)
		}
		return c.JSON(sess)
	})
	s.app.Post("/account/others", func(c *fiber.Ctx) error { return signedOut(c, fiberjwt.SignOutOtherDevices(c)) })
	s.app.Post("/admin/signout", func(c *fiber.Ctx) error {
		return signedOut(c, fiberjwt.SignOutEverywhere(c, c.FormValue("id")))
	})
	return s
}

// post sends a form to path with the Cookie header cookie and extra
// header pairs.
func (s *signInApp) post(tb testing.TB, path string, form url.Values, cookie string, header ...string) (*http.Response, string) {
	tb.Helper()
	req := httptest.NewRequest(fiber.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	if cookie != "" {
		req.Header.Set(fiber.HeaderCookie, cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(tb, req)
}

// signUp signs id in with LoginUser on /signup and returns the token,
// remembering its CSRF cookie for h.with.
func (s *signInApp) signUp(tb testing.TB, id string, remember bool) string {
	tb.Helper()
	form := url.Values{"id": {id}}
	if remember {
		form.Set("remember", "on")
	}
	resp, body := s.post(tb, "/signup", form, "")
	if err := s.login.last(tb); err != nil {
		tb.Fatalf("LoginUser(%q): %v", id, err)
	}
	utils.AssertEqual(tb, fiber.StatusSeeOther, resp.StatusCode, body)
	token := onlyCookie(tb, resp, s.cookieName).Value
	s.remember(token, onlyCookie(tb, resp, s.csrfName).Value)
	return token
}

// status returns the status of GET /protected with token's cookies.
func (s *signInApp) status(tb testing.TB, token string) int {
	tb.Helper()
	resp, _ := s.send(tb, fiber.MethodGet, "/protected", s.with(token))
	return resp.StatusCode
}

// go test -run Test_Login_User -race
func Test_Login_User(t *testing.T) {
	t.Parallel()
	s := newSignInApp(t)

	token := s.signUp(t, "carol", false)
	resp, body := s.send(t, fiber.MethodGet, "/protected", s.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "Protected Page. name: Carol", body)
	claims := claimsOf(t, token)
	utils.AssertEqual(t, "carol", claims.Subject, "sub from Config.Subject")
	utils.AssertEqual(t, 0, int(s.authCalls.Load()), "Authenticate calls")

	// A second sign-in in the same browser revokes the first session,
	// copies included, as ProcessLogin does.
	resp, body = s.post(t, "/signup", url.Values{"id": {"dave"}}, s.with(token))
	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	utils.AssertEqual(t, nil, s.login.last(t))
	utils.AssertEqual(t, fiber.StatusUnauthorized, s.status(t, token), "the previous session")
	if err := s.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("previous session: %v, want ErrRevoked", err)
	}

	// A user too large for a cookie is refused, and nothing is set.
	resp, _ = s.post(t, "/signup", url.Values{"id": {strings.Repeat("x", 5000)}}, "")
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := s.login.last(t); !errors.Is(err, fiberjwt.ErrTokenTooLarge) {
		t.Fatalf("large user: %v, want ErrTokenTooLarge", err)
	}
	utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies set for a refused sign-in")
}

// go test -run Test_Login_User_Misuse -race
// LoginUser's misuses fail with ErrConfig (or ErrNotMounted) and set
// nothing.
func Test_Login_User_Misuse(t *testing.T) {
	t.Parallel()
	type Ptr struct{ ID string }
	tests := []struct {
		name    string
		cfg     func(*fiberjwt.Config[*Ptr])
		mounted bool
		call    func(c *fiber.Ctx) error
		wantErr error
	}{
		{name: "no Subject", mounted: true, wantErr: fiberjwt.ErrConfig,
			call: func(c *fiber.Ctx) error {
				_, err := fiberjwt.LoginUser(c, &Ptr{ID: "a"}, fiberjwt.LoginOptions{})
				return err
			}},
		{name: "nil user", mounted: true, wantErr: fiberjwt.ErrConfig,
			cfg: func(cfg *fiberjwt.Config[*Ptr]) { cfg.Subject = func(*Ptr) string { return "a" } },
			call: func(c *fiber.Ctx) error {
				_, err := fiberjwt.LoginUser[*Ptr](c, nil, fiberjwt.LoginOptions{})
				return err
			}},
		{name: "empty subject", mounted: true, wantErr: fiberjwt.ErrConfig,
			cfg:  func(cfg *fiberjwt.Config[*Ptr]) { cfg.Subject = func(*Ptr) string { return "" } },
			call: func(c *fiber.Ctx) error { _, err := fiberjwt.LoginUser(c, &Ptr{}, fiberjwt.LoginOptions{}); return err }},
		{name: "another user type", mounted: true, wantErr: fiberjwt.ErrConfig,
			cfg: func(cfg *fiberjwt.Config[*Ptr]) { cfg.Subject = func(p *Ptr) string { return p.ID } },
			call: func(c *fiber.Ctx) error {
				_, err := fiberjwt.LoginUser(c, Ptr{ID: "a"}, fiberjwt.LoginOptions{})
				return err
			}},
		{name: "not mounted", wantErr: fiberjwt.ErrNotMounted,
			call: func(c *fiber.Ctx) error {
				_, err := fiberjwt.LoginUser(c, &Ptr{ID: "a"}, fiberjwt.LoginOptions{})
				return err
			}},
		{name: "SignOutOtherDevices signed out", mounted: true, wantErr: fiberjwt.ErrNoToken,
			call: fiberjwt.SignOutOtherDevices},
		{name: "SignOutEverywhere without a subject", mounted: true, wantErr: fiberjwt.ErrConfig,
			call: func(c *fiber.Ctx) error { return fiberjwt.SignOutEverywhere(c, "") }},
		{name: "SignOutEverywhere not mounted", wantErr: fiberjwt.ErrNotMounted,
			call: func(c *fiber.Ctx) error { return fiberjwt.SignOutEverywhere(c, "a") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := fiberjwt.Config[*Ptr]{SecretKey: testSecret, Next: func(*fiber.Ctx) bool { return true }}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			app := fiber.New()
			if tt.mounted {
				app.Use(fiberjwt.New(cfg))
			}
			var got error
			app.Post("/", func(c *fiber.Ctx) error { got = tt.call(c); return nil })
			resp, err := app.Test(httptest.NewRequest(fiber.MethodPost, "/", nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(got, tt.wantErr) {
				t.Fatalf("got %v, want %v", got, tt.wantErr)
			}
			utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies set")
		})
	}
}

// go test -run Test_Login_Callback -race
// LoginUser lets the top-level GET navigation of a provider's redirect
// through from another site; every other cross-site sign-in stays refused,
// and ProcessLogin keeps refusing them all.
func Test_Login_Callback(t *testing.T) {
	t.Parallel()
	navigation := []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"}
	tests := []struct {
		name, method, path string
		header             []string
		wantStatus         int
	}{
		{name: "callback: cross-site top-level GET navigation", method: fiber.MethodGet, path: "/callback?id=carol",
			header: navigation, wantStatus: fiber.StatusSeeOther},
		{name: "callback: same-site navigation", method: fiber.MethodGet, path: "/callback?id=carol",
			header: []string{"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"}, wantStatus: fiber.StatusSeeOther},
		{name: "callback: GET without Sec-Fetch headers", method: fiber.MethodGet, path: "/callback?id=carol",
			wantStatus: fiber.StatusSeeOther},
		{name: "callback: cross-site GET in an iframe", method: fiber.MethodGet, path: "/callback?id=carol",
			header: []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "iframe"}, wantStatus: fiber.StatusForbidden},
		{name: "callback: cross-site fetch", method: fiber.MethodGet, path: "/callback?id=carol",
			header: []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty", "Origin", "https://evil.test"}, wantStatus: fiber.StatusForbidden},
		{name: "sign-up: cross-site POST", method: fiber.MethodPost, path: "/signup?id=carol",
			header: []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Origin", "https://evil.test"}, wantStatus: fiber.StatusForbidden},
		{name: "sign-up: cross-origin POST without Sec-Fetch-Site", method: fiber.MethodPost, path: "/signup?id=carol",
			header: []string{"Origin", "https://evil.test"}, wantStatus: fiber.StatusForbidden},
		{name: "sign-up: same-origin POST", method: fiber.MethodPost, path: "/signup?id=carol",
			header: []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"}, wantStatus: fiber.StatusSeeOther},
		{name: "ProcessLogin: cross-site top-level GET navigation", method: fiber.MethodGet, path: "/login-get?id=alice&pw=wonderland",
			header: navigation, wantStatus: fiber.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) {
				cfg.Next = func(c *fiber.Ctx) bool { return c.Path() == "/login-get" || signInPublic(c) }
			})
			s.app.Get("/login-get", func(c *fiber.Ctx) error {
				_, err := fiberjwt.ProcessLogin(c, c.Query("id"), c.Query("pw"))
				s.login.add(err)
				if errors.Is(err, fiberjwt.ErrCSRF) {
					return c.SendStatus(fiber.StatusForbidden)
				}
				return c.Redirect("/protected", fiber.StatusSeeOther)
			})
			resp, body := s.call(t, tt.method, tt.path, "", tt.header...)
			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode, body)
			err := s.login.last(t)
			if tt.wantStatus == fiber.StatusForbidden {
				if !errors.Is(err, fiberjwt.ErrCSRF) {
					t.Fatalf("got %v, want ErrCSRF", err)
				}
				utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies set by a refused sign-in")
				return
			}
			utils.AssertEqual(t, nil, err)
			utils.AssertEqual(t, fiber.StatusOK, s.status(t, onlyCookie(t, resp, "token").Value), "signed in")
		})
	}
}

// go test -run Test_Login_Remember -race
// A login that is not remembered sets cookies that end with the browser
// and a session that ends at BrowserSessionAge; a remembered one sets
// persistent cookies and slides up to MaxSessionAge. Refreshes keep the
// choice; ProcessLogin is remembered.
func Test_Login_Remember(t *testing.T) {
	t.Parallel()
	const (
		expiration  = time.Hour
		browserAge  = 3 * time.Hour
		maxAge      = 24 * time.Hour
		refreshStep = 40 * time.Minute // past RefreshBefore (30 min left)
	)
	tests := []struct {
		name     string
		login    func(s *signInApp) *http.Response
		remember bool
	}{
		{name: "ProcessLoginWith, not remembered", login: func(s *signInApp) *http.Response {
			resp, _ := s.post(t, "/login-with", url.Values{"id": {"alice"}, "pw": {"wonderland"}}, "")
			return resp
		}},
		{name: "ProcessLoginWith, remembered", remember: true, login: func(s *signInApp) *http.Response {
			resp, _ := s.post(t, "/login-with", url.Values{"id": {"alice"}, "pw": {"wonderland"}, "remember": {"on"}}, "")
			return resp
		}},
		{name: "LoginUser, not remembered", login: func(s *signInApp) *http.Response {
			resp, _ := s.post(t, "/signup", url.Values{"id": {"alice"}}, "")
			return resp
		}},
		{name: "LoginUser, remembered", remember: true, login: func(s *signInApp) *http.Response {
			resp, _ := s.post(t, "/signup", url.Values{"id": {"alice"}, "remember": {"on"}}, "")
			return resp
		}},
		{name: "ProcessLogin", remember: true, login: func(s *signInApp) *http.Response {
			resp, _ := s.postLogin(t, "alice", "wonderland")
			return resp
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) {
				cfg.Expiration, cfg.BrowserSessionAge, cfg.MaxSessionAge = expiration, browserAge, maxAge
			})
			resp := tt.login(s)
			utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode)
			utils.AssertEqual(t, nil, s.login.last(t))
			checkLifetime := func(resp *http.Response, what string) string {
				t.Helper()
				for _, name := range []string{"token", "csrf_token"} {
					c := onlyCookie(t, resp, name)
					persistent := c.MaxAge > 0 || !c.Expires.IsZero()
					utils.AssertEqual(t, tt.remember, persistent, what+": "+name+" persistent")
					if tt.remember && (c.MaxAge <= 0 || c.MaxAge > int(expiration/time.Second)) {
						t.Fatalf("%s: %s Max-Age %d, want up to %v", what, name, c.MaxAge, expiration)
					}
				}
				token := onlyCookie(t, resp, "token").Value
				s.remember(token, onlyCookie(t, resp, "csrf_token").Value)
				return token
			}
			token := checkLifetime(resp, "login")
			start := s.clock.Now()
			_, body := s.send(t, fiber.MethodGet, "/session", s.with(token))
			var sess fiberjwt.Session
			if err := json.Unmarshal([]byte(body), &sess); err != nil {
				t.Fatalf("/session: %v: %q", err, body)
			}
			utils.AssertEqual(t, fiberjwt.Session{LoginTime: start, Expires: start.Add(expiration), Remembered: tt.remember}, sess, "CurrentSession")

			// Used every 40 minutes, the session is refreshed with the same
			// choice, until its absolute limit.
			limit := maxAge
			if !tt.remember {
				limit = browserAge
			}
			for s.clock.Now().Sub(start)+refreshStep < limit {
				s.clock.Advance(refreshStep)
				resp, body := s.send(t, fiber.MethodGet, "/protected", s.with(token))
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
				if len(resp.Cookies()) > 0 {
					token = checkLifetime(resp, "refresh")
				}
				claims := claimsOf(t, token)
				if exp := claims.ExpiresAt.Time; exp.After(start.Add(limit)) {
					t.Fatalf("token expires at %v, past the session's limit %v", exp, start.Add(limit))
				}
			}
			s.clock.Advance(limit - s.clock.Now().Sub(start))
			utils.AssertEqual(t, fiber.StatusUnauthorized, s.status(t, token), "at the session's limit")
			if err := s.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
				t.Fatalf("at the limit: %v, want ErrTokenExpired", err)
			}
		})
	}
}

// go test -run Test_SignOut_OtherDevices -race
func Test_SignOut_OtherDevices(t *testing.T) {
	t.Parallel()
	s := newSignInApp(t)
	phone := s.signIn(t, "alice", "wonderland")
	laptop := s.signIn(t, "alice", "wonderland")
	bob := s.signIn(t, "bob", "builder")
	// Sessions begun in the very millisecond of the sign-out are told
	// apart from none: the driven clock moves on.
	s.clock.Advance(time.Millisecond)

	// Unsafe, so it needs the session's CSRF value.
	resp, _ := s.call(t, fiber.MethodPost, "/account/others", s.with(laptop))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "without the CSRF value")
	if err := s.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
		t.Fatalf("without the CSRF value: %v, want ErrCSRF", err)
	}
	utils.AssertEqual(t, 0, s.logout.count(), "SignOutOtherDevices calls")
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, phone), "the phone before")

	resp, body := s.send(t, fiber.MethodPost, "/account/others", s.with(laptop))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, nil, s.logout.last(t))
	utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies changed on the device that stays")

	utils.AssertEqual(t, fiber.StatusUnauthorized, s.status(t, phone), "the phone")
	if err := s.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("the phone: %v, want ErrRevoked", err)
	}
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, laptop), "the laptop that asked")
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, bob), "another user")

	// The laptop's session survives its refreshes; a new login of the
	// phone is valid.
	s.clock.Advance(13 * time.Hour)
	resp, body = s.send(t, fiber.MethodGet, "/protected", s.with(laptop))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	refreshed := onlyCookie(t, resp, "token").Value
	s.remember(refreshed, onlyCookie(t, resp, "csrf_token").Value)
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, refreshed), "the laptop's refreshed token")
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, s.signIn(t, "alice", "wonderland")), "a new login")
}

// go test -run Test_SignOut_Everywhere -race
func Test_SignOut_Everywhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		store *recordingStorage // nil: the default in-memory one
	}{
		{name: "default Storage"},
		{name: "shared Storage", store: newRecordingStorage()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []option
			if tt.store != nil {
				opts = append(opts, withStorage(tt.store))
			}
			s := newSignInApp(t, opts...)
			phone := s.signIn(t, "alice", "wonderland")
			laptop := s.signUp(t, "alice", true)
			bob := s.signIn(t, "bob", "builder")
			s.clock.Advance(time.Millisecond)

			// An admin, or a password reset: no session needed.
			resp, body := s.post(t, "/admin/signout", url.Values{"id": {"alice"}}, "")
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			utils.AssertEqual(t, nil, s.logout.last(t))
			for name, token := range map[string]string{"phone": phone, "laptop": laptop} {
				utils.AssertEqual(t, fiber.StatusUnauthorized, s.status(t, token), name)
				if err := s.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
					t.Fatalf("%s: %v, want ErrRevoked", name, err)
				}
			}
			utils.AssertEqual(t, fiber.StatusOK, s.status(t, bob), "another user")
			// Logins that follow are valid, even in the same millisecond.
			utils.AssertEqual(t, fiber.StatusOK, s.status(t, s.signIn(t, "alice", "wonderland")), "a new login")

			if tt.store == nil {
				return
			}
			// Another instance sharing the Storage honours it.
			other := newSignInApp(t, withStorage(tt.store))
			other.clock.Advance(s.clock.Now().Sub(epoch))
			other.remember(phone, s.csrfFor(phone))
			utils.AssertEqual(t, fiber.StatusUnauthorized, other.status(t, phone), "the phone on another instance")
			if err := other.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
				t.Fatalf("the phone on another instance: %v, want ErrRevoked", err)
			}
		})
	}
}

// go test -run Test_SignOut_Revocations -race
// A Revocations without the methods of UserRevocations cannot sign users
// out, and says so; its tokens are not refused for it.
func Test_SignOut_Revocations(t *testing.T) {
	t.Parallel()
	s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) { cfg.Revocations = newSessionList() })
	token := s.signIn(t, "alice", "wonderland")
	resp, _ := s.send(t, fiber.MethodPost, "/account/others", s.with(token))
	utils.AssertEqual(t, fiber.StatusServiceUnavailable, resp.StatusCode)
	if err := s.logout.last(t); !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("got %v, want ErrConfig", err)
	}
	utils.AssertEqual(t, fiber.StatusOK, s.status(t, token))
}

// sessionList is a Revocations of sessions only.
type sessionList struct {
	mu      sync.Mutex
	revoked map[string]bool
}

func newSessionList() *sessionList { return &sessionList{revoked: map[string]bool{}} }

func (l *sessionList) Revoke(id string, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.revoked[id] = true
	return nil
}

func (l *sessionList) IsRevoked(id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.revoked[id], nil
}

// go test -run Test_Login_Throttle -race
func Test_Login_Throttle(t *testing.T) {
	t.Parallel()
	login := func(s *signInApp, id, pw, ip string) *http.Response {
		t.Helper()
		resp, _ := s.post(t, "/login-with", url.Values{"id": {id}, "pw": {pw}}, "", "X-Client-IP", ip)
		s.login.count()
		return resp
	}
	const attacker, owner = "203.0.113.7", "198.51.100.2"

	t.Run("per account and address", func(t *testing.T) {
		t.Parallel()
		s := newSignInApp(t)
		for i := 0; i < 5; i++ {
			utils.AssertEqual(t, fiber.StatusUnauthorized, login(s, "alice", "guess", attacker).StatusCode, "failure "+strconv.Itoa(i+1))
		}
		calls := s.authCalls.Load()
		resp := login(s, "ALICE", "wonderland", attacker) // ids in any case count as one
		utils.AssertEqual(t, fiber.StatusTooManyRequests, resp.StatusCode, "the right password, throttled")
		utils.AssertEqual(t, "60", resp.Header.Get(fiber.HeaderRetryAfter))
		utils.AssertEqual(t, 0, len(resp.Cookies()), "cookies set")
		utils.AssertEqual(t, calls, s.authCalls.Load(), "Authenticate calls while throttled")

		// The owner, elsewhere, is not locked out by the attacker.
		utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "alice", "wonderland", owner).StatusCode, "the owner")
		// Another account from the attacker's address is tried.
		utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "bob", "builder", attacker).StatusCode, "another account")

		// The window ends a minute after the first failure, however often
		// the attacker kept trying.
		s.clock.Advance(50 * time.Second)
		resp = login(s, "alice", "guess", attacker)
		utils.AssertEqual(t, fiber.StatusTooManyRequests, resp.StatusCode)
		utils.AssertEqual(t, "10", resp.Header.Get(fiber.HeaderRetryAfter))
		s.clock.Advance(10 * time.Second)
		utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "alice", "wonderland", attacker).StatusCode, "after the window")
	})

	t.Run("a success clears the account's count", func(t *testing.T) {
		t.Parallel()
		s := newSignInApp(t)
		for round := 0; round < 3; round++ {
			for i := 0; i < 4; i++ {
				utils.AssertEqual(t, fiber.StatusUnauthorized, login(s, "alice", "typo", owner).StatusCode)
			}
			utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "alice", "wonderland", owner).StatusCode, "round "+strconv.Itoa(round))
		}
	})

	t.Run("per address, any account", func(t *testing.T) {
		t.Parallel()
		s := newSignInApp(t)
		for i := 0; i < 20; i++ {
			utils.AssertEqual(t, fiber.StatusUnauthorized, login(s, "user"+strconv.Itoa(i), "guess", attacker).StatusCode)
		}
		utils.AssertEqual(t, fiber.StatusTooManyRequests, login(s, "user99", "pw-user99", attacker).StatusCode, "a 21st account")
		utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "user99", "pw-user99", owner).StatusCode, "another address")
	})

	t.Run("configured", func(t *testing.T) {
		t.Parallel()
		s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) { cfg.LoginAttempts, cfg.LoginWindow = 2, 10*time.Second })
		login(s, "alice", "guess", attacker)
		login(s, "alice", "guess", attacker)
		resp := login(s, "alice", "wonderland", attacker)
		utils.AssertEqual(t, fiber.StatusTooManyRequests, resp.StatusCode)
		utils.AssertEqual(t, "10", resp.Header.Get(fiber.HeaderRetryAfter))
	})

	t.Run("shared Storage", func(t *testing.T) {
		t.Parallel()
		store := newRecordingStorage()
		a, b := newSignInApp(t, withStorage(store)), newSignInApp(t, withStorage(store))
		for i := 0; i < 5; i++ {
			login([]*signInApp{a, b}[i%2], "alice", "guess", attacker)
		}
		utils.AssertEqual(t, fiber.StatusTooManyRequests, login(a, "alice", "wonderland", attacker).StatusCode, "instance a")
		utils.AssertEqual(t, fiber.StatusTooManyRequests, login(b, "alice", "wonderland", attacker).StatusCode, "instance b")
	})

	t.Run("DisableThrottle", func(t *testing.T) {
		t.Parallel()
		s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) { cfg.DisableThrottle = true })
		for i := 0; i < 30; i++ {
			login(s, "alice", "guess", attacker)
		}
		utils.AssertEqual(t, fiber.StatusSeeOther, login(s, "alice", "wonderland", attacker).StatusCode)
	})
}

// go test -run Test_Events -race
func Test_Events(t *testing.T) {
	t.Parallel()
	s := newSignInApp(t, func(cfg *fiberjwt.Config[User]) { cfg.Expiration = time.Hour })
	const ip = "192.0.2.10"
	type event struct {
		Kind    fiberjwt.EventKind
		Subject string
		IP      string
		Err     error // matched with errors.Is
	}
	check := func(what string, want ...event) {
		t.Helper()
		got := s.events.take()
		if len(got) != len(want) {
			t.Fatalf("%s: events %+v, want %+v", what, got, want)
		}
		for i, e := range got {
			w := want[i]
			if e.Kind != w.Kind || e.Subject != w.Subject || e.IP != w.IP || (w.Err == nil) != (e.Err == nil) || !errors.Is(e.Err, w.Err) {
				t.Fatalf("%s: event %d = %+v (%s), want %+v", what, i, e, e.Kind, w)
			}
			if e.Err != nil && strings.Contains(e.Err.Error(), "guess") {
				t.Fatalf("%s: event error %q holds the password", what, e.Err)
			}
		}
	}
	post := func(path string, form url.Values, cookie string) *http.Response {
		t.Helper()
		header := []string{"X-Client-IP", ip}
		if csrf := cookieValue(cookie, "csrf_token"); csrf != "" {
			header = append(header, fiberjwt.CSRFHeader, csrf)
		}
		resp, _ := s.post(t, path, form, cookie, header...)
		s.login.count()
		s.logout.count()
		return resp
	}

	post("/login-with", url.Values{"id": {"alice"}, "pw": {"guess"}}, "")
	check("failed login", event{fiberjwt.EventLoginFailed, "alice", ip, fiberjwt.ErrInvalidCredentials})
	for i := 0; i < 4; i++ {
		post("/login-with", url.Values{"id": {"alice"}, "pw": {"guess"}}, "")
	}
	s.events.take()
	post("/login-with", url.Values{"id": {"alice"}, "pw": {"guess"}}, "")
	check("throttled login", event{fiberjwt.EventLoginThrottled, "alice", ip, fiberjwt.ErrThrottled})

	resp := post("/signup", url.Values{"id": {"carol"}}, "")
	check("LoginUser", event{fiberjwt.EventLogin, "carol", ip, nil})
	cookie := "token=" + onlyCookie(t, resp, "token").Value + "; csrf_token=" + onlyCookie(t, resp, "csrf_token").Value
	if strings.Contains(cookie, "guess") {
		t.Fatal("test setup")
	}

	s.clock.Advance(45 * time.Minute)
	resp, _ = s.call(t, fiber.MethodGet, "/protected", cookie, "X-Client-IP", ip)
	check("refresh", event{fiberjwt.EventRefresh, "carol", ip, nil})
	cookie = "token=" + onlyCookie(t, resp, "token").Value + "; csrf_token=" + cookieValue(cookie, "csrf_token")
	s.call(t, fiber.MethodGet, "/protected", cookie, "X-Client-IP", ip)
	check("a verified request")

	post("/account/others", nil, cookie)
	check("sign out other devices", event{fiberjwt.EventSignOutOthers, "carol", ip, nil})
	post("/admin/signout", url.Values{"id": {"dave"}}, "")
	check("sign out everywhere", event{fiberjwt.EventSignOutEverywhere, "dave", ip, nil})
	post("/account/logout", nil, cookie)
	check("logout", event{fiberjwt.EventLogout, "carol", ip, nil})

	for k := fiberjwt.EventLogin; k <= fiberjwt.EventSignOutEverywhere; k++ {
		if name := k.String(); name == "" || strings.HasPrefix(name, "EventKind(") {
			t.Fatalf("EventKind %d has no name", k)
		}
	}
}

// go test -run Test_CSRF_StackedInstances -race
// Two stacked instances have CSRF cookies of their own: a login to the
// admin instance leaves the site's, which the site's scripts keep using.
func Test_CSRF_StackedInstances(t *testing.T) {
	t.Parallel()
	s := newStackedApp(t)
	site := s.signIn(t, "alice", "wonderland")
	siteCSRF := s.csrfFor(site)

	form := url.Values{"id": {"bob"}, "pw": {"builder"}}
	req := httptest.NewRequest(fiber.MethodPost, "/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	req.Header.Set(fiber.HeaderCookie, s.with(site))
	resp, body := s.do(t, req)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	noCookie(t, resp, "csrf_token")
	adminCSRF := onlyCookie(t, resp, "csrf_admin").Value
	if adminCSRF == siteCSRF {
		t.Fatal("the two sessions share a CSRF value")
	}

	// The browser now holds both CSRF cookies; the site's script sends
	// the site's.
	cookie := s.with(site) + "; admin=" + onlyCookie(t, resp, "admin").Value + "; csrf_admin=" + adminCSRF
	resp, body = s.call(t, fiber.MethodPost, "/account/logout", cookie, fiberjwt.CSRFHeader, cookieValue(cookie, "csrf_token"))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, nil, s.logout.last(t))

	// A name of one's own.
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.CSRFCookieName = "XSRF-TOKEN" })
	token := h.signIn(t, "alice", "wonderland")
	resp, body = h.send(t, fiber.MethodPost, "/account/logout", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, "XSRF-TOKEN", h.csrfName)
}

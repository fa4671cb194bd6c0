package fiberjwt_test

// Sliding refresh and the session settings (issue 3, sections 1 and 5), and
// the fixtures csrf_test.go shares. The clock is the harness's, driven
// through Config.TimeFunc: no test sleeps.

import (
	"errors"
	"fmt"
	"net/http"
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
)

// ---------------------------------------------------------------------------
// Fixtures.

func withExpiration(d time.Duration) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.Expiration = d }
}

func withRefreshBefore(d time.Duration) option {
	return func(cfg *fiberjwt.Config[User]) { cfg.RefreshBefore = d }
}

func withoutRefresh(cfg *fiberjwt.Config[User]) { cfg.DisableRefresh = true }

func withoutCSRF(cfg *fiberjwt.Config[User]) { cfg.DisableCSRF = true }

func withBearer(cfg *fiberjwt.Config[User]) { cfg.AcceptBearer = true }

// withEcho adds the protected route /echo, for every method. It answers
// "<name> csrf=<CSRFToken(c)> exp=<Expiry(c) in Unix seconds>".
func withEcho(h *harness) *harness {
	h.app.All("/echo", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[User](c)
		if !ok {
			return c.Status(fiber.StatusInternalServerError).SendString("anonymous request let through")
		}
		exp, _ := fiberjwt.Expiry(c)
		return c.SendString(fmt.Sprintf("%s csrf=%s exp=%d", u.Name, fiberjwt.CSRFToken(c), exp.Unix()))
	})
	return h
}

// issued is what the library signs into a token.
type issued struct {
	jwt.RegisteredClaims
	AuthTime *jwt.NumericDate `json:"auth_time"`
	SID      string           `json:"sid"`
	CSRF     string           `json:"csrf"`
	User     User             `json:"usr"`
}

// claimsOf returns the claims of token, whose HS512 signature by testSecret
// it checks; exp, nbf and iat are not checked.
func claimsOf(tb testing.TB, token string) issued {
	tb.Helper()
	var c issued
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return testSecret, nil },
		jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"HS512"}))
	if err != nil {
		tb.Fatalf("parsing the token: %v", err)
	}
	return c
}

// cookiesNamed returns the Set-Cookie headers of resp for name.
func cookiesNamed(resp *http.Response, name string) []*http.Cookie {
	var found []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			found = append(found, c)
		}
	}
	return found
}

// refreshOf returns the token and CSRF cookies that resp set, or nil, nil
// when it set no cookie at all. It fails the test when resp sets one
// without the other, or either twice. With DisableCSRF, csrf is nil.
func refreshOf(tb testing.TB, h *harness, resp *http.Response) (token, csrf *http.Cookie) {
	tb.Helper()
	all := resp.Header.Values(fiber.HeaderSetCookie)
	if len(all) == 0 {
		return nil, nil
	}
	tokens, csrfs := cookiesNamed(resp, h.cookieName), cookiesNamed(resp, fiberjwt.CSRFCookieName)
	want := 1
	if !h.csrfOn {
		want = 0
	}
	if len(tokens) != 1 || len(csrfs) != want || len(all) != 1+want {
		tb.Fatalf("want exactly one token and %d CSRF Set-Cookie, got %q", want, all)
	}
	if want == 1 {
		csrf = csrfs[0]
	}
	return tokens[0], csrf
}

// noRefresh fails the test when resp sets any cookie.
func noRefresh(tb testing.TB, resp *http.Response, what string) {
	tb.Helper()
	if got := resp.Header.Values(fiber.HeaderSetCookie); len(got) != 0 {
		tb.Fatalf("%s: want no Set-Cookie, got %q", what, got)
	}
}

// browser is what a browser keeps for the site: the token and CSRF cookies.
type browser struct {
	h           *harness
	token, csrf string
}

// signedIn returns a browser holding the cookies of a login of id.
func signedIn(tb testing.TB, h *harness, id, pw string) *browser {
	tb.Helper()
	token := h.signIn(tb, id, pw)
	return &browser{h: h, token: token, csrf: h.csrfFor(token)}
}

// visit sends a request the way the browser and the page's script do: both
// cookies and, on an unsafe method, the CSRF header. It applies the
// response's cookies and returns the fresh token cookie when the response
// refreshed the session.
func (b *browser) visit(tb testing.TB, method, path string) (*http.Response, string, *http.Cookie) {
	tb.Helper()
	resp, body := b.h.send(tb, method, path, b.h.cookieName+"="+b.token+"; "+fiberjwt.CSRFCookieName+"="+b.csrf)
	token, csrf := refreshOf(tb, b.h, resp)
	if token != nil {
		b.token = token.Value
		if csrf != nil {
			b.csrf = csrf.Value
		}
		b.h.remember(b.token, b.csrf)
	}
	return resp, body, token
}

// ---------------------------------------------------------------------------
// Sliding refresh.

// The token is refreshed when, and only when, less than RefreshBefore of
// its life is left: not a second earlier, and not at exactly RefreshBefore.
//
// go test -run Test_Refresh_Threshold .
func Test_Refresh_Threshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		opts                      []option
		expiration, refreshBefore time.Duration
	}{
		{name: "defaults: half of 24h", expiration: 24 * time.Hour, refreshBefore: 12 * time.Hour},
		{
			name:       "Expiration 1h, RefreshBefore 10m",
			opts:       []option{withExpiration(time.Hour), withRefreshBefore(10 * time.Minute)},
			expiration: time.Hour, refreshBefore: 10 * time.Minute,
		},
		{
			name:       "Expiration 1h, RefreshBefore 59m",
			opts:       []option{withExpiration(time.Hour), withRefreshBefore(59 * time.Minute)},
			expiration: time.Hour, refreshBefore: 59 * time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, at := range []struct {
				left        time.Duration
				wantRefresh bool
			}{
				{left: tt.expiration - time.Second, wantRefresh: false},
				{left: tt.refreshBefore + time.Second, wantRefresh: false},
				{left: tt.refreshBefore, wantRefresh: false},
				{left: tt.refreshBefore - time.Second, wantRefresh: true},
				{left: time.Second, wantRefresh: true},
			} {
				h := newHarness(t, tt.opts...)
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(tt.expiration - at.left)

				resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))

				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
				fresh, _ := refreshOf(t, h, resp)
				if got := fresh != nil; got != at.wantRefresh {
					t.Fatalf("%v left: refreshed %t, want %t", at.left, got, at.wantRefresh)
				}
			}
		})
	}
}

// A refresh issues a new token of the same session: new jti, same sub,
// sid, auth_time, csrf value and user, exp = now + Expiration, and sets it
// with a CSRF cookie of the same value, both with the login cookies'
// attributes. The handler sees the new session (Expiry, CSRFToken).
//
// go test -run Test_Refresh_FreshToken .
func Test_Refresh_FreshToken(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t, func(cfg *fiberjwt.Config[User]) {
		cfg.CookiePath, cfg.CookieDomain, cfg.CookieSameSite = "/", "example.com", "Strict"
	}))
	b := signedIn(t, h, "alice", "wonderland")
	old := claimsOf(t, b.token)
	oldToken := b.token

	h.clock.Advance(12*time.Hour + 90*time.Second) // not on a whole second
	h.clock.Advance(500 * time.Millisecond)
	now := h.clock.Now()
	resp, body, fresh := b.visit(t, fiber.MethodGet, "/echo")

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if fresh == nil {
		t.Fatal("no refresh with less than RefreshBefore left")
	}
	if fresh.Value == oldToken {
		t.Fatal("the refresh set the same token")
	}
	got := claimsOf(t, fresh.Value)
	if got.ID == old.ID || got.ID == "" {
		t.Fatalf("jti %q after refresh, was %q", got.ID, old.ID)
	}
	utils.AssertEqual(t, old.Subject, got.Subject, "sub")
	utils.AssertEqual(t, old.SID, got.SID, "sid")
	if got.SID == "" {
		t.Fatal("no sid")
	}
	if got.AuthTime == nil || !got.AuthTime.Equal(epoch) {
		t.Fatalf("auth_time %v, want the login time %v", got.AuthTime, epoch)
	}
	utils.AssertEqual(t, old.CSRF, got.CSRF, "csrf")
	utils.AssertEqual(t, old.User, got.User, "usr")
	utils.AssertEqual(t, now.Add(24*time.Hour).Unix(), got.ExpiresAt.Unix(), "exp = now + Expiration")
	utils.AssertEqual(t, now.Unix(), got.IssuedAt.Unix(), "iat")

	csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
	utils.AssertEqual(t, old.CSRF, csrf.Value, "csrf_token cookie")
	for _, c := range []*http.Cookie{fresh, csrf} {
		utils.AssertEqual(t, c.Name == h.cookieName, c.HttpOnly, c.Name+" HttpOnly")
		utils.AssertEqual(t, true, c.Secure, c.Name+" Secure")
		utils.AssertEqual(t, http.SameSiteStrictMode, c.SameSite, c.Name+" SameSite")
		utils.AssertEqual(t, "/", c.Path, c.Name+" Path")
		utils.AssertEqual(t, "example.com", c.Domain, c.Name+" Domain")
		utils.AssertEqual(t, 86400, c.MaxAge, c.Name+" Max-Age")
	}

	// The handler of the refreshing request already sees the new token.
	utils.AssertEqual(t, fmt.Sprintf("Alice csrf=%s exp=%d", old.CSRF, got.ExpiresAt.Unix()), body)

	// The new token opens the site, with the same CSRF value.
	resp, body, again := b.visit(t, fiber.MethodPost, "/echo")
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if again != nil {
		t.Fatal("a fresh token was refreshed again")
	}
}

// Refreshing revokes nothing: the old token works until its own exp.
//
// go test -run Test_Refresh_OldTokenStillWorks .
func Test_Refresh_OldTokenStillWorks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := signedIn(t, h, "alice", "wonderland")
	oldToken := b.token

	h.clock.Advance(13 * time.Hour)
	if _, _, fresh := b.visit(t, fiber.MethodGet, "/protected"); fresh == nil {
		t.Fatal("no refresh")
	}

	h.clock.Advance(11*time.Hour - time.Second) // one second before the old exp
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.withToken(oldToken))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the old token before its exp: "+body)
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")

	h.clock.Advance(time.Second)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.withToken(oldToken))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the old token at its exp")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
		t.Fatalf("old token at its exp: got %v, want ErrTokenExpired", err)
	}
	resp, body, _ = b.visit(t, fiber.MethodGet, "/protected")
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the refreshed token: "+body)
}

// One request refreshes at most once, and a handler that signs in again
// or out on that request has the last word: one Set-Cookie per cookie.
//
// go test -run Test_Refresh_OncePerRequest .
func Test_Refresh_OncePerRequest(t *testing.T) {
	t.Parallel()

	t.Run("refresh", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		token := h.signIn(t, "alice", "wonderland")
		h.clock.Advance(13 * time.Hour)
		resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		utils.AssertEqual(t, 2, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
		utils.AssertEqual(t, 1, len(cookiesNamed(resp, "token")), "token Set-Cookie headers")
		utils.AssertEqual(t, 1, len(cookiesNamed(resp, fiberjwt.CSRFCookieName)), "csrf_token Set-Cookie headers")
	})

	t.Run("login on a refreshing request", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		first := h.signIn(t, "alice", "wonderland")
		h.clock.Advance(13 * time.Hour)
		form := url.Values{"id": {"bob"}, "pw": {"builder"}}
		req := httptest.NewRequest(fiber.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		req.Header.Set("Cookie", h.with(first))
		req.Header.Set(fiberjwt.CSRFHeader, h.csrfFor(first))

		resp, body := h.do(t, req)

		utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
		token, csrf := refreshOf(t, h, resp)
		if token == nil {
			t.Fatal("login set no cookie")
		}
		utils.AssertEqual(t, resp.Header.Get("X-Token"), token.Value, "the login's token wins")
		utils.AssertEqual(t, resp.Header.Get("X-Login-CSRF"), csrf.Value, "the login's CSRF value wins")
		utils.AssertEqual(t, "bob", claimsOf(t, token.Value).Subject)
	})

	t.Run("logout on a refreshing request", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		token := h.signIn(t, "alice", "wonderland")
		h.clock.Advance(13 * time.Hour)

		resp, body := h.send(t, fiber.MethodPost, "/account/logout", h.with(token))

		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		tok, csrf := refreshOf(t, h, resp)
		if tok == nil || tok.Value != "" || csrf.Value != "" {
			t.Fatalf("logout on a refreshing request did not clear both cookies: %q", resp.Header.Values(fiber.HeaderSetCookie))
		}
		resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
			t.Fatalf("got %v, want ErrRevoked", err)
		}
	})
}

// A user who keeps using the site stays signed in, each refresh sliding exp
// to now + Expiration, until MaxSessionAge from the login: the last
// refresh caps exp at auth_time + MaxSessionAge, later requests refresh
// nothing, and at that time the user is refused.
//
// go test -run Test_Refresh_SlidingUntilMaxSessionAge .
func Test_Refresh_SlidingUntilMaxSessionAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                              string
		opts                              []option
		expiration, refreshBefore, maxAge time.Duration
		step                              time.Duration // between visits
	}{
		{
			name:       "defaults: 24h tokens, 7 days",
			expiration: 24 * time.Hour, refreshBefore: 12 * time.Hour, maxAge: 7 * 24 * time.Hour,
			step: 12*time.Hour + time.Minute, // every half-life
		},
		{
			name: "1h tokens, 10 minutes before, 1 day",
			opts: []option{withExpiration(time.Hour), withRefreshBefore(10 * time.Minute), func(cfg *fiberjwt.Config[User]) {
				cfg.MaxSessionAge = 24 * time.Hour
			}},
			expiration: time.Hour, refreshBefore: 10 * time.Minute, maxAge: 24 * time.Hour,
			step: 55 * time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)
			b := signedIn(t, h, "alice", "wonderland")
			first := claimsOf(t, b.token)
			limit := epoch.Add(tt.maxAge)
			exp := epoch.Add(tt.expiration)
			refreshes := 0
			capped := false

			for !capped {
				h.clock.Advance(tt.step)
				now := h.clock.Now()
				if !now.Before(limit) {
					t.Fatalf("no refresh was capped at auth_time + MaxSessionAge (%v)", limit)
				}
				resp, body, fresh := b.visit(t, fiber.MethodGet, "/protected")
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, fmt.Sprintf("at login + %v: %s", now.Sub(epoch), body))
				if exp.Sub(now) >= tt.refreshBefore {
					if fresh != nil {
						t.Fatalf("at login + %v: refreshed with %v left", now.Sub(epoch), exp.Sub(now))
					}
					continue
				}
				if fresh == nil {
					t.Fatalf("at login + %v: no refresh with %v left", now.Sub(epoch), exp.Sub(now))
				}
				refreshes++
				got := claimsOf(t, fresh.Value)
				want := now.Add(tt.expiration)
				if !want.Before(limit) {
					want, capped = limit, true
				}
				utils.AssertEqual(t, want.Unix(), got.ExpiresAt.Unix(), fmt.Sprintf("exp of the refresh at login + %v", now.Sub(epoch)))
				utils.AssertEqual(t, int(want.Sub(now)/time.Second), fresh.MaxAge, "Max-Age")
				utils.AssertEqual(t, first.SID, got.SID, "sid")
				utils.AssertEqual(t, epoch.Unix(), got.AuthTime.Unix(), "auth_time")
				utils.AssertEqual(t, first.CSRF, got.CSRF, "csrf")
				exp = got.ExpiresAt.Time
			}
			if least := int(tt.maxAge / tt.expiration); refreshes < least {
				t.Fatalf("%d refreshes, want at least %d", refreshes, least)
			}

			// Past the capped refresh: requests are served and nothing is
			// refreshed, though less than RefreshBefore is left, up to the
			// last second of the session.
			for _, at := range []time.Time{limit.Add(-tt.refreshBefore / 2), limit.Add(-time.Second)} {
				if !at.After(h.clock.Now()) {
					t.Fatalf("the capped refresh came too late: %v", h.clock.Now().Sub(epoch))
				}
				h.clock.Advance(at.Sub(h.clock.Now()))
				resp, body, fresh := b.visit(t, fiber.MethodGet, "/protected")
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
				if fresh != nil {
					t.Fatalf("at login + %v: refreshed past the capped exp: exp %v", at.Sub(epoch), claimsOf(t, fresh.Value).ExpiresAt)
				}
			}

			// At auth_time + MaxSessionAge the user must log in again.
			h.clock.Advance(time.Second)
			resp, _, fresh := b.visit(t, fiber.MethodGet, "/protected")
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
			if fresh != nil {
				t.Fatal("refreshed at the end of the session")
			}
			if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
				t.Fatalf("at auth_time + MaxSessionAge: got %v, want ErrTokenExpired", err)
			}
			_, body, fresh := b.visit(t, fiber.MethodGet, "/public")
			utils.AssertEqual(t, "hello guest", body)
			if fresh != nil {
				t.Fatal("refreshed on a public page at the end of the session")
			}
		})
	}
}

// Only a token that passes every check is refreshed: not a revoked,
// expired, forged or vetoed one, not one whose revocation cannot be
// checked, and not on a request that fails the CSRF check, on protected
// and public routes alike.
//
// go test -run Test_Refresh_OnlyAcceptedTokens .
func Test_Refresh_OnlyAcceptedTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []option
		// prepare returns the Cookie header and the header pairs of a
		// request that must not refresh, 13h after the login.
		prepare func(t *testing.T, h *harness, veto *atomic.Bool, st *recordingStorage) (string, []string)
		method  string
		wantErr error
	}{
		{
			name: "revoked",
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.signOut(t, token)
				h.clock.Advance(13 * time.Hour)
				return h.with(token), nil
			},
			wantErr: fiberjwt.ErrRevoked,
		},
		{
			name: "expired",
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(24 * time.Hour)
				return h.with(token), nil
			},
			wantErr: fiberjwt.ErrTokenExpired,
		},
		{
			name: "signed with another key",
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Add(time.Hour).Unix())
				c["sid"], c["csrf"], c["auth_time"] = "s", "x", h.clock.Now().Unix()
				token := sign(t, jwt.SigningMethodHS512, otherSecret, c, nil)
				h.clock.Advance(59 * time.Minute)
				return h.withToken(token), nil
			},
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name: "tampered",
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(13 * time.Hour)
				return h.with(tamper(token)), nil
			},
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name: "vetoed by Validate",
			prepare: func(t *testing.T, h *harness, veto *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(13 * time.Hour)
				veto.Store(true)
				return h.with(token), nil
			},
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name: "storage down",
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, st *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(13 * time.Hour)
				st.down.Store(true)
				return h.with(token), nil
			},
			wantErr: fiberjwt.ErrStorage,
		},
		{
			name:   "POST without the CSRF value",
			method: fiber.MethodPost,
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(13 * time.Hour)
				return h.with(token), nil
			},
			wantErr: fiberjwt.ErrCSRF,
		},
		{
			name:   "DELETE with a wrong CSRF value",
			method: fiber.MethodDelete,
			prepare: func(t *testing.T, h *harness, _ *atomic.Bool, _ *recordingStorage) (string, []string) {
				token := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(13 * time.Hour)
				return h.with(token), []string{fiberjwt.CSRFHeader, h.csrfFor(h.signIn(t, "alice", "wonderland"))}
			},
			wantErr: fiberjwt.ErrCSRF,
		},
	}
	for _, tt := range tests {
		for _, path := range []string{"/echo", "/public"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				t.Parallel()
				st := newRecordingStorage()
				var veto atomic.Bool
				h := withEcho(newHarness(t, append([]option{withStorage(st), func(cfg *fiberjwt.Config[User]) {
					cfg.Validate = func(*fiber.Ctx, User) error {
						if veto.Load() {
							return errVetoed
						}
						return nil
					}
				}}, tt.opts...)...))
				cookie, header := tt.prepare(t, h, &veto, st)
				method := tt.method
				if method == "" {
					method = fiber.MethodGet
				}

				resp, body := h.call(t, method, path, cookie, header...)

				noRefresh(t, resp, tt.name)
				if path == "/public" {
					utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
					utils.AssertEqual(t, "hello guest", body)
					utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls on a public route")
					return
				}
				utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
				if err := h.unauthorized.last(t); !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
			})
		}
	}
}

// With DisableRefresh every token lives exactly Expiration.
//
// go test -run Test_Refresh_Disabled .
func Test_Refresh_Disabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withoutRefresh)
	b := signedIn(t, h, "alice", "wonderland")
	for _, after := range []time.Duration{13 * time.Hour, 23 * time.Hour, 24*time.Hour - time.Second} {
		h.clock.Advance(after - h.clock.Now().Sub(epoch))
		for _, path := range []string{"/protected", "/public"} {
			resp, body, fresh := b.visit(t, fiber.MethodGet, path)
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if fresh != nil {
				t.Fatalf("%s at login + %v: refreshed with DisableRefresh", path, after)
			}
		}
	}
	h.clock.Advance(time.Second)
	resp, _, _ := b.visit(t, fiber.MethodGet, "/protected")
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
		t.Fatalf("got %v, want ErrTokenExpired", err)
	}
}

// A Bearer token is never refreshed (an API client has no cookie jar); the
// same token in the cookie is.
//
// go test -run Test_Refresh_NotForBearer .
func Test_Refresh_NotForBearer(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t, withBearer))
	token := h.signIn(t, "alice", "wonderland")
	h.clock.Advance(13 * time.Hour)

	for _, method := range []string{fiber.MethodGet, fiber.MethodPost} {
		resp, body := h.call(t, method, "/echo", "", fiber.HeaderAuthorization, "Bearer "+token)
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		noRefresh(t, resp, method+" with a Bearer token")
	}

	resp, body := h.send(t, fiber.MethodGet, "/echo", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if fresh, _ := refreshOf(t, h, resp); fresh == nil {
		t.Fatal("the same token in the cookie was not refreshed")
	}
}

// A public page visited with a valid, aging token refreshes it like any
// other page: that is how a user who only reads public pages stays signed
// in.
//
// go test -run Test_Refresh_OnPublicRoute .
func Test_Refresh_OnPublicRoute(t *testing.T) {
	t.Parallel()
	for _, method := range []string{fiber.MethodGet, fiber.MethodPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			b := signedIn(t, h, "alice", "wonderland")
			sid := claimsOf(t, b.token).SID
			h.clock.Advance(13 * time.Hour)

			resp, body, fresh := b.visit(t, method, "/public")

			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			utils.AssertEqual(t, "hello Alice", body)
			if fresh == nil {
				t.Fatal("no refresh on a public route")
			}
			utils.AssertEqual(t, sid, claimsOf(t, fresh.Value).SID, "sid")
		})
	}
}

// A request that passed the revocation check just before a logout of its
// session, and refreshes after it, issues a token that expires no later
// than the revocation lasts: the refresh signs with the time the request
// was checked at, not the time it got round to signing.
//
// go test -run Test_Refresh_RacingLogout -race .
func Test_Refresh_RacingLogout(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) {
		cfg.Validate = func(c *fiber.Ctx, _ User) error {
			if c.Path() == "/protected" {
				once.Do(func() { close(entered); <-release }) // a slow check
			}
			return nil
		}
	})
	token := h.signIn(t, "alice", "wonderland")
	h.clock.Advance(13 * time.Hour) // inside the refresh window

	slow := make(chan *http.Response, 1)
	go func() {
		resp, _ := h.send(t, fiber.MethodGet, "/protected", h.with(token))
		slow <- resp
	}()
	<-entered
	h.signOut(t, token) // at L, while the slow request is past its checks
	h.clock.Advance(5 * time.Second)
	close(release)
	resp := <-slow
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode)
	fresh, _ := refreshOf(t, h, resp)
	if fresh == nil {
		t.Fatal("the slow request refreshed nothing")
	}

	// The revocation lasts until L + Expiration (+1s of rounding) ...
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(fresh.Value))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the refreshed token after the logout")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
	// ... and the refreshed token must not outlive it.
	h.clock.Advance(24*time.Hour - 5*time.Second + 3*time.Second) // L + 24h + 3s
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(fresh.Value))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the refreshed token once the revocation expired")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
		t.Fatalf("got %v, want ErrTokenExpired", err)
	}
}

// Logout revokes the session, not one token: after a refresh, logging out
// with either token refuses both, for as long as either could be accepted.
//
// go test -run Test_Refresh_LogoutRevokesWholeSession .
func Test_Refresh_LogoutRevokesWholeSession(t *testing.T) {
	t.Parallel()
	// "old token as Bearer": an API client of the same session logs out
	// with the token it was given before the browser's refresh; that
	// request refreshes nothing, so the revocation must outlive the
	// refreshed token all the same.
	for _, with := range []string{"refreshed token", "old token", "old token as Bearer"} {
		t.Run("logout with the "+with, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withBearer)
			other := h.signIn(t, "alice", "wonderland") // another session
			b := signedIn(t, h, "alice", "wonderland")
			oldToken, csrf := b.token, b.csrf
			h.clock.Advance(13 * time.Hour)
			_, _, fresh := b.visit(t, fiber.MethodGet, "/protected")
			if fresh == nil {
				t.Fatal("no refresh")
			}
			freshToken := fresh.Value

			var resp *http.Response
			var body string
			switch with {
			case "refreshed token", "old token":
				logout := freshToken
				if with == "old token" {
					logout = oldToken
				}
				resp, body = h.call(t, fiber.MethodPost, "/logout",
					h.withToken(logout)+"; "+fiberjwt.CSRFCookieName+"="+csrf, fiberjwt.CSRFHeader, csrf)
			default:
				resp, body = h.call(t, fiber.MethodPost, "/logout", "", fiber.HeaderAuthorization, "Bearer "+oldToken)
			}
			if with == "old token as Bearer" {
				// A Bearer client has no cookies: its logout writes none.
				if got := resp.Header.Values(fiber.HeaderSetCookie); len(got) != 0 {
					t.Fatalf("the Bearer logout wrote cookies: %q", got)
				}
			} else if tok, _ := refreshOf(t, h, resp); tok == nil || tok.Value != "" {
				t.Fatalf("the logout did not just clear the cookies: %q", resp.Header.Values(fiber.HeaderSetCookie))
			}
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}

			resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(other))
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "another session of the user: "+body)

			// Until the refreshed token's exp (login + 37h) and past the
			// old one's (login + 24h), both are refused.
			for _, at := range []time.Duration{13 * time.Hour, 23 * time.Hour, 25 * time.Hour, 37*time.Hour - time.Second} {
				h.clock.Advance(at - h.clock.Now().Sub(epoch))
				for name, tok := range map[string]string{"old": oldToken, "refreshed": freshToken} {
					if name == "old" && at >= 24*time.Hour {
						continue // expired anyway
					}
					resp, _ := h.send(t, fiber.MethodGet, "/protected", h.withToken(tok))
					utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, fmt.Sprintf("%s token at login + %v", name, at))
					if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
						t.Fatalf("%s token at login + %v: got %v, want ErrRevoked", name, at, err)
					}
					noRefresh(t, resp, name+" token after logout")
				}
			}
		})
	}

	t.Run("other session stays", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		a := signedIn(t, h, "alice", "wonderland")
		b := signedIn(t, h, "alice", "wonderland")
		h.clock.Advance(13 * time.Hour)
		a.visit(t, fiber.MethodGet, "/protected")
		resp, body, _ := a.visit(t, fiber.MethodPost, "/logout")
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		resp, body, fresh := b.visit(t, fiber.MethodGet, "/protected")
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the other session: "+body)
		if fresh == nil {
			t.Fatal("the other session was not refreshed")
		}
	})
}

// A token without a csrf claim (one issued before CSRF protection, by the
// previous version of the library, or crafted with the key) cannot make
// unsafe cookie requests. A refresh must not extend that state: if such a
// token is refreshed at all, the new token must carry a CSRF value and the
// csrf_token cookie must hold it, so that the user's forms work again. It
// must never set an empty csrf_token cookie.
//
// go test -run Test_Refresh_TokenWithoutCSRFClaim .
func Test_Refresh_TokenWithoutCSRFClaim(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	// What the previous version signed: no auth_time, sid or csrf.
	c := with1(h.claims("alice"), "exp", h.clock.Now().Add(24*time.Hour).Unix())
	b := &browser{h: h, token: sign(t, jwt.SigningMethodHS512, testSecret, c, nil)}
	h.clock.Advance(13 * time.Hour)

	resp, body, fresh := b.visit(t, fiber.MethodGet, "/echo")
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if fresh == nil {
		return // not refreshed: the user logs in again when it expires
	}
	csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
	got := claimsOf(t, fresh.Value)
	if csrf.Value == "" || got.CSRF == "" {
		t.Fatalf("the refresh of a token without a csrf claim set csrf_token=%q and a token with csrf=%q: "+
			"every unsafe request of this session fails with ErrCSRF until MaxSessionAge", csrf.Value, got.CSRF)
	}
	utils.AssertEqual(t, got.CSRF, csrf.Value, "csrf_token cookie")
	resp, body, _ = b.visit(t, fiber.MethodPost, "/echo")
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "POST after the refresh: "+body)
}

// ---------------------------------------------------------------------------
// Configuration.

// go test -run Test_New_SessionMisconfiguration .
func Test_New_SessionMisconfiguration(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	tests := []struct {
		name      string
		cfg       cfg
		wantField string // "": New must not panic
	}{
		{name: "RefreshBefore negative", cfg: cfg{RefreshBefore: -time.Second}, wantField: "RefreshBefore"},
		{name: "RefreshBefore equal to the default Expiration", cfg: cfg{RefreshBefore: 24 * time.Hour}, wantField: "RefreshBefore"},
		{name: "RefreshBefore longer than the default Expiration", cfg: cfg{RefreshBefore: 25 * time.Hour}, wantField: "RefreshBefore"},
		{name: "RefreshBefore equal to Expiration", cfg: cfg{Expiration: time.Hour, RefreshBefore: time.Hour}, wantField: "RefreshBefore"},
		{name: "RefreshBefore longer than Expiration", cfg: cfg{Expiration: time.Hour, RefreshBefore: 2 * time.Hour}, wantField: "RefreshBefore"},
		{name: "RefreshBefore just under Expiration", cfg: cfg{Expiration: time.Hour, RefreshBefore: time.Hour - time.Second}},
		{name: "RefreshBefore one second", cfg: cfg{RefreshBefore: time.Second}},
		{name: "MaxSessionAge shorter than the default Expiration", cfg: cfg{MaxSessionAge: time.Hour}, wantField: "MaxSessionAge"},
		{name: "MaxSessionAge shorter than Expiration", cfg: cfg{Expiration: 48 * time.Hour, MaxSessionAge: 47 * time.Hour}, wantField: "MaxSessionAge"},
		{name: "MaxSessionAge negative", cfg: cfg{MaxSessionAge: -time.Hour}, wantField: "MaxSessionAge"},
		{name: "MaxSessionAge equal to Expiration", cfg: cfg{Expiration: 48 * time.Hour, MaxSessionAge: 48 * time.Hour}},
		{name: "Expiration longer than the default MaxSessionAge", cfg: cfg{Expiration: 30 * 24 * time.Hour}},
		{name: "CookieName csrf_token with CSRF on", cfg: cfg{CookieName: fiberjwt.CSRFCookieName}},
		{name: "CSRFCookieName the token's", cfg: cfg{CookieName: "session", CSRFCookieName: "session"}, wantField: "CSRFCookieName"},
		{name: "CSRFCookieName not a token", cfg: cfg{CSRFCookieName: "csrf token"}, wantField: "CSRFCookieName"},
		{name: "CSRFCookieName __Host- with a Path", cfg: cfg{CookiePath: "/app", CSRFCookieName: "__Host-csrf"}, wantField: "CSRFCookieName"},
		{name: "BrowserSessionAge past MaxSessionAge", cfg: cfg{BrowserSessionAge: 8 * 24 * time.Hour}, wantField: "BrowserSessionAge"},
		{name: "BrowserSessionAge under a second", cfg: cfg{BrowserSessionAge: time.Millisecond}, wantField: "BrowserSessionAge"},
		{name: "BrowserSessionAge shorter than Expiration", cfg: cfg{BrowserSessionAge: time.Hour}},
		{name: "LoginAttempts negative", cfg: cfg{LoginAttempts: -1}, wantField: "LoginAttempts"},
		{name: "LoginWindow under a second", cfg: cfg{LoginWindow: time.Millisecond}, wantField: "LoginWindow"},
		{name: "CookieName csrf_token with DisableCSRF", cfg: cfg{CookieName: fiberjwt.CSRFCookieName, DisableCSRF: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.cfg
			c.SecretKey = testSecret
			err := recovered(newPanics(c))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("New panicked: %v", err)
				}
				return
			}
			if !errors.Is(err, fiberjwt.ErrConfig) {
				t.Fatalf("New panicked with %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Fatalf("message %q does not name %q", err, tt.wantField)
			}
		})
	}
}

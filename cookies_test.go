package fiberjwt_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
)

// Several cookies of the token's name: a sibling subdomain can set one for
// the parent domain, a page can set one for a more specific Path, and the
// browser sends them all, the longest Path first. The middleware tries them
// in order, at most four, and uses the first that verifies and is not
// revoked, so that a planted or stale cookie cannot lock the user out.
//
// go test -run Test_Cookies_Duplicates -race
func Test_Cookies_Duplicates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	valid := h.signIn(t, "alice", "wonderland")
	other := h.signIn(t, "bob", "builder")
	revoked := h.signIn(t, "user1", "pw-user1")
	h.signOut(t, revoked)
	expired := sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "exp", h.clock.Now().Add(-time.Hour).Unix()), nil)
	junk := func(n int) string { return strings.Repeat("token=junk; ", n) }

	tests := []struct {
		name    string
		cookie  string
		want    string // the user served, "" for none
		wantErr error
	}{
		{name: "junk then valid", cookie: "token=junk; token=" + valid, want: "Alice"},
		{name: "valid then junk", cookie: "token=" + valid + "; token=junk", want: "Alice"},
		{name: "empty then valid", cookie: "token=; token=" + valid, want: "Alice"},
		{name: "expired then valid", cookie: "token=" + expired + "; token=" + valid, want: "Alice"},
		{name: "revoked then valid", cookie: "token=" + revoked + "; token=" + valid, want: "Alice"},
		{name: "three junk then valid", cookie: junk(3) + "token=" + valid, want: "Alice"},
		{name: "four junk then valid: past the bound", cookie: junk(4) + "token=" + valid, wantErr: fiberjwt.ErrInvalidToken},
		{name: "other cookies between", cookie: "token=junk; theme=dark; x=y; token=" + valid, want: "Alice"},
		// Two genuine sessions: the first the browser sent wins. Only the
		// __Host- prefix keeps other hosts from planting one.
		{name: "two valid sessions", cookie: "token=" + other + "; token=" + valid, want: "Bob"},
		{name: "expired then junk: the first error", cookie: "token=" + expired + "; token=junk", wantErr: fiberjwt.ErrTokenExpired},
		{name: "junk then revoked", cookie: "token=junk; token=" + revoked, wantErr: fiberjwt.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.send(t, fiber.MethodGet, "/protected", tt.cookie)
			err := h.unauthorized.last(t)
			if tt.want != "" {
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
				utils.AssertEqual(t, "Protected Page. name: "+tt.want, body)
				return
			}
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}

	// Logout on the public route revokes the genuine session behind the
	// junk.
	t.Run("logout behind junk", func(t *testing.T) {
		token := h.signIn(t, "user2", "pw-user2")
		cookie := "token=junk; " + h.with(token)
		resp, body := h.send(t, fiber.MethodPost, "/logout", cookie)
		if err := h.logout.last(t); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the session after logout")
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
			t.Fatalf("got %v, want ErrRevoked", err)
		}
	})
}

// ---------------------------------------------------------------------------
// Cookies.

// go test -run Test_Cookie_Attributes -race
func Test_Cookie_Attributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opt        option
		wantName   string
		wantSecure bool
		wantSame   http.SameSite
		wantPath   string
		wantDomain string
		wantMaxAge int
	}{
		{
			name:       "defaults",
			opt:        func(*fiberjwt.Config[User]) {},
			wantName:   "token",
			wantSecure: true, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name: "strict, domain, path, name and expiration",
			opt: func(cfg *fiberjwt.Config[User]) {
				cfg.CookieSameSite = "Strict"
				cfg.CookieDomain = "example.com"
				cfg.CookiePath = "/app"
				cfg.CookieName = "sid"
				cfg.Expiration = 2 * time.Hour
			},
			wantName:   "sid",
			wantSecure: true, wantSame: http.SameSiteStrictMode, wantPath: "/app", wantDomain: "example.com", wantMaxAge: 7200,
		},
		{
			name:       "SameSite None",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.CookieSameSite = "None" },
			wantName:   "token",
			wantSecure: true, wantSame: http.SameSiteNoneMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name:       "InsecureCookie",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.InsecureCookie = true },
			wantName:   "token",
			wantSecure: false, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
		{
			name:       "__Host- prefix",
			opt:        func(cfg *fiberjwt.Config[User]) { cfg.CookieName = "__Host-token" },
			wantName:   "__Host-token",
			wantSecure: true, wantSame: http.SameSiteLaxMode, wantPath: "/", wantMaxAge: 86400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opt)

			// Login: the token cookie, and the CSRF cookie that a page's
			// script reads (so not HttpOnly), with the same scope and life.
			resp, body := h.postLogin(t, "alice", "wonderland")
			utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
			utils.AssertEqual(t, 2, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
			c := onlyCookie(t, resp, tt.wantName)
			utils.AssertEqual(t, resp.Header.Get("X-Token"), c.Value)
			utils.AssertEqual(t, true, c.HttpOnly, "HttpOnly")
			csrfName := csrfCookieOf(tt.wantName)
			csrf := onlyCookie(t, resp, csrfName)
			utils.AssertEqual(t, false, csrf.HttpOnly, "csrf_token HttpOnly")
			utils.AssertEqual(t, resp.Header.Get("X-Login-CSRF"), csrf.Value, "csrf_token is CSRFToken(c)")
			if csrf.Value == "" {
				t.Fatal("empty csrf_token cookie")
			}
			for _, c := range []*http.Cookie{c, csrf} {
				utils.AssertEqual(t, tt.wantSecure, c.Secure, c.Name+" Secure")
				utils.AssertEqual(t, tt.wantSame, c.SameSite, c.Name+" SameSite")
				utils.AssertEqual(t, tt.wantPath, c.Path, c.Name+" Path")
				utils.AssertEqual(t, tt.wantDomain, c.Domain, c.Name+" Domain")
				utils.AssertEqual(t, tt.wantMaxAge, c.MaxAge, c.Name+" Max-Age")
				if !c.Expires.IsZero() && !c.Expires.Equal(epoch.Add(time.Duration(tt.wantMaxAge)*time.Second)) {
					t.Fatalf("%s: Expires %v, want %v", c.Name, c.Expires, epoch.Add(time.Duration(tt.wantMaxAge)*time.Second))
				}
			}
			token := c.Value

			// Logout: both cleared, with the same scope.
			resp, body = h.send(t, fiber.MethodPost, "/logout", tt.wantName+"="+token+"; "+csrfName+"="+csrf.Value)
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			utils.AssertEqual(t, 2, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
			for _, name := range []string{tt.wantName, csrfName} {
				c = onlyCookie(t, resp, name)
				utils.AssertEqual(t, "", c.Value, name+" cleared value")
				utils.AssertEqual(t, tt.wantPath, c.Path, name+" Path")
				utils.AssertEqual(t, tt.wantDomain, c.Domain, name+" Domain")
				utils.AssertEqual(t, name == tt.wantName, c.HttpOnly, name+" HttpOnly")
				utils.AssertEqual(t, tt.wantSecure, c.Secure, name+" Secure")
				utils.AssertEqual(t, tt.wantSame, c.SameSite, name+" SameSite")
				if c.MaxAge > 0 {
					t.Fatalf("cleared cookie %s has Max-Age %d", name, c.MaxAge)
				}
				if c.Expires.IsZero() || !c.Expires.Before(time.Now()) || !c.Expires.Before(epoch) {
					t.Fatalf("cleared cookie %s expires %v, want a time in the past", name, c.Expires)
				}
			}
		})
	}
}

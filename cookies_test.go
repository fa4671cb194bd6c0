package fiberjwt_test

import (
	"errors"
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

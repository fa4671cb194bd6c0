package fiberjwt_test

import (
	"errors"
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
// Logout.

// go test -run Test_Logout_RevokesCopiedToken -race
func Test_Logout_RevokesCopiedToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		route string
	}{
		{name: "public route", route: "/logout"},
		{name: "protected route", route: "/account/logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			token := h.signIn(t, "alice", "wonderland")

			resp, body := h.send(t, fiber.MethodPost, tt.route, h.with(token))
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value)
			utils.AssertEqual(t, "", onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)

			// The browser dropped the cookie; an attacker kept a copy.
			resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
			if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
				t.Fatalf("copied token: got %v, want ErrRevoked", err)
			}

			// A revoked token does not greet anyone on a public page either.
			_, body = h.send(t, fiber.MethodGet, "/public", h.with(token))
			utils.AssertEqual(t, "hello guest", body)
		})
	}
}

// go test -run Test_Logout_OtherSessionsStay -race
func Test_Logout_OtherSessionsStay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	laptop := h.signIn(t, "alice", "wonderland")
	phone := h.signIn(t, "alice", "wonderland")
	bob := h.signIn(t, "bob", "builder")
	if laptop == phone {
		t.Fatal("two logins returned the same token")
	}

	h.signOut(t, laptop)

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(phone))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "alice's other session: "+body)
	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(bob))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "bob's session: "+body)
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")

	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(laptop))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
}

// go test -run Test_Logout_WithoutValidToken -race
func Test_Logout_WithoutValidToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cookie func(t *testing.T, h *harness) string
	}{
		{name: "garbage", cookie: func(*testing.T, *harness) string { return "token=garbage" }},
		{name: "wrong key", cookie: func(t *testing.T, h *harness) string {
			return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
		}},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(25 * time.Hour)
				return h.with(tok)
			},
		},
		{
			name: "already revoked",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)

			resp, body := h.send(t, fiber.MethodPost, "/logout", tt.cookie(t, h))

			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if err := h.logout.last(t); err != nil {
				t.Fatalf("Logout: %v", err)
			}
			for _, name := range []string{"token", fiberjwt.CSRFCookieName} {
				c := onlyCookie(t, resp, name)
				utils.AssertEqual(t, "", c.Value, name)
				if !c.Expires.Before(time.Now()) {
					t.Fatalf("cleared cookie %s expires %v", name, c.Expires)
				}
			}
		})
	}
}

// A logout request without a token changes nothing: it may be a form that
// another site posts, which the browser sends without the SameSite cookies,
// so clearing them would sign the user out from another site.
//
// go test -run Test_Logout_NoTokenClearsNothing -race
func Test_Logout_NoTokenClearsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.call(t, fiber.MethodPost, "/logout", "", fiberjwt.CSRFHeader, "guessed")

	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := h.logout.last(t); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the session after the cookie-less logout: "+body)
}

// recordingStorage is an in-memory fiber.Storage (without expiry) that
// counts the revocations written, and whose Get fails while down is set.
type recordingStorage struct {
	mu   sync.Mutex
	m    map[string][]byte
	sets int
	down atomic.Bool
}

func newRecordingStorage() *recordingStorage { return &recordingStorage{m: map[string][]byte{}} }

func (s *recordingStorage) Get(k string) ([]byte, error) {
	if s.down.Load() {
		return nil, errBackend
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *recordingStorage) Set(k string, v []byte, _ time.Duration) error {
	if s.down.Load() {
		return errBackend
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), v...)
	s.sets++
	return nil
}

func (s *recordingStorage) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sets
}

func (*recordingStorage) Delete(string) error { return nil }
func (*recordingStorage) Reset() error        { return nil }
func (*recordingStorage) Close() error        { return nil }

// Logout revokes every genuine token it is shown, also on a public logout
// route where the middleware did not accept it (vetoed by Validate, already
// revoked), so that a user who asks to be signed out is. It does not when
// the storage is down (ErrStorage: the app is told the revocation was not
// written; the cookies are cleared), nor when the request fails the CSRF
// check (ErrCSRF: a cross-site form must not sign the user out, so nothing
// is done, not even clearing the cookies).
//
// go test -run Test_Logout_PublicRoute -race
func Test_Logout_PublicRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// fail makes the token fail a check on the logout request and
		// returns the Cookie header and the header pairs to send; undo
		// makes the check pass again.
		fail func(h *harness, st *recordingStorage, veto *atomic.Bool, token string) (cookie string, header []string)
		undo func(st *recordingStorage, veto *atomic.Bool)
		// want is Logout's error; revoked, whether the token is refused
		// once the check passes again.
		want    error
		revoked bool
	}{
		{
			name: "vetoed by Validate",
			fail: func(h *harness, _ *recordingStorage, veto *atomic.Bool, token string) (string, []string) {
				veto.Store(true)
				return h.with(token), []string{fiberjwt.CSRFHeader, h.csrfFor(token)}
			},
			undo:    func(_ *recordingStorage, veto *atomic.Bool) { veto.Store(false) },
			revoked: true,
		},
		{
			name: "storage down",
			fail: func(h *harness, st *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				st.down.Store(true)
				return h.with(token), []string{fiberjwt.CSRFHeader, h.csrfFor(token)}
			},
			undo: func(st *recordingStorage, _ *atomic.Bool) { st.down.Store(false) },
			want: fiberjwt.ErrStorage,
		},
		{
			name: "CSRF value missing",
			fail: func(h *harness, _ *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				return h.with(token), nil
			},
			want: fiberjwt.ErrCSRF,
		},
		{
			name: "CSRF value wrong",
			fail: func(h *harness, _ *recordingStorage, _ *atomic.Bool, token string) (string, []string) {
				return h.with(token), []string{fiberjwt.CSRFHeader, "not-" + h.csrfFor(token)}
			},
			want: fiberjwt.ErrCSRF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newRecordingStorage()
			var veto atomic.Bool
			h := newHarness(t, withStorage(st), func(cfg *fiberjwt.Config[User]) {
				cfg.Validate = func(*fiber.Ctx, User) error {
					if veto.Load() {
						return errVetoed
					}
					return nil
				}
			})
			token := h.signIn(t, "alice", "wonderland")

			cookie, header := tt.fail(h, st, &veto, token)
			resp, body := h.call(t, fiber.MethodPost, "/logout", cookie, header...)
			if err := h.logout.last(t); !errors.Is(err, tt.want) {
				t.Fatalf("Logout: %v, want %v (%d %q)", err, tt.want, resp.StatusCode, body)
			}
			if errors.Is(tt.want, fiberjwt.ErrCSRF) {
				utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers of a refused logout")
			} else {
				for _, name := range []string{"token", fiberjwt.CSRFCookieName} {
					utils.AssertEqual(t, "", onlyCookie(t, resp, name).Value, name+" cleared")
				}
			}
			wantWrites := 0
			if tt.revoked {
				wantWrites = 1
			}
			utils.AssertEqual(t, wantWrites, st.writes(), "revocations written")

			if tt.undo != nil {
				tt.undo(st, &veto)
			}
			resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
			if tt.revoked {
				utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the token after the logout: "+body)
				if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
					t.Fatalf("got %v, want ErrRevoked", err)
				}
			} else {
				utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the token after the failed logout: "+body)
			}
		})
	}

	t.Run("already revoked", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		token := h.signIn(t, "alice", "wonderland")
		h.signOut(t, token)

		resp, body := h.call(t, fiber.MethodPost, "/logout", h.with(token), fiberjwt.CSRFHeader, h.csrfFor(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		if err := h.logout.last(t); err != nil {
			t.Fatalf("second Logout: %v", err)
		}
		utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value)
		utils.AssertEqual(t, "", onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)
		resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the token after the second logout")
	})
}

// go test -run Test_Logout_RevocationOutlivesLeeway -race
func Test_Logout_RevocationOutlivesLeeway(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLeeway(time.Hour))
	token := h.signIn(t, "alice", "wonderland")
	other := h.signIn(t, "alice", "wonderland")
	h.signOut(t, token)

	// Past exp but within the leeway, a token is still accepted ...
	h.clock.Advance(24*time.Hour + 59*time.Minute)
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(other))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)

	// ... so its revocation must not have been forgotten.
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
}

// storage is a fiber.Storage stub whose Get and Set fail with the given
// errors; Set records nothing.
type storage struct{ getErr, setErr error }

func (s storage) Get(string) ([]byte, error)              { return nil, s.getErr }
func (s storage) Set(string, []byte, time.Duration) error { return s.setErr }
func (storage) Delete(string) error                       { return nil }
func (storage) Reset() error                              { return nil }
func (storage) Close() error                              { return nil }

// go test -run Test_Logout_StorageFails -race
func Test_Logout_StorageFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withStorage(storage{setErr: errBackend}))
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodPost, "/logout", h.with(token))

	utils.AssertEqual(t, fiber.StatusServiceUnavailable, resp.StatusCode, body)
	err := h.logout.last(t)
	if !errors.Is(err, fiberjwt.ErrStorage) || !errors.Is(err, errBackend) {
		t.Fatalf("Logout: got %v, want ErrStorage wrapping the backend's error", err)
	}
	utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value, "the cookie is cleared all the same")
}

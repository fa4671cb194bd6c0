package fiberjwt_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// revocationList is a fiberjwt.Revocations in memory that records what it
// is given and fails while down is set.
type revocationList struct {
	mu    sync.Mutex
	until map[string]time.Time
	down  bool
}

func (l *revocationList) Revoke(id string, until time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return errBackend
	}
	if l.until == nil {
		l.until = map[string]time.Time{}
	}
	l.until[id] = until
	return nil
}

func (l *revocationList) IsRevoked(id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return false, errBackend
	}
	_, ok := l.until[id]
	return ok, nil
}

func (l *revocationList) setDown(down bool) {
	l.mu.Lock()
	l.down = down
	l.mu.Unlock()
}

// go test -run Test_Revocations -race
func Test_Revocations(t *testing.T) {
	t.Parallel()
	list := &revocationList{}
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.Revocations = list }, withLeeway(5*time.Second))
	token := h.signIn(t, "alice", "wonderland")
	other := h.signIn(t, "bob", "builder")
	login := h.clock.Now()
	h.signOut(t, token)

	// Logout gave the list the session, until its last token could expire
	// (a refresh could have carried it Expiration past the logout) plus
	// the leeway.
	list.mu.Lock()
	utils.AssertEqual(t, 1, len(list.until), "revocations recorded")
	for _, until := range list.until {
		if want := login.Add(24*time.Hour + 5*time.Second); !until.Equal(want) {
			t.Fatalf("revoked until %v, want %v", until, want)
		}
	}
	list.mu.Unlock()

	resp, _ := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "after logout")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("got %v, want ErrRevoked", err)
	}
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(other))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "another session: "+body)

	// A list that cannot tell fails closed; one that cannot record makes
	// Logout report ErrStorage.
	list.setDown(true)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(other))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "list down")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrStorage) || !errors.Is(err, errBackend) {
		t.Fatalf("got %v, want ErrStorage wrapping the list's error", err)
	}
	h.send(t, fiber.MethodPost, "/logout", h.with(other))
	if err := h.logout.last(t); !errors.Is(err, fiberjwt.ErrStorage) {
		t.Fatalf("Logout with the list down: %v, want ErrStorage", err)
	}
}

// go test -run Test_Revocations_WithStorage -race
func Test_Revocations_WithStorage(t *testing.T) {
	t.Parallel()
	err := recovered(newPanics(fiberjwt.Config[User]{SecretKey: testSecret, Revocations: &revocationList{}, Storage: newRecordingStorage()}))
	if !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("New with Storage and Revocations: %v, want ErrConfig", err)
	}
}

package fiberjwt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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

// ctxStorage is a fiber.Storage that also has GetWithContext and
// SetWithContext. It records the request value that reaches those through
// the context, and counts the calls of the plain methods.
type ctxStorage struct {
	mu    sync.Mutex
	m     map[string][]byte
	seen  []string // "get <value>" or "set <value>"
	plain int
}

// requestKey is the context key of the value ctxStorage records.
type requestKey struct{}

func (s *ctxStorage) record(op string, ctx context.Context) {
	v, _ := ctx.Value(requestKey{}).(string)
	s.seen = append(s.seen, op+" "+v)
}

func (s *ctxStorage) GetWithContext(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record("get", ctx)
	return s.m[key], nil
}

func (s *ctxStorage) SetWithContext(ctx context.Context, key string, val []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record("set", ctx)
	s.m[key] = val
	return nil
}

func (s *ctxStorage) Get(string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plain++
	return nil, nil
}

func (s *ctxStorage) Set(string, []byte, time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plain++
	return nil
}

func (s *ctxStorage) Delete(string) error { return nil }
func (s *ctxStorage) Reset() error        { return nil }
func (s *ctxStorage) Close() error        { return nil }

// go test -run Test_Storage_Context
//
// A Storage with context methods is called through them, with the
// request's c.UserContext(), and never through Get and Set.
func Test_Storage_Context(t *testing.T) {
	t.Parallel()
	store := &ctxStorage{m: map[string][]byte{}}
	app := fiber.New()
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(context.WithValue(c.UserContext(), requestKey{}, c.Get("X-Request")))
		return c.Next()
	})
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    testSecret,
		Storage:      store,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
		Next:         func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Post("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		return err
	})
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/logout", func(c *fiber.Ctx) error { return fiberjwt.Logout(c) })

	send := func(method, path, request, cookie, csrf string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("X-Request", request)
		req.Header.Set("Cookie", cookie)
		req.Header.Set(fiberjwt.CSRFHeader, csrf)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	login := send(fiber.MethodPost, "/login", "login", "", "")
	var cookie, csrf string
	for _, c := range login.Cookies() {
		cookie += c.Name + "=" + c.Value + "; "
		if c.Name == fiberjwt.CSRFCookieName {
			csrf = c.Value
		}
	}
	utils.AssertEqual(t, fiber.StatusOK, send(fiber.MethodGet, "/protected", "first", cookie, "").StatusCode)
	utils.AssertEqual(t, fiber.StatusOK, send(fiber.MethodPost, "/logout", "logout", cookie, csrf).StatusCode)
	utils.AssertEqual(t, fiber.StatusUnauthorized, send(fiber.MethodGet, "/protected", "after", cookie, "").StatusCode)

	store.mu.Lock()
	defer store.mu.Unlock()
	// The login reads the failed logins counted (account and address,
	// then the account's to clear); each request reads the session's
	// revocation, then the user's; a revoked session stops at the first.
	utils.AssertEqual(t, []string{"get login", "get login", "get login", "get first", "get first",
		"get logout", "get logout", "set logout", "get after"}, store.seen)
	utils.AssertEqual(t, 0, store.plain)
}

package fiberjwt_test

// The tests of what is Fiber v3's own in this adapter. The behaviour both
// adapters share is tested once, by the conformance suite (see
// internal/conformance, run by example/conformance_test.go here and in the
// root module), and in depth by the root package's tests of the core.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/fiberv3"
	"github.com/fiberjwt/fiberjwt/internal/core"
	"github.com/gofiber/fiber/v3"
)

// go test -run Test_CSRFNames
// The exported names are the ones the core uses.
func Test_CSRFNames(t *testing.T) {
	t.Parallel()
	got := []string{fiberjwt.CSRFHeader, fiberjwt.CSRFField}
	want := []string{core.CSRFHeader, core.CSRFField}
	if !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
}

// ctxStorage is a Fiber v3 fiber.Storage. It records the request value
// that reaches its context methods, and counts the calls of the others.
type ctxStorage struct {
	mu    sync.Mutex
	m     map[string][]byte
	seen  []string // "get <value>" or "set <value>"
	plain int
}

// requestKey is the context key of the value ctxStorage records.
type requestKey struct{}

func (s *ctxStorage) with(op string, ctx context.Context, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := ctx.Value(requestKey{}).(string)
	s.seen = append(s.seen, op+" "+v)
	f()
}

func (s *ctxStorage) GetWithContext(ctx context.Context, key string) (v []byte, _ error) {
	s.with("get", ctx, func() { v = s.m[key] })
	return v, nil
}

func (s *ctxStorage) SetWithContext(ctx context.Context, key string, val []byte, _ time.Duration) error {
	s.with("set", ctx, func() { s.m[key] = val })
	return nil
}

func (s *ctxStorage) count() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plain++
}

func (s *ctxStorage) Get(string) ([]byte, error)                      { s.count(); return nil, nil }
func (s *ctxStorage) Set(string, []byte, time.Duration) error         { s.count(); return nil }
func (s *ctxStorage) DeleteWithContext(context.Context, string) error { s.count(); return nil }
func (s *ctxStorage) Delete(string) error                             { s.count(); return nil }
func (s *ctxStorage) ResetWithContext(context.Context) error          { s.count(); return nil }
func (s *ctxStorage) Reset() error                                    { s.count(); return nil }
func (s *ctxStorage) Close() error                                    { return nil }

func (s *ctxStorage) snapshot() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen), s.plain
}

// go test -run Test_Storage_Context
//
// Fiber v3's Storage is called through its context methods, with the
// request's c.Context(), and never through the others.
func Test_Storage_Context(t *testing.T) {
	t.Parallel()
	store := &ctxStorage{m: map[string][]byte{}}
	app := fiber.New()
	app.Use(func(c fiber.Ctx) error {
		c.SetContext(context.WithValue(c.Context(), requestKey{}, c.Get("X-Request")))
		return c.Next()
	})
	app.Use(fiberjwt.New(fiberjwt.Config[map[string]string]{
		SecretKey: make([]byte, 64),
		Storage:   store,
		Authenticate: func(_ fiber.Ctx, id, _ string) (map[string]string, error) {
			return map[string]string{"id": id}, nil
		},
		Next: func(c fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Post("/login", func(c fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		return err
	})
	app.Get("/protected", func(c fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/logout", func(c fiber.Ctx) error { return fiberjwt.Logout(c) })

	send := func(method, path, request, cookie, csrf string) int {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("X-Request", request)
		req.Header.Set("Cookie", cookie)
		req.Header.Set(fiberjwt.CSRFHeader, csrf)
		resp, err := app.Test(req, fiber.TestConfig{Timeout: 0})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	resp, err := app.Test(req, fiber.TestConfig{Timeout: 0})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	var cookie, csrf string
	for _, c := range resp.Cookies() {
		cookie += c.Name + "=" + c.Value + "; "
		if c.Name == fiberjwt.CSRFCookieName {
			csrf = c.Value
		}
	}
	for _, step := range []struct {
		method, path, request, csrf string
		want                        int
	}{
		{http.MethodGet, "/protected", "first", "", http.StatusOK},
		{http.MethodPost, "/logout", "logout", csrf, http.StatusOK},
		{http.MethodGet, "/protected", "after", "", http.StatusUnauthorized},
	} {
		if got := send(step.method, step.path, step.request, cookie, step.csrf); got != step.want {
			t.Fatalf("%s %s: %d, want %d", step.method, step.path, got, step.want)
		}
	}
	seen, plain := store.snapshot()
	// The login reads the failed logins counted (no X-Request header);
	// each request reads the session's revocation, then the user's; a
	// revoked session stops at the first.
	if want := []string{"get ", "get ", "get ", "get first", "get first", "get logout", "get logout", "set logout", "get after"}; !slices.Equal(seen, want) || plain != 0 {
		t.Fatalf("storage calls %q and %d plain ones, want %q and none", seen, plain, want)
	}
}

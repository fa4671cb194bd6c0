package fiberjwt_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
)

// Test_APIClient: an API client signs in without cookies
// (LoginOptions.Bearer), calls with its Bearer token, refreshes it
// (RefreshToken: the same session, a new jti, until MaxSessionAge), and
// logs out with it, all without a Set-Cookie; refusals carry RFC 6750's
// WWW-Authenticate challenge.
//
//	go test -run Test_APIClient .
func Test_APIClient(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:     []byte(testSecret),
		AcceptBearer:  true,
		TimeFunc:      clock,
		Expiration:    time.Hour,
		MaxSessionAge: 3 * time.Hour,
		Subject:       func(u User) string { return u.ID },
		Authenticate:  func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
		Next:          func(c *fiber.Ctx) bool { return c.Path() == "/api/login" },
	}))
	app.Post("/api/login", func(c *fiber.Ctx) error {
		tok, err := fiberjwt.ProcessLoginWith(c, c.FormValue("id"), c.FormValue("pw"), fiberjwt.LoginOptions{Bearer: true})
		if err != nil {
			return c.SendStatus(http.StatusUnauthorized)
		}
		return c.JSON(fiber.Map{"access_token": tok})
	})
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		return c.SendString(u.ID)
	})
	app.Post("/api/refresh", func(c *fiber.Ctx) error {
		tok, err := fiberjwt.RefreshToken(c)
		if errors.Is(err, fiberjwt.ErrTokenExpired) {
			return c.SendStatus(http.StatusUnauthorized)
		} else if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"access_token": tok})
	})
	app.Post("/api/logout", func(c *fiber.Ctx) error { return fiberjwt.Logout(c) })

	call := func(method, path, token string, form string) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(form))
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if c := resp.Header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("%s %s set cookies on an API client: %q", method, path, c)
		}
		return resp, string(body)
	}
	tokenOf := func(body string) string {
		t.Helper()
		var v struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal([]byte(body), &v) != nil || v.AccessToken == "" {
			t.Fatalf("no access_token in %q", body)
		}
		return v.AccessToken
	}
	claims := func(tok string) map[string]any {
		t.Helper()
		raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	resp, _ := call(http.MethodGet, "/api/me", "", "")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("no token: %d, WWW-Authenticate %q; want 401, Bearer", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = call(http.MethodGet, "/api/me", "not.a.token", "")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Fatalf("a bad token: %d, WWW-Authenticate %q; want 401, invalid_token", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	resp, body := call(http.MethodPost, "/api/login", "", "id=alice&pw=wonderland")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	first := tokenOf(body)
	if _, body = call(http.MethodGet, "/api/me", first, ""); body != "alice" {
		t.Fatalf("GET /api/me with the token: %q", body)
	}

	advance(50 * time.Minute)
	resp, body = call(http.MethodPost, "/api/refresh", first, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", resp.StatusCode, body)
	}
	second := tokenOf(body)
	c1, c2 := claims(first), claims(second)
	if c1["sid"] != c2["sid"] || c1["jti"] == c2["jti"] || c2["exp"].(float64) <= c1["exp"].(float64) || c1["auth_time"] != c2["auth_time"] {
		t.Fatalf("the refreshed token is not the same session with a new jti and a later exp: %v then %v", c1, c2)
	}
	advance(40 * time.Minute) // the first token has expired, the second not
	if resp, _ = call(http.MethodGet, "/api/me", first, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the first token after its exp: %d, want 401", resp.StatusCode)
	}
	if _, body = call(http.MethodGet, "/api/me", second, ""); body != "alice" {
		t.Fatalf("the refreshed token: %q", body)
	}

	// Refreshing keeps working until MaxSessionAge, then ends.
	tok := second
	for i := 0; i < 3; i++ {
		advance(50 * time.Minute)
		resp, body = call(http.MethodPost, "/api/refresh", tok, "")
		if resp.StatusCode != http.StatusOK {
			break
		}
		tok = tokenOf(body)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("refreshing past MaxSessionAge: %d, want 401", resp.StatusCode)
	}

	// A new login, then logout by Bearer: no cookies, and the session ends.
	_, body = call(http.MethodPost, "/api/login", "", "id=alice&pw=wonderland")
	tok = tokenOf(body)
	_, body = call(http.MethodPost, "/api/refresh", tok, "")
	refreshed := tokenOf(body)
	if resp, body = call(http.MethodPost, "/api/logout", tok, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: %d %s", resp.StatusCode, body)
	}
	for _, tk := range []string{tok, refreshed} {
		if resp, _ = call(http.MethodGet, "/api/me", tk, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a token of the logged-out session: %d, want 401", resp.StatusCode)
		}
	}
}

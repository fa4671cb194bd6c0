package fiberjwt_test

// Tokens of identity providers (another issuer, through NewRemoteKeySet):
// the outside review's round-2 findings, and what a resource server behind
// a real IdP trips over.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
)

// idpToken is an identity provider's token for sub, signed with priv
// under kid, carrying whatever extra claims it is given.
func idpToken(t *testing.T, alg, kid string, priv any, sub string, extra jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"sub": sub, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "idp-" + sub}
	for k, v := range extra {
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// idpAPI is a resource server for keys: Bearer tokens accepted, the user
// built from sub, GET /me answering the user's ID. edit, when not nil,
// changes the Config.
func idpAPI(keys *fiberjwt.KeySet, app *fiber.App, edit func(*fiberjwt.Config[keyUser])) *fiber.App {
	cfg := fiberjwt.Config[keyUser]{
		Keys:         keys,
		AcceptBearer: true,
		UserFromClaims: func(claims map[string]any) (keyUser, error) {
			sub, _ := claims["sub"].(string)
			return keyUser{ID: sub}, nil
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	app.Use(fiberjwt.New(cfg))
	app.Get("/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[keyUser](c)
		return c.SendString(u.ID)
	})
	return app
}

// idpCall sends GET /me with token as a Bearer header, or as the token
// cookie, and returns the status, the body and the Set-Cookie headers.
func idpCall(t *testing.T, app *fiber.App, token string, cookie bool) (int, string, []string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	if cookie {
		req.AddCookie(&http.Cookie{Name: "token", Value: token})
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Values("Set-Cookie")
}

// Test_RemoteKeySet_NotOwnTokens: a token verified by a remote set is
// another issuer's whatever claims it carries. An identity provider's
// token with a claim named usr (any case) gets its user from
// UserFromClaims, never from that claim, and its sid, csrf and auth_time
// are not taken as a session of ours. New refuses such a set without
// UserFromClaims.
//
//	go test -run Test_RemoteKeySet_NotOwnTokens .
func Test_RemoteKeySet_NotOwnTokens(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("idp-1", "", priv.Public()))))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: srv.URL + "/jwks", Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}

	func() {
		defer func() {
			err, _ := recover().(error)
			if !errors.Is(err, fiberjwt.ErrConfig) || !strings.Contains(err.Error(), "UserFromClaims") {
				t.Errorf("New with another issuer's set and no UserFromClaims: %v; want ErrConfig naming UserFromClaims", err)
			}
		}()
		fiberjwt.New(fiberjwt.Config[keyUser]{Keys: keys})
	}()

	app := idpAPI(keys, fiber.New(), nil)
	for _, name := range []string{"usr", "USR", "Usr"} {
		tok := idpToken(t, "ES256", "idp-1", priv, "mallory", jwt.MapClaims{
			name: map[string]string{"id": "admin"}, "sid": "s", "csrf": "c", "auth_time": 1,
		})
		for _, cookie := range []bool{false, true} {
			status, body, cookies := idpCall(t, app, tok, cookie)
			if status != http.StatusOK || body != "mallory" {
				t.Errorf("claim %q (cookie %v): %d %q; want 200 and the user UserFromClaims built, mallory", name, cookie, status, body)
			}
			if len(cookies) != 0 {
				t.Errorf("claim %q (cookie %v): the foreign token was refreshed: %v", name, cookie, cookies)
			}
		}
	}
}

// Test_UserFromClaims_NilUser: UserFromClaims returning a nil user without
// an error refuses the token (401), as Authenticate's nil user is refused.
//
//	go test -run Test_UserFromClaims_NilUser .
func Test_UserFromClaims_NilUser(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("idp-1", "", priv.Public()))))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: srv.URL + "/jwks", Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	var got error
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[*keyUser]{
		Keys:           keys,
		AcceptBearer:   true,
		UserFromClaims: func(map[string]any) (*keyUser, error) { return nil, nil },
		Unauthorized: func(c *fiber.Ctx, err error) error {
			got = err
			return c.SendStatus(http.StatusUnauthorized)
		},
	}))
	app.Get("/me", func(c *fiber.Ctx) error { return c.SendString("signed in") })
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+idpToken(t, "ES256", "idp-1", priv, "alice", nil))
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !errors.Is(got, fiberjwt.ErrInvalidToken) {
		t.Fatalf("a nil user from UserFromClaims: %d, %v; want 401 with ErrInvalidToken", resp.StatusCode, got)
	}
}

// Test_RemoteKeySet_EndedContext: once the context given to
// NewRemoteKeySet ends, no fetch will run, so a token with an unknown kid
// is refused at once instead of waiting UnknownKidWait (here 30 s; the
// test allows 10).
//
//	go test -run Test_RemoteKeySet_EndedContext .
func Test_RemoteKeySet_EndedContext(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("idp-1", "", priv.Public()))))
	ctx, cancel := context.WithCancel(context.Background())
	keys, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{
		URL: srv.URL + "/jwks", Client: srv.Client(), OwnTokens: true,
		MinRefresh: time.Millisecond, UnknownKidWait: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	a := newDefaultApp(keys)
	// Several requests: the first may still meet the refresh goroutine
	// before it sees the end of its context; the later ones cannot.
	done := make(chan int, 1)
	go func() {
		for i := 0; i < 3; i++ {
			status, _ := a.do(t, "GET", "/me", otherToken(t, "ES256", "unknown-kid", priv, "alice"))
			done <- status
		}
	}()
	deadline := time.After(10 * time.Second)
	for i := 0; i < 3; i++ {
		select {
		case status := <-done:
			if status != http.StatusUnauthorized {
				t.Fatalf("unknown kid after the context ended (request %d): %d, want 401", i+1, status)
			}
		case <-deadline:
			t.Fatalf("request %d with an unknown kid waited for a fetch that will never run", i+1)
		}
	}
}

// Test_RemoteKeySet_KidlessAndReasons: a token without kid is verified by
// the one key of its algorithm when the set has exactly one, and refused
// when it has two; a set whose every key is skipped fails with the reasons
// in the error, not only in OnError.
//
//	go test -run Test_RemoteKeySet_KidlessAndReasons .
func Test_RemoteKeySet_KidlessAndReasons(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	es, rs := ecKeys["ES256"], rsaKey
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("e1", "", es.Public()), jwkOf("r1", "RS256", rs.Public()), jwkOf("r2", "RS256", rs.Public()))))
	a := newDefaultApp(srv.mustRemote(t, fiberjwt.RemoteKeys{}))
	if status, _ := a.do(t, "GET", "/me", otherToken(t, "ES256", "", es, "alice")); status != http.StatusOK {
		t.Errorf("ES256 without kid, one ES256 key: %d, want 200", status)
	}
	if status, _ := a.do(t, "GET", "/me", otherToken(t, "RS256", "", rs, "alice")); status != http.StatusUnauthorized {
		t.Errorf("RS256 without kid, two RS256 keys: %d, want 401", status)
	}
	if status, _ := a.do(t, "GET", "/me", otherToken(t, "ES256", "r1", es, "alice")); status != http.StatusUnauthorized {
		t.Errorf("ES256 naming an RS256 key: %d, want 401", status)
	}

	bad := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("r", "", rs.Public()))))
	_, err := bad.remote(t, fiberjwt.RemoteKeys{})
	if !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "RSAAlgorithm") {
		t.Fatalf("a set of one RSA key without alg: %v; want ErrKeysUnavailable naming RSAAlgorithm", err)
	}
}

// Test_Bearer_LargeToken: an identity provider's access token of 6 KB (a
// user in many groups) is accepted as a Bearer token when the app reads
// headers of 32 KiB; in a cookie, which browsers cap at 4 KB, it is
// refused.
//
//	go test -run Test_Bearer_LargeToken .
func Test_Bearer_LargeToken(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("idp-1", "", priv.Public()))))
	keys := srv.mustRemote(t, fiberjwt.RemoteKeys{})
	app := idpAPI(keys, fiber.New(fiber.Config{ReadBufferSize: 32 << 10}), nil)
	groups := make([]string, 150)
	for i := range groups {
		groups[i] = "5f8c2e1a-0b7d-4c3e-9a61-" + strings.Repeat("0", 8) + string(rune('a'+i%26)) + "abc"
	}
	tok := idpToken(t, "ES256", "idp-1", priv, "alice", jwt.MapClaims{"groups": groups})
	if len(tok) < 6000 {
		t.Fatalf("the token has %d bytes, want a 6 KB one", len(tok))
	}
	for _, cookie := range []bool{false, true} {
		want := http.StatusOK
		if cookie {
			want = http.StatusUnauthorized
		}
		if status, _, _ := idpCall(t, app, tok, cookie); status != want {
			t.Errorf("a %d-byte token (cookie %v): %d, want %d", len(tok), cookie, status, want)
		}
	}
}

// Test_Issuers_Audiences: with several accepted issuers and audiences a
// token passes when its iss is one of them and its aud names one of them
// (Entra ID's v1 and v2 issuers, an API's two audience forms); any other
// is refused.
//
//	go test -run Test_Issuers_Audiences .
func Test_Issuers_Audiences(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("idp-1", "", priv.Public()))))
	app := idpAPI(srv.mustRemote(t, fiberjwt.RemoteKeys{}), fiber.New(), func(cfg *fiberjwt.Config[keyUser]) {
		cfg.Issuer = "https://sts.windows.net/tenant/"
		cfg.Issuers = []string{"https://login.microsoftonline.com/tenant/v2.0"}
		cfg.Audience = "api://orders"
		cfg.Audiences = []string{"6d1f0c2a-orders"}
	})
	for _, tt := range []struct {
		iss  string
		aud  any
		want int
	}{
		{"https://sts.windows.net/tenant/", "api://orders", http.StatusOK},
		{"https://login.microsoftonline.com/tenant/v2.0", "6d1f0c2a-orders", http.StatusOK},
		{"https://login.microsoftonline.com/tenant/v2.0", []string{"other", "api://orders"}, http.StatusOK},
		{"https://evil.example/", "api://orders", http.StatusUnauthorized},
		{"https://sts.windows.net/tenant/", "api://billing", http.StatusUnauthorized},
		{"", "api://orders", http.StatusUnauthorized},
	} {
		status, _, _ := idpCall(t, app, idpToken(t, "ES256", "idp-1", priv, "alice", jwt.MapClaims{"iss": tt.iss, "aud": tt.aud}), false)
		if status != tt.want {
			t.Errorf("iss %q, aud %v: %d, want %d", tt.iss, tt.aud, status, tt.want)
		}
	}
}

// Test_RemoteKeySet_RSAAlgorithms: one RSA key published without alg
// verifies every algorithm of RSAAlgorithms (an IdP signing RS256 and
// PS256 with one key), and no other; with RSAAlgorithm alone, only that
// one.
//
//	go test -run Test_RemoteKeySet_RSAAlgorithms .
func Test_RemoteKeySet_RSAAlgorithms(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("r", "", rsaKey.Public()))))
	both := newDefaultApp(srv.mustRemote(t, fiberjwt.RemoteKeys{RSAAlgorithms: []string{"RS256", "PS256"}}))
	one := newDefaultApp(srv.mustRemote(t, fiberjwt.RemoteKeys{RSAAlgorithm: "RS256"}))
	for _, tt := range []struct {
		app       *keysApp
		name, alg string
		want      int
	}{
		{both, "RS256 and PS256", "RS256", http.StatusOK},
		{both, "RS256 and PS256", "PS256", http.StatusOK},
		{both, "RS256 and PS256", "RS384", http.StatusUnauthorized},
		{one, "RS256 alone", "RS256", http.StatusOK},
		{one, "RS256 alone", "PS256", http.StatusUnauthorized},
	} {
		if status, _ := tt.app.do(t, "GET", "/me", otherToken(t, tt.alg, "r", rsaKey, "alice")); status != tt.want {
			t.Errorf("%s: a %s token: %d, want %d", tt.name, tt.alg, status, tt.want)
		}
	}
}

// Test_RemoteKeySet_Discovery: given the issuer, NewRemoteKeySet finds its
// keys through its OpenID Provider metadata (jwks_uri) and its tokens
// verify; metadata naming another issuer, a URL that is the metadata
// instead of the JWKS, and both URL and Issuer fail with errors that say
// what to set.
//
//	go test -run Test_RemoteKeySet_Discovery .
func Test_RemoteKeySet_Discovery(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	var issuer string      // the server's own URL
	var named atomic.Value // the issuer the metadata names
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_, _ = io.WriteString(w, `{"issuer":"`+named.Load().(string)+`","jwks_uri":"https://`+r.Host+`/keys"}`)
		case "/keys":
			_, _ = io.WriteString(w, jwksOf(jwkOf("idp-1", "", priv.Public())))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	issuer = srv.URL
	named.Store(issuer)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{Issuer: issuer, Client: srv.Client()})
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	app := idpAPI(keys, fiber.New(), func(cfg *fiberjwt.Config[keyUser]) { cfg.Issuer = issuer })
	if status, body, _ := idpCall(t, app, idpToken(t, "ES256", "idp-1", priv, "alice", jwt.MapClaims{"iss": issuer}), false); status != http.StatusOK || body != "alice" {
		t.Fatalf("a token of the discovered issuer: %d %q; want 200 alice", status, body)
	}

	named.Store("https://other.example")
	_, err = fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{Issuer: issuer, Client: srv.Client()})
	if !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "names the issuer") {
		t.Errorf("metadata of another issuer: %v; want ErrKeysUnavailable saying which issuer it names", err)
	}
	_, err = fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: issuer + "/.well-known/openid-configuration", Client: srv.Client()})
	if !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "RemoteKeys.Issuer") {
		t.Errorf("URL set to the metadata: %v; want ErrKeysUnavailable pointing to RemoteKeys.Issuer", err)
	}
	_, err = fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: issuer + "/keys", Issuer: issuer})
	if !errors.Is(err, fiberjwt.ErrConfig) {
		t.Errorf("both URL and Issuer: %v; want ErrConfig", err)
	}
}

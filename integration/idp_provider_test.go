package integration

// fiberjwt as a resource server behind a real OpenID Provider nobody here
// wrote: panva's oidc-provider (internal/oidctest), which signs its ID
// tokens with jose. The API finds the provider's keys by discovery and
// accepts the provider's tokens as Bearer tokens.
//
//	cd integration && go test -run Test_IdP_Provider ./...

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/internal/oidctest"
	"github.com/gofiber/fiber/v2"
)

// providerIDToken signs login in at the provider as the client and
// returns the ID token the token endpoint issues (authorization code flow
// with PKCE).
func providerIDToken(t *testing.T, prov *oidctest.Provider, client oidctest.Client, login string) string {
	t.Helper()
	random := func() string {
		b := make([]byte, 32)
		rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	verifier := random()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {client.ID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {client.RedirectURIs[0]}, "state": {random()}, "nonce": {random()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	jar, _ := cookiejar.New(nil)
	back := prov.SignIn(t, &http.Client{Jar: jar}, prov.Issuer+"/auth?"+q.Encode(), login)
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("the provider sent no code: %s", back)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {client.RedirectURIs[0]}, "code_verifier": {verifier}}
	req, _ := http.NewRequest(http.MethodPost, prov.Issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client.ID, client.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.IDToken == "" {
		t.Fatalf("token endpoint: %s: %s", resp.Status, body)
	}
	return tok.IDToken
}

// providerAPI is an API that accepts the provider's tokens for audience
// aud as Bearer tokens, its keys found by discovery; GET /me answers the
// token's sub.
func providerAPI(t *testing.T, prov *oidctest.Provider, aud string) func(token string) (int, string) {
	t.Helper()
	keys, err := fiberjwt.NewRemoteKeySet(t.Context(), fiberjwt.RemoteKeys{Issuer: prov.Issuer, AllowHTTP: true})
	if err != nil {
		t.Fatalf("discovery at the provider: %v", err)
	}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[string]{
		Keys: keys, AcceptBearer: true, Issuer: prov.Issuer, Audience: aud,
		UserFromClaims: func(claims map[string]any) (string, error) {
			sub, _ := claims["sub"].(string)
			return sub, nil
		},
	}))
	app.Get("/me", func(c *fiber.Ctx) error {
		sub, _ := fiberjwt.CurrentUser[string](c)
		return c.SendString(sub)
	})
	return func(token string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
}

// Test_IdP_Provider: the provider's ID token, sent as a Bearer token to an
// API whose keys come from the provider's discovery, is accepted with the
// user UserFromClaims builds from its sub, signed with RS256 or with
// Ed25519 (the key published and the token signed with RFC 9864's
// "alg":"Ed25519", as jose 6 does); the same token with a changed payload,
// and a token issued to another client (another audience), are refused.
func Test_IdP_Provider(t *testing.T) {
	cb := []string{"http://127.0.0.1:9/cb"}
	api := oidctest.Client{ID: "api", Secret: "api-secret-api-secret-api-secret", RedirectURIs: cb}
	other := oidctest.Client{ID: "other", Secret: "other-secret-other-secret-other", RedirectURIs: cb}
	prov := oidctest.Start(t, api, other)
	call := providerAPI(t, prov, api.ID)

	tok := providerIDToken(t, prov, api, "alice")
	if status, body := call(tok); status != http.StatusOK || body != "alice" {
		t.Fatalf("the provider's ID token: %d %q; want 200 alice", status, body)
	}
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"alice"`, `"admin"`, 1))) + "." + parts[2]
	if status, _ := call(forged); status != http.StatusUnauthorized {
		t.Errorf("the token with its sub changed: %d, want 401", status)
	}
	if status, _ := call(providerIDToken(t, prov, other, "alice")); status != http.StatusUnauthorized {
		t.Errorf("a token issued to another client: %d, want 401", status)
	}

	// Ed25519: a provider whose client "api" gets Ed25519 ID tokens.
	apiEd := api
	apiEd.IDTokenAlg = "Ed25519"
	edProv := oidctest.Start(t, apiEd)
	edTok := providerIDToken(t, edProv, apiEd, "bob")
	if header, _ := base64.RawURLEncoding.DecodeString(strings.Split(edTok, ".")[0]); !strings.Contains(string(header), `"alg":"Ed25519"`) {
		t.Fatalf("the provider's token header is %s, want alg Ed25519", header)
	}
	if status, body := providerAPI(t, edProv, api.ID)(edTok); status != http.StatusOK || body != "bob" {
		t.Errorf("the provider's Ed25519 ID token: %d %q; want 200 bob", status, body)
	}
}

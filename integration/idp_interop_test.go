package integration

// Interop with an issuer library nobody here wrote: tokens signed by
// github.com/go-jose/go-jose/v4, its JWKS and OpenID Provider metadata
// served over TLS by an httptest server shaped like a real identity
// provider (Google's issuer without a path, Auth0's with a trailing slash,
// Keycloak's realm path, Entra ID's tenant path), and a Fiber app with
// fiberjwt as the resource server in front of it.
//
//	cd integration
//	CI=true go test -race -count=1 -run 'Interop|IdP|Remote' ./...

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/gofiber/fiber/v2"
)

// idpUser is the user a resource server builds from an identity
// provider's claims.
type idpUser struct {
	Sub    string   `json:"sub"`
	Groups []string `json:"groups,omitempty"`
}

// idpUserFromClaims is the Config.UserFromClaims of the interop apps.
func idpUserFromClaims(claims map[string]any) (idpUser, error) {
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return idpUser{}, errors.New("no sub")
	}
	u := idpUser{Sub: sub}
	groups, _ := claims["groups"].([]any)
	for _, g := range groups {
		s, _ := g.(string)
		u.Groups = append(u.Groups, s)
	}
	return u, nil
}

// idpKeys are the signing keys of the fake identity provider, made once:
// RSA key generation is slow under -race.
var idpKeys = sync.OnceValue(func() (keys struct {
	rsa, otherRSA *rsa.PrivateKey
	ec            *ecdsa.PrivateKey
	ed, ed2       ed25519.PrivateKey
}) {
	var err error
	must := func(e error) {
		if e != nil {
			panic(e)
		}
	}
	keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	keys.otherRSA, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	keys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	_, keys.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, keys.ed2, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return keys
})

// fakeIDP is an identity provider: its issuer URL, and the JWKS and
// openid-configuration it serves over TLS.
type fakeIDP struct {
	srv    *httptest.Server
	issuer string
	jwks   jose.JSONWebKeySet
}

// newFakeIDP starts an identity provider whose issuer is the server's URL
// followed by path ("" like Google, "/" like Auth0, "/realms/demo" like
// Keycloak, "/TENANT/v2.0" like Entra ID). It publishes:
//
//   - rsa-1, an RSA key without alg (Entra ID and Google omit it),
//   - ec-1, a P-256 key with alg ES256,
//   - ed-1, an Ed25519 key with RFC 9864's alg "Ed25519",
//   - ed-2, an Ed25519 key with alg "EdDSA".
//
// There is one key for ES256 and for RS256, two for EdDSA.
func newFakeIDP(t *testing.T, path string) *fakeIDP {
	t.Helper()
	k := idpKeys()
	idp := &fakeIDP{jwks: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: k.rsa.Public(), KeyID: "rsa-1", Use: "sig"},
		{Key: k.ec.Public(), KeyID: "ec-1", Algorithm: string(jose.ES256), Use: "sig"},
		{Key: k.ed.Public(), KeyID: "ed-1", Algorithm: "Ed25519", Use: "sig"},
		{Key: k.ed2.Public(), KeyID: "ed-2", Algorithm: string(jose.EdDSA), Use: "sig"},
	}}}
	mux := http.NewServeMux()
	idp.srv = httptest.NewTLSServer(mux)
	t.Cleanup(idp.srv.Close)
	idp.issuer = idp.srv.URL + path
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if err := json.NewEncoder(w).Encode(idp.jwks); err != nil {
			t.Error(err)
		}
	})
	metadata := strings.TrimSuffix(path, "/") + "/.well-known/openid-configuration"
	mux.HandleFunc("GET "+metadata, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                idp.issuer,
			"authorization_endpoint":                idp.srv.URL + "/authorize",
			"token_endpoint":                        idp.srv.URL + "/token",
			"jwks_uri":                              idp.srv.URL + "/keys",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256", "PS256", "ES256", "EdDSA", "Ed25519"},
		}); err != nil {
			t.Error(err)
		}
	})
	return idp
}

// remote returns the IdP's keys found by discovery from its issuer URL,
// with RSA keys without alg taken as RS256 or PS256.
func (idp *fakeIDP) remote(t *testing.T) *fiberjwt.KeySet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{
		Issuer:        idp.issuer,
		Client:        idp.srv.Client(),
		RSAAlgorithms: []string{"RS256", "PS256"},
	})
	if err != nil {
		t.Fatalf("NewRemoteKeySet by discovery of %s: %v", idp.issuer, err)
	}
	return keys
}

// ed25519Signer signs with an Ed25519 key under RFC 9864's algorithm name
// "Ed25519", which go-jose v4 does not know: it is go-jose's OpaqueSigner
// hook, so go-jose still writes the JWS.
type ed25519Signer struct {
	key ed25519.PrivateKey
	kid string
}

func (s ed25519Signer) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: s.key.Public(), KeyID: s.kid}
}

func (s ed25519Signer) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{"Ed25519"}
}

func (s ed25519Signer) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	return s.key.Sign(rand.Reader, payload, crypto.Hash(0))
}

// idpClaims are an access token's claims as an identity provider writes
// them: groups (Entra ID, Keycloak) and, to check that fiberjwt never
// takes it as its own user claim, a claim named usr.
type idpClaims struct {
	josejwt.Claims
	Groups []string       `json:"groups,omitempty"`
	Usr    map[string]any `json:"usr,omitempty"`
}

// sign returns a compact JWS of claims signed by go-jose with key under
// alg, naming kid in its header unless kid is "".
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims idpClaims) string {
	t.Helper()
	var signingKey any = jose.JSONWebKey{Key: key, KeyID: kid}
	if alg == "Ed25519" {
		signingKey = ed25519Signer{key: key.(ed25519.PrivateKey), kid: kid}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: signingKey}, (&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatalf("go-jose NewSigner %s: %v", alg, err)
	}
	token, err := josejwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("go-jose Serialize %s: %v", alg, err)
	}
	return token
}

// resourceServer is a Fiber app with fiberjwt in front of /me, which
// answers the user's sub and number of groups. Its read buffer is 32 KiB,
// so that a 6 KB Bearer token fits in it.
func resourceServer(t *testing.T, keys *fiberjwt.KeySet, issuer string, audiences ...string) *fiber.App {
	t.Helper()
	app := fiber.New(fiber.Config{ReadBufferSize: 32 << 10})
	app.Use(fiberjwt.New(fiberjwt.Config[idpUser]{
		Keys:           keys,
		UserFromClaims: idpUserFromClaims,
		AcceptBearer:   true,
		Issuer:         issuer,
		Audience:       audiences[0],
		Audiences:      audiences[1:],
		Leeway:         5 * time.Second,
	}))
	app.Get("/me", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[idpUser](c)
		if !ok {
			return c.SendStatus(http.StatusInternalServerError)
		}
		return c.SendString(fmt.Sprintf("%s %d", u.Sub, len(u.Groups)))
	})
	return app
}

// get sends GET /me with token as a Bearer token, or as the token cookie,
// and returns the status and body.
func get(t *testing.T, app *fiber.App, token string, cookie bool) (int, string) {
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
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// Test_IdP_Interop_GoJose: tokens that go-jose signs are accepted or
// refused by a fiberjwt resource server as they should, for each shape of
// issuer URL: RS256 and PS256 from one RSA key published without alg,
// ES256, EdDSA and RFC 9864's Ed25519 from keys published under either
// name, a token without kid when exactly one key has its algorithm (and
// not when two do), a 6 KB Bearer token with many groups, and tokens for
// two audiences; the usr claim of an IdP's token is never the user.
//
//	cd integration && CI=true go test -race -count=1 -run Test_IdP_Interop_GoJose ./...
func Test_IdP_Interop_GoJose(t *testing.T) {
	t.Parallel()
	shapes := []struct{ name, path string }{
		{"Google", ""},
		{"Auth0", "/"},
		{"Keycloak", "/realms/demo"},
		{"EntraID", "/11111111-2222-3333-4444-555555555555/v2.0"},
	}
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			t.Parallel()
			k := idpKeys()
			idp := newFakeIDP(t, shape.path)
			const api, appID = "api://orders", "6e74172b-be56-4843-9ff4-e66a39bb12e3"
			app := resourceServer(t, idp.remote(t), idp.issuer, api, appID)

			now := time.Now()
			claims := func(sub string, aud ...string) idpClaims {
				return idpClaims{Claims: josejwt.Claims{
					Issuer:    idp.issuer,
					Subject:   sub,
					Audience:  aud,
					IssuedAt:  josejwt.NewNumericDate(now),
					NotBefore: josejwt.NewNumericDate(now),
					Expiry:    josejwt.NewNumericDate(now.Add(time.Hour)),
					ID:        "jti-" + sub,
				}}
			}
			with := func(c idpClaims, f func(*idpClaims)) idpClaims { f(&c); return c }

			var groups []string
			big := claims("big", api)
			for i := 0; len(sign(t, jose.RS256, k.rsa, "rsa-1", big)) < 6<<10; i++ {
				groups = append(groups, fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i))
				big.Groups = groups
			}
			bigToken := sign(t, jose.RS256, k.rsa, "rsa-1", big)
			if len(bigToken) <= 4096 || len(bigToken) > 8<<10 {
				t.Fatalf("the large token has %d bytes; the test needs 4 to 8 KB", len(bigToken))
			}

			tests := []struct {
				name   string
				token  string
				cookie bool
				status int
				body   string
			}{
				{"RS256, RSA key without alg", sign(t, jose.RS256, k.rsa, "rsa-1", claims("alice", api)), false, 200, "alice 0"},
				{"PS256, the same RSA key", sign(t, jose.PS256, k.rsa, "rsa-1", claims("alice", api)), false, 200, "alice 0"},
				{"RS384, not among RSAAlgorithms", sign(t, jose.RS384, k.rsa, "rsa-1", claims("alice", api)), false, 401, ""},
				{"ES256", sign(t, jose.ES256, k.ec, "ec-1", claims("bob", api)), false, 200, "bob 0"},
				{"EdDSA, key published as Ed25519", sign(t, jose.EdDSA, k.ed, "ed-1", claims("carol", api)), false, 200, "carol 0"},
				{"Ed25519, key published as Ed25519", sign(t, "Ed25519", k.ed, "ed-1", claims("carol", api)), false, 200, "carol 0"},
				{"Ed25519, key published as EdDSA", sign(t, "Ed25519", k.ed2, "ed-2", claims("dave", api)), false, 200, "dave 0"},
				{"Ed25519, the other Ed25519 key's kid", sign(t, "Ed25519", k.ed, "ed-2", claims("dave", api)), false, 401, ""},
				{"ES256 without kid, one ES256 key", sign(t, jose.ES256, k.ec, "", claims("erin", api)), false, 200, "erin 0"},
				{"PS256 without kid, one RSA key", sign(t, jose.PS256, k.rsa, "", claims("erin", api)), false, 200, "erin 0"},
				{"EdDSA without kid, two Ed25519 keys", sign(t, jose.EdDSA, k.ed, "", claims("erin", api)), false, 401, ""},
				{"6 KB with many groups, Bearer", bigToken, false, 200, fmt.Sprintf("big %d", len(groups))},
				{"6 KB with many groups, cookie", bigToken, true, 401, ""},
				{"both audiences", sign(t, jose.ES256, k.ec, "ec-1", claims("frank", api, appID)), false, 200, "frank 0"},
				{"the second audience only", sign(t, jose.ES256, k.ec, "ec-1", claims("frank", appID)), false, 200, "frank 0"},
				{"another audience", sign(t, jose.ES256, k.ec, "ec-1", claims("frank", "api://other")), false, 401, ""},
				{"no audience", sign(t, jose.ES256, k.ec, "ec-1", claims("frank")), false, 401, ""},
				{"another issuer", sign(t, jose.ES256, k.ec, "ec-1", with(claims("grace", api), func(c *idpClaims) { c.Issuer = "https://evil.example.com" })), false, 401, ""},
				{"expired", sign(t, jose.ES256, k.ec, "ec-1", with(claims("grace", api), func(c *idpClaims) {
					c.IssuedAt = josejwt.NewNumericDate(now.Add(-2 * time.Hour))
					c.NotBefore = c.IssuedAt
					c.Expiry = josejwt.NewNumericDate(now.Add(-time.Hour))
				})), false, 401, ""},
				{"no exp", sign(t, jose.ES256, k.ec, "ec-1", with(claims("grace", api), func(c *idpClaims) { c.Expiry = nil })), false, 401, ""},
				{"rsa-1's kid, another RSA key", sign(t, jose.RS256, k.otherRSA, "rsa-1", claims("mallory", api)), false, 401, ""},
				{"RS256 naming the EC key", sign(t, jose.RS256, k.rsa, "ec-1", claims("mallory", api)), false, 401, ""},
				{"unknown kid", sign(t, jose.ES256, k.ec, "ec-9", claims("mallory", api)), false, 401, ""},
				{"usr claim is not the user", sign(t, jose.ES256, k.ec, "ec-1", with(claims("heidi", api), func(c *idpClaims) {
					c.Usr = map[string]any{"sub": "admin", "groups": []string{"admins"}}
				})), false, 200, "heidi 0"},
				{"ES256 in the cookie", sign(t, jose.ES256, k.ec, "ec-1", claims("ivan", api)), true, 200, "ivan 0"},
			}
			for _, tt := range tests {
				status, body := get(t, app, tt.token, tt.cookie)
				if status != tt.status || (tt.body != "" && body != tt.body) {
					t.Errorf("%s: %d %q; want %d %q", tt.name, status, body, tt.status, tt.body)
				}
			}
		})
	}
}

// Test_IdP_Interop_Discovery: NewRemoteKeySet finds the JWKS from the
// issuer URL by its openid-configuration, refuses metadata naming another
// issuer, and says what to do when given the metadata's address as the
// JWKS URL or an issuer without metadata.
//
//	cd integration && CI=true go test -race -count=1 -run Test_IdP_Interop_Discovery ./...
func Test_IdP_Interop_Discovery(t *testing.T) {
	t.Parallel()
	idp := newFakeIDP(t, "/realms/demo")
	newSet := func(cfg fiberjwt.RemoteKeys) error {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		cfg.Client = idp.srv.Client()
		cfg.RSAAlgorithm = "RS256"
		_, err := fiberjwt.NewRemoteKeySet(ctx, cfg)
		return err
	}
	if err := newSet(fiberjwt.RemoteKeys{Issuer: idp.issuer}); err != nil {
		t.Errorf("discovery from the issuer: %v", err)
	}
	if err := newSet(fiberjwt.RemoteKeys{Issuer: idp.issuer + "/"}); !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), idp.issuer) {
		t.Errorf("discovery from the issuer with a trailing slash, which its metadata does not name: %v; want ErrKeysUnavailable naming %s", err, idp.issuer)
	}
	if err := newSet(fiberjwt.RemoteKeys{Issuer: idp.srv.URL + "/realms/other"}); !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "openid-configuration") {
		t.Errorf("discovery from an issuer without metadata: %v; want ErrKeysUnavailable naming the openid-configuration tried", err)
	}
	if err := newSet(fiberjwt.RemoteKeys{URL: idp.issuer + "/.well-known/openid-configuration"}); !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "Issuer") {
		t.Errorf("the metadata's address as the JWKS URL: %v; want ErrKeysUnavailable pointing to RemoteKeys.Issuer", err)
	}
}

package fiberjwt_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
)

// keyUser is the user of the key tests.
type keyUser struct {
	ID string `json:"id"`
}

// keysApp is an app whose middleware uses ks: /login signs in the id given
// in the query, /me answers the user's id, /logout logs out; errs receives
// every error passed to Unauthorized.
type keysApp struct {
	app  *fiber.App
	mu   sync.Mutex
	errs []error
}

func newKeysApp(tb testing.TB, ks *fiberjwt.KeySet) *keysApp {
	tb.Helper()
	a := &keysApp{app: fiber.New()}
	a.app.Get("/jwks", ks.JWKS())
	a.app.Use(fiberjwt.New(fiberjwt.Config[keyUser]{
		Keys:        ks,
		DisableCSRF: true, // these tests are about keys
		Next:        func(c *fiber.Ctx) bool { return c.Path() == "/login" },
		Authenticate: func(_ *fiber.Ctx, id, _ string) (keyUser, error) {
			return keyUser{ID: id}, nil
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			a.mu.Lock()
			a.errs = append(a.errs, err)
			a.mu.Unlock()
			return c.SendStatus(fiber.StatusUnauthorized)
		},
	}))
	a.app.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, c.Query("id"), "pw")
		if err != nil {
			return c.Status(fiber.StatusTeapot).SendString(err.Error())
		}
		return c.SendString(token)
	})
	a.app.Get("/me", func(c *fiber.Ctx) error { return c.SendString(c.Locals("user").(keyUser).ID) })
	a.app.Post("/logout", func(c *fiber.Ctx) error { return fiberjwt.Logout(c) })
	return a
}

func (a *keysApp) do(tb testing.TB, method, path, token string) (int, string) {
	tb.Helper()
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "token", Value: token})
	}
	resp, err := a.app.Test(req, -1)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (a *keysApp) login(tb testing.TB, id string) string {
	tb.Helper()
	status, body := a.do(tb, "GET", "/login?id="+id, "")
	if status != fiber.StatusOK {
		tb.Fatalf("login %s: %d %s", id, status, body)
	}
	return body
}

// lastErr returns the last error passed to Unauthorized.
func (a *keysApp) lastErr(tb testing.TB) error {
	tb.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.errs) == 0 {
		tb.Fatal("Unauthorized was not called")
	}
	return a.errs[len(a.errs)-1]
}

func hsKey(id string, fill byte) fiberjwt.Key {
	return fiberjwt.Key{ID: id, Algorithm: "HS512", Secret: bytes.Repeat([]byte{fill}, 64)}
}

func mustKeySet(tb testing.TB, keys ...fiberjwt.Key) *fiberjwt.KeySet {
	tb.Helper()
	ks, err := fiberjwt.NewKeySet(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	return ks
}

func kidOf(tb testing.TB, token string) string {
	tb.Helper()
	t, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		tb.Fatal(err)
	}
	kid, _ := t.Header["kid"].(string)
	return kid
}

// go test -run Test_Keys_Rotation .
func Test_Keys_Rotation(t *testing.T) {
	t.Parallel()
	ks := mustKeySet(t, hsKey("k1", 1))
	a := newKeysApp(t, ks)
	old := a.login(t, "alice")
	if kid := kidOf(t, old); kid != "k1" {
		t.Fatalf("kid %q, want k1", kid)
	}

	if err := ks.Rotate(hsKey("k2", 2)); err != nil {
		t.Fatal(err)
	}
	if status, body := a.do(t, "GET", "/me", old); status != 200 || body != "alice" {
		t.Fatalf("a token of the previous key after rotation: %d %s, want 200", status, body)
	}
	fresh := a.login(t, "bob")
	if kid := kidOf(t, fresh); kid != "k2" {
		t.Fatalf("kid after rotation %q, want k2", kid)
	}
	if status, _ := a.do(t, "GET", "/me", fresh); status != 200 {
		t.Fatalf("a token of the new key: %d", status)
	}

	// A restarted instance configured with both keys keeps everybody in.
	restarted := newKeysApp(t, mustKeySet(t, hsKey("k2", 2), hsKey("k1", 1)))
	for _, tok := range []string{old, fresh} {
		if status, _ := restarted.do(t, "GET", "/me", tok); status != 200 {
			t.Fatalf("restarted instance refuses a token of key %s: %d", kidOf(t, tok), status)
		}
	}

	if err := ks.Retire("k1"); err != nil {
		t.Fatal(err)
	}
	if status, _ := a.do(t, "GET", "/me", old); status != 401 || !errors.Is(a.lastErr(t), fiberjwt.ErrInvalidToken) {
		t.Fatalf("a token of a retired key: %d, want 401 ErrInvalidToken", status)
	}
	if status, _ := a.do(t, "GET", "/me", fresh); status != 200 {
		t.Fatalf("the current key's token after retiring the old key: %d", status)
	}
	if err := ks.Retire("k2"); !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("Retire(current) = %v, want ErrConfig", err)
	}
	if err := ks.Retire("nope"); !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("Retire(unknown) = %v, want ErrConfig", err)
	}
	if err := ks.Rotate(hsKey("k2", 3)); !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("Rotate with a used ID = %v, want ErrConfig", err)
	}
}

// go test -run Test_Keys_UnknownKid .
func Test_Keys_UnknownKid(t *testing.T) {
	t.Parallel()
	k := hsKey("k1", 1)
	a := newKeysApp(t, mustKeySet(t, k))
	valid := jwt.MapClaims{"sub": "alice", "jti": "j", "exp": 4102444800, "usr": map[string]any{"id": "alice"}}
	for name, header := range map[string]map[string]any{
		"unknown kid":      {"kid": "k9"},
		"no kid":           {},
		"kid not a string": {"kid": 1},
	} {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS512, valid)
		for h, v := range header {
			tok.Header[h] = v
		}
		s, err := tok.SignedString(k.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := a.do(t, "GET", "/me", s); status != 401 || !errors.Is(a.lastErr(t), fiberjwt.ErrInvalidToken) {
			t.Errorf("%s: %d, want 401 ErrInvalidToken", name, status)
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS512, valid)
	tok.Header["kid"] = "k1"
	s, _ := tok.SignedString(k.Secret)
	if status, _ := a.do(t, "GET", "/me", s); status != 200 {
		t.Fatalf("the same token with the right kid: %d, want 200", status)
	}
}

// asymmetric keys, generated once: RSA generation is slow.
var (
	asymOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKeys   map[string]*ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
)

func asymKeys(tb testing.TB) {
	tb.Helper()
	asymOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		ecKeys = map[string]*ecdsa.PrivateKey{}
		for alg, curve := range map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()} {
			if ecKeys[alg], err = ecdsa.GenerateKey(curve, rand.Reader); err != nil {
				panic(err)
			}
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
}

func privateKeyFor(alg string) crypto.Signer {
	switch alg[:2] {
	case "RS", "PS":
		return rsaKey
	case "ES":
		return ecKeys[alg]
	}
	return edKey
}

var asymAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// go test -run Test_Keys_Asymmetric .
func Test_Keys_Asymmetric(t *testing.T) {
	asymKeys(t)
	for _, alg := range asymAlgorithms {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			priv := privateKeyFor(alg)
			issuer := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "a1", Algorithm: alg, PrivateKey: priv}))
			verifier := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "a1", Algorithm: alg, PublicKey: priv.Public()}))

			token := issuer.login(t, "alice")
			if h, _, _ := strings.Cut(token, "."); !strings.Contains(mustDecode(t, h), `"alg":"`+alg+`"`) {
				t.Fatalf("header %s does not name %s", mustDecode(t, h), alg)
			}
			for name, a := range map[string]*keysApp{"issuer": issuer, "verifier": verifier} {
				for pass := 0; pass < 2; pass++ { // a miss, then a cache hit
					if status, body := a.do(t, "GET", "/me", token); status != 200 || body != "alice" {
						t.Fatalf("%s, pass %d: %d %s, want 200 alice", name, pass, status, body)
					}
				}
			}
			// The verifier holds no private key: it cannot issue tokens.
			status, body := verifier.do(t, "GET", "/login?id=bob", "")
			if status != fiber.StatusTeapot || !strings.Contains(body, "cannot issue") {
				t.Fatalf("login on a verify-only instance: %d %q", status, body)
			}
			// A flipped signature byte is refused.
			forged := token[:len(token)-2] + flip(token[len(token)-2:])
			if status, _ := verifier.do(t, "GET", "/me", forged); status != 401 || !errors.Is(verifier.lastErr(t), fiberjwt.ErrInvalidToken) {
				t.Fatalf("forged signature: %d, want 401 ErrInvalidToken", status)
			}
		})
	}
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func mustDecode(tb testing.TB, seg string) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// go test -run Test_Keys_AlgorithmConfusion .
func Test_Keys_AlgorithmConfusion(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	ks := mustKeySet(t,
		fiberjwt.Key{ID: "rsa", Algorithm: "RS256", PublicKey: rsaKey.Public()},
		fiberjwt.Key{ID: "ec", Algorithm: "ES256", PublicKey: ecKeys["ES256"].Public()},
		hsKey("hs", 7),
	)
	a := newKeysApp(t, ks)
	der, err := x509.MarshalPKIXPublicKey(rsaKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"sub": "mallory", "jti": "j", "exp": 4102444800, "usr": map[string]any{"id": "mallory"}}
	signed := func(method jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(method, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, token := range map[string]string{
		"HS256 with the RSA public key (DER) as secret": signed(jwt.SigningMethodHS256, "rsa", der),
		"HS512 with the RSA public key (DER) as secret": signed(jwt.SigningMethodHS512, "rsa", der),
		"RS256 naming the EC key":                       signed(jwt.SigningMethodRS256, "ec", rsaKey),
		"RS256 naming the HMAC key":                     signed(jwt.SigningMethodRS256, "hs", rsaKey),
		"HS256 naming the HMAC key, another algorithm":  signed(jwt.SigningMethodHS256, "hs", bytes.Repeat([]byte{7}, 64)),
		"none naming the RSA key":                       signed(jwt.SigningMethodNone, "rsa", jwt.UnsafeAllowNoneSignatureType),
	} {
		if status, _ := a.do(t, "GET", "/me", token); status != 401 || !errors.Is(a.lastErr(t), fiberjwt.ErrInvalidToken) {
			t.Errorf("%s: %d, want 401 ErrInvalidToken", name, status)
		}
	}
	// The same claims, genuinely signed with the RSA key, are accepted:
	// the refusals above are about the keys, not the claims.
	if status, _ := a.do(t, "GET", "/me", signed(jwt.SigningMethodRS256, "rsa", rsaKey)); status != 200 {
		t.Fatalf("a genuine RS256 token: %d, want 200", status)
	}
}

// go test -run Test_NewKeySet_Misconfiguration .
func Test_NewKeySet_Misconfiguration(t *testing.T) {
	asymKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	otherEd, _, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name  string
		keys  []fiberjwt.Key
		field string // a word the message must contain
	}{
		{"no keys", nil, "at least one Key"},
		{"empty ID", []fiberjwt.Key{{Algorithm: "HS512", Secret: key(64)}}, "ID"},
		{"ID with a quote", []fiberjwt.Key{{ID: `a"b`, Algorithm: "HS512", Secret: key(64)}}, "ID"},
		{"duplicate ID", []fiberjwt.Key{hsKey("k", 1), hsKey("k", 2)}, `"k"`},
		{"no algorithm", []fiberjwt.Key{{ID: "k", Secret: key(64)}}, "Algorithm"},
		{"alg none", []fiberjwt.Key{{ID: "k", Algorithm: "none"}}, "Algorithm"},
		{"unknown alg", []fiberjwt.Key{{ID: "k", Algorithm: "HS1024", Secret: key(64)}}, "Algorithm"},
		{"short HS512 secret", []fiberjwt.Key{{ID: "k", Algorithm: "HS512", Secret: key(63)}}, "Secret"},
		{"short HS256 secret", []fiberjwt.Key{{ID: "k", Algorithm: "HS256", Secret: key(31)}}, "Secret"},
		{"HMAC with a private key", []fiberjwt.Key{{ID: "k", Algorithm: "HS256", Secret: key(32), PrivateKey: rsaKey}}, "Secret"},
		{"RSA with a secret", []fiberjwt.Key{{ID: "k", Algorithm: "RS256", Secret: key(64), PrivateKey: rsaKey}}, "Secret"},
		{"RSA without a key", []fiberjwt.Key{{ID: "k", Algorithm: "RS256"}}, "PrivateKey"},
		{"RSA 1024 bits", []fiberjwt.Key{{ID: "k", Algorithm: "RS256", PrivateKey: small}}, "2048"},
		{"RSA public 1024 bits", []fiberjwt.Key{{ID: "k", Algorithm: "PS256", PublicKey: small.Public()}}, "2048"},
		{"RS256 with an EC key", []fiberjwt.Key{{ID: "k", Algorithm: "RS256", PrivateKey: ecKeys["ES256"]}}, "RSA"},
		{"ES256 on P-384", []fiberjwt.Key{{ID: "k", Algorithm: "ES256", PrivateKey: ecKeys["ES384"]}}, "P-256"},
		{"ES512 with an RSA key", []fiberjwt.Key{{ID: "k", Algorithm: "ES512", PublicKey: rsaKey.Public()}}, "ECDSA"},
		{"EdDSA with an RSA key", []fiberjwt.Key{{ID: "k", Algorithm: "EdDSA", PrivateKey: rsaKey}}, "Ed25519"},
		{"mismatched halves", []fiberjwt.Key{{ID: "k", Algorithm: "EdDSA", PrivateKey: edKey, PublicKey: otherEd}}, "PublicKey"},
		// Incomplete keys are refused here, not with a panic, and a signer
		// that golang-jwt cannot sign with is refused here, not at login.
		{"empty ECDSA public key", []fiberjwt.Key{{ID: "k", Algorithm: "ES256", PublicKey: &ecdsa.PublicKey{}}}, "ECDSA"},
		{"RSA public key without N", []fiberjwt.Key{{ID: "k", Algorithm: "RS256", PublicKey: &rsa.PublicKey{E: 65537}}}, "RSA"},
		{"nil *ecdsa.PrivateKey", []fiberjwt.Key{{ID: "k", Algorithm: "ES256", PrivateKey: (*ecdsa.PrivateKey)(nil)}}, "ECDSA"},
		{"nil *rsa.PrivateKey", []fiberjwt.Key{{ID: "k", Algorithm: "PS256", PrivateKey: (*rsa.PrivateKey)(nil)}}, "RSA"},
		{"short ed25519.PrivateKey", []fiberjwt.Key{{ID: "k", Algorithm: "EdDSA", PrivateKey: ed25519.PrivateKey{1, 2}}}, "Ed25519"},
		{"wrapped ECDSA signer", []fiberjwt.Key{{ID: "k", Algorithm: "ES256", PrivateKey: wrappedSigner{ecKeys["ES256"]}}}, "*ecdsa.PrivateKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := fiberjwt.NewKeySet(tt.keys...)
			if !errors.Is(err, fiberjwt.ErrConfig) || ks != nil {
				t.Fatalf("NewKeySet = %v, %v; want nil, ErrConfig", ks, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("message %q does not name %q", err, tt.field)
			}
		})
	}

	t.Run("Keys with SecretKey", func(t *testing.T) {
		err := keysPanic(func() {
			fiberjwt.New(fiberjwt.Config[keyUser]{Keys: mustKeySet(t, hsKey("k", 1)), SecretKey: key(64)})
		})
		if !errors.Is(err, fiberjwt.ErrConfig) || !strings.Contains(err.Error(), "Keys") {
			t.Fatalf("New = %v, want ErrConfig naming Keys", err)
		}
	})
	t.Run("Keys with Algorithm", func(t *testing.T) {
		err := keysPanic(func() {
			fiberjwt.New(fiberjwt.Config[keyUser]{Keys: mustKeySet(t, hsKey("k", 1)), Algorithm: "HS256"})
		})
		if !errors.Is(err, fiberjwt.ErrConfig) {
			t.Fatalf("New = %v, want ErrConfig", err)
		}
	})
}

func keysPanic(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err, _ = r.(error)
			if err == nil {
				err = fmt.Errorf("panic with %v", r)
			}
		}
	}()
	f()
	return nil
}

// go test -run Test_JWKS .
func Test_JWKS(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	keys := []fiberjwt.Key{hsKey("secret", 9)}
	for _, alg := range asymAlgorithms {
		keys = append(keys, fiberjwt.Key{ID: "kid-" + alg, Algorithm: alg, PrivateKey: privateKeyFor(alg)})
	}
	ks := mustKeySet(t, keys...)
	a := newKeysApp(t, ks)

	status, body := a.do(t, "GET", "/jwks", "")
	if status != 200 {
		t.Fatalf("GET /jwks: %d", status)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, `"secret"`) || strings.Contains(body, `"oct"`) {
		t.Fatalf("the JWKS publishes the HMAC key: %s", body)
	}
	published := map[string]any{}
	for _, k := range set.Keys {
		if k["use"] != "sig" || k["alg"] == "" || k["kid"] != "kid-"+k["alg"] {
			t.Fatalf("JWK without use=sig, alg or the right kid: %v", k)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWK %s publishes private member %q", k["kid"], private)
			}
		}
		published[k["kid"]] = jwkPublicKey(t, k)
	}
	if len(published) != len(asymAlgorithms) {
		t.Fatalf("%d keys published, want %d", len(published), len(asymAlgorithms))
	}

	// Tokens issued with each key verify with golang-jwt and the JWKS alone.
	for _, k := range keys[1:] {
		if err := ks.Rotate(fiberjwt.Key{ID: k.ID + "-again", Algorithm: k.Algorithm, PrivateKey: k.PrivateKey}); err != nil {
			t.Fatal(err)
		}
		_, body := a.do(t, "GET", "/jwks", "")
		if err := json.Unmarshal([]byte(body), &set); err != nil {
			t.Fatal(err)
		}
		for _, j := range set.Keys {
			if _, ok := published[j["kid"]]; !ok {
				published[j["kid"]] = jwkPublicKey(t, j)
			}
		}
		token := a.login(t, "alice")
		parsed, err := jwt.Parse(token, func(tok *jwt.Token) (any, error) {
			kid, _ := tok.Header["kid"].(string)
			pub, ok := published[kid]
			if !ok {
				return nil, fmt.Errorf("kid %q not in the JWKS", kid)
			}
			return pub, nil
		}, jwt.WithValidMethods([]string{k.Algorithm}))
		if err != nil || !parsed.Valid {
			t.Fatalf("%s: a token does not verify with the published key: %v", k.Algorithm, err)
		}
	}
}

// jwkPublicKey builds the public key a JWK describes, as a verifier that
// only has the JWKS would.
func jwkPublicKey(t *testing.T, k map[string]string) any {
	t.Helper()
	b := func(s string) []byte {
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("JWK %s: %v", k["kid"], err)
		}
		return v
	}
	switch k["kty"] {
	case "RSA":
		return &rsa.PublicKey{N: new(big.Int).SetBytes(b(k["n"])), E: int(new(big.Int).SetBytes(b(k["e"])).Int64())}
	case "EC":
		curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[k["crv"]]
		if curve == nil {
			t.Fatalf("JWK %s: curve %q", k["kid"], k["crv"])
		}
		x, y := b(k["x"]), b(k["y"])
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			t.Fatalf("JWK %s: coordinates of %d and %d bytes, want %d", k["kid"], len(x), len(y), size)
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := x509.ParsePKIXPublicKey(ecSPKI(t, k["crv"], point))
		if err != nil {
			t.Fatalf("JWK %s: %v", k["kid"], err)
		}
		return pub
	case "OKP":
		if k["crv"] != "Ed25519" {
			t.Fatalf("JWK %s: crv %q", k["kid"], k["crv"])
		}
		return ed25519.PublicKey(b(k["x"]))
	}
	t.Fatalf("JWK with kty %q", k["kty"])
	return nil
}

// ecSPKI wraps an uncompressed EC point in a SubjectPublicKeyInfo, so that
// x509 checks it lies on the curve.
func ecSPKI(t *testing.T, crv string, point []byte) []byte {
	t.Helper()
	var template *ecdsa.PrivateKey
	switch crv {
	case "P-256":
		template = ecKeys["ES256"]
	case "P-384":
		template = ecKeys["ES384"]
	default:
		template = ecKeys["ES512"]
	}
	der, err := x509.MarshalPKIXPublicKey(template.Public())
	if err != nil {
		t.Fatal(err)
	}
	// The point is the DER's tail (a BIT STRING's content): replace it.
	return append(der[:len(der)-len(point)], point...)
}

// go test -race -run Test_Keys_ConcurrentRotation .
func Test_Keys_ConcurrentRotation(t *testing.T) {
	t.Parallel()
	ks := mustKeySet(t, hsKey("stay", 1))
	a := newKeysApp(t, ks)
	stay := a.login(t, "alice") // signed by a key that is never retired

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // rotate in new keys and retire them, over and over
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("r%d", i)
			if err := ks.Rotate(hsKey(id, byte(i))); err != nil {
				t.Error(err)
				return
			}
			if i > 0 {
				if err := ks.Retire(fmt.Sprintf("r%d", i-1)); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	var workers sync.WaitGroup
	for w := 0; w < 4; w++ {
		workers.Add(1)
		go func(w int) {
			defer workers.Done()
			for i := 0; i < 50; i++ {
				if status, body := a.do(t, "GET", "/me", stay); status != 200 || body != "alice" {
					t.Errorf("worker %d: the unretired key's token: %d %s", w, status, body)
					return
				}
				// A session of its own: log in, log out (a revocation
				// written while keys rotate), and check it stays out.
				id := fmt.Sprintf("w%d-%d", w, i)
				tok := a.login(t, id)
				status, _ := a.do(t, "POST", "/logout", tok)
				if status != 200 && status != 401 { // 401: its key was retired meanwhile
					t.Errorf("logout %s: %d", id, status)
					return
				}
				if status, _ := a.do(t, "GET", "/me", tok); status != 401 {
					t.Errorf("%s after logout: %d, want 401", id, status)
					return
				}
			}
		}(w)
	}
	workers.Wait()
	close(stop)
	wg.Wait()
}

// wrappedSigner is a crypto.Signer that is not one of the key types
// golang-jwt signs with, as a KMS or HSM client would be.
type wrappedSigner struct{ crypto.Signer }

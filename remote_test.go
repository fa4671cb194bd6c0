package fiberjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
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
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
)

// jwksServer is an https JWKS endpoint whose answers a test controls, and
// that counts the requests it gets.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64

	mu     sync.Mutex
	source func() (body []byte, cacheControl string) // what it serves
	status int                                       // when not 0, served instead
	gate   chan struct{}                             // when not nil, requests wait for it to close
}

func newJWKSServer(t testing.TB, source func() ([]byte, string)) *jwksServer {
	t.Helper()
	s := &jwksServer{source: source}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		gate, status, source := s.gate, s.status, s.source
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		body, cc := source()
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// staticJWKS serves body.
func staticJWKS(body string) func() ([]byte, string) {
	return func() ([]byte, string) { return []byte(body), "" }
}

// issuerJWKS serves the JWKS that an issuing instance publishes at /jwks.
func issuerJWKS(t testing.TB, issuer *keysApp) func() ([]byte, string) {
	return func() ([]byte, string) {
		resp, err := issuer.app.Test(httptest.NewRequest("GET", "/jwks", nil), -1)
		if err != nil {
			t.Error(err)
			return nil, ""
		}
		body, _ := io.ReadAll(resp.Body)
		return body, resp.Header.Get("Cache-Control")
	}
}

func (s *jwksServer) setStatus(status int) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

// remote returns a remote KeySet of s's JWKS, stopped when the test ends.
// Its tokens are taken as fiberjwt's own (OwnTokens), as otherToken signs
// them with a usr claim; Test_RemoteKeySet_NotOwnTokens covers the default.
func (s *jwksServer) remote(t testing.TB, cfg fiberjwt.RemoteKeys) (*fiberjwt.KeySet, error) {
	t.Helper()
	cfg.OwnTokens = true
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if cfg.URL == "" {
		cfg.URL = s.URL + "/jwks"
	}
	cfg.Client = s.Client()
	return fiberjwt.NewRemoteKeySet(ctx, cfg)
}

func (s *jwksServer) mustRemote(t testing.TB, cfg fiberjwt.RemoteKeys) *fiberjwt.KeySet {
	t.Helper()
	ks, err := s.remote(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// newDefaultApp is a verifying app with the default Unauthorized handler.
func newDefaultApp(ks *fiberjwt.KeySet) *keysApp {
	a := &keysApp{app: fiber.New()}
	a.app.Use(fiberjwt.New(fiberjwt.Config[keyUser]{Keys: ks, DisableCSRF: true}))
	a.app.Get("/me", func(c *fiber.Ctx) error { return c.SendString(c.Locals("user").(keyUser).ID) })
	return a
}

// eventually polls cond until it holds, failing the test after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// otherToken is a token of the user id signed by golang-jwt alone, with
// the header's kid (none when kid is ""). For alg "Ed25519" (RFC 9864's
// name, which golang-jwt does not know) golang-jwt signs it as EdDSA under
// that name.
func otherToken(t testing.TB, alg, kid string, key any, id string) string {
	t.Helper()
	now := time.Now()
	method := jwt.GetSigningMethod(alg)
	if alg == "Ed25519" {
		method = ed25519Named{jwt.SigningMethodEdDSA}
	}
	tok := jwt.NewWithClaims(method, jwt.MapClaims{
		"usr": map[string]string{"id": id},
		"sub": id,
		"jti": "jti-" + id,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	})
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ed25519Named is golang-jwt's EdDSA under RFC 9864's name, for signing
// test tokens; it is not registered, so parsers never see it.
type ed25519Named struct{ *jwt.SigningMethodEd25519 }

func (ed25519Named) Alg() string { return "Ed25519" }

// jwkOf is the public JWK of pub, with alg unless it is "".
func jwkOf(kid, alg string, pub any) map[string]any {
	b64 := base64.RawURLEncoding.EncodeToString
	j := map[string]any{"kid": kid, "use": "sig"}
	if alg != "" {
		j["alg"] = alg
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		j["kty"], j["n"], j["e"] = "RSA", b64(k.N.Bytes()), b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		j["kty"], j["crv"] = "EC", k.Curve.Params().Name
		j["x"], j["y"] = b64(k.X.FillBytes(make([]byte, size))), b64(k.Y.FillBytes(make([]byte, size)))
	case ed25519.PublicKey:
		j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", b64(k)
	case []byte:
		j["kty"], j["k"] = "oct", b64(k)
	}
	return j
}

func jwksOf(keys ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return string(b)
}

// go test -run Test_RemoteKeySet_Issuer .
func Test_RemoteKeySet_Issuer(t *testing.T) {
	asymKeys(t)
	for _, alg := range []string{"RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			issuer := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "iss-" + alg, Algorithm: alg, PrivateKey: privateKeyFor(alg)}))
			srv := newJWKSServer(t, issuerJWKS(t, issuer))
			ks := srv.mustRemote(t, fiberjwt.RemoteKeys{})
			verifier := newKeysApp(t, ks)

			token := issuer.login(t, "alice")
			for pass := 0; pass < 2; pass++ { // a miss, then a cache hit
				if status, body := verifier.do(t, "GET", "/me", token); status != 200 || body != "alice" {
					t.Fatalf("pass %d: %d %s, want 200 alice", pass, status, body)
				}
			}
			forged := token[:len(token)-2] + flip(token[len(token)-2:])
			if status, _ := verifier.do(t, "GET", "/me", forged); status != 401 || !errors.Is(verifier.lastErr(t), fiberjwt.ErrInvalidToken) {
				t.Fatalf("forged signature: %d, want 401 ErrInvalidToken", status)
			}
			if status, body := verifier.do(t, "GET", "/login?id=bob", ""); status != fiber.StatusTeapot || !strings.Contains(body, "cannot issue") {
				t.Fatalf("login on the verifier: %d %q", status, body)
			}
			// The issuer rotates, not the verifier.
			if err := ks.Rotate(hsKey("h", 1)); !errors.Is(err, fiberjwt.ErrConfig) {
				t.Fatalf("Rotate: %v, want ErrConfig", err)
			}
			if err := ks.Retire("iss-" + alg); !errors.Is(err, fiberjwt.ErrConfig) {
				t.Fatalf("Retire: %v, want ErrConfig", err)
			}
			if got := srv.fetches.Load(); got != 1 {
				t.Fatalf("%d fetches, want 1", got)
			}
		})
	}
}

// go test -run Test_RemoteKeySet_Rotation .
func Test_RemoteKeySet_Rotation(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	issuerKeys := mustKeySet(t, fiberjwt.Key{ID: "old", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]})
	issuer := newKeysApp(t, issuerKeys)
	srv := newJWKSServer(t, issuerJWKS(t, issuer))
	verifier := newKeysApp(t, srv.mustRemote(t, fiberjwt.RemoteKeys{MinRefresh: 20 * time.Millisecond}))
	oldToken := issuer.login(t, "alice")

	// A new key at the issuer: its first tokens are refused at once (no
	// request waits for the fetch), and accepted once the fetch that the
	// unknown kid asked for is done.
	if err := issuerKeys.Rotate(fiberjwt.Key{ID: "new", Algorithm: "EdDSA", PrivateKey: edKey}); err != nil {
		t.Fatal(err)
	}
	newToken := issuer.login(t, "bob")
	eventually(t, "the new kid is fetched", func() bool {
		status, _ := verifier.do(t, "GET", "/me", newToken)
		return status == 200
	})
	if status, body := verifier.do(t, "GET", "/me", oldToken); status != 200 || body != "alice" {
		t.Fatalf("old token after the rotation: %d %s", status, body)
	}
	if got := srv.fetches.Load(); got > 3 {
		t.Fatalf("%d fetches for one new kid", got)
	}

	// The issuer drops the old key: once a fetch has seen it gone, its
	// tokens are refused, cached or not.
	if err := issuerKeys.Retire("old"); err != nil {
		t.Fatal(err)
	}
	random := otherToken(t, "EdDSA", "unknown", edKey, "x") // asks for a fetch
	eventually(t, "the dropped kid is refused", func() bool {
		verifier.do(t, "GET", "/me", random)
		status, _ := verifier.do(t, "GET", "/me", oldToken)
		return status == 401
	})
	if !errors.Is(verifier.lastErr(t), fiberjwt.ErrInvalidToken) {
		t.Fatalf("dropped kid: %v, want ErrInvalidToken", verifier.lastErr(t))
	}
	if status, body := verifier.do(t, "GET", "/me", newToken); status != 200 || body != "bob" {
		t.Fatalf("new token after the drop: %d %s", status, body)
	}
}

// go test -run Test_RemoteKeySet_Outage .
func Test_RemoteKeySet_Outage(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	issuer := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "k", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]}))
	token := issuer.login(t, "alice")
	probe := otherToken(t, "ES256", "probe", ecKeys["ES256"], "x") // an unknown kid asks for a fetch

	t.Run("within MaxStale", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t, issuerJWKS(t, issuer))
		var failed atomic.Int64
		ks := srv.mustRemote(t, fiberjwt.RemoteKeys{MinRefresh: 5 * time.Millisecond, OnError: func(error) { failed.Add(1) }})
		app := newDefaultApp(ks)
		srv.setStatus(http.StatusInternalServerError)
		eventually(t, "a failed fetch", func() bool {
			app.do(t, "GET", "/me", probe)
			return failed.Load() > 0
		})
		if status, body := app.do(t, "GET", "/me", token); status != 200 || body != "alice" {
			t.Fatalf("during the outage: %d %s, want the last good keys", status, body)
		}
	})
	t.Run("beyond MaxStale", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t, issuerJWKS(t, issuer))
		ks := srv.mustRemote(t, fiberjwt.RemoteKeys{
			MinRefresh: 5 * time.Millisecond, MaxRefresh: 20 * time.Millisecond, MaxStale: 100 * time.Millisecond,
		})
		app, recorder := newDefaultApp(ks), newKeysApp(t, ks)
		if status, _ := app.do(t, "GET", "/me", token); status != 200 {
			t.Fatalf("before the outage: %d", status)
		}
		srv.setStatus(http.StatusBadGateway)
		eventually(t, "503 once the keys are stale", func() bool {
			status, _ := app.do(t, "GET", "/me", token)
			return status == fiber.StatusServiceUnavailable
		})
		if status, _ := recorder.do(t, "GET", "/me", token); status != 401 || !errors.Is(recorder.lastErr(t), fiberjwt.ErrKeysUnavailable) {
			t.Fatalf("stale keys: %d %v, want ErrKeysUnavailable", status, recorder.lastErr(t))
		}
		if status, _ := app.do(t, "GET", "/me", ""); status != 401 {
			t.Fatalf("no token while stale: %d, want 401 (ErrNoToken)", status)
		}
		srv.setStatus(0)
		eventually(t, "recovery", func() bool {
			status, _ := app.do(t, "GET", "/me", token)
			return status == 200
		})
	})
}

// go test -run Test_RemoteKeySet_StartEmpty .
func Test_RemoteKeySet_StartEmpty(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	issuer := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "k", Algorithm: "EdDSA", PrivateKey: edKey}))
	token := issuer.login(t, "alice")
	srv := newJWKSServer(t, issuerJWKS(t, issuer))
	srv.setStatus(http.StatusServiceUnavailable)
	if _, err := srv.remote(t, fiberjwt.RemoteKeys{}); !errors.Is(err, fiberjwt.ErrKeysUnavailable) {
		t.Fatalf("first fetch failing: %v, want ErrKeysUnavailable", err)
	}
	ks := srv.mustRemote(t, fiberjwt.RemoteKeys{StartEmpty: true, MinRefresh: 5 * time.Millisecond})
	app := newDefaultApp(ks)
	if status, _ := app.do(t, "GET", "/me", token); status != fiber.StatusServiceUnavailable {
		t.Fatalf("no keys yet: %d, want 503", status)
	}
	srv.setStatus(0)
	eventually(t, "the keys arrive", func() bool {
		status, _ := app.do(t, "GET", "/me", token)
		return status == 200
	})
}

// go test -run Test_RemoteKeySet_Flood .
func Test_RemoteKeySet_Flood(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	issuer := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "k", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]}))
	token := issuer.login(t, "alice")
	srv := newJWKSServer(t, issuerJWKS(t, issuer))
	verifier := newKeysApp(t, srv.mustRemote(t, fiberjwt.RemoteKeys{MinRefresh: 10 * time.Millisecond}))

	// From now on the endpoint hangs until released: a request that
	// waited for a fetch would never return.
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate = gate
	srv.mu.Unlock()
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)

	kid := func(i int) string { return fmt.Sprintf("random-%d", i) }
	eventually(t, "a fetch hangs", func() bool {
		verifier.do(t, "GET", "/me", otherToken(t, "ES256", kid(-1), ecKeys["ES256"], "x"))
		return srv.fetches.Load() == 2
	})
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = otherToken(t, "ES256", kid(i), ecKeys["ES256"], "x")
	}
	done := make(chan int)
	for w := 0; w < 8; w++ {
		go func() {
			refused := 0
			for i := w; i < len(tokens); i += 8 {
				req := httptest.NewRequest("GET", "/me", nil)
				req.AddCookie(&http.Cookie{Name: "token", Value: tokens[i]})
				if resp, err := verifier.app.Test(req, -1); err == nil && resp.StatusCode == 401 {
					refused++
				}
			}
			done <- refused
		}()
	}
	refused := 0
	timeout := time.After(30 * time.Second)
	for w := 0; w < 8; w++ {
		select {
		case n := <-done:
			refused += n
		case <-timeout:
			t.Fatal("requests with unknown kids waited for the hanging fetch")
		}
	}
	if refused != len(tokens) {
		t.Fatalf("%d of %d random kids refused", refused, len(tokens))
	}
	if status, body := verifier.do(t, "GET", "/me", token); status != 200 || body != "alice" {
		t.Fatalf("the issuer's token during the flood: %d %s", status, body)
	}
	if got := srv.fetches.Load(); got != 2 {
		t.Fatalf("%d fetches during the flood, want 2 (the first, and the hanging one)", got)
	}
	release()
	// At most one more: the unknown kids seen while the fetch hung.
	if got := srv.fetches.Load(); got > 3 {
		t.Fatalf("%d fetches for 1,000 random kids", got)
	}
	t.Logf("1,000 random kids: %d fetches", srv.fetches.Load())
}

// go test -run Test_RemoteKeySet_JWKs .
func Test_RemoteKeySet_JWKs(t *testing.T) {
	asymKeys(t)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	offCurve := jwkOf("off", "", ecKeys["ES256"].Public())
	y, _ := base64.RawURLEncoding.DecodeString(offCurve["y"].(string))
	y[len(y)-1] ^= 1
	offCurve["y"] = base64.RawURLEncoding.EncodeToString(y)
	secret := []byte(strings.Repeat("s", 32))
	with := func(j map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(j, kv[i].(string))
			} else {
				j[kv[i].(string)] = kv[i+1]
			}
		}
		return j
	}
	tests := []struct {
		name    string
		jwk     map[string]any
		rsaAlg  string // RemoteKeys.RSAAlgorithm
		alg     string // of the token
		kid     string // of the token
		key     any    // signing the token
		want    int
		skipped bool // reported to OnError
	}{
		{"EC without alg", jwkOf("k", "", ecKeys["ES384"].Public()), "", "ES384", "k", ecKeys["ES384"], 200, false},
		{"EC without alg, other alg", jwkOf("k", "", ecKeys["ES256"].Public()), "", "ES384", "k", ecKeys["ES384"], 401, false},
		{"EC alg of another curve", jwkOf("k", "ES512", ecKeys["ES256"].Public()), "", "ES256", "k", ecKeys["ES256"], 401, true},
		{"Ed25519 without alg", jwkOf("k", "", edKey.Public()), "", "EdDSA", "k", edKey, 200, false},
		{"RSA without alg", jwkOf("k", "", rsaKey.Public()), "", "RS256", "k", rsaKey, 401, true},
		{"RSA without alg, RSAAlgorithm", jwkOf("k", "", rsaKey.Public()), "PS256", "PS256", "k", rsaKey, 200, false},
		{"RSA without alg, RSAAlgorithm, other alg", jwkOf("k", "", rsaKey.Public()), "PS256", "RS256", "k", rsaKey, 401, false},
		{"RSA with alg", jwkOf("k", "RS512", rsaKey.Public()), "", "RS512", "k", rsaKey, 200, false},
		{"RSA-1024", jwkOf("k", "RS256", rsa1024.Public()), "", "RS256", "k", rsa1024, 401, true},
		{"EC point not on the curve", offCurve, "", "ES256", "off", ecKeys["ES256"], 401, true},
		{"oct", jwkOf("k", "HS256", secret), "", "HS256", "k", secret, 401, true},
		{"HS256 alg on an RSA key", jwkOf("k", "HS256", rsaKey.Public()), "", "HS256", "k", []byte("whatever-secret-whatever-secret!"), 401, true},
		{"use enc", with(jwkOf("k", "", edKey.Public()), "use", "enc"), "", "EdDSA", "k", edKey, 401, true},
		{"no use", with(jwkOf("k", "", edKey.Public()), "use", nil), "", "EdDSA", "k", edKey, 200, false},
		{"key_ops without verify", with(jwkOf("k", "", edKey.Public()), "key_ops", []string{"sign"}), "", "EdDSA", "k", edKey, 401, true},
		{"key_ops with verify", with(jwkOf("k", "", edKey.Public()), "key_ops", []string{"verify"}), "", "EdDSA", "k", edKey, 200, false},
		{"no kid in the JWK, a token naming one", with(jwkOf("k", "", edKey.Public()), "kid", nil), "", "EdDSA", "k", edKey, 401, false},
		{"no kid in the JWK nor in the token", with(jwkOf("k", "", edKey.Public()), "kid", nil), "", "EdDSA", "", edKey, 200, false},
		{"no kid in the token, one key of its alg", jwkOf("k", "", edKey.Public()), "", "EdDSA", "", edKey, 200, false},
		{"no kid in the token, Ed25519 named so", jwkOf("k", "Ed25519", edKey.Public()), "", "Ed25519", "", edKey, 200, false},
		{"Ed25519 by kid, JWK alg Ed25519", jwkOf("k", "Ed25519", edKey.Public()), "", "Ed25519", "k", edKey, 200, false},
		{"Ed25519 by kid, JWK alg EdDSA", jwkOf("k", "EdDSA", edKey.Public()), "", "Ed25519", "k", edKey, 200, false},
		{"EdDSA by kid, JWK alg Ed25519", jwkOf("k", "Ed25519", edKey.Public()), "", "EdDSA", "k", edKey, 200, false},
		{"unknown kty", with(jwkOf("k", "", edKey.Public()), "kty", "XYZ"), "", "EdDSA", "k", edKey, 401, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Another usable key, so that the fetch succeeds.
			filler := jwkOf("filler", "ES256", ecKeys["ES256"].Public())
			srv := newJWKSServer(t, staticJWKS(jwksOf(tt.jwk, filler)))
			var mu sync.Mutex
			var reports []error
			ks := srv.mustRemote(t, fiberjwt.RemoteKeys{RSAAlgorithm: tt.rsaAlg, OnError: func(err error) {
				mu.Lock()
				reports = append(reports, err)
				mu.Unlock()
			}})
			app := newKeysApp(t, ks)
			token := otherToken(t, tt.alg, tt.kid, tt.key, "alice")
			if status, _ := app.do(t, "GET", "/me", token); status != tt.want {
				t.Fatalf("token: %d, want %d", status, tt.want)
			}
			if tt.want != 200 && !errors.Is(app.lastErr(t), fiberjwt.ErrInvalidToken) {
				t.Fatalf("error %v, want ErrInvalidToken", app.lastErr(t))
			}
			mu.Lock()
			defer mu.Unlock()
			if skipped := len(reports) > 0; skipped != tt.skipped {
				t.Fatalf("skipped: %v (%v), want %v", skipped, reports, tt.skipped)
			}
		})
	}
}

// go test -run Test_NewRemoteKeySet_Errors .
func Test_NewRemoteKeySet_Errors(t *testing.T) {
	asymKeys(t)
	good := jwksOf(jwkOf("k", "", ecKeys["ES256"].Public()))
	tests := []struct {
		name    string
		body    string
		status  int
		cfg     fiberjwt.RemoteKeys
		wantErr error // nil: success
	}{
		{"valid", good, 0, fiberjwt.RemoteKeys{}, nil},
		{"oversize body", `{"keys":[],"pad":"` + strings.Repeat("a", 1<<20) + `"}`, 0, fiberjwt.RemoteKeys{}, fiberjwt.ErrKeysUnavailable},
		{"just 1 MiB", good[:len(good)-1] + `,"pad":"` + strings.Repeat("a", 1<<20-len(good)-9) + `"}`, 0, fiberjwt.RemoteKeys{}, nil},
		{"status 500", good, 500, fiberjwt.RemoteKeys{}, fiberjwt.ErrKeysUnavailable},
		{"not JSON", "<html>", 0, fiberjwt.RemoteKeys{}, fiberjwt.ErrKeysUnavailable},
		{"only oct keys", jwksOf(jwkOf("k", "HS256", []byte(strings.Repeat("s", 32)))), 0, fiberjwt.RemoteKeys{}, fiberjwt.ErrKeysUnavailable},
		{"empty set", `{"keys":[]}`, 0, fiberjwt.RemoteKeys{}, fiberjwt.ErrKeysUnavailable},
		{"http URL", good, 0, fiberjwt.RemoteKeys{URL: "http://127.0.0.1:1/jwks"}, fiberjwt.ErrConfig},
		{"ftp URL", good, 0, fiberjwt.RemoteKeys{URL: "ftp://127.0.0.1/jwks"}, fiberjwt.ErrConfig},
		{"RSAAlgorithm ES256", good, 0, fiberjwt.RemoteKeys{RSAAlgorithm: "ES256"}, fiberjwt.ErrConfig},
		{"MaxRefresh not under MaxStale", good, 0, fiberjwt.RemoteKeys{MaxRefresh: time.Hour}, fiberjwt.ErrConfig},
		{"MinRefresh over MaxRefresh", good, 0, fiberjwt.RemoteKeys{MinRefresh: time.Hour, MaxRefresh: time.Minute}, fiberjwt.ErrConfig},
		{"negative Timeout", good, 0, fiberjwt.RemoteKeys{Timeout: -1}, fiberjwt.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newJWKSServer(t, staticJWKS(tt.body))
			srv.setStatus(tt.status)
			ks, err := srv.remote(t, tt.cfg)
			if tt.wantErr == nil {
				if err != nil || ks == nil {
					t.Fatalf("err %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || ks != nil {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// go test -run Test_RemoteKeySet_AllowHTTP .
func Test_RemoteKeySet_AllowHTTP(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, jwksOf(jwkOf("k", "", edKey.Public())))
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: srv.URL}); !errors.Is(err, fiberjwt.ErrConfig) {
		t.Fatalf("http without AllowHTTP: %v, want ErrConfig", err)
	}
	ks, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: srv.URL, AllowHTTP: true, OwnTokens: true})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := newKeysApp(t, ks).do(t, "GET", "/me", otherToken(t, "EdDSA", "k", edKey, "alice")); status != 200 {
		t.Fatalf("http with AllowHTTP: %d", status)
	}

	// An https endpoint that redirects to plain http fails.
	tls := httptest.NewTLSServer(http.RedirectHandler(srv.URL, http.StatusFound))
	defer tls.Close()
	_, err = fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{URL: tls.URL, Client: tls.Client()})
	if !errors.Is(err, fiberjwt.ErrKeysUnavailable) || !strings.Contains(err.Error(), "not https") {
		t.Fatalf("redirect to http: %v, want ErrKeysUnavailable", err)
	}
}

// go test -run Test_RemoteKeySet_MaxAge .
func Test_RemoteKeySet_MaxAge(t *testing.T) {
	asymKeys(t)
	body := []byte(jwksOf(jwkOf("k", "", edKey.Public())))
	tests := []struct {
		name         string
		cacheControl string
		cfg          fiberjwt.RemoteKeys
	}{
		{"max-age under MinRefresh", "public, max-age=0", fiberjwt.RemoteKeys{MinRefresh: 10 * time.Millisecond, MaxRefresh: time.Minute}},
		{"max-age over MaxRefresh", "max-age=86400", fiberjwt.RemoteKeys{MinRefresh: time.Millisecond, MaxRefresh: 10 * time.Millisecond}},
		{"no max-age: Refresh", "", fiberjwt.RemoteKeys{Refresh: 10 * time.Millisecond, MinRefresh: time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newJWKSServer(t, func() ([]byte, string) { return body, tt.cacheControl })
			srv.mustRemote(t, tt.cfg)
			eventually(t, "periodic fetches", func() bool { return srv.fetches.Load() >= 4 })
		})
	}
}

// Benchmark_RemoteToken: a repeated token of another fiberjwt instance,
// verified with its keys fetched from its JWKS, on the cached path (no
// RSA or ECDSA verification per request).
//
//	go test -run '^$' -bench Benchmark_RemoteToken -benchmem
func Benchmark_RemoteToken(b *testing.B) {
	asymKeys(b)
	for _, alg := range []string{"ES256", "RS256"} {
		b.Run(alg, func(b *testing.B) {
			issuer := newKeysApp(b, mustKeySet(b, fiberjwt.Key{ID: "k", Algorithm: alg, PrivateKey: privateKeyFor(alg)}))
			srv := newJWKSServer(b, issuerJWKS(b, issuer))
			verifier := newKeysApp(b, srv.mustRemote(b, fiberjwt.RemoteKeys{}))
			handler := verifier.app.Handler()
			ctx := benchRequest("/me", issuer.login(b, "alice"))
			handler(ctx)
			if ctx.Response.StatusCode() != 200 || string(ctx.Response.Body()) != "alice" {
				b.Fatalf("%d %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ctx.Response.Reset()
				handler(ctx)
			}
		})
	}
}

// With UnknownKidWait, the first token of a key the issuer just added
// waits for the fetch it asks for and is accepted; a request that would
// wait while fetches are not allowed yet (MinRefresh) is refused at once.
//
// go test -run Test_RemoteKeySet_UnknownKidWait .
func Test_RemoteKeySet_UnknownKidWait(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	issuerKeys := mustKeySet(t, fiberjwt.Key{ID: "old", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]})
	issuer := newKeysApp(t, issuerKeys)
	srv := newJWKSServer(t, issuerJWKS(t, issuer))
	const wait = 10 * time.Second

	t.Run("fetch allowed", func(t *testing.T) {
		verifier := newKeysApp(t, srv.mustRemote(t, fiberjwt.RemoteKeys{MinRefresh: time.Nanosecond, UnknownKidWait: wait}))
		if err := issuerKeys.Rotate(fiberjwt.Key{ID: "new", Algorithm: "EdDSA", PrivateKey: edKey}); err != nil {
			t.Fatal(err)
		}
		token := issuer.login(t, "bob")
		if status, body := verifier.do(t, "GET", "/me", token); status != 200 || body != "bob" {
			t.Fatalf("first request with the new kid: %d %s, want 200 bob", status, body)
		}
	})

	t.Run("fetch not allowed yet", func(t *testing.T) {
		before := srv.fetches.Load()
		verifier := newKeysApp(t, srv.mustRemote(t, fiberjwt.RemoteKeys{
			MinRefresh: time.Hour, MaxRefresh: 2 * time.Hour, MaxStale: 3 * time.Hour, UnknownKidWait: wait,
		}))
		start := time.Now()
		status, _ := verifier.do(t, "GET", "/me", otherToken(t, "EdDSA", "random", edKey, "x"))
		if status != 401 || time.Since(start) >= wait {
			t.Fatalf("unknown kid within MinRefresh of the last fetch: %d after %v, want 401 at once", status, time.Since(start))
		}
		if got := srv.fetches.Load() - before; got != 1 {
			t.Fatalf("%d fetches, want the first one only", got)
		}
	})
}

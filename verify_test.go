package fiberjwt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// The signature is checked before any claim is decoded, whatever the
// header looks like: golang-jwt, which has the last word, decodes the
// claims first, so a token that is not in the form the middleware writes
// must have its signature checked before it gets there. A forged token
// whose claims do not even decode is therefore refused for its signature,
// never for its claims.
//
// go test -run Test_Verify_SignatureBeforeClaims -race
func Test_Verify_SignatureBeforeClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ours, _, _ := parts(t, h.signIn(t, "alice", "wonderland"))
	junkClaims := "bm90IGpzb24" // "not json"
	forgedSig := hs512(t, "anything", otherSecret)
	tests := []struct {
		name    string
		token   string
		wantErr error // besides ErrInvalidToken
	}{
		{name: "no typ", token: segment(t, map[string]any{"alg": "HS512"}) + "." + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "typ first", token: `eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.` + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "with a kid", token: segment(t, map[string]any{"alg": "HS512", "typ": "JWT", "kid": "k"}) + "." + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "our header, short signature", token: ours + "." + junkClaims + "." + forgedSig[:40], wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "our header, claims not base64", token: ours + ".!!!!." + forgedSig, wantErr: jwt.ErrTokenSignatureInvalid},
		{name: "another algorithm", token: segment(t, map[string]any{"alg": "HS256"}) + "." + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenUnverifiable},
		{name: "no alg", token: segment(t, map[string]any{"typ": "JWT"}) + "." + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenUnverifiable},
		{name: "header not JSON", token: "bm90IGpzb24." + junkClaims + "." + forgedSig, wantErr: jwt.ErrTokenMalformed},
		{name: "signature not base64", token: segment(t, map[string]any{"alg": "HS512"}) + "." + junkClaims + ".!!!!", wantErr: jwt.ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.send(t, fiber.MethodGet, "/protected", h.withToken(tt.token))
			utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
			err := h.unauthorized.last(t)
			if !errors.Is(err, fiberjwt.ErrInvalidToken) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want ErrInvalidToken and %v", err, tt.wantErr)
			}
			if tt.wantErr != jwt.ErrTokenMalformed && errors.Is(err, jwt.ErrTokenMalformed) {
				t.Fatalf("got %v: the claims were decoded", err)
			}
		})
	}

	// A genuine token in another header spelling is still accepted.
	t.Run("genuine, no typ", func(t *testing.T) {
		token := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), map[string]any{"typ": nil})
		token = segment(t, map[string]any{"alg": "HS512"}) + token[strings.IndexByte(token, '.'):]
		token = token[:strings.LastIndexByte(token, '.')+1] + hs512(t, token[:strings.LastIndexByte(token, '.')], testSecret)
		resp, body := h.send(t, fiber.MethodGet, "/protected", h.withToken(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	})

	// Asymmetric keys: a token in the form the key signs, with a forged
	// signature, is refused before its claims are decoded too.
	t.Run("ES256, our header", func(t *testing.T) {
		asymKeys(t)
		a := newKeysApp(t, mustKeySet(t, fiberjwt.Key{ID: "e1", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]}))
		header, _, sig := parts(t, a.login(t, "alice"))
		status, _ := a.do(t, fiber.MethodGet, "/me", header+"."+junkClaims+"."+flip(sig))
		utils.AssertEqual(t, fiber.StatusUnauthorized, status)
		if err := a.lastErr(t); !errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrTokenMalformed) {
			t.Fatalf("got %v, want a signature error", err)
		}
	})
}

// A verify-only instance (public keys alone) never starts a refresh it
// cannot sign: a token inside its refresh window costs what any other
// token costs, and no cookie is set.
//
// go test -run Test_Refresh_VerifyOnly -race
// Not parallel: testing.AllocsPerRun counts the allocations of the whole
// process, so each count is the least of three runs.
func Test_Refresh_VerifyOnly(t *testing.T) {
	asymKeys(t)
	clk := newClock()
	priv := ecKeys["ES256"]
	cfg := func(k fiberjwt.Key) fiberjwt.Config[keyUser] {
		return fiberjwt.Config[keyUser]{
			Keys:        mustKeySet(t, k),
			TimeFunc:    clk.Now,
			Expiration:  time.Hour,
			DisableCSRF: true,
			Next:        func(c *fiber.Ctx) bool { return c.Path() == "/login" },
			Authenticate: func(_ *fiber.Ctx, id, _ string) (keyUser, error) {
				return keyUser{ID: id}, nil
			},
		}
	}
	issuer := fiber.New()
	issuer.Use(fiberjwt.New(cfg(fiberjwt.Key{ID: "e1", Algorithm: "ES256", PrivateKey: priv})))
	issuer.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "pw")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	login := serve(issuer.Handler(), "/login", "")
	utils.AssertEqual(t, fiber.StatusOK, login.Response.StatusCode(), string(login.Response.Body()))

	verifier := fiber.New()
	verifier.Use(fiberjwt.New(cfg(fiberjwt.Key{ID: "e1", Algorithm: "ES256", PublicKey: priv.Public()})))
	verifier.Get("/me", func(c *fiber.Ctx) error { return c.SendString(c.Locals("user").(keyUser).ID) })
	handler := verifier.Handler()
	ctx := serve(handler, "/me", "token="+string(login.Response.Body()))
	allocs := func() float64 {
		least := math.Inf(1)
		for i := 0; i < 3; i++ {
			least = min(least, testing.AllocsPerRun(50, func() {
				ctx.Response.Reset()
				handler(ctx)
			}))
		}
		return least
	}
	check := func(when string) {
		t.Helper()
		utils.AssertEqual(t, fiber.StatusOK, ctx.Response.StatusCode(), when+": "+string(ctx.Response.Body()))
		utils.AssertEqual(t, 0, len(ctx.Response.Header.PeekCookie("token")), when+": Set-Cookie")
	}

	before := allocs() // a fresh token
	check("fresh token")
	clk.Advance(45 * time.Minute) // inside the refresh window (the last 30 minutes)
	inWindow := allocs()
	check("token in its refresh window")
	// Starting a refresh (random ids, claims, an error) cost 8 allocations;
	// the race detector's sync.Pool, which drops items at random, adds
	// about one either way.
	if inWindow >= before+4 {
		t.Fatalf("%v allocations per request inside the refresh window, %v outside: a refresh was started", inWindow, before)
	}
}

// ---------------------------------------------------------------------------
// Verification.

// go test -run Test_Verify -race
func Test_Verify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []option
		// cookie returns the request's Cookie header ("" sends none).
		cookie     func(t *testing.T, h *harness) string
		wantErr    error // nil: the request is let through
		wantCause  error // also in the chain, when set
		wantStatus int
	}{
		{
			name: "valid crafted token",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name:       "valid token from ProcessLogin",
			cookie:     func(t *testing.T, h *harness) string { return h.with(h.signIn(t, "alice", "wonderland")) },
			wantStatus: fiber.StatusOK,
		},
		{
			name:       "no cookie",
			cookie:     func(*testing.T, *harness) string { return "" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "other cookies only",
			cookie:     func(*testing.T, *harness) string { return "session=abc; theme=dark" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "empty cookie",
			cookie:     func(*testing.T, *harness) string { return "token=" },
			wantErr:    fiberjwt.ErrNoToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "garbage",
			cookie:     func(*testing.T, *harness) string { return "token=this-is-not-a-jwt" },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "two segments",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "four segments",
			cookie: func(t *testing.T, h *harness) string {
				tok := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)
				_, _, sig := parts(t, tok)
				return h.with(tok + "." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "bad base64 in the payload",
			cookie: func(t *testing.T, h *harness) string {
				hdr, _, sig := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + ".!!!not*base64!!!." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "bad base64 in the signature",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload + ".*")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "correctly signed payload that is not JSON",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "HS512", "typ": "JWT"}) + "." + base64.RawURLEncoding.EncodeToString([]byte("not json"))
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenMalformed,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "tampered payload (the signature of another payload)",
			cookie: func(t *testing.T, h *harness) string {
				hdr, _, sig := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("bob"), nil))
				_, admin, _ := parts(t, sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + admin + "." + sig)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "stripped signature",
			cookie: func(t *testing.T, h *harness) string {
				hdr, payload, _ := parts(t, sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
				return h.with(hdr + "." + payload + ".")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "wrong key",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "alg none (golang-jwt's own)",
			cookie: func(t *testing.T, h *harness) string {
				tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, h.claims("alice")).SignedString(jwt.UnsafeAllowNoneSignatureType)
				if err != nil {
					t.Fatal(err)
				}
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg None",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "None", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg NONE",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "NONE", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name:       "alg nOnE",
			cookie:     func(t *testing.T, h *harness) string { return h.with(unsigned(t, "nOnE", h.claims("alice"))) },
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "alg none with a valid HMAC signature",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." + segment(t, h.claims("alice"))
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS256 with the same secret, HS512 configured",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS384 with the same secret, HS512 configured",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS384, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS512 with the same secret, HS256 configured",
			opts: []option{withAlgorithm("HS256")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "HS256 configured and used",
			opts: []option{withAlgorithm("HS256")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS256, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "expired",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-1)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired by the clock after ProcessLogin",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.clock.Advance(24 * time.Hour)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired and wrongly signed is invalid, not expired",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-1)
				return h.with(sign(t, jwt.SigningMethodHS512, otherSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenSignatureInvalid,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing exp",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "exp", nil), nil))
			},
			wantErr:    fiberjwt.ErrNoExpiry,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "exp is null",
			cookie: func(t *testing.T, h *harness) string {
				ss := segment(t, map[string]any{"alg": "HS512", "typ": "JWT"}) + "." +
					segment(t, map[string]any{"sub": "alice", "exp": nil, "jti": "x", "usr": map[string]any{"ID": "alice"}})
				return h.with(ss + "." + hs512(t, ss, testSecret))
			},
			wantErr:    fiberjwt.ErrNoExpiry,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "exp is not a number",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "exp", "tomorrow"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "nbf in the future",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "nbf", h.clock.Now().Unix()+60)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenNotValidYet,
			wantCause:  jwt.ErrTokenNotValidYet,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "iat in the future",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "iat", h.clock.Now().Unix()+60)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenNotValidYet,
			wantCause:  jwt.ErrTokenUsedBeforeIssued,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "expired by less than the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-29)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "expired by more than the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "exp", h.clock.Now().Unix()-31)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrTokenExpired,
			wantCause:  jwt.ErrTokenExpired,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "nbf within the leeway",
			opts: []option{withLeeway(30 * time.Second)},
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "nbf", h.clock.Now().Unix()+29)
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "unknown crit header",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), map[string]any{"crit": []string{"x-unknown"}, "x-unknown": true}))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing jti",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "jti", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing usr",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "usr", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "usr is null",
			cookie: func(t *testing.T, h *harness) string {
				c := h.claims("alice")
				c["usr"] = json.RawMessage("null")
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, c, nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "usr of the wrong type",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "usr", "alice"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "issuer configured and matching",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "wrong issuer",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "iss", "https://evil.example"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidIssuer,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "missing issuer",
			opts: []option{withIssuer("https://auth.example")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "iss", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience configured and matching",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "wrong audience",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", "api"), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidAudience,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience list without ours",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", []string{"api", "admin"}), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenInvalidAudience,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "audience list with ours",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", []string{"api", "web"}), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			name: "missing audience",
			opts: []option{withAudience("web")},
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "aud", nil), nil))
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantCause:  jwt.ErrTokenRequiredClaimMissing,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "oversized, correctly signed token",
			cookie: func(t *testing.T, h *harness) string {
				c := with1(h.claims("alice"), "usr", map[string]any{"ID": "alice", "Name": strings.Repeat("A", 4096)})
				tok := sign(t, jwt.SigningMethodHS512, testSecret, c, nil)
				if len(tok) <= 4096 {
					t.Fatalf("token is only %d bytes", len(tok))
				}
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "valid token with a trailing byte",
			cookie: func(t *testing.T, h *harness) string {
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil) + "A")
			},
			wantErr:    fiberjwt.ErrInvalidToken,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "revoked by Logout",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			// A token without sid is its own session, keyed by its jti.
			name: "crafted token without sid, revoked by Logout",
			cookie: func(t *testing.T, h *harness) string {
				tok := sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "csrf", "crafted-csrf"), nil)
				h.remember(tok, "crafted-csrf")
				h.signOut(t, tok)
				return h.with(tok)
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
		{
			name: "crafted token without sid, another session revoked",
			cookie: func(t *testing.T, h *harness) string {
				h.signOut(t, h.signIn(t, "alice", "wonderland"))
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil))
			},
			wantStatus: fiber.StatusOK,
		},
		{
			// Revocation is by session: any token carrying a revoked sid
			// is refused, whatever its jti.
			name: "crafted token with the sid of a revoked session",
			cookie: func(t *testing.T, h *harness) string {
				tok := h.signIn(t, "alice", "wonderland")
				h.signOut(t, tok)
				var issued struct {
					SID string `json:"sid"`
				}
				_, payload, _ := parts(t, tok)
				raw, err := base64.RawURLEncoding.DecodeString(payload)
				if err != nil || json.Unmarshal(raw, &issued) != nil || issued.SID == "" {
					t.Fatalf("no sid in the issued token: %s", raw)
				}
				return h.with(sign(t, jwt.SigningMethodHS512, testSecret, with1(h.claims("alice"), "sid", issued.SID), nil))
			},
			wantErr:    fiberjwt.ErrRevoked,
			wantStatus: fiber.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			h := newHarness(t, tt.opts...)
			resp, body := h.send(t, fiber.MethodGet, "/protected", tt.cookie(t, h))
			err := h.unauthorized.last(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Unauthorized got %v, want %v", err, tt.wantErr)
			}
			if tt.wantCause != nil && !errors.Is(err, tt.wantCause) {
				t.Fatalf("Unauthorized got %v, want it to wrap %v", err, tt.wantCause)
			}
			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode, body)

			// The same request with the default Unauthorized handler.
			h = newHarness(t, append(tt.opts, defaultUnauthorized)...)
			resp, body = h.send(t, fiber.MethodGet, "/protected", tt.cookie(t, h))
			utils.AssertEqual(t, tt.wantStatus, resp.StatusCode, body)
			if tt.wantStatus == fiber.StatusOK {
				utils.AssertEqual(t, "Protected Page. name: Alice", body)
			} else {
				utils.AssertEqual(t, "Unauthorized", body)
			}
		})
	}
}

// go test -run Test_Verify_Lifetime -race
func Test_Verify_Lifetime(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")

	h.clock.Advance(24*time.Hour - time.Second)
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := h.unauthorized.last(t); err != nil {
		t.Fatalf("one second before exp: %v", err)
	}

	h.clock.Advance(time.Second)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrTokenExpired) {
		t.Fatalf("at exp: got %v, want ErrTokenExpired", err)
	}
}

// go test -run Test_Verify_SignatureIsNotMalleable -race
func Test_Verify_SignatureIsNotMalleable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")
	hdr, payload, sig := parts(t, token)
	want, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}

	// Other spellings of the same signature bytes: the unused low bits of the
	// last character, and the line breaks base64 decoding skips.
	var variants []string
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, r := range alphabet {
		alt := sig[:len(sig)-1] + string(r)
		if got, err := base64.RawURLEncoding.DecodeString(alt); alt != sig && err == nil && bytes.Equal(got, want) {
			variants = append(variants, alt)
		}
	}
	if len(variants) == 0 {
		t.Fatal("found no alternative spelling of the signature")
	}
	variants = append(variants, sig[:10]+"\n"+sig[10:], sig[:10]+"\r"+sig[10:])

	// The genuine token is accepted first, so that any cache of verified
	// tokens knows it, and again after the variants.
	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	app := h.app.Handler()
	for _, v := range variants {
		ctx := &fasthttp.RequestCtx{}
		ctx.Request.SetRequestURI("/protected")
		ctx.Request.Header.SetCookie("token", hdr+"."+payload+"."+v)
		app(ctx)
		utils.AssertEqual(t, fiber.StatusUnauthorized, ctx.Response.StatusCode(), fmt.Sprintf("signature spelled %q", v))
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrInvalidToken) {
			t.Fatalf("signature spelled %q: got %v, want ErrInvalidToken", v, err)
		}
	}

	resp, body = h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
}

// go test -run Test_Verify_CookieName -race
func Test_Verify_CookieName(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.CookieName = "__Host-session" })
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.send(t, fiber.MethodGet, "/protected", "__Host-session="+token)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)

	resp, _ = h.send(t, fiber.MethodGet, "/protected", "token="+token)
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the default name is not read")
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrNoToken) {
		t.Fatalf("got %v, want ErrNoToken", err)
	}
}

package fiberjwt_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
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

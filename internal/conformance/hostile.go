package conformance

// Tokens an attacker makes: each must be refused with 401 (431 for a
// cookie over the read buffer), never accepted, never a 5xx or a panic.

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// forge signs claims with method and key.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims map[string]any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, jwt.MapClaims(claims)).SignedString(key)
	if err != nil {
		t.Fatalf("signing with %s: %v", method.Alg(), err)
	}
	return tok
}

// withClaims returns a copy of c with the claims of kv (name, value
// pairs) set, a nil value deleting one.
func withClaims(c map[string]any, kv ...any) map[string]any {
	c = maps.Clone(c)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

// flipAt returns s with the character at i changed to another of the
// base64url alphabet.
func flipAt(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// testHostileTokens sends each hostile token as the token cookie of a
// request to the JSON API, and of an unsafe one with the session's real
// CSRF value: both must be refused as unauthorized. The "valid" rows
// check that the tokens are forged right: each hostile one differs from
// an accepted one by what its name says only.
func testHostileTokens(t *testing.T, newApp func(Options) App) {
	c := newClock(epoch)
	o := Options{Secret: secret, TTL: time.Hour, Now: c.Now}
	app := newApp(o)
	b := newBrowser(t, app, o)
	b.login("alice", "wonderland")
	real, csrf := b.token(), b.jar["csrf_token"]
	c.set(time.Minute)
	now := c.Now().Unix()
	cl := claims(t, real) // sub, exp, nbf, iat, jti, auth_time, sid, csrf, usr
	for _, claim := range []string{"sub", "exp", "nbf", "iat", "jti", "auth_time", "sid", "csrf", "usr"} {
		if _, ok := cl[claim]; !ok {
			t.Fatalf("the login's token has no %q claim: %v", claim, cl)
		}
	}
	hs512 := func(c map[string]any) string { return forge(t, jwt.SigningMethodHS512, secret, c) }
	parts := strings.Split(real, ".")
	bob, err := json.Marshal(withClaims(cl, "sub", "bob", "usr", map[string]any{"id": "bob", "name": "Bob"}))
	if err != nil {
		t.Fatal(err)
	}

	// Tokens with a "pad" claim: one a browser keeps (the cookie, name
	// included, within 4096 bytes), one longer than any cookie of ours.
	padded := hs512(withClaims(cl, "pad", strings.Repeat("p", 2700)))
	overlong := hs512(withClaims(cl, "pad", strings.Repeat("p", 3500)))
	if len(padded) < 3900 || len(padded) > 4096-len("token=") || len(overlong) <= 4096 {
		t.Fatalf("padded tokens of %d and %d bytes, want about 4000 and over 4096", len(padded), len(overlong))
	}

	ok, refused, tooBig := []int{200}, []int{401}, []int{401, 431}
	tests := []struct {
		name  string
		token string
		want  []int
	}{
		{"valid: the login's token", real, ok},
		{"valid: its claims signed again", hs512(cl), ok},
		{"valid: about 4000 bytes", padded, ok},
		{"empty", "", refused},
		{"garbage", "garbage", refused},
		{"three garbage segments", "a.b.c", refused},
		{"two segments", parts[0] + "." + parts[1], refused},
		{"alg none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, cl), refused},
		{"alg none keeping the signature", strings.TrimSuffix(forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, cl), ".") + "." + parts[2], refused},
		{"HS256 with the right secret", forge(t, jwt.SigningMethodHS256, secret, cl), refused},
		{"HS384 with the right secret", forge(t, jwt.SigningMethodHS384, secret, cl), refused},
		{"HS512 with a wrong key", forge(t, jwt.SigningMethodHS512, otherKey, cl), refused},
		{"expired", hs512(withClaims(cl, "exp", now-1)), refused},
		{"no exp", hs512(withClaims(cl, "exp", nil)), refused},
		{"nbf in the future", hs512(withClaims(cl, "nbf", now+600)), refused},
		{"iat in the future", hs512(withClaims(cl, "iat", now+600)), refused},
		{"no usr", hs512(withClaims(cl, "usr", nil)), refused},
		{"flipped signature character", parts[0] + "." + parts[1] + "." + flipAt(parts[2], 20), refused},
		{"signature's unused bits set", parts[0] + "." + parts[1] + "." + flipLast(parts[2]), refused},
		{"signature cut short", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4], refused},
		{"payload changed to bob, alice's signature", parts[0] + "." + base64.RawURLEncoding.EncodeToString(bob) + "." + parts[2], refused},
		{"valid but over 4096 bytes", overlong, refused},
		{"80 KB cookie", strings.Repeat("a", 80_000), tooBig},
		{"5 MB cookie", strings.Repeat("a", 5<<20), tooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []struct {
				method, path string
				header       []string
			}{
				{"GET", "/api/me", nil},
				{"POST", "/api/clicks", []string{"X-CSRF-Token", csrf}},
			} {
				what := r.method + " " + r.path
				req := request(r.method, r.path, nil, r.header...)
				req.AddCookie(&http.Cookie{Name: o.CookieName(), Value: tt.token})
				a, err := trySend(app, req)
				if err != nil {
					// app.Test (Fiber v2 and v3) returns fasthttp's error for
					// a request whose headers are over the read buffer, not
					// the 431 fasthttp writes (testHugeCookieAnswered reads
					// that one over TCP): no handler ran.
					if !slices.Contains(tt.want, 431) || !strings.Contains(err.Error(), "small read buffer") {
						t.Fatalf("%s with a %d-byte token: %v", what, len(tt.token), err)
					}
					continue
				}
				if !slices.Contains(tt.want, a.status) {
					t.Fatalf("%s with a %d-byte token = %d %.200q, want one of %v", what, len(tt.token), a.status, a.body, tt.want)
				}
				if a.status == 401 && a.body != `{"error":"unauthorized"}` {
					t.Errorf("%s = 401 %q, want the JSON refusal", what, a.body)
				}
				if a.status != 200 {
					noCookies(t, what, a)
				}
			}
		})
	}
}

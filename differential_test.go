package fiberjwt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// diffUser is the user type of the differential fuzz target.
type diffUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

var (
	diffKey    = bytes.Repeat([]byte("differential-key"), 4) // 64 bytes
	diffBase   = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	diffLeeway = 5 * time.Second
)

// diffToken signs claims with header fields set as given (nil deletes one).
func diffToken(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func diffClaims(mod func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": "alice", "iss": "fiberjwt-test", "aud": "web", "jti": "j1",
		"iat": diffBase.Unix(), "nbf": diffBase.Unix(), "exp": diffBase.Add(time.Hour).Unix(),
		"usr": map[string]any{"id": "alice", "name": "Alice"},
	}
	if mod != nil {
		mod(c)
	}
	return c
}

// referenceVerify is the reference the middleware must agree with:
// golang-jwt's parser with the same options, plus the documented extra
// rules (size cap, no line breaks, no crit header, a jti, a user claim that
// decodes).
func referenceVerify(token string, now func() time.Time) (diffUser, bool) {
	var u diffUser
	if token == "" || len(token) > 4096 || strings.ContainsAny(token, "\r\n") {
		return u, false
	}
	var claims struct {
		jwt.RegisteredClaims
		User json.RawMessage `json:"usr"`
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS512"}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(diffLeeway),
		jwt.WithTimeFunc(now),
		jwt.WithIssuer("fiberjwt-test"),
		jwt.WithAudience("web"),
	)
	t, err := p.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return diffKey, nil })
	if err != nil {
		return u, false
	}
	if _, crit := t.Header["crit"]; crit || claims.ID == "" || len(claims.User) == 0 || string(claims.User) == "null" {
		return u, false
	}
	if json.Unmarshal(claims.User, &u) != nil {
		return u, false
	}
	return u, true
}

// Fuzz_Differential proves that the middleware's fast path accepts exactly
// the tokens the reference accepts, with the same user, at any clock
// offset, on a first sight of a token (a cache miss) and on a second (a
// hit).
//
//	go test -run '^$' -fuzz Fuzz_Differential -fuzztime 20s .
func Fuzz_Differential(f *testing.F) {
	var clock atomic.Int64
	clock.Store(diffBase.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }

	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[diffUser]{
		SecretKey: diffKey,
		Leeway:    diffLeeway,
		Issuer:    "fiberjwt-test",
		Audience:  "web",
		TimeFunc:  now,
		Authenticate: func(_ *fiber.Ctx, id, _ string) (diffUser, error) {
			return diffUser{ID: id, Name: strings.ToUpper(id)}, nil
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Get("/login", func(c *fiber.Ctx) error {
		tok, err := fiberjwt.ProcessLogin(c, c.Query("id"), "pw")
		if err != nil {
			return err
		}
		return c.SendString(tok)
	})
	app.Get("/", func(c *fiber.Ctx) error { return c.JSON(c.Locals("user")) })
	handler := app.Handler()

	do := func(path, cookie string) (int, []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI(path)
		if cookie != "" {
			ctx.Request.Header.SetCookie("token", cookie)
		}
		handler(&ctx)
		return ctx.Response.StatusCode(), append([]byte(nil), ctx.Response.Body()...)
	}

	status, issued := do("/login?id=alice", "")
	if status != fiber.StatusOK {
		f.Fatalf("login: %d", status)
	}
	if _, ok := referenceVerify(string(issued), now); !ok {
		f.Fatal("the reference refuses a token the middleware issued")
	}
	if status, _ := do("/", string(issued)); status != fiber.StatusOK {
		f.Fatalf("the middleware refuses its own token: %d", status)
	}
	hs256 := diffToken(f, jwt.SigningMethodHS256, diffKey, diffClaims(nil), nil)
	seeds := []string{
		string(issued),
		string(issued) + "x",
		strings.Replace(string(issued), ".", "..", 1),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(nil), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(nil), map[string]any{"typ": nil}),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(nil), map[string]any{"kid": "1"}),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(nil), map[string]any{"crit": []string{"exp"}}),
		diffToken(f, jwt.SigningMethodHS512, []byte("another key, just as long as the real one, 64 bytes or more.."), diffClaims(nil), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { delete(c, "exp") }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { delete(c, "jti") }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { delete(c, "usr") }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["usr"] = nil }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["usr"] = 5 }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["iss"] = "other" }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["aud"] = []string{"api", "web"} }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["aud"] = []string{"api"} }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["exp"] = diffBase.Add(-time.Second).Unix() }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["nbf"] = diffBase.Add(time.Minute).Unix() }), nil),
		diffToken(f, jwt.SigningMethodHS512, diffKey, diffClaims(func(c jwt.MapClaims) { c["exp"] = "soon" }), nil),
		hs256,
		diffToken(f, jwt.SigningMethodHS384, diffKey, diffClaims(nil), nil),
		diffToken(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, diffClaims(nil), nil),
		diffToken(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, diffClaims(nil), map[string]any{"alg": "None"}),
		diffToken(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, diffClaims(nil), map[string]any{"alg": "NONE"}),
		strings.TrimSuffix(hs256, hs256[strings.LastIndexByte(hs256, '.'):]) + ".",
		base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS512","typ":"JWT"}`)) + "..",
		"", "garbage", "a.b.c", strings.Repeat("A", 5000),
	}
	for _, s := range seeds {
		for _, offset := range []int64{0, -6, 3600, 3604, 3605} {
			f.Add(s, offset)
		}
	}

	f.Fuzz(func(t *testing.T, token string, offset int64) {
		const day = 24 * 3600
		clock.Store(diffBase.Add(time.Duration(offset%(2*day)) * time.Second).UnixNano())
		var probe fasthttp.Request
		probe.Header.SetCookie("token", token)
		seen := string(probe.Header.Cookie("token")) // what the middleware reads
		want, ok := referenceVerify(seen, now)
		for pass := 0; pass < 2; pass++ { // a miss, then a hit
			status, body := do("/", token)
			switch {
			case ok && status != fiber.StatusOK:
				t.Fatalf("pass %d: reference accepts %q, middleware answers %d", pass, seen, status)
			case !ok && status != fiber.StatusUnauthorized:
				t.Fatalf("pass %d: reference refuses %q, middleware answers %d", pass, seen, status)
			case ok:
				var got diffUser
				if err := json.Unmarshal(body, &got); err != nil || got != want {
					t.Fatalf("pass %d: user %s, reference %+v", pass, body, want)
				}
			}
		}
	})
}

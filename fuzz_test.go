package fiberjwt_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// fuzzServe runs one request through handler and returns the status and
// body.
func fuzzServe(handler fasthttp.RequestHandler, method, path, cookie string, header ...string) (int, string) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(path)
	if cookie != "" {
		ctx.Request.Header.SetCookie("token", cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		ctx.Request.Header.Set(header[i], header[i+1])
	}
	handler(&ctx)
	return ctx.Response.StatusCode(), string(ctx.Response.Body())
}

// Fuzz_KeySet: with a KeySet of HMAC, ECDSA and Ed25519 keys, the
// middleware accepts exactly the tokens that golang-jwt accepts when the
// kid picks the key and the key pins its algorithm, and yields the same
// user, on a miss and on a cache hit.
//
//	go test -run '^$' -fuzz Fuzz_KeySet -fuzztime 20s .
func Fuzz_KeySet(f *testing.F) {
	asymKeys(f)
	keys := []fiberjwt.Key{
		hsKey("hs", 3),
		{ID: "ec", Algorithm: "ES256", PrivateKey: ecKeys["ES256"]},
		{ID: "ed", Algorithm: "EdDSA", PrivateKey: edKey},
	}
	byID := map[string]fiberjwt.Key{}
	for _, k := range keys {
		byID[k.ID] = k
	}
	handler := newKeysApp(f, mustKeySet(f, keys...)).app.Handler()

	reference := func(token string) (keyUser, bool) {
		var u keyUser
		if token == "" || len(token) > 4096 || strings.ContainsAny(token, "\r\n") {
			return u, false
		}
		var claims struct {
			jwt.RegisteredClaims
			User json.RawMessage `json:"usr"`
		}
		t, err := jwt.NewParser(jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithStrictDecoding()).
			ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
				kid, _ := t.Header["kid"].(string)
				k, ok := byID[kid]
				if !ok || k.Algorithm != t.Method.Alg() {
					return nil, jwt.ErrTokenUnverifiable
				}
				if k.Secret != nil {
					return k.Secret, nil
				}
				switch p := k.PrivateKey.(type) {
				case *ecdsa.PrivateKey:
					return &p.PublicKey, nil
				case ed25519.PrivateKey:
					return p.Public(), nil
				}
				return nil, jwt.ErrTokenUnverifiable
			})
		if err != nil {
			return u, false
		}
		if _, crit := t.Header["crit"]; crit || claims.ID == "" || len(claims.User) == 0 || string(claims.User) == "null" {
			return u, false
		}
		return u, json.Unmarshal(claims.User, &u) == nil
	}

	for _, k := range keys { // tokens issued by each key
		issuer := newKeysApp(f, mustKeySet(f, k))
		token := issuer.login(f, "alice")
		if status, _ := fuzzServe(handler, fiber.MethodGet, "/me", token); status != fiber.StatusOK {
			f.Fatalf("a token issued with key %s is refused: %d", k.ID, status)
		}
		f.Add(token)
		f.Add(strings.Replace(token, ".", "x.", 1))        // another header, same signature
		f.Add(token[:strings.LastIndexByte(token, '.')+1]) // no signature
	}
	valid := jwt.MapClaims{"sub": "alice", "jti": "j", "exp": 4102444800, "usr": map[string]any{"id": "alice"}}
	for _, k := range keys {
		for _, method := range []jwt.SigningMethod{jwt.SigningMethodHS512, jwt.SigningMethodES256, jwt.SigningMethodEdDSA, jwt.SigningMethodRS256} {
			tok := jwt.NewWithClaims(method, valid)
			tok.Header["kid"] = k.ID
			signKey := any(k.Secret)
			switch method {
			case jwt.SigningMethodES256:
				signKey = ecKeys["ES256"]
			case jwt.SigningMethodEdDSA:
				signKey = edKey
			case jwt.SigningMethodRS256:
				signKey = rsaKey
			}
			if s, err := tok.SignedString(signKey); err == nil {
				f.Add(s)
			}
		}
	}
	f.Add("")
	f.Add("e30.e30.e30")

	f.Fuzz(func(t *testing.T, token string) {
		var probe fasthttp.Request
		probe.Header.SetCookie("token", token)
		seen := string(probe.Header.Cookie("token"))
		want, ok := reference(seen)
		for pass := 0; pass < 2; pass++ {
			status, body := fuzzServe(handler, fiber.MethodGet, "/me", token)
			switch {
			case ok && (status != fiber.StatusOK || body != want.ID):
				t.Fatalf("pass %d: reference accepts %q as %q, middleware answers %d %q", pass, seen, want.ID, status, body)
			case !ok && status != fiber.StatusUnauthorized:
				t.Fatalf("pass %d: reference refuses %q, middleware answers %d", pass, seen, status)
			}
		}
	})
}

// Fuzz_CSRF: a POST authenticated by the token cookie is served exactly
// when the X-CSRF-Token header, or else the csrf_token form field, equals
// the session's CSRF value; otherwise it is refused with 403.
//
//	go test -run '^$' -fuzz Fuzz_CSRF -fuzztime 20s .
func Fuzz_CSRF(f *testing.F) {
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[keyUser]{
		SecretKey:    key(64),
		Next:         func(c *fiber.Ctx) bool { return c.Path() == "/login" },
		Authenticate: func(_ *fiber.Ctx, id, _ string) (keyUser, error) { return keyUser{ID: id}, nil },
	}))
	app.Get("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "pw")
		if err != nil {
			return err
		}
		return c.SendString(token + " " + fiberjwt.CSRFToken(c))
	})
	app.Post("/act", func(c *fiber.Ctx) error { return c.SendString("done") })
	handler := app.Handler()
	_, body := fuzzServe(handler, fiber.MethodGet, "/login", "")
	token, csrf, _ := strings.Cut(body, " ")
	if csrf == "" {
		f.Fatal("login gave no CSRF value")
	}

	f.Add(csrf, "")
	f.Add("", csrf)
	f.Add("", "")
	f.Add(csrf+"x", "")
	f.Add(csrf[:len(csrf)-1], csrf)
	f.Add(strings.ToUpper(csrf), "")
	f.Add(" "+csrf, "")

	f.Fuzz(func(t *testing.T, header, field string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(fiber.MethodPost)
		ctx.Request.SetRequestURI("/act")
		ctx.Request.Header.SetCookie("token", token)
		ctx.Request.Header.Set(fiberjwt.CSRFHeader, header)
		ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
		ctx.Request.SetBodyString(url.Values{fiberjwt.CSRFField: {field}}.Encode())
		sent := string(ctx.Request.Header.Peek(fiberjwt.CSRFHeader)) // what the server reads
		handler(&ctx)
		got := sent
		if got == "" {
			got = field
		}
		want := fiber.StatusForbidden
		if got == csrf {
			want = fiber.StatusOK
		}
		if status := ctx.Response.StatusCode(); status != want {
			t.Fatalf("header %q, field %q: %d, want %d", header, field, status, want)
		}
	})
}

package fiberjwt_test

import (
	"crypto"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// extUser is the user an app builds from another issuer's claims.
type extUser struct {
	Email string
	Roles []string
}

var errNoEmail = errors.New("test: no email claim")

// foreignApp is an app accepting tokens of another issuer, signed with priv
// under the kid "ext-1", besides its own HS512 tokens (the first key, so
// that it could refresh); calls counts UserFromClaims.
type foreignApp struct {
	app   *fiber.App
	keys  *fiberjwt.KeySet
	calls atomic.Int64
	errs  errLog
	now   *clock
}

func newForeignApp(tb testing.TB, alg string, priv crypto.Signer) *foreignApp {
	tb.Helper()
	a := &foreignApp{now: newClock()}
	a.keys = mustKeySet(tb, hsKey("own", 'o'), fiberjwt.Key{ID: "ext-1", Algorithm: alg, PublicKey: priv.Public()})
	a.app = fiber.New()
	a.app.Use(fiberjwt.New(fiberjwt.Config[extUser]{
		Keys:         a.keys,
		AcceptBearer: true,
		TimeFunc:     a.now.Now,
		Expiration:   time.Hour,
		Next:         func(c *fiber.Ctx) bool { return c.Path() == "/logout" },
		UserFromClaims: func(claims map[string]any) (extUser, error) {
			a.calls.Add(1)
			email, _ := claims["email"].(string)
			if email == "" {
				return extUser{}, errNoEmail
			}
			u := extUser{Email: email}
			roles, _ := claims["roles"].([]any)
			for _, r := range roles {
				if s, ok := r.(string); ok {
					u.Roles = append(u.Roles, s)
				}
			}
			return u, nil
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			a.errs.add(err)
			return c.SendStatus(fiber.StatusUnauthorized)
		},
	}))
	a.app.All("/me", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[extUser](c)
		if !ok {
			return c.SendStatus(fiber.StatusInternalServerError)
		}
		u.Roles = append(u.Roles, "mutated") // never seen by another request
		return c.SendString(u.Email + " " + u.Roles[0])
	})
	a.app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
		}
		return c.SendString("bye")
	})
	return a
}

// foreignToken is a token of the other issuer, signed by golang-jwt alone,
// valid from the app's clock on, with claims changed by mod.
func (a *foreignApp) foreignToken(tb testing.TB, alg string, priv crypto.Signer, mod func(jwt.MapClaims)) string {
	tb.Helper()
	now := a.now.Now()
	claims := jwt.MapClaims{
		"iss": "https://other.example", "sub": "u-42", "jti": "ext-jti-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"email": "ann@other.example", "roles": []string{"reader"},
	}
	if mod != nil {
		mod(claims)
	}
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), claims)
	t.Header["kid"] = "ext-1"
	s, err := t.SignedString(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// do sends method /path with the token as a Bearer header, or as the
// cookie when cookie is set.
func (a *foreignApp) do(tb testing.TB, method, path, token string, cookie bool) (int, string, []string) {
	tb.Helper()
	req := httptest.NewRequest(method, path, nil)
	if cookie {
		req.Header.Set(fiber.HeaderCookie, "token="+token)
	} else {
		req.Header.Set(fiber.HeaderAuthorization, "Bearer "+token)
	}
	resp, err := a.app.Test(req, -1)
	if err != nil {
		tb.Fatal(err)
	}
	var body [256]byte
	n, _ := resp.Body.Read(body[:])
	return resp.StatusCode, string(body[:n]), resp.Header.Values(fiber.HeaderSetCookie)
}

// A token of another issuer, signed by golang-jwt alone (no sid, csrf or
// usr), is accepted with the user UserFromClaims builds, once per token;
// it is never refreshed, needs the Bearer header for unsafe requests, and
// is revoked by its jti.
//
// go test -run Test_ForeignToken -race
func Test_ForeignToken(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	a := newForeignApp(t, "ES256", priv)
	token := a.foreignToken(t, "ES256", priv, nil)

	for i := 0; i < 3; i++ {
		status, body, cookies := a.do(t, fiber.MethodGet, "/me", token, false)
		utils.AssertEqual(t, fiber.StatusOK, status, "Bearer request")
		utils.AssertEqual(t, "ann@other.example reader", body, "the user from the claims, unshared")
		utils.AssertEqual(t, 0, len(cookies), "Set-Cookie for a foreign token")
	}
	utils.AssertEqual(t, int64(1), a.calls.Load(), "UserFromClaims calls for one token (cached)")

	// In the cookie, a safe request is served; an unsafe one has no CSRF
	// value to show.
	status, _, _ := a.do(t, fiber.MethodGet, "/me", token, true)
	utils.AssertEqual(t, fiber.StatusOK, status, "cookie GET")
	status, _, _ = a.do(t, fiber.MethodPost, "/me", token, true)
	utils.AssertEqual(t, fiber.StatusUnauthorized, status, "cookie POST")
	if err := a.errs.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
		t.Fatalf("cookie POST: %v, want ErrCSRF", err)
	}
	status, _, _ = a.do(t, fiber.MethodPost, "/me", token, false)
	utils.AssertEqual(t, fiber.StatusOK, status, "Bearer POST")

	// Never refreshed, even inside the refresh window of an instance that
	// can sign.
	a.now.Advance(50 * time.Minute)
	status, _, cookies := a.do(t, fiber.MethodGet, "/me", token, true)
	utils.AssertEqual(t, fiber.StatusOK, status, "in the refresh window")
	utils.AssertEqual(t, 0, len(cookies), "Set-Cookie in the refresh window")

	// Logout revokes it by its jti.
	status, body, _ := a.do(t, fiber.MethodPost, "/logout", token, false)
	utils.AssertEqual(t, fiber.StatusOK, status, body)
	status, _, _ = a.do(t, fiber.MethodGet, "/me", token, false)
	utils.AssertEqual(t, fiber.StatusUnauthorized, status, "after logout")
	if err := a.errs.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
		t.Fatalf("after logout: %v, want ErrRevoked", err)
	}
}

// go test -run Test_ForeignToken_Refused -race
func Test_ForeignToken_Refused(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	tests := []struct {
		name    string
		token   func(a *foreignApp) string
		wantErr error
	}{
		{name: "UserFromClaims refuses", token: func(a *foreignApp) string {
			return a.foreignToken(t, "ES256", priv, func(c jwt.MapClaims) { delete(c, "email") })
		}, wantErr: errNoEmail},
		{name: "expired", token: func(a *foreignApp) string {
			return a.foreignToken(t, "ES256", priv, func(c jwt.MapClaims) { c["exp"] = a.now.Now().Add(-time.Minute).Unix() })
		}, wantErr: fiberjwt.ErrTokenExpired},
		{name: "no exp", token: func(a *foreignApp) string {
			return a.foreignToken(t, "ES256", priv, func(c jwt.MapClaims) { delete(c, "exp") })
		}, wantErr: fiberjwt.ErrNoExpiry},
		{name: "another key", token: func(a *foreignApp) string {
			return a.foreignToken(t, "ES384", ecKeys["ES384"], nil)
		}, wantErr: fiberjwt.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newForeignApp(t, "ES256", priv)
			status, _, _ := a.do(t, fiber.MethodGet, "/me", tt.token(a), false)
			utils.AssertEqual(t, fiber.StatusUnauthorized, status)
			if err := a.errs.last(t); !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}

	t.Run("without UserFromClaims", func(t *testing.T) {
		t.Parallel()
		a := newForeignApp(t, "ES256", priv)
		app := fiber.New()
		app.Use(fiberjwt.New(fiberjwt.Config[extUser]{Keys: a.keys, AcceptBearer: true, TimeFunc: a.now.Now,
			Unauthorized: func(c *fiber.Ctx, err error) error {
				a.errs.add(err)
				return c.SendStatus(fiber.StatusUnauthorized)
			}}))
		a.app = app
		status, _, _ := a.do(t, fiber.MethodGet, "/me", a.foreignToken(t, "ES256", priv, nil), false)
		utils.AssertEqual(t, fiber.StatusUnauthorized, status)
		if err := a.errs.last(t); !errors.Is(err, fiberjwt.ErrInvalidToken) {
			t.Fatalf("got %v, want ErrInvalidToken", err)
		}
	})

	// A cached foreign token is refused once its key is retired.
	t.Run("key retired", func(t *testing.T) {
		t.Parallel()
		a := newForeignApp(t, "ES256", priv)
		token := a.foreignToken(t, "ES256", priv, nil)
		status, _, _ := a.do(t, fiber.MethodGet, "/me", token, false)
		utils.AssertEqual(t, fiber.StatusOK, status, "before Retire")
		if err := a.keys.Retire("ext-1"); err != nil {
			t.Fatal(err)
		}
		status, _, _ = a.do(t, fiber.MethodGet, "/me", token, false)
		utils.AssertEqual(t, fiber.StatusUnauthorized, status, "after Retire")
	})
}

// Benchmark_ForeignToken: a repeated token of another issuer (golang-jwt
// alone, no usr claim, the user from UserFromClaims) as a Bearer header, on
// the cached path: no ECDSA or RSA verification per request.
//
//	go test -run '^$' -bench 'Benchmark_ForeignToken|Floor' -benchmem
func Benchmark_ForeignToken(b *testing.B) {
	asymKeys(b)
	for _, alg := range []string{"ES256", "RS256"} {
		b.Run(alg, func(b *testing.B) {
			priv := privateKeyFor(alg)
			a := newForeignApp(b, alg, priv)
			ctx := &fasthttp.RequestCtx{}
			ctx.Request.Header.SetMethod(fiber.MethodGet)
			ctx.Request.SetRequestURI("/me")
			ctx.Request.Header.Set(fiber.HeaderAuthorization, "Bearer "+a.foreignToken(b, alg, priv, nil))
			handler := a.app.Handler()
			handler(ctx)
			if ctx.Response.StatusCode() != fiber.StatusOK {
				b.Fatalf("status %d", ctx.Response.StatusCode())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ctx.Response.Reset()
				handler(ctx)
			}
			b.StopTimer()
			if calls := a.calls.Load(); calls != 1 {
				b.Fatalf("UserFromClaims called %d times, want once", calls)
			}
		})
	}
}

// The other issuer publishes its keys at a JWKS URL (without alg: the
// curve implies ES256) and signs tokens with golang-jwt alone: a remote
// KeySet and UserFromClaims accept them, cached.
//
// go test -run Test_ForeignToken_RemoteKeys -race
func Test_ForeignToken_RemoteKeys(t *testing.T) {
	t.Parallel()
	asymKeys(t)
	priv := ecKeys["ES256"]
	srv := newJWKSServer(t, staticJWKS(jwksOf(jwkOf("ext-1", "", priv.Public()))))
	keys := srv.mustRemote(t, fiberjwt.RemoteKeys{})
	a := newForeignApp(t, "ES256", priv)
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[extUser]{
		Keys:         keys,
		AcceptBearer: true,
		UserFromClaims: func(claims map[string]any) (extUser, error) {
			a.calls.Add(1)
			email, _ := claims["email"].(string)
			return extUser{Email: email}, nil
		},
	}))
	app.Get("/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[extUser](c)
		return c.SendString(u.Email)
	})
	a.app = app
	a.now = &clock{now: time.Now()}
	token := a.foreignToken(t, "ES256", priv, nil)
	for i := 0; i < 3; i++ {
		status, body, _ := a.do(t, fiber.MethodGet, "/me", token, false)
		utils.AssertEqual(t, fiber.StatusOK, status, body)
		utils.AssertEqual(t, "ann@other.example", body)
	}
	utils.AssertEqual(t, int64(1), a.calls.Load(), "UserFromClaims calls for one token (cached)")
	utils.AssertEqual(t, int64(1), srv.fetches.Load(), "JWKS fetches")
}

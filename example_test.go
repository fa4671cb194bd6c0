package fiberjwt_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
)

// Profile is the user type of the examples after ExampleNew: what the token
// carries, an id and a display name, never a password.
type Profile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ExampleNew is the quick start of the README: a login route, a protected
// page, and requests driven through app.Test instead of a listening server.
func ExampleNew() {
	// User is what the token carries: an id and a display name, never a
	// password.
	type User struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}

	secret := make([]byte, 64) // HS512 (the default) needs at least 64 bytes
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}

	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey: secret,
		Authenticate: func(c *fiber.Ctx, id, pw string) (User, error) {
			if id == "alice" && pw == "wonderland" { // compare a password hash in a real app
				return User{ID: "alice", Name: "Alice"}, nil
			}
			return User{}, errors.New("wrong id or password")
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" }, // public routes
	}))
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u := c.Locals("user").(User) // or: u, ok := fiberjwt.CurrentUser[User](c)
		return c.SendString("Protected Page. name: " + u.Name)
	})

	// Sign in: 303 to /protected, with the token cookie.
	resp, _ := app.Test(exampleForm("/login", "id=alice&pw=wonderland"), -1)
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	cookie := resp.Cookies()[0]

	// The cookie opens the protected page.
	req := httptest.NewRequest(http.MethodGet, "/protected", nil)
	req.AddCookie(cookie)
	resp, _ = app.Test(req, -1)
	fmt.Println(resp.StatusCode, exampleBody(resp))

	// Without it, the default Unauthorized handler answers.
	resp, _ = app.Test(httptest.NewRequest(http.MethodGet, "/protected", nil), -1)
	fmt.Println(resp.StatusCode, exampleBody(resp))

	// Output:
	// 303 /protected
	// 200 Protected Page. name: Alice
	// 401 Unauthorized
}

// ExampleProcessLogin shows the cookie that a successful login writes and the
// error that a refused one returns.
func ExampleProcessLogin() {
	app := fiber.New()
	app.Use(fiberjwt.New(exampleConfig()))
	app.Post("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
		switch {
		case errors.Is(err, fiberjwt.ErrInvalidCredentials):
			// Wrong id or password, or an empty one: no cookie was set.
			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
		case err != nil:
			return err // a bug (ErrConfig, ErrNotMounted) or a failing dependency
		}
		u, _ := fiberjwt.CurrentUser[Profile](c) // already set for this request
		return c.SendString("welcome " + u.Name)
	})

	resp, _ := app.Test(exampleForm("/login", "id=alice&pw=wonderland"), -1)
	fmt.Println(resp.StatusCode, exampleBody(resp))
	// The token, out of reach of scripts, and the CSRF value that a page's
	// script (or form) sends back with unsafe requests.
	for _, c := range resp.Cookies() {
		fmt.Printf("cookie %s: HttpOnly=%t Secure=%t SameSite=Lax:%t Max-Age=%d Path=%s\n",
			c.Name, c.HttpOnly, c.Secure, c.SameSite == http.SameSiteLaxMode, c.MaxAge, c.Path)
	}

	resp, _ = app.Test(exampleForm("/login", "id=alice&pw=guess"), -1)
	fmt.Println(resp.StatusCode, exampleBody(resp), len(resp.Cookies()), "cookies")

	// Output:
	// 200 welcome Alice
	// cookie token: HttpOnly=true Secure=true SameSite=Lax:true Max-Age=86400 Path=/
	// cookie csrf_token: HttpOnly=false Secure=true SameSite=Lax:true Max-Age=86400 Path=/
	// 401 wrong id or password 0 cookies
}

// ExampleLogout clears the cookies and revokes the session, so that a copy
// of the token kept by an attacker (or by the browser's history) no longer
// works. Logout is a POST: like every unsafe request of a signed-in
// browser, it carries the CSRF value, here in the X-CSRF-Token header that
// a page's script copies from the csrf_token cookie.
func ExampleLogout() {
	cfg := exampleConfig()
	// Keep /logout public, so that a user whose token expired can still
	// clear the cookies.
	cfg.Next = func(c *fiber.Ctx) bool { return c.Path() == "/login" || c.Path() == "/logout" }
	app := exampleApp(cfg)
	app.Post("/logout", func(c *fiber.Ctx) error {
		switch err := fiberjwt.Logout(c); {
		case errors.Is(err, fiberjwt.ErrCSRF): // not sent by our page: nothing done
			return c.SendStatus(fiber.StatusForbidden)
		case err != nil: // ErrStorage: cookies cleared, but the session is not revoked
			return c.SendStatus(fiber.StatusServiceUnavailable)
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})

	cookies := exampleLoginCookies(app) // token and csrf_token
	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	for _, c := range cookies {
		req.AddCookie(c)
		if c.Name == fiberjwt.CSRFCookieName {
			req.Header.Set(fiberjwt.CSRFHeader, c.Value)
		}
	}
	resp, _ := app.Test(req, -1)
	cleared := 0
	for _, c := range resp.Cookies() {
		if c.Value == "" {
			cleared++
		}
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"), "cookies cleared:", cleared)

	// The old token is refused from now on, even though it has not expired.
	fmt.Println(exampleGet(app, "/protected", cookies[0]))

	// Output:
	// 303 / cookies cleared: 2
	// 401 Unauthorized
}

// ExampleCSRFToken puts the CSRF value in the hidden csrf_token field of an
// HTML form. A POST that carries it is served; one that does not is refused
// with ErrCSRF, which the default Unauthorized handler answers with 403.
func ExampleCSRFToken() {
	app := exampleApp(exampleConfig())
	app.Get("/settings", func(c *fiber.Ctx) error {
		c.Type("html")
		return c.SendString(`<form method="post" action="/settings">` +
			`<input type="hidden" name="csrf_token" value="` + fiberjwt.CSRFToken(c) + `">` +
			`<button>Save</button></form>`)
	})
	app.Post("/settings", func(c *fiber.Ctx) error { return c.SendString("saved") })

	cookies := exampleLoginCookies(app)
	post := func(form string) string {
		req := exampleForm("/settings", form)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, _ := app.Test(req, -1)
		return fmt.Sprint(resp.StatusCode, " ", exampleBody(resp))
	}

	// The page's form carries the value ...
	req := httptest.NewRequest(http.MethodGet, "/settings", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, _ := app.Test(req, -1)
	page := exampleBody(resp)
	start := strings.Index(page, `name="csrf_token" value="`) + len(`name="csrf_token" value="`)
	value := page[start : start+strings.IndexByte(page[start:], '"')]

	fmt.Println(post("theme=dark&csrf_token=" + value))
	// ... a form posted by another site cannot.
	fmt.Println(post("theme=dark"))

	// Output:
	// 200 saved
	// 403 Forbidden
}

// ExampleConfig_unauthorized answers each failure in its own way. The error
// wraps one of the package's sentinels; test it with errors.Is.
func ExampleConfig_unauthorized() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cfg := exampleConfig()
	cfg.TimeFunc = func() time.Time { return now } // a clock the example can move
	cfg.Unauthorized = func(c *fiber.Ctx, err error) error {
		switch {
		case errors.Is(err, fiberjwt.ErrStorage):
			return c.Status(fiber.StatusServiceUnavailable).SendString("try again later")
		case errors.Is(err, fiberjwt.ErrNoToken):
			return c.Status(fiber.StatusUnauthorized).SendString("please sign in")
		case errors.Is(err, fiberjwt.ErrTokenExpired):
			return c.Status(fiber.StatusUnauthorized).SendString("session expired, please sign in again")
		default: // ErrInvalidToken, ErrRevoked, ...: never echo the error or the token
			return c.Status(fiber.StatusUnauthorized).SendString("invalid session")
		}
	}
	app := exampleApp(cfg)

	fmt.Println(exampleGet(app, "/protected", nil))
	fmt.Println(exampleGet(app, "/protected", &http.Cookie{Name: "token", Value: "forged"}))
	cookie := exampleLogin(app)
	fmt.Println(exampleGet(app, "/protected", cookie))
	now = now.Add(25 * time.Hour) // past the default 24h Expiration
	fmt.Println(exampleGet(app, "/protected", cookie))

	// Output:
	// 401 please sign in
	// 401 invalid session
	// 200 Protected Page. name: Alice
	// 401 session expired, please sign in again
}

// ExampleConfig_next marks public routes. A public page is served to anyone,
// and still greets a user who is signed in; a bad token is ignored there.
func ExampleConfig_next() {
	cfg := exampleConfig()
	cfg.Next = func(c *fiber.Ctx) bool {
		switch c.Path() {
		case "/", "/login":
			return true
		}
		return false
	}
	app := exampleApp(cfg)
	app.Get("/", func(c *fiber.Ctx) error {
		if u, ok := fiberjwt.CurrentUser[Profile](c); ok {
			return c.SendString("Hello, " + u.Name)
		}
		return c.SendString("Hello, guest. Please sign in.")
	})

	fmt.Println(exampleGet(app, "/", nil))
	fmt.Println(exampleGet(app, "/", &http.Cookie{Name: "token", Value: "forged"}))
	fmt.Println(exampleGet(app, "/", exampleLogin(app)))

	// Output:
	// 200 Hello, guest. Please sign in.
	// 200 Hello, guest. Please sign in.
	// 200 Hello, Alice
}

// ExampleCurrentUser reads the signed-in user with its type, without a type
// assertion on c.Locals.
func ExampleCurrentUser() {
	app := exampleApp(exampleConfig())
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[Profile](c)
		if !ok {
			// Not signed in: only possible on a route that Config.Next
			// marks public, since the middleware refuses the others.
			return fiber.ErrUnauthorized
		}
		return c.JSON(u)
	})

	fmt.Println(exampleGet(app, "/api/me", exampleLogin(app)))

	// Output:
	// 200 {"id":"alice","name":"Alice"}
}

// ExampleKeySet_Rotate rotates the signing key without signing anybody out:
// tokens of the previous key keep working until it is retired.
func ExampleKeySet_Rotate() {
	keys, err := fiberjwt.NewKeySet(fiberjwt.Key{ID: "2026-10", Algorithm: "HS512", Secret: exampleSecret()})
	if err != nil {
		panic(err)
	}
	cfg := exampleConfig()
	cfg.SecretKey, cfg.Keys = nil, keys
	app := exampleApp(cfg)
	before := exampleLogin(app)

	// A new key signs from now on (each instance of a cluster rotates in
	// turn: they all verify both keys meanwhile).
	if err := keys.Rotate(fiberjwt.Key{ID: "2026-11", Algorithm: "HS512", Secret: exampleSecret()}); err != nil {
		panic(err)
	}
	after := exampleLogin(app)
	fmt.Println("kid:", exampleKid(before.Value), "then", exampleKid(after.Value))
	fmt.Println(exampleGet(app, "/protected", before))

	// Once the old key's tokens have expired (Config.MaxSessionAge at the
	// latest), retire it.
	if err := keys.Retire("2026-10"); err != nil {
		panic(err)
	}
	fmt.Println(exampleGet(app, "/protected", before))
	fmt.Println(exampleGet(app, "/protected", after))

	// Output:
	// kid: 2026-10 then 2026-11
	// 200 Protected Page. name: Alice
	// 401 Unauthorized
	// 200 Protected Page. name: Alice
}

// ExampleKeySet_JWKS signs with an Ed25519 private key on the service that
// signs users in, publishes the public key, and verifies on another service
// that holds the public key alone and cannot sign anybody in.
func ExampleKeySet_JWKS() {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	signing, err := fiberjwt.NewKeySet(fiberjwt.Key{ID: "ed-1", Algorithm: "EdDSA", PrivateKey: priv})
	if err != nil {
		panic(err)
	}
	cfg := exampleConfig()
	cfg.SecretKey, cfg.Keys = nil, signing
	login := fiber.New()
	login.Get("/.well-known/jwks.json", signing.JWKS()) // public: before Use
	login.Use(fiberjwt.New(cfg))
	login.Post("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
		return err
	})

	resp, _ := login.Test(httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil), -1)
	var set struct {
		Keys []struct{ Kty, Crv, Kid, Alg, Use string }
	}
	if err := json.Unmarshal([]byte(exampleBody(resp)), &set); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", set.Keys)

	// The other service: public key only.
	verifying, err := fiberjwt.NewKeySet(fiberjwt.Key{ID: "ed-1", Algorithm: "EdDSA", PublicKey: pub})
	if err != nil {
		panic(err)
	}
	cfg = exampleConfig()
	cfg.SecretKey, cfg.Keys = nil, verifying
	api := exampleApp(cfg)
	fmt.Println(exampleGet(api, "/protected", exampleLogin(login)))
	api.Get("/try-login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		return c.SendString(fmt.Sprint(errors.Is(err, fiberjwt.ErrConfig)))
	})
	fmt.Println("ErrConfig from ProcessLogin:", exampleGet(api, "/try-login", exampleLogin(login)))

	// Output:
	// [{Kty:OKP Crv:Ed25519 Kid:ed-1 Alg:EdDSA Use:sig}]
	// 200 Protected Page. name: Alice
	// ErrConfig from ProcessLogin: 200 true
}

// ExampleNewRemoteKeySet verifies, on an API service, the tokens of a
// login service that publishes its public keys at a JWKS URL (here an
// httptest TLS server standing in for it). The API fetches the keys at
// start-up and keeps them fresh in the background until ctx is done.
func ExampleNewRemoteKeySet() {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	signing, err := fiberjwt.NewKeySet(fiberjwt.Key{ID: "ed-1", Algorithm: "EdDSA", PrivateKey: priv})
	if err != nil {
		panic(err)
	}
	cfg := exampleConfig()
	cfg.SecretKey, cfg.Keys = nil, signing
	login := fiber.New()
	login.Get("/.well-known/jwks.json", signing.JWKS()) // public: before Use
	login.Use(fiberjwt.New(cfg))
	login.Post("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
		return err
	})
	issuer := httptest.NewTLSServer(adaptor(login))
	defer issuer.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the refresh goroutine
	remote, err := fiberjwt.NewRemoteKeySet(ctx, fiberjwt.RemoteKeys{
		URL:       issuer.URL + "/.well-known/jwks.json",
		Client:    issuer.Client(), // trusts the test server's certificate
		OwnTokens: true,            // the keys of fiberjwt's own login service
	})
	if err != nil {
		panic(err)
	}
	cfg = exampleConfig()
	cfg.SecretKey, cfg.Keys = nil, remote
	api := exampleApp(cfg)
	fmt.Println(exampleGet(api, "/protected", exampleLogin(login)))

	// Output:
	// 200 Protected Page. name: Alice
}

// adaptor serves a Fiber app on a net/http server.
func adaptor(app *fiber.App) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := app.Test(r, -1)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

// ExampleConfig_storage runs two instances that share one revocation store:
// a user signs in on one, is served by the other, and after a logout on the
// first the other refuses the token too. In production the shared store is
// Redis (github.com/gofiber/storage/redis/v3, see the README and the
// integration module); here a small map stands in for it.
func ExampleConfig_storage() {
	shared := newMapStorage()
	cfg := exampleConfig()
	cfg.Storage = shared
	a, b := exampleApp(cfg), exampleApp(cfg)
	a.Post("/logout", func(c *fiber.Ctx) error { return fiberjwt.Logout(c) })

	cookies := exampleLoginCookies(a)
	fmt.Println("B:", exampleGet(b, "/protected", cookies[0]))

	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.AddCookie(cookies[0])
	req.Header.Set(fiberjwt.CSRFHeader, cookies[1].Value)
	if _, err := a.Test(req, -1); err != nil {
		panic(err)
	}
	fmt.Println("B after the logout on A:", exampleGet(b, "/protected", cookies[0]))

	// Output:
	// B: 200 Protected Page. name: Alice
	// B after the logout on A: 401 Unauthorized
}

// The helpers below keep the examples short.

// exampleKey signs the examples' tokens. Load yours from a secret store: at
// least 64 random bytes for HS512.
var exampleKey = exampleSecret()

// exampleConfig returns the examples' Config: alice/wonderland may sign in, and
// /login is public.
func exampleConfig() fiberjwt.Config[Profile] {
	return fiberjwt.Config[Profile]{
		SecretKey: exampleKey,
		Authenticate: func(c *fiber.Ctx, id, pw string) (Profile, error) {
			if id == "alice" && pw == "wonderland" {
				return Profile{ID: "alice", Name: "Alice"}, nil
			}
			return Profile{}, errors.New("wrong id or password")
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}
}

// exampleApp mounts the middleware with cfg and the routes /login and
// /protected.
func exampleApp(cfg fiberjwt.Config[Profile]) *fiber.App {
	app := fiber.New()
	app.Use(fiberjwt.New(cfg))
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u := c.Locals("user").(Profile)
		return c.SendString("Protected Page. name: " + u.Name)
	})
	return app
}

// exampleLogin signs alice in and returns her token cookie.
func exampleLogin(app *fiber.App) *http.Cookie {
	return exampleLoginCookies(app)[0]
}

// exampleLoginCookies signs alice in and returns her cookies: the token
// cookie first, then the csrf_token cookie.
func exampleLoginCookies(app *fiber.App) []*http.Cookie {
	resp, err := app.Test(exampleForm("/login", "id=alice&pw=wonderland"), -1)
	if err != nil {
		panic(fmt.Sprint("login failed: ", err))
	}
	var token, csrf *http.Cookie
	for _, c := range resp.Cookies() {
		switch c.Name {
		case "token":
			token = c
		case fiberjwt.CSRFCookieName:
			csrf = c
		}
	}
	if token == nil || csrf == nil {
		panic("login failed: no token or csrf_token cookie")
	}
	return []*http.Cookie{token, csrf}
}

// exampleGet sends a GET request with cookie (if not nil) and returns the status
// and the body.
func exampleGet(app *fiber.App, path string, cookie *http.Cookie) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		panic(err)
	}
	return fmt.Sprint(resp.StatusCode, " ", exampleBody(resp))
}

// exampleForm returns a POST request with an url-encoded form body.
func exampleForm(path, values string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(values))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	return req
}

// exampleBody reads and closes the response body.
func exampleBody(resp *http.Response) string {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// exampleSecret returns a fresh 64-byte HMAC secret.
func exampleSecret() []byte {
	k := make([]byte, 64)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
}

// exampleKid returns the kid header of a token.
func exampleKid(token string) string {
	var header struct{ Kid string }
	seg, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil || json.Unmarshal(raw, &header) != nil {
		panic("not a JWT: " + token)
	}
	return header.Kid
}

// mapStorage is a minimal fiber.Storage that ignores expiry and contexts,
// enough to share revocations between two apps of one example. The
// middleware calls its context methods.
type mapStorage struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapStorage() *mapStorage { return &mapStorage{m: map[string][]byte{}} }

func (s *mapStorage) Get(k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *mapStorage) Set(k string, v []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

func (s *mapStorage) Delete(k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

func (s *mapStorage) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = map[string][]byte{}
	return nil
}

func (*mapStorage) Close() error { return nil }

func (s *mapStorage) GetWithContext(_ context.Context, k string) ([]byte, error) { return s.Get(k) }

func (s *mapStorage) SetWithContext(_ context.Context, k string, v []byte, exp time.Duration) error {
	return s.Set(k, v, exp)
}

func (s *mapStorage) DeleteWithContext(_ context.Context, k string) error { return s.Delete(k) }

func (s *mapStorage) ResetWithContext(context.Context) error { return s.Reset() }

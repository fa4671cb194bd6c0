package fiberjwt

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// instanceKey and sessionKey are the c.Locals keys of the library's own
// per-request state. They are unexported so that no other package can plant
// a session the library would trust.
type (
	instanceKey struct{}
	sessionKey  struct{}
)

// instance is what ProcessLogin and Logout find in c.Locals, whatever U is.
type instance interface {
	login(c *fiber.Ctx, id, password string) (string, error)
	logout(c *fiber.Ctx) error
	contextKey() any
}

// middleware is the state New prepares once; it is read-only afterwards,
// but for the verifier's pool and cache.
type middleware[U any] struct {
	cfg      Config[U]
	method   *jwt.SigningMethodHMAC
	userKey  any // cfg.ContextKey, boxed once
	verifier verifier[U]
}

// New returns the middleware. Mount it with app.Use before the routes it
// protects, including the login and logout routes (mark those public with
// Config.Next).
//
// On every request it reads the token cookie, verifies it (signature with
// the pinned algorithm, exp required, nbf, iat, issuer and audience, no
// unknown crit header, not revoked, Config.Validate), stores a fresh copy of
// the user under c.Locals(Config.ContextKey) and calls c.Next. On any failure
// it returns Config.Unauthorized(c, err) instead, unless Config.Next marks
// the route public.
//
// New panics with an error wrapping ErrConfig when cfg is invalid: no or a
// short SecretKey, an unknown Algorithm, a bad cookie setting, an
// Expiration under one second, a negative Leeway, or a user type U that
// cannot be encoded as JSON or has a password field. The message names the
// field and the fix.
func New[U any](cfg Config[U]) fiber.Handler {
	cfg, err := configDefault(cfg)
	if err != nil {
		panic(err)
	}
	m := &middleware[U]{cfg: cfg, method: hmacMethods[cfg.Algorithm], userKey: cfg.ContextKey}
	m.initVerifier()
	return m.handle
}

func (m *middleware[U]) handle(c *fiber.Ctx) error {
	c.Locals(instanceKey{}, m)
	public := m.cfg.Next != nil && m.cfg.Next(c)
	if err := m.authenticate(c); err != nil && !public {
		return m.unauthorized(c, err)
	}
	return c.Next()
}

// authenticate verifies the request's token and, when it is good, stores
// the user and the session in c.Locals.
func (m *middleware[U]) authenticate(c *fiber.Ctx) error {
	user, s, err := m.verify(c.Request().Header.Cookie(m.cfg.CookieName))
	if err != nil {
		return err
	}
	if err := m.checkRevoked(s); err != nil {
		return err
	}
	if m.cfg.Validate != nil {
		if err := m.cfg.Validate(c, user); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
	}
	c.Locals(m.userKey, user)
	c.Locals(sessionKey{}, s)
	return nil
}

func (m *middleware[U]) unauthorized(c *fiber.Ctx, err error) error {
	if m.cfg.Unauthorized != nil {
		return m.cfg.Unauthorized(c, err)
	}
	return defaultUnauthorized(c, err)
}

// defaultUnauthorized answers 401 (503 for ErrStorage) without revealing
// the token or the error.
func defaultUnauthorized(c *fiber.Ctx, err error) error {
	status, text, json := fiber.StatusUnauthorized, "Unauthorized", `{"error":"unauthorized"}`
	if errors.Is(err, ErrStorage) {
		status, text, json = fiber.StatusServiceUnavailable, "Service Unavailable", `{"error":"unavailable"}`
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAccept)
	c.Status(status)
	if c.Accepts(fiber.MIMETextPlain, fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.SendString(json)
	}
	return c.SendString(text)
}

func (m *middleware[U]) contextKey() any { return m.userKey }

// ProcessLogin signs the user in: it passes id and password to
// Config.Authenticate and, when that returns a user, signs a token for it
// (claims sub = id, iat, nbf, exp, a random 128-bit jti and the user under
// "usr"), sets it as the token cookie, stores the user in c.Locals for the
// rest of the request and returns the token.
//
// It returns an error wrapping ErrInvalidCredentials, and sets no cookie,
// when id or password is empty (Authenticate is then not called) or when
// Authenticate fails (its error is wrapped too) or returns a nil user. It
// returns an error wrapping ErrConfig when Config.Authenticate is not set,
// and ErrNotMounted on a route the middleware did not run on.
func ProcessLogin(c *fiber.Ctx, id, password string) (string, error) {
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return "", ErrNotMounted
	}
	return m.login(c, id, password)
}

func (m *middleware[U]) login(c *fiber.Ctx, id, password string) (string, error) {
	if m.cfg.Authenticate == nil {
		return "", fmt.Errorf("%w: Authenticate is not set, so this instance cannot sign users in", ErrConfig)
	}
	if id == "" || password == "" {
		return "", fmt.Errorf("%w: empty id or password", ErrInvalidCredentials)
	}
	user, err := m.cfg.Authenticate(c, id, password)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	if isNil(user) {
		return "", fmt.Errorf("%w: Authenticate returned no user", ErrInvalidCredentials)
	}
	token, s, err := m.sign(id, user)
	if err != nil {
		return "", err
	}
	m.setCookie(c, token, int(m.cfg.Expiration.Seconds()), s.expires)
	c.Locals(m.userKey, user)
	c.Locals(sessionKey{}, s)
	return token, nil
}

// Logout signs the request out: it clears the token cookie (same Path and
// Domain, expiry in the past) and, when the request carries a token that
// verifies, revokes it until it expires, so that a copy of it is refused
// too. Other sessions of the same user stay valid.
//
// It returns an error wrapping ErrStorage when the revocation cannot be
// stored (the cookie is cleared all the same), and ErrNotMounted on a route
// the middleware did not run on.
func Logout(c *fiber.Ctx) error {
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return ErrNotMounted
	}
	return m.logout(c)
}

func (m *middleware[U]) logout(c *fiber.Ctx) error {
	m.setCookie(c, "", 0, fasthttp.CookieExpireDelete)
	s, _ := c.Locals(sessionKey{}).(*session)
	if s == nil {
		// A public route, or a token that failed a later check such as
		// revocation or Validate: revoke it if it is genuine.
		var err error
		if _, s, err = m.verify(c.Request().Header.Cookie(m.cfg.CookieName)); err != nil {
			return nil // nothing valid to revoke
		}
	}
	c.Locals(m.userKey, nil)
	c.Locals(sessionKey{}, nil)
	return m.revoke(s)
}

func (m *middleware[U]) setCookie(c *fiber.Ctx, value string, maxAge int, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name:     m.cfg.CookieName,
		Value:    value,
		Path:     m.cfg.CookiePath,
		Domain:   m.cfg.CookieDomain,
		MaxAge:   maxAge,
		Expires:  expires,
		Secure:   !m.cfg.InsecureCookie,
		HTTPOnly: true,
		SameSite: m.cfg.CookieSameSite,
	})
}

// CurrentUser returns the user that the middleware stored for this request,
// and false when the request is not signed in (or U is not the Config's
// user type).
func CurrentUser[U any](c *fiber.Ctx) (U, bool) {
	var zero U
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return zero, false
	}
	u, ok := c.Locals(m.contextKey()).(U)
	return u, ok
}

// isNil reports whether a user value is a nil pointer, map, slice or
// interface: what Authenticate returns for "no such user".
func isNil[U any](user U) bool {
	switch v := reflect.ValueOf(&user).Elem(); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return v.IsNil()
	}
	return false
}

package fiberjwt

import (
	"time"

	"github.com/fiberjwt/fiberjwt/internal/core"
	"github.com/gofiber/fiber/v3"
)

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
// short SecretKey, an unknown Algorithm, a bad cookie setting (a "__Host-"
// or "__Secure-" prefix, in any case, that the other settings break), an
// Expiration under one second, a negative Leeway or one not shorter than
// Expiration, CookieSameSite "None" with DisableCSRF (unless
// InsecureCrossSite), a LoginOrigins entry that is not an origin, both
// Storage and Revocations, a negative CacheSize, or a user type U that
// cannot be encoded as JSON or has a password or password-hash field. The
// message names the field and the fix.
func New[U any](cfg Config[U]) fiber.Handler {
	handler, err := core.New(core.Config[U, fiber.Ctx, *KeySet, fiber.Storage, Revocations](cfg), adapter, (*KeySet).core)
	if err != nil {
		panic(err)
	}
	return handler
}

// adapter is what the core needs from Fiber v3.
var adapter = core.Adapter[fiber.Ctx]{
	Request:        fiber.Ctx.RequestCtx,
	Next:           fiber.Ctx.Next,
	Context:        fiber.Ctx.Context,
	ReadBufferSize: func(c fiber.Ctx) int { return c.App().Config().ReadBufferSize },
}

// ProcessLogin signs the user in: it passes id and password to
// Config.Authenticate and, when that returns a user, signs a token for it
// (claims sub = id, iat, nbf, exp, a random 128-bit jti, the session id
// sid, the login time auth_time, the CSRF value csrf unless
// Config.DisableCSRF, and the user under "usr"), sets it as the token
// cookie together with the CSRF cookie, stores the user in c.Locals for
// the rest of the request and returns the token. It needs no CSRF value:
// mount it on a public route.
//
// It refuses a login posted from another site (login CSRF, which would
// sign the victim's browser into the attacker's account): when the
// request's Origin is not one of Config.LoginOrigins, a Sec-Fetch-Site
// header of "cross-site" or "same-site" refuses it, and without that header
// an Origin whose host and port differ from the request's Host does. A
// request with neither header (not sent by a current browser) is let
// through. When the request carries a genuine token of this instance, its
// session is revoked once the new one is signed: a login never leaves the
// previous session of that browser alive.
//
// Every error leaves the response without cookies. It returns an error
// wrapping ErrInvalidCredentials when id or password is empty (Authenticate
// is then not called) or when Authenticate fails (its error is wrapped too)
// or returns a nil user; ErrCSRF for a cross-site login (Authenticate is
// not called); ErrTokenTooLarge when the signed token would not fit in a
// cookie under the app's ReadBufferSize (see ErrTokenTooLarge); ErrStorage
// when the previous session cannot be revoked; ErrConfig when
// Config.Authenticate is not set or the signing key has no private half (a
// verify-only KeySet); and ErrNotMounted on a route the middleware did not
// run on.
func ProcessLogin(c fiber.Ctx, id, password string) (string, error) {
	return core.Login(c, c.RequestCtx(), id, password)
}

// Logout signs the request out: it clears the token and CSRF cookies (same
// Path and Domain, expiry in the past) and revokes the session of the
// request's token: that token, and every token a refresh issued for the
// same login, is refused from then on, copies included. Other sessions of
// the same user stay valid. On a public route it also revokes a genuine
// token that the middleware did not accept (already revoked, or vetoed by
// Config.Validate); an invalid token leaves nothing to revoke, and a
// request without a token changes nothing, not even the cookies (it may be
// a form on another site, sent without the cookies).
//
// It returns an error wrapping ErrStorage when the revocation cannot be
// stored (the cookies are cleared all the same: tell the user that copies
// of the token stay valid), ErrCSRF when an unsafe request on a public
// route lacks the session's CSRF value (nothing is done: another site may
// have sent it), and ErrNotMounted on a route the middleware did not run
// on. Answer them yourself (403 for ErrCSRF, 503 for ErrStorage): returned
// from a handler as they are, Fiber's default error handler makes them a
// 500.
func Logout(c fiber.Ctx) error {
	return core.Logout(c, c.RequestCtx())
}

// CSRFToken returns the CSRF value of the request's session, for the
// hidden csrf_token field of a form or the X-CSRF-Token header of a script
// (which can also read it from the csrf_token cookie). It is "" when the
// request is not signed in or CSRF protection is off.
func CSRFToken(c fiber.Ctx) string {
	return core.CSRFToken(c.RequestCtx())
}

// Expiry returns when the request's token expires, counting a refresh or a
// login made during this request, and false when the request is not signed
// in. Pages can show it ("signed in until ...").
func Expiry(c fiber.Ctx) (time.Time, bool) {
	return core.Expiry(c.RequestCtx())
}

// CurrentUser returns the user that the middleware stored for this request,
// and false when the request is not signed in (or U is not the Config's
// user type).
func CurrentUser[U any](c fiber.Ctx) (U, bool) {
	return core.CurrentUser[U](c.RequestCtx())
}

package fiberjwt

import (
	"time"

	"github.com/fiberjwt/fiberjwt/internal/core"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"
)

// New returns the middleware. Mount it with app.Use before the routes it
// protects, including the login route (mark it public with Config.Next)
// and the logout route (best left protected: see Logout).
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
	handler, err := core.New(core.Config[U, *fiber.Ctx, *KeySet, fiber.Storage, Revocations, Event](cfg), adapter, (*KeySet).core, newEvent)
	if err != nil {
		panic(err)
	}
	return handler
}

// adapter is what the core needs from Fiber v2.
var adapter = core.Adapter[*fiber.Ctx]{
	Request:        (*fiber.Ctx).Context,
	Next:           (*fiber.Ctx).Next,
	Context:        (*fiber.Ctx).UserContext,
	ReadBufferSize: func(c *fiber.Ctx) int { return c.App().Config().ReadBufferSize },
	IP:             (*fiber.Ctx).IP,
	Warn:           func(msg string) { log.Warn(msg) },
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
//
// The login is remembered (see LoginOptions): ProcessLogin is
// ProcessLoginWith with LoginOptions{Remember: true}. Failed logins are
// throttled (see Config.LoginAttempts): past the limit it returns an error
// wrapping ErrThrottled, with a Retry-After header set; answer it with
// 429 Too Many Requests.
func ProcessLogin(c *fiber.Ctx, id, password string) (string, error) {
	return core.Login(c, c.Context(), id, password, core.LoginOptions{Remember: true})
}

// LoginOptions are the choices an app makes for one login.
type LoginOptions struct {
	// Remember keeps the user signed in when the browser closes ("remember
	// me"): the cookies expire with the token, which refreshes slide up
	// to Config.MaxSessionAge. Without it the cookies carry no expiry, so
	// the browser drops them when it closes, and the session ends at
	// Config.BrowserSessionAge at the latest. Refreshed tokens keep the
	// choice.
	Remember bool

	// Bearer issues the token to an API client (a mobile app, a CLI, a
	// single-page app that keeps it out of cookies), which sends it in
	// "Authorization: Bearer" (Config.AcceptBearer): no cookie is set, the
	// request's browser session, if any, is left alone, and the session
	// may last up to Config.MaxSessionAge through RefreshToken (Remember
	// is implied). Bearer requests need no CSRF value.
	Bearer bool
}

// ProcessLoginWith is ProcessLogin with the choices of opts: a login form
// with a "remember me" box passes LoginOptions{Remember: box checked}.
func ProcessLoginWith(c *fiber.Ctx, id, password string, opts LoginOptions) (string, error) {
	return core.Login(c, c.Context(), id, password, core.LoginOptions(opts))
}

// LoginUser signs in a user that the app has verified by other means:
// right after sign-up, in the callback of an OAuth or OpenID Connect
// provider, from a magic link or a passkey. It does what ProcessLogin
// does once Authenticate returned the user (signs the token with sub from
// Config.Subject, sets the cookies, revokes the browser's previous
// session, stores the user for the rest of the request, returns the
// token), as opts says (see LoginOptions). Throttling does not apply.
//
// Login CSRF: like ProcessLogin it refuses a request sent by another site
// (see ProcessLogin), but for a top-level navigation by GET, which is how
// a provider's redirect comes back (Sec-Fetch-Site: cross-site, no
// Origin). Such a callback is safe only if the app checked, before
// calling LoginUser, that the request answers a sign-in this very browser
// started: the OAuth state (or OpenID nonce) it stored in a cookie of its
// own and compared in constant time. Without that check any site can sign
// its visitors into the attacker's account. A cross-site POST (an OpenID
// form_post response) stays refused: use the default query response mode.
//
// Errors: ErrConfig when Config.Subject is not set or returns "", user is
// nil or not of the Config's user type U, or the instance is verify-only;
// ErrCSRF, ErrTokenTooLarge, ErrStorage and ErrNotMounted as for
// ProcessLogin. Every error leaves the response without cookies.
func LoginUser[U any](c *fiber.Ctx, user U, opts LoginOptions) (string, error) {
	return core.LoginUser(c, c.Context(), user, core.LoginOptions(opts))
}

// RefreshToken returns a fresh token of the request's session for an API
// client (see LoginOptions.Bearer): the same session (sid, login time, so
// that Logout and the sign-outs end it, and Config.MaxSessionAge bounds
// it), a new jti and a new exp. Call it from a route the client sends its
// token to before it expires; the client keeps the new token and drops
// the old one, which stays valid until its own exp. It sets no cookie:
// browsers are refreshed by the middleware itself.
//
// Errors: ErrNoToken when the middleware did not accept a token on the
// request, ErrTokenExpired when the session reached MaxSessionAge (log in
// again), ErrInvalidToken for another issuer's token, ErrConfig on a
// verify-only instance, ErrNotMounted on a route the middleware did not
// run on.
func RefreshToken(c *fiber.Ctx) (string, error) {
	return core.RefreshToken(c, c.Context())
}

// SignOutOtherDevices revokes every other session of the request's user
// (every token of theirs whose login came before this call) and keeps this
// one: call it after a password change, or from a "sign out other
// devices" button (an unsafe request, so the middleware checks its CSRF
// value). The user is identified by the sub claim (see Config.Subject). It
// costs no lookup per request but one per verified token in the Storage
// (the in-memory default, or Revocations that implement UserRevocations).
//
// It returns an error wrapping ErrNoToken when the request is not signed
// in with a token of this instance, ErrStorage when the revocation cannot
// be stored, ErrConfig when Config.Revocations does not implement
// UserRevocations, and ErrNotMounted on a route the middleware did not
// run on.
func SignOutOtherDevices(c *fiber.Ctx) error {
	return core.SignOutOthers(c, c.Context())
}

// SignOutEverywhere revokes every session of the user whose sub claim is
// subject (Config.Subject of the user, or the id ProcessLogin was given)
// that began before this call, the request's own included when it is one
// of them: an admin's "sign out this user", or a password reset. Logins
// that follow are valid. It needs no signed-in request, only a route the
// middleware runs on. Errors as for SignOutOtherDevices.
func SignOutEverywhere(c *fiber.Ctx, subject string) error {
	return core.SignOutEverywhere(c, c.Context(), subject)
}

// EventKind tells what happened in an Event.
type EventKind uint8

// The kinds of Event.
const (
	// EventLogin: ProcessLogin or LoginUser signed a user in.
	EventLogin = EventKind(core.EventLogin)
	// EventLoginFailed: ProcessLogin was refused by Authenticate; Subject
	// is the id tried, and Err wraps Authenticate's error.
	EventLoginFailed = EventKind(core.EventLoginFailed)
	// EventLoginThrottled: ProcessLogin refused a login past
	// Config.LoginAttempts; Subject is the id tried.
	EventLoginThrottled = EventKind(core.EventLoginThrottled)
	// EventLogout: Logout revoked a session.
	EventLogout = EventKind(core.EventLogout)
	// EventRefresh: the middleware issued a fresh token for a session.
	EventRefresh = EventKind(core.EventRefresh)
	// EventSignOutOthers: SignOutOtherDevices revoked the user's other
	// sessions.
	EventSignOutOthers = EventKind(core.EventSignOutOthers)
	// EventSignOutEverywhere: SignOutEverywhere revoked every session of
	// the user.
	EventSignOutEverywhere = EventKind(core.EventSignOutEverywhere)
)

// String returns the kind's name in snake case ("login_failed"), for logs.
func (k EventKind) String() string { return core.EventKind(k).String() }

// Event is what Config.OnEvent receives. It never holds a password or a
// token.
type Event struct {
	// Kind tells what happened.
	Kind EventKind
	// Subject is the user's sub claim (see Config.Subject), or the id a
	// failed or throttled login tried (chosen by the client: log it as
	// untrusted text).
	Subject string
	// IP is the client's address, c.IP().
	IP string
	// Err is why a login failed or was throttled, or why a logout or a
	// sign-out could not be stored; nil otherwise.
	Err error
}

func newEvent(e core.Event) Event {
	return Event{Kind: EventKind(e.Kind), Subject: e.Subject, IP: e.IP, Err: e.Err}
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
func Logout(c *fiber.Ctx) error {
	return core.Logout(c, c.Context())
}

// CSRFToken returns the CSRF value of the request's session, for the
// hidden csrf_token field of a form or the X-CSRF-Token header of a script
// (which can also read it from the csrf_token cookie). It is "" when the
// request is not signed in or CSRF protection is off.
func CSRFToken(c *fiber.Ctx) string {
	return core.CSRFToken(c.Context())
}

// Expiry returns when the request's token expires, counting a refresh or a
// login made during this request, and false when the request is not signed
// in. Pages can show it ("signed in until ...").
func Expiry(c *fiber.Ctx) (time.Time, bool) {
	return core.Expiry(c.Context())
}

// Session describes the request's session, for a page that shows it.
type Session struct {
	// LoginTime is when the user signed in (the auth_time claim, which
	// refreshes carry over); zero when the token does not say.
	LoginTime time.Time
	// Expires is when the token expires, as Expiry returns it.
	Expires time.Time
	// Remembered tells whether the login was remembered (see
	// LoginOptions).
	Remembered bool
}

// CurrentSession returns the request's session, counting a login or a
// refresh made during this request, and false when the request is not
// signed in.
func CurrentSession(c *fiber.Ctx) (Session, bool) {
	login, expires, remembered, ok := core.CurrentSession(c.Context())
	return Session{LoginTime: login, Expires: expires, Remembered: remembered}, ok
}

// CurrentUser returns the user that the middleware stored for this request,
// and false when the request is not signed in (or U is not the Config's
// user type).
func CurrentUser[U any](c *fiber.Ctx) (U, bool) {
	return core.CurrentUser[U](c.Context())
}

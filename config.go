package fiberjwt

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Config defines the middleware's settings. U is the type of the signed-in
// user: Authenticate returns it, ProcessLogin signs it into the token as JSON
// under the "usr" claim, and the middleware decodes it and gives every
// request a fresh value of its own. U must encode to JSON and must not carry
// a password (see New).
//
// A zero field means its default; New applies the defaults and validates the
// whole Config once, so nothing is parsed again per request.
type Config[U any] struct {
	// Next marks public routes. When it returns true the route is served
	// whether or not the request is signed in: a valid token still sets the
	// user (pages can greet a signed-in user), an invalid or missing one is
	// ignored and Unauthorized is not called. ProcessLogin and Logout work on
	// such routes.
	//
	// Optional. Default: nil (every route requires a valid token).
	Next func(c *fiber.Ctx) bool

	// SecretKey is the HMAC key that signs and verifies tokens. It must be at
	// least as long as the hash: 32, 48 or 64 bytes for HS256, HS384 or
	// HS512. New copies it.
	//
	// Required, unless Keys is set.
	SecretKey []byte

	// Algorithm is the JWS algorithm that signs tokens and the only one that
	// verifies them: "HS256", "HS384" or "HS512". A token whose header names
	// any other algorithm (including "none") is refused.
	//
	// Optional. Default: "HS512".
	Algorithm string

	// Keys replaces SecretKey and Algorithm with a KeySet: several keys with
	// ids (kid), rotation without logging anybody out, asymmetric keys
	// (RSA, ECDSA, Ed25519), verify-only instances that hold public keys
	// alone, and a JWKS of the public keys. See NewKeySet, and
	// NewRemoteKeySet for the keys of another issuer, fetched from its JWKS
	// URL.
	//
	// Optional. Default: nil (SecretKey signs and verifies).
	Keys *KeySet

	// Authenticate checks an id and a password and returns the user. It is
	// called by ProcessLogin, never with an empty id or password. Return a
	// non-nil error (or, when U is a pointer type, a nil user) to refuse the
	// login: ProcessLogin wraps the error together with
	// ErrInvalidCredentials, sets no cookie and signs nothing.
	//
	// Optional. Default: nil: ProcessLogin returns an error wrapping
	// ErrConfig (LoginUser still signs users in).
	Authenticate func(c *fiber.Ctx, id, password string) (U, error)

	// Subject returns the stable identity of a user, written to the sub
	// claim of its tokens: a database id, not an email that can change.
	// SignOutOtherDevices and SignOutEverywhere revoke sessions by it, and
	// LoginUser needs it.
	//
	// Optional. Default: nil: ProcessLogin writes the id it was given,
	// and LoginUser returns an error wrapping ErrConfig.
	Subject func(user U) string

	// UserFromClaims builds the user of another issuer's token: every
	// token a NewRemoteKeySet verifies (unless RemoteKeys.OwnTokens), and a
	// token without a usr claim verified by public keys given to
	// NewKeySet. Which it is is decided by the keys, never by the claims:
	// such a token's usr, sid, csrf and auth_time claims are ignored. It
	// is given the token's claims, as JSON decodes them into a map, once
	// per token (the result is cached and copied like any user). A non-nil
	// error, or a nil user, refuses the token with ErrInvalidToken.
	//
	// Such a token is not a session of this package: it is never
	// refreshed; it carries no CSRF value, so an unsafe request carrying it
	// in the cookie fails the CSRF check (send it as a Bearer token, with
	// AcceptBearer); Logout revokes it by its jti, and cannot when it has
	// none (it lives until its exp).
	//
	// Optional. Default: nil (a token without usr is refused). Required
	// with a NewRemoteKeySet of another issuer.
	UserFromClaims func(claims map[string]any) (U, error)

	// Validate is called on every request after the token was verified and
	// before the user is stored, with the user decoded from the token. Use it
	// to end sessions early, for example by comparing a version number kept
	// in U with the one in your user database. A non-nil error refuses the
	// request with an error wrapping ErrInvalidToken and yours.
	//
	// Optional. Default: nil (no extra check).
	Validate func(c *fiber.Ctx, user U) error

	// Unauthorized answers a request that needs a valid token and has none.
	// err wraps one of the package's sentinel errors (ErrNoToken,
	// ErrInvalidToken, ErrTokenExpired, ErrRevoked, ErrStorage,
	// ErrKeysUnavailable ...); test it with errors.Is. Its return value is
	// the middleware's.
	//
	// Optional. Default: 403 Forbidden for ErrCSRF, 503 Service Unavailable
	// for ErrStorage and ErrKeysUnavailable, 401 Unauthorized otherwise,
	// with a small JSON body ({"error":"unauthorized"}, "forbidden" or
	// "unavailable") when the request prefers JSON and the status text
	// otherwise. The body never contains the token or the error.
	Unauthorized func(c *fiber.Ctx, err error) error

	// OnEvent receives the sign-in events (see Event) for an audit log:
	// logins that succeed, fail or are throttled, logouts, refreshes and
	// sign-outs of other devices or everywhere. It runs in the request,
	// after the event: keep it fast, and do not write the response.
	//
	// Optional. Default: nil (no events, and no cost).
	OnEvent func(c *fiber.Ctx, e Event)

	// CookieName is the name of the cookie holding the token. The prefixes
	// "__Host-" and "__Secure-", in any case as browsers match them, are
	// accepted when the other cookie settings satisfy them.
	//
	// Optional. Default: "token".
	CookieName string

	// CookieDomain is the cookie's Domain attribute.
	//
	// Optional. Default: "" (host-only cookie).
	CookieDomain string

	// CookiePath is the cookie's Path attribute.
	//
	// Optional. Default: "/".
	CookiePath string

	// CookieSameSite is the cookie's SameSite attribute: "Lax", "Strict" or
	// "None". "None" sends the cookie with cross-site requests and therefore
	// requires a Secure cookie.
	//
	// Optional. Default: "Lax".
	CookieSameSite string

	// InsecureCookie drops the Secure attribute, so browsers send the cookie
	// over plain http. Set it only for local development without TLS.
	//
	// Optional. Default: false (the cookie is Secure). The cookie is always
	// HttpOnly.
	InsecureCookie bool

	// Expiration is the lifetime of a token and of its cookie (Max-Age).
	//
	// Optional. Default: 24 * time.Hour. At least one second.
	Expiration time.Duration

	// RefreshBefore enables the sliding session: when a request comes with
	// a token cookie that has less than this left to live, the middleware
	// sets a fresh token (new jti, same user, same session) on the response.
	// A user who keeps using the site stays signed in; one who walks away is
	// signed out after Expiration. Only tokens that passed every check are
	// refreshed, once per request; Bearer tokens never are.
	//
	// Optional. Default: Expiration / 2. Less than Expiration.
	RefreshBefore time.Duration

	// MaxSessionAge is the absolute lifetime of a login: no refresh carries
	// a session past its login time plus MaxSessionAge, after which the user
	// must log in again.
	//
	// Optional. Default: 7 * 24 * time.Hour, or Expiration when that is
	// longer. At least Expiration.
	MaxSessionAge time.Duration

	// BrowserSessionAge is the absolute lifetime of a login that is not
	// remembered (LoginOptions.Remember false): its cookies carry no
	// expiry, so the browser drops them when it closes, and no refresh
	// carries the session past its login time plus BrowserSessionAge.
	//
	// Optional. Default: 12 * time.Hour, or MaxSessionAge when that is
	// shorter. At least one second, at most MaxSessionAge.
	BrowserSessionAge time.Duration

	// DisableRefresh turns the sliding session off: every token lives
	// exactly Expiration.
	//
	// Optional. Default: false.
	DisableRefresh bool

	// DisableCSRF turns off the CSRF double-submit check. With it on (the
	// default), each login puts a random CSRF value in the token and in a
	// readable cookie named Config.CSRFCookieName; a request authenticated by the
	// token cookie with an unsafe method (anything but GET, HEAD, OPTIONS
	// and TRACE) must carry the same value in the CSRFHeader header or the
	// CSRFField form field, or it fails with ErrCSRF. Turn it off only when
	// no browser sends the cookie, or another layer checks the origin.
	//
	// Optional. Default: false (CSRF protection on).
	DisableCSRF bool

	// CSRFCookieName is the name of the readable cookie holding the CSRF
	// value, with the token cookie's Path and Domain. Stacked instances
	// (a site and its /admin) must not share it: by default it is derived
	// from CookieName, so they never do.
	//
	// Optional. Default: "csrf_" + CookieName without its "__Host-" or
	// "__Secure-" prefix: "csrf_token" for "token" and "__Host-token".
	CSRFCookieName string

	// InsecureCrossSite allows CookieSameSite "None" together with
	// DisableCSRF, which New refuses otherwise: the token cookie then rides
	// along on every cross-site request and nothing checks unsafe ones, so
	// any site can act as the signed-in user. Set it only when another layer
	// checks the origin of unsafe requests. It has no effect unless
	// CookieSameSite is "None" and DisableCSRF is set.
	//
	// Optional. Default: false.
	InsecureCrossSite bool

	// AcceptBearer also accepts the token from an "Authorization: Bearer"
	// header, for API and mobile clients, when the request has no token
	// cookie (the cookie wins when both are present). CSRF checks and
	// refresh do not apply to such requests: a browser never adds the
	// header by itself.
	//
	// Optional. Default: false (the cookie only).
	AcceptBearer bool

	// LoginOrigins lists the origins of other sites that may post logins
	// to ProcessLogin, as a browser writes them in the Origin header:
	// "https://www.example.com", "http://localhost:8080" (scheme, host and
	// port only). ProcessLogin refuses any other cross-site login (login
	// CSRF); the request's own origin never needs listing, except behind a
	// proxy that rewrites the Host header.
	//
	// Optional. Default: nil (same-origin logins only).
	LoginOrigins []string

	// LoginAttempts is how many failed logins ProcessLogin allows for one
	// account (its id, in any case) from one client address (c.IP(), so
	// set fiber.Config.ProxyHeader behind a proxy) in LoginWindow, and
	// one address four times as many for all accounts together. Past
	// either, ProcessLogin refuses without calling Authenticate, with an
	// error wrapping ErrThrottled and a Retry-After header, until the
	// window that began with the first failure ends: nobody can lock an
	// account out for longer, and an attacker's failures never lock out
	// the account's owner at another address. A successful login clears
	// the account's count for that address. The counts live in Storage
	// when it is set (shared by instances), else in memory; when the
	// store fails, throttling lets logins through (fails open).
	//
	// Optional. Default: 5. Not negative.
	LoginAttempts int

	// LoginWindow is the time over which LoginAttempts are counted.
	//
	// Optional. Default: time.Minute. At least one second.
	LoginWindow time.Duration

	// DisableThrottle turns login throttling off: ProcessLogin then lets
	// anyone try any number of passwords. Set it only when another layer
	// limits the logins.
	//
	// Optional. Default: false (throttled).
	DisableThrottle bool

	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	//
	// Optional. Default: 0. Less than Expiration.
	Leeway time.Duration

	// Issuer, when set, is written to the iss claim of new tokens and
	// required in every token verified.
	//
	// Optional. Default: "" (no iss claim, none checked).
	Issuer string

	// Audience, when set, is written to the aud claim of new tokens and
	// required in every token verified.
	//
	// Optional. Default: "" (no aud claim, none checked).
	Audience string

	// Issuers are more issuers whose tokens are accepted besides Issuer's:
	// a token's iss must then be Issuer or one of them (a resource server
	// behind an identity provider with two issuer URLs, or during a
	// migration). New tokens carry Issuer.
	//
	// Optional. Default: nil.
	Issuers []string

	// Audiences are more audiences accepted besides Audience: a token's
	// aud must then name Audience or one of them (Entra ID's
	// "api://app-id" and the bare app id, say). New tokens carry Audience.
	//
	// Optional. Default: nil.
	Audiences []string

	// ContextKey is the c.Locals key under which the user is stored. An
	// instance clears it at the start of each request, so that a user
	// stored there by another instance that ran before (stacked instances
	// with the same key) is never taken for its own; give stacked
	// instances keys of their own.
	//
	// Optional. Default: "user".
	ContextKey string

	// Storage keeps the ids of revoked sessions (the sid claim that a login
	// and all its refreshed tokens share) until their last token expires,
	// under keys prefixed "fiberjwt:revoked:", the users' revocations
	// (SignOutEverywhere) under "fiberjwt:user:", and the failed logins
	// counted for throttling under "fiberjwt:attempts". Any fiber.Storage works; share
	// one (Redis, for example) between instances so that a logout on one is
	// honoured by all. A Storage that also has the methods GetWithContext
	// and SetWithContext is called through them, with c.UserContext() of the
	// request. When it fails, the request is refused with ErrStorage.
	//
	// Optional. Default: an in-memory store of this middleware instance
	// (each New has its own: give two instances that see the same tokens,
	// in one process or several, one shared Storage), safe for concurrent
	// use, whose entries expire with their tokens, holding at most 100,000
	// live revocations (Logout fails with ErrStorage beyond that; it never
	// forgets a revocation early).
	Storage fiber.Storage

	// Revocations replaces Storage with a list of revoked sessions of
	// another kind: one that keeps the live revocations in memory, in sync
	// with the other instances, so that a verified request costs no round
	// trip to a shared store. github.com/fiberjwt/fiberjwt/redisrevoke is one,
	// over Redis. Set Storage or Revocations, not both.
	//
	// A Revocations that also implements UserRevocations (redisrevoke's
	// does) keeps the users' revocations too; without it,
	// SignOutOtherDevices and SignOutEverywhere fail with ErrConfig.
	//
	// Optional. Default: nil (Storage keeps the revocations).
	Revocations Revocations

	// CacheSize is how many verified tokens the middleware remembers, so
	// that a request carrying one of them again costs no HMAC and no JSON
	// decoding. When more tokens are in use, those not used lately go first
	// (CLOCK), and a request with a forgotten token is verified afresh. An
	// entry takes about 760 bytes for a 400-byte token and a small user;
	// the table takes about 53 bytes per unit of CacheSize, allocated by
	// New.
	//
	// Optional. Default: 100,000 (5 MB of table, about 80 MB when full).
	CacheSize int

	// TimeFunc returns the current time. Tests use it to drive the clock.
	//
	// Optional. Default: time.Now; the middleware then judges a request's
	// token at the time fasthttp's server began handling the request
	// (RequestCtx.Time), which saves a clock read per request.
	TimeFunc func() time.Time
}

// The names under which the CSRF value travels; see Config.DisableCSRF.
const (
	// CSRFCookieName is the name of the readable cookie holding the CSRF
	// value with the default CookieName; see Config.CSRFCookieName.
	CSRFCookieName = "csrf_token"
	// CSRFHeader is the request header that carries it for scripts.
	CSRFHeader = "X-CSRF-Token"
	// CSRFField is the form field that carries it for HTML forms.
	CSRFField = "csrf_token"
)

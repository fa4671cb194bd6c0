package fiberjwt

import "github.com/fiberjwt/fiberjwt/internal/core"

// Errors returned by New (wrapped in a panic value), ProcessLogin, Logout and
// passed to Config.Unauthorized. Test for them with errors.Is; the error a
// request fails with wraps one of them and, where there is one, the error of
// golang-jwt or of the Storage that caused it.
//
// ErrConfig and ErrNotMounted mean a bug in the calling code. All the others
// describe untrusted client input or a failing dependency.
var (
	// ErrConfig reports an invalid Config; New panics with an error wrapping it.
	ErrConfig = core.ErrConfig

	// ErrNotMounted is returned by ProcessLogin and Logout on a route that the
	// middleware did not run on.
	ErrNotMounted = core.ErrNotMounted

	// ErrInvalidCredentials is returned by ProcessLogin when the id or password
	// is empty or Config.Authenticate refused them.
	ErrInvalidCredentials = core.ErrInvalidCredentials

	// ErrTokenTooLarge is returned by ProcessLogin when the token it signed
	// would not fit in a cookie: over 4096 bytes with the cookie's name,
	// or so large that the Cookie header carrying it would leave less than
	// 2 KB of the app's fiber.Config.ReadBufferSize (4096 bytes by default)
	// to the browser's other request headers. Setting it would lock the
	// user out: the browser drops the cookie, or every request of theirs to
	// the site fails with 431. Nothing is set. Put fewer or shorter fields
	// in the user type, or raise ReadBufferSize.
	ErrTokenTooLarge = core.ErrTokenTooLarge

	// ErrNoToken means the request carried no token cookie, or an empty one.
	ErrNoToken = core.ErrNoToken

	// ErrInvalidToken means the token is malformed, too large, signed with
	// another key or algorithm, carries an unknown critical header or fails a
	// claim check (issuer, audience, Config.Validate).
	ErrInvalidToken = core.ErrInvalidToken

	// ErrNoExpiry means a correctly signed token has no exp claim. Such a
	// token would be valid forever, so it is refused.
	ErrNoExpiry = core.ErrNoExpiry

	// ErrTokenExpired means the token's exp, plus Config.Leeway, has passed.
	ErrTokenExpired = core.ErrTokenExpired

	// ErrTokenNotValidYet means the token's nbf or iat lies in the future,
	// beyond Config.Leeway.
	ErrTokenNotValidYet = core.ErrTokenNotValidYet

	// ErrCSRF means a request authenticated by the token cookie used an
	// unsafe method (anything but GET, HEAD, OPTIONS and TRACE) without the
	// token's CSRF value in the X-CSRF-Token header or the csrf_token form
	// field. The default Unauthorized handler answers 403 Forbidden.
	// ProcessLogin returns it for a login posted from another site, and
	// Logout for a logout without the CSRF value.
	ErrCSRF = core.ErrCSRF

	// ErrRevoked means the token was revoked by Logout.
	ErrRevoked = core.ErrRevoked

	// ErrStorage means the revocation Storage failed. The middleware fails
	// closed: a token whose revocation cannot be checked is refused, and the
	// default Unauthorized handler answers 503 Service Unavailable.
	ErrStorage = core.ErrStorage

	// ErrKeysUnavailable means the keys of a KeySet made by NewRemoteKeySet
	// are not available: the issuer's JWKS could not be fetched for longer
	// than RemoteKeys.MaxStale, or not yet at all (RemoteKeys.StartEmpty).
	// The middleware fails closed: every token is refused, and the default
	// Unauthorized handler answers 503 Service Unavailable. NewRemoteKeySet
	// returns it, wrapping the cause, when its first fetch fails.
	ErrKeysUnavailable = core.ErrKeysUnavailable

	// ErrThrottled is returned by ProcessLogin when the account or the
	// client address had too many failed logins lately (see
	// Config.LoginAttempts); ProcessLogin has set a Retry-After header.
	// Answer it with 429 Too Many Requests.
	ErrThrottled = core.ErrThrottled
)

// Package fiberjwt is a cookie-based JWT login middleware for Fiber v2, the
// successor of Flask-JWT-Login: it signs users in, keeps them signed in with
// a signed token in a hardened cookie, protects routes, and signs them out
// again, revoking the token.
//
// For Fiber v3, github.com/fiberjwt/fiberjwt/fiberv3 is the same package
// (the same API with fiber.Ctx for *fiber.Ctx, and the same behaviour: both
// run one core).
//
// # Mount
//
// Describe the signed-in user as a type U, and mount the middleware before
// every route it serves, the public ones included:
//
//	type User struct {
//		ID   string `json:"id"`
//		Name string `json:"name"`
//	}
//
//	app := fiber.New()
//	app.Use(fiberjwt.New(fiberjwt.Config[User]{
//		SecretKey:    secret, // at least 64 random bytes for HS512, the default
//		Authenticate: authenticate,
//		Next: func(c *fiber.Ctx) bool {
//			return c.Path() == "/" || c.Path() == "/login"
//		},
//	}))
//
// New checks the whole Config once and panics with an error wrapping
// ErrConfig, naming the field and the fix, when it is wrong: a missing or
// short SecretKey, an unknown Algorithm, a bad cookie setting, or a user type
// that cannot be encoded as JSON or has a password field. Nothing panics
// afterwards, whatever a request carries.
//
// U is signed into the token as JSON, which anyone holding the cookie can
// read: put an id and what the pages need in it, never a password or its
// hash.
//
// # Login
//
// Config.Authenticate checks an id and a password and returns the user, or an
// error to refuse them. ProcessLogin calls it and, on success, signs a token
// (sub, iat, nbf, exp, a random jti, sid — the session, which refreshes
// keep —, auth_time — the login, in milliseconds —, csrf — the session's
// CSRF value —, eph when the login is not remembered, and the user under
// usr), writes it to the cookie and stores the user for the rest of the
// request:
//
//	app.Post("/login", func(c *fiber.Ctx) error {
//		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
//			return c.Status(fiber.StatusUnauthorized).SendString("wrong id or password")
//		}
//		return c.Redirect("/protected", fiber.StatusSeeOther)
//	})
//
// A refused login returns an error wrapping ErrInvalidCredentials and sets no
// cookie; an empty id or password never reaches Authenticate. A login posted
// from another site is refused with ErrCSRF (see CSRF), and a token too
// large for a cookie with ErrTokenTooLarge. A login over an existing session
// of the same browser revokes that session.
//
// The cookie (Config.CookieName, default "token") is always HttpOnly, Secure
// unless Config.InsecureCookie is set, SameSite=Lax unless
// Config.CookieSameSite says otherwise, and lives as long as the token
// (Config.Expiration, default 24 hours).
//
// # Protected routes
//
// On every request the middleware verifies the cookie's token: signature with
// the pinned Config.Algorithm, exp required, nbf and iat, Config.Issuer and
// Config.Audience when set, no unknown crit header, not revoked, and
// Config.Validate when set. It then stores a fresh copy of the user under
// c.Locals(Config.ContextKey), "user" by default, and calls c.Next:
//
//	app.Get("/protected", func(c *fiber.Ctx) error {
//		u := c.Locals("user").(User) // or: u, ok := fiberjwt.CurrentUser[User](c)
//		return c.SendString("Protected Page. name: " + u.Name)
//	})
//
// CurrentUser returns the user with its type, and false when the request is
// not signed in.
//
// When the request carries several cookies of the token's name (another
// host of the domain or a page with a more specific Path may set one), the
// first of at most four that verifies and is not revoked is used. Name the
// cookie with the "__Host-" prefix (Secure, Path "/", no Domain) so that no
// other host can set one at all.
//
// # Logout
//
// Logout clears the cookies and revokes the session in Config.Storage for
// as long as one of its tokens could still be accepted, so that a copy of
// the token, and every token a refresh issued for the same login, is
// refused too. The user's other sessions stay signed in.
//
//	app.Post("/logout", func(c *fiber.Ctx) error {
//		switch err := fiberjwt.Logout(c); {
//		case errors.Is(err, fiberjwt.ErrCSRF): // not sent by your page: nothing done
//			return c.SendStatus(fiber.StatusForbidden)
//		case err != nil: // ErrStorage: cookies cleared, but the session is not revoked
//			return c.SendStatus(fiber.StatusServiceUnavailable)
//		}
//		return c.Redirect("/", fiber.StatusSeeOther)
//	})
//
// The default Storage is an in-memory store of this middleware instance.
// When several instances serve the same users (several processes, or two
// New in one app), give them one shared fiber.Storage so that a logout on
// one is honoured by all, or, faster, a Config.Revocations that keeps the
// revocations in every instance's memory: the nested module
// github.com/fiberjwt/fiberjwt/redisrevoke does it with Redis, without a
// round trip per request.
//
// Two instances stacked on one route (a site-wide one and another for
// /admin, say) keep their sessions apart: CurrentUser, CSRFToken, Expiry,
// ProcessLogin and Logout answer for the last instance that ran, and an
// instance never shows the user another instance stored under the same
// ContextKey. Give such instances their own CookieName and ContextKey.
//
// # Sliding sessions
//
// A token with less than Config.RefreshBefore (default: half of
// Expiration) left to live is replaced on the response by a fresh one for
// the same session, with a new jti. A user who keeps using the site stays
// signed in; one who walks away is signed out after Expiration; nobody
// stays signed in longer than Config.MaxSessionAge (default 7 days) after
// logging in. Expiry tells a page when the current token runs out.
//
// # CSRF
//
// Browsers send the cookie with requests that other sites trigger.
// SameSite=Lax stops most of them; the double-submit check stops the rest.
// Each login puts a random value in the token and in the readable cookie
// CSRFCookieName, and every cookie-authenticated request with an unsafe
// method must send it back in the CSRFHeader header (scripts) or the
// CSRFField form field (HTML forms), or it fails with ErrCSRF. CSRFToken
// returns the value for a template:
//
//	<form method="post" action="/logout">
//		<input type="hidden" name="csrf_token" value="{{.CSRF}}">
//		<button>Log out</button>
//	</form>
//
// ProcessLogin needs no CSRF value, but it refuses a login posted from
// another site (login CSRF, which would sign the victim into the attacker's
// account) by its Sec-Fetch-Site header or, from older browsers, its Origin;
// Config.LoginOrigins names other sites whose login forms are trusted.
// Config.DisableCSRF turns the double-submit check off.
//
// # Keys
//
// Config.SecretKey with Config.Algorithm is one HMAC key. Config.Keys takes
// a KeySet instead: keys with ids that rotate while the server runs (new
// tokens carry the current key's kid, older keys keep verifying until
// retired), RSA, RSA-PSS, ECDSA and Ed25519 keys, and instances that hold
// public keys alone and only verify. KeySet.JWKS publishes the public keys
// so that other services can verify the tokens.
//
// NewRemoteKeySet makes a verify-only KeySet of another issuer's keys,
// fetched from its JWKS URL (https, at most 1 MiB) and refreshed in the
// background: every key is pinned to one algorithm, tokens must name their
// key by kid, an unknown kid asks for a fetch (at most one per
// RemoteKeys.MinRefresh) without any request waiting for it, and when the
// endpoint stays down for longer than RemoteKeys.MaxStale every token is
// refused with ErrKeysUnavailable (503 by default). Tokens of an issuer
// other than fiberjwt carry no usr claim: Config.UserFromClaims builds
// their user from their claims.
//
// # API clients
//
// With Config.AcceptBearer the middleware also takes the token from an
// "Authorization: Bearer" header when there is no cookie. Such requests need
// no CSRF value and are never refreshed.
//
// # Public routes
//
// Every route requires a valid token unless Config.Next returns true for it.
// On such a public route a valid token still sets the user, so that a page can
// greet a signed-in user, while a missing or invalid token is ignored.
// ProcessLogin works on public routes, so mark the login route public.
// Keep the logout route protected: it then needs the session's CSRF value
// like any unsafe request, and another site's form cannot reach it. (A
// user whose token expired has no cookie left to clear: it expires with
// the token.)
//
// # Errors
//
// A request that needs a valid token and has none is answered by
// Config.Unauthorized, called with an error wrapping one of the sentinels
// ErrNoToken, ErrInvalidToken, ErrNoExpiry, ErrTokenExpired,
// ErrTokenNotValidYet, ErrCSRF, ErrRevoked, ErrStorage or
// ErrKeysUnavailable. Test it with errors.Is; the error of golang-jwt or of
// the Storage, when there is one, is wrapped too. The default answers 401
// Unauthorized, 403 Forbidden for ErrCSRF, or 503 Service Unavailable for
// ErrStorage (a token whose revocation cannot be checked is refused) and
// ErrKeysUnavailable (a remote key set that cannot be fetched), with a
// small JSON body when the request prefers JSON and plain text otherwise.
// It never reveals the token or the error.
//
// ProcessLogin and Logout return ErrNotMounted on a route the middleware did
// not run on. ErrConfig and ErrNotMounted mean a bug in the calling code; the
// other errors describe untrusted client input or a failing dependency.
package fiberjwt

//go:generate go run ./internal/genv3

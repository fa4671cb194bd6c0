package fiberjwt

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// instanceKey and sessionKey are the c.Locals keys of the library's own
// per-request state. They are unexported so that no other package can plant
// a session the library would trust. instanceKey holds the last instance
// that ran on the request; each instance keeps its session under a
// sessionKey of its own, so that two instances stacked on one route never
// see each other's session.
type (
	instanceKey struct{}
	sessionKey  struct{ owner instance }
)

// instance is what ProcessLogin, Logout and the accessors find in
// c.Locals, whatever U is.
type instance interface {
	login(c *fiber.Ctx, id, password string) (string, error)
	logout(c *fiber.Ctx) error
	contextKey() any
	session(c *fiber.Ctx) *session
}

// middleware is the state New prepares once; it is read-only afterwards,
// but for the verifier's pool and cache.
type middleware[U any] struct {
	cfg      Config[U]
	secret   *keyRing // the key of Config.SecretKey, when Config.Keys is nil
	userKey  any      // cfg.ContextKey, boxed once
	sessKey  any      // this instance's sessionKey, boxed once
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
// short SecretKey, an unknown Algorithm, a bad cookie setting (a "__Host-"
// or "__Secure-" prefix, in any case, that the other settings break), an
// Expiration under one second, a negative Leeway or one not shorter than
// Expiration, CookieSameSite "None" with DisableCSRF (unless
// InsecureCrossSite), a LoginOrigins entry that is not an origin, both
// Storage and Revocations, a negative CacheSize, or a user type U that
// cannot be encoded as JSON or has a password or password-hash field. The
// message names the field and the fix.
func New[U any](cfg Config[U]) fiber.Handler {
	cfg, err := configDefault(cfg)
	if err != nil {
		panic(err)
	}
	m := &middleware[U]{cfg: cfg, userKey: cfg.ContextKey}
	m.sessKey = sessionKey{owner: m}
	if cfg.Keys == nil {
		m.secret = secretRing(cfg.Algorithm, cfg.SecretKey)
	}
	m.initVerifier()
	return m.handle
}

func (m *middleware[U]) handle(c *fiber.Ctx) error {
	c.Locals(instanceKey{}, m)
	if c.Locals(m.userKey) != nil {
		// Set by an instance that ran before this one (with the same
		// ContextKey): this instance's answer replaces it.
		c.Locals(m.userKey, nil)
	}
	public := m.cfg.Next != nil && m.cfg.Next(c)
	if err := m.authenticate(c); err != nil && !public {
		return m.unauthorized(c, err)
	}
	return c.Next()
}

// authenticate verifies the request's token (from the cookie or, when
// allowed and there is no cookie, the Authorization header), its
// revocation, CSRF value and Config.Validate. When all pass it stores the
// user and the session in c.Locals and refreshes a cookie that is getting
// old.
//
// When the request carries several cookies of the token's name (one
// planted by a sibling subdomain or for a more specific Path, or left
// over), the first that verifies and is not revoked is used (see
// laterCookies); when none is, the error is the first token's.
func (m *middleware[U]) authenticate(c *fiber.Ctx) error {
	now := m.cfg.TimeFunc()
	token, fromCookie := m.requestToken(c)
	user, s, err := m.check(token, now)
	if err != nil {
		var later [maxTokenCookies - 1][]byte
		for _, token := range m.laterCookies(c, &later) {
			if u, got, e := m.check(token, now); e == nil {
				user, s, err, fromCookie = u, got, nil, true
				break
			}
		}
		if err != nil {
			return err
		}
	}
	if fromCookie && !m.csrfPasses(c, s) {
		return ErrCSRF
	}
	if m.cfg.Validate != nil {
		if err := m.cfg.Validate(c, user); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
	}
	c.Locals(m.userKey, user)
	c.Locals(m.sessKey, s)
	if fromCookie && !m.cfg.DisableRefresh {
		m.refresh(c, user, s, now)
	}
	return nil
}

// refresh replaces the token cookie with a fresh token of the same session
// when less than Config.RefreshBefore of the token's life is left, unless
// the session has reached Config.MaxSessionAge. It keeps the old token when
// signing fails: the request is served all the same. The fresh token is
// remembered with the old one's session, and given again to the requests
// that still carry the old token while it is not due for a refresh itself,
// so that one token does not mint a new one per request.
func (m *middleware[U]) refresh(c *fiber.Ctx, user U, s *session, now time.Time) {
	if s.expires.Sub(now) >= m.cfg.RefreshBefore || s.authTime.IsZero() || s.foreign ||
		!now.Before(s.authTime.Add(m.cfg.MaxSessionAge)) {
		return
	}
	next := s.next.Load()
	if next == nil || next.session.expires.Sub(now) < m.cfg.RefreshBefore {
		token, fresh, err := m.sign(s.subject, user, s, now)
		if err != nil || !fresh.expires.After(s.expires) || m.checkSize(c, token) != nil {
			return
		}
		next = &successor{token: token, session: fresh}
		s.next.Store(next)
	}
	m.setCookies(c, next.token, next.session)
	c.Locals(m.sessKey, next.session)
}

// check verifies token at time now and that it is not revoked.
func (m *middleware[U]) check(token []byte, now time.Time) (U, *session, error) {
	user, s, err := m.verify(token, now)
	if err == nil {
		err = m.checkRevoked(s)
	}
	return user, s, err
}

// requestToken returns the request's token: the first cookie of the
// token's name or, when allowed and that is absent or empty, the Bearer
// header's.
func (m *middleware[U]) requestToken(c *fiber.Ctx) (token []byte, fromCookie bool) {
	token = c.Request().Header.Cookie(m.cfg.CookieName)
	if len(token) == 0 && m.cfg.AcceptBearer {
		return bearerToken(c), false
	}
	return token, len(token) > 0
}

// maxTokenCookies bounds how many cookies of the token's name a request
// may have tried.
const maxTokenCookies = 4

// laterCookies returns, in buf, the non-empty values of the request's
// cookies of the token's name after the first (which requestToken
// returns), in the order the browser sent them (the one with the longest
// Path first), among the first maxTokenCookies of that name.
func (m *middleware[U]) laterCookies(c *fiber.Ctx, buf *[maxTokenCookies - 1][]byte) [][]byte {
	n, found := 0, buf[:0]
	c.Request().Header.VisitAllCookie(func(name, value []byte) {
		if string(name) != m.cfg.CookieName {
			return
		}
		if n++; n > 1 && n <= maxTokenCookies && len(value) > 0 {
			found = append(found, value)
		}
	})
	return found
}

// csrfPasses reports whether a cookie-authenticated request of session s
// passes the CSRF check.
func (m *middleware[U]) csrfPasses(c *fiber.Ctx, s *session) bool {
	return m.cfg.DisableCSRF || isSafeMethod(c.Method()) || csrfMatches(c, s.csrf)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(c *fiber.Ctx) []byte {
	h := c.Request().Header.Peek(fiber.HeaderAuthorization)
	const scheme = "Bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(string(h[:len(scheme)]), scheme) {
		return nil
	}
	return bytes.TrimSpace(h[len(scheme):])
}

// isSafeMethod reports whether method only reads (RFC 9110 section 9.2.1),
// so that no CSRF value is needed.
func isSafeMethod(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return true
	}
	return false
}

// csrfMatches reports whether the request carries want, the session's CSRF
// value, in the X-CSRF-Token header or the csrf_token field of a form body
// (never the query string, which leaks through logs and Referer headers).
func csrfMatches(c *fiber.Ctx, want string) bool {
	got := c.Request().Header.Peek(CSRFHeader)
	if len(got) == 0 {
		got = formField(c, CSRFField)
	}
	return want != "" && subtle.ConstantTimeCompare(got, []byte(want)) == 1
}

// maxCSRFField bounds how much of a form field csrfMatches reads; the
// values this package issues are 22 bytes.
const maxCSRFField = 256

// formField returns the named field of a urlencoded or multipart form
// body. It reads the body as it came: a compressed body is not decoded (a
// browser never compresses a form, and decoding lets a small request cost
// a lot of memory), a file part is not a field, and at most maxCSRFField
// bytes of the field are read.
func formField(c *fiber.Ctx, name string) []byte {
	req := c.Request()
	if len(req.Header.Peek(fiber.HeaderContentEncoding)) > 0 {
		return nil
	}
	if v := req.PostArgs().Peek(name); len(v) > 0 {
		return v
	}
	media, params, err := mime.ParseMediaType(string(req.Header.ContentType()))
	if err != nil || media != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return nil
	}
	r := multipart.NewReader(bytes.NewReader(req.Body()), params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			return nil
		}
		if part.FormName() == name && part.FileName() == "" {
			v, _ := io.ReadAll(io.LimitReader(part, maxCSRFField))
			return v
		}
	}
}

func (m *middleware[U]) unauthorized(c *fiber.Ctx, err error) error {
	if m.cfg.Unauthorized != nil {
		return m.cfg.Unauthorized(c, err)
	}
	return defaultUnauthorized(c, err)
}

// defaultUnauthorized answers 401 (403 for ErrCSRF, 503 for ErrStorage and
// ErrKeysUnavailable) without revealing the token or the error.
func defaultUnauthorized(c *fiber.Ctx, err error) error {
	status, text, json := fiber.StatusUnauthorized, "Unauthorized", `{"error":"unauthorized"}`
	switch {
	case errors.Is(err, ErrCSRF):
		status, text, json = fiber.StatusForbidden, "Forbidden", `{"error":"forbidden"}`
	case errors.Is(err, ErrStorage), errors.Is(err, ErrKeysUnavailable):
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

// session returns the session this instance accepted or issued on the
// request, or nil.
func (m *middleware[U]) session(c *fiber.Ctx) *session {
	s, _ := c.Locals(m.sessKey).(*session)
	return s
}

// current returns the last instance that ran on the request and its
// session, or nils.
func current(c *fiber.Ctx) (instance, *session) {
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return nil, nil
	}
	return m, m.session(c)
}

// genuineSession returns the session of the first of the request's tokens
// (requestToken's, then laterCookies') that verifies, revoked or not, and
// whether that token came from a cookie; found tells whether the request
// carried any token.
func (m *middleware[U]) genuineSession(c *fiber.Ctx) (s *session, fromCookie, found bool) {
	now := m.cfg.TimeFunc()
	token, fromCookie := m.requestToken(c)
	if len(token) > 0 {
		if _, s, err := m.verify(token, now); err == nil {
			return s, fromCookie, true
		}
	}
	var later [maxTokenCookies - 1][]byte
	tokens := m.laterCookies(c, &later)
	for _, token := range tokens {
		if _, s, err := m.verify(token, now); err == nil {
			return s, true, true
		}
	}
	return nil, false, len(token) > 0 || len(tokens) > 0
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
func ProcessLogin(c *fiber.Ctx, id, password string) (string, error) {
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return "", ErrNotMounted
	}
	return m.login(c, id, password)
}

func (m *middleware[U]) login(c *fiber.Ctx, id, password string) (string, error) {
	switch {
	case m.cfg.Authenticate == nil:
		return "", fmt.Errorf("%w: Authenticate is not set, so this instance cannot sign users in", ErrConfig)
	case m.ring().signer == nil:
		return "", errVerifyOnly
	}
	if err := m.checkOrigin(c); err != nil {
		return "", err
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
	token, s, err := m.sign(id, user, nil, m.cfg.TimeFunc())
	if err != nil {
		return "", err
	}
	if err := m.checkSize(c, token); err != nil {
		return "", err
	}
	old := m.session(c)
	if old == nil {
		old, _, _ = m.genuineSession(c)
	}
	if old != nil {
		if err := m.revoke(old); err != nil {
			return "", err
		}
	}
	m.setCookies(c, token, s)
	c.Locals(m.userKey, user)
	c.Locals(m.sessKey, s)
	return token, nil
}

// checkOrigin returns an error wrapping ErrCSRF when the login request
// comes from another site; see ProcessLogin.
func (m *middleware[U]) checkOrigin(c *fiber.Ctx) error {
	h := &c.Request().Header
	origin := string(h.Peek(fiber.HeaderOrigin))
	for _, o := range m.cfg.LoginOrigins {
		if strings.EqualFold(origin, o) {
			return nil
		}
	}
	switch site := string(h.Peek("Sec-Fetch-Site")); site {
	case "same-origin", "none":
		return nil
	case "same-site", "cross-site":
		return fmt.Errorf("%w: login posted from another site (Sec-Fetch-Site: %s, Origin: %q): add its origin to Config.LoginOrigins if you trust it", ErrCSRF, site, origin)
	}
	if origin == "" {
		return nil
	}
	if _, host, ok := strings.Cut(origin, "://"); ok && strings.EqualFold(host, string(c.Request().Host())) {
		return nil
	}
	return fmt.Errorf("%w: login posted from another origin (Origin: %q, Host: %q): add it to Config.LoginOrigins if you trust it", ErrCSRF, origin, c.Request().Host())
}

// The room a token has in a cookie.
const (
	// browserCookieLimit is the most a browser keeps of one cookie, name
	// and value together (RFC 6265 section 6.1; every major browser).
	browserCookieLimit = 4096
	// headerReserve is the part of the server's read buffer left for a
	// browser's other request headers: the request line, Host,
	// User-Agent, Accept*, Sec-Fetch-*, Referer and the site's other
	// cookies take 1 to 2 KB.
	headerReserve = 2048
)

// maxToken returns the size of the largest token that ProcessLogin may set
// as a cookie on the app of c: it must fit in a browser's cookie, and the
// Cookie header that carries it, with the CSRF cookie, must leave
// headerReserve of the app's ReadBufferSize to the other headers.
// Otherwise every request of the browser to the site would fail with 431
// (fasthttp reads all request headers into that one buffer).
func (m *middleware[U]) maxToken(c *fiber.Ctx) int {
	buf := c.App().Config().ReadBufferSize
	if buf <= 0 {
		buf = fiber.DefaultReadBufferSize
	}
	// "Cookie: token=<token>; csrf_token=<22 bytes>\r\n"
	header := len("Cookie: ") + len(m.cfg.CookieName) + len("=") + len("\r\n")
	if !m.cfg.DisableCSRF {
		header += len("; ") + len(CSRFCookieName) + len("=") + csrfLen
	}
	return min(buf-headerReserve-header, browserCookieLimit-len(m.cfg.CookieName)-len("="), maxTokenSize)
}

// checkSize returns an error wrapping ErrTokenTooLarge when token is
// larger than maxToken.
func (m *middleware[U]) checkSize(c *fiber.Ctx, token string) error {
	if limit := m.maxToken(c); len(token) > limit {
		return fmt.Errorf("%w: the token has %d bytes, and at most %d fit this app's cookie and ReadBufferSize: "+
			"put fewer or shorter fields in the user type, or raise fiber.Config.ReadBufferSize (up to %d bytes of token)",
			ErrTokenTooLarge, len(token), limit, browserCookieLimit-len(m.cfg.CookieName)-1)
	}
	return nil
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
	m, ok := c.Locals(instanceKey{}).(instance)
	if !ok {
		return ErrNotMounted
	}
	return m.logout(c)
}

func (m *middleware[U]) logout(c *fiber.Ctx) error {
	s := m.session(c)
	if s == nil {
		// The middleware did not accept the token: on a public route it may
		// still be genuine (revoked already, vetoed by Validate, or its
		// revocation could not be checked). Revoke it all the same, unless
		// the request fails the CSRF check.
		genuine, fromCookie, found := m.genuineSession(c)
		if !found {
			// Nothing to revoke, and maybe a cross-site form whose cookies
			// the browser held back (SameSite): set none.
			return nil
		}
		if genuine != nil && fromCookie && !m.csrfPasses(c, genuine) {
			return ErrCSRF
		}
		s = genuine
	}
	m.setCookies(c, "", nil)
	c.Locals(m.userKey, nil)
	c.Locals(m.sessKey, nil)
	if s == nil {
		return nil // nothing genuine to revoke
	}
	return m.revoke(s)
}

// setCookies sets the token cookie and, with CSRF protection, the CSRF
// cookie, to last as long as the token. A nil session clears both.
func (m *middleware[U]) setCookies(c *fiber.Ctx, token string, s *session) {
	cookie := fiber.Cookie{
		Name:     m.cfg.CookieName,
		Value:    token,
		Path:     m.cfg.CookiePath,
		Domain:   m.cfg.CookieDomain,
		Expires:  fasthttp.CookieExpireDelete,
		Secure:   !m.cfg.InsecureCookie,
		HTTPOnly: true,
		SameSite: m.cfg.CookieSameSite,
	}
	if s != nil {
		cookie.Expires = s.expires
		// Max-Age counts whole seconds; exp was truncated to one.
		cookie.MaxAge = int((s.expires.Sub(m.cfg.TimeFunc()) + time.Second - 1) / time.Second)
	}
	c.Cookie(&cookie)
	if m.cfg.DisableCSRF {
		return
	}
	cookie.Name, cookie.Value, cookie.HTTPOnly = CSRFCookieName, "", false
	if s != nil {
		cookie.Value = s.csrf
	}
	c.Cookie(&cookie)
}

// CSRFToken returns the CSRF value of the request's session, for the
// hidden csrf_token field of a form or the X-CSRF-Token header of a script
// (which can also read it from the csrf_token cookie). It is "" when the
// request is not signed in or CSRF protection is off.
func CSRFToken(c *fiber.Ctx) string {
	if _, s := current(c); s != nil {
		return s.csrf
	}
	return ""
}

// Expiry returns when the request's token expires, counting a refresh or a
// login made during this request, and false when the request is not signed
// in. Pages can show it ("signed in until ...").
func Expiry(c *fiber.Ctx) (time.Time, bool) {
	if _, s := current(c); s != nil {
		return s.expires, true
	}
	return time.Time{}, false
}

// CurrentUser returns the user that the middleware stored for this request,
// and false when the request is not signed in (or U is not the Config's
// user type).
func CurrentUser[U any](c *fiber.Ctx) (U, bool) {
	var zero U
	m, s := current(c)
	if s == nil {
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

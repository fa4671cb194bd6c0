// Package core is the framework-neutral part of fiberjwt: tokens, keys,
// revocation, CSRF, refresh, login, logout and the answers, over the
// fasthttp request context that Fiber v2 and v3 both wrap. The adapters
// (the root package for Fiber v2, fiberv3 for Fiber v3) declare the public
// API and its documentation, and call this package; the behaviour they
// document is implemented here, once.
package core

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
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// instanceKey and sessionKey are the user-value keys of the library's own
// per-request state (c.Locals in Fiber). They are unexported so that no
// other package can plant a session the library would trust. instanceKey
// holds the last instance that ran on the request; each instance keeps its
// session under a sessionKey of its own, so that two instances stacked on
// one route never see each other's session.
type (
	instanceKey struct{}
	sessionKey  struct{ owner any }
)

// instance is what the accessors find under instanceKey, whatever U and C.
type instance interface {
	contextKey() any
	session(rc *fasthttp.RequestCtx) *session
}

// loginer is an instance with the context type C: what Login and Logout
// find under instanceKey.
type loginer[C any] interface {
	login(c C, rc *fasthttp.RequestCtx, id, password string, opts LoginOptions) (string, error)
	loginUser(c C, rc *fasthttp.RequestCtx, user any, opts LoginOptions) (string, error)
	logout(c C, rc *fasthttp.RequestCtx) error
	refreshToken(c C, rc *fasthttp.RequestCtx) (string, error)
	signOut(c C, rc *fasthttp.RequestCtx, subject string) error
}

// middleware is the state New prepares once; it is read-only afterwards,
// but for the verifier's pool and cache.
type middleware[U, C any] struct {
	cfg      settings[U, C]
	adapter  Adapter[C]
	secret   *keyRing // the key of Config.SecretKey, when Config.Keys is nil
	userKey  any      // cfg.ContextKey, boxed once
	sessKey  any      // this instance's sessionKey, boxed once
	verifier verifier[U]
	hinted   sync.Once // the hint of hintLoginRoute, given once
}

// New returns the middleware for cfg, or an error wrapping ErrConfig that
// names the field and the fix; the adapters document it. keys returns the
// core KeySet of the adapter's KeySet k, or nil; event converts an Event
// to the adapter's.
func New[U, C, K, S, R, E any](cfg Config[U, C, K, S, R, E], a Adapter[C], keys func(k K) *KeySet, event func(Event) E) (func(C) error, error) {
	set, err := configDefault(cfg, keys, event)
	if err != nil {
		return nil, err
	}
	m := &middleware[U, C]{cfg: set, adapter: a, userKey: set.ContextKey}
	m.sessKey = sessionKey{owner: m}
	if set.Keys == nil {
		m.secret = secretRing(set.Algorithm, set.SecretKey)
	}
	m.initVerifier()
	if set.Authenticate != nil && set.Next == nil && a.Warn != nil {
		a.Warn("fiberjwt: Config.Authenticate is set but Config.Next is nil, so every route needs a token, the login route included: ProcessLogin can never sign anyone in. Make Config.Next return true for the login route.")
	}
	return m.handle, nil
}

// hintLoginRoute explains, once per instance, a refusal that a login route
// behind the middleware would get: a POST without a token, on an instance
// that signs users in. It costs nothing on requests that pass, and a
// sync.Once check on the refusals that follow.
func (m *middleware[U, C]) hintLoginRoute(rc *fasthttp.RequestCtx, err error) {
	if m.adapter.Warn == nil || m.cfg.Authenticate == nil || !rc.IsPost() || !errors.Is(err, ErrNoToken) {
		return
	}
	m.hinted.Do(func() {
		path := rc.Path()
		if len(path) > 100 {
			path = path[:100]
		}
		m.adapter.Warn(fmt.Sprintf("fiberjwt: refused POST %q: it carries no token (401). If it is the login route, make Config.Next return true for it: ProcessLogin runs only where the middleware lets a request through. (This hint is logged once.)", path))
	})
}

func (m *middleware[U, C]) handle(c C) error {
	rc := m.adapter.Request(c)
	rc.SetUserValue(instanceKey{}, m)
	if rc.UserValue(m.userKey) != nil {
		// Set by an instance that ran before this one (with the same
		// ContextKey): this instance's answer replaces it.
		rc.SetUserValue(m.userKey, nil)
	}
	public := m.cfg.Next != nil && m.cfg.Next(c)
	if err := m.authenticate(c, rc); err != nil && !public {
		m.hintLoginRoute(rc, err)
		if m.cfg.Unauthorized != nil {
			return m.cfg.Unauthorized(c, err)
		}
		unauthorized(rc, err, m.cfg.AcceptBearer)
		return nil
	}
	return m.adapter.Next(c)
}

// authenticate verifies the request's token (from the cookie or, when
// allowed and there is no cookie, the Authorization header), its
// revocation, CSRF value and Config.Validate. When all pass it stores the
// user and the session in the request's user values and refreshes a
// cookie that is getting old.
//
// When the request carries several cookies of the token's name (one
// planted by a sibling subdomain or for a more specific Path, or left
// over), the first that verifies and is not revoked is used (see
// laterCookies); when none is, the error is the first token's.
func (m *middleware[U, C]) authenticate(c C, rc *fasthttp.RequestCtx) error {
	now := m.requestNow(rc)
	token, fromCookie := m.requestToken(rc)
	limit := maxTokenSize
	if !fromCookie {
		limit = m.bearerLimit(c)
	}
	user, s, err := m.check(c, token, now, limit)
	if err != nil {
		var later [maxTokenCookies - 1][]byte
		for _, token := range m.laterCookies(rc, &later) {
			if u, got, e := m.check(c, token, now, maxTokenSize); e == nil {
				user, s, err, fromCookie = u, got, nil, true
				break
			}
		}
		if err != nil {
			return err
		}
	}
	if fromCookie && !m.csrfPasses(rc, s) {
		return ErrCSRF
	}
	if m.cfg.Validate != nil {
		if err := m.cfg.Validate(c, user); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
	}
	if s.user != nil {
		rc.SetUserValue(m.userKey, s.user) // no allocation
	} else {
		rc.SetUserValue(m.userKey, user)
	}
	rc.SetUserValue(m.sessKey, s)
	if fromCookie && !m.cfg.DisableRefresh {
		m.refresh(c, rc, user, s, now)
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
func (m *middleware[U, C]) refresh(c C, rc *fasthttp.RequestCtx, user U, s *session, now time.Time) {
	if s.expires.Sub(now) >= m.cfg.RefreshBefore || s.authTime.IsZero() || s.foreign ||
		!now.Before(s.authTime.Add(m.maxAge(s.browser))) {
		return
	}
	next := s.next.Load()
	if next == nil || next.session.expires.Sub(now) < m.cfg.RefreshBefore {
		token, fresh, err := m.sign(s.subject, user, s, now, !s.browser)
		if err != nil || !fresh.expires.After(s.expires) || m.checkSize(c, token) != nil {
			return
		}
		next = &successor{token: token, session: fresh}
		s.next.Store(next)
		m.event(c, EventRefresh, s.subject, nil)
	}
	m.setCookies(rc, next.token, next.session)
	rc.SetUserValue(m.sessKey, next.session)
}

// check verifies token at time now and that neither its session nor its
// user's sessions are revoked.
func (m *middleware[U, C]) check(c C, token []byte, now time.Time, limit int) (U, *session, error) {
	user, s, err := m.verify(token, now, limit)
	if err != nil || m.cfg.memory.empty() {
		return user, s, err // nothing revoked in the default store
	}
	if err = m.checkRevoked(c, s); err == nil {
		err = m.checkUserRevoked(c, s)
	}
	return user, s, err
}

// requestNow returns the time at which the request's token is judged:
// Config.TimeFunc's, or by default the time at which fasthttp's server
// began handling the request (RequestCtx.Time, read from the clock before
// the first handler ran). That saves a clock read per request, which costs
// about 90 ns on a loaded virtual machine; a token that expires while the
// handlers before the middleware run is accepted as it would have been an
// instant earlier. A request context that no server handed over (a test
// calling the handler itself) has no time: the clock is read.
func (m *middleware[U, C]) requestNow(rc *fasthttp.RequestCtx) time.Time {
	if m.cfg.requestTime {
		if t := rc.Time(); !t.IsZero() {
			return t
		}
	}
	return m.cfg.TimeFunc()
}

// requestHasCookie reports whether the request carries the token cookie,
// empty or not.
func (m *middleware[U, C]) requestHasCookie(rc *fasthttp.RequestCtx) bool {
	found := false
	rc.Request.Header.VisitAllCookie(func(name, _ []byte) {
		found = found || string(name) == m.cfg.CookieName
	})
	return found
}

// bearerLimit is the longest token accepted from the Authorization header:
// whatever fit in the app's read buffer (fiber.Config.ReadBufferSize), as
// identity providers' access tokens with many groups reach 6 KB and more.
// From a cookie it is maxTokenSize, which browsers cap near it.
func (m *middleware[U, C]) bearerLimit(c C) int {
	return max(m.adapter.ReadBufferSize(c), maxTokenSize)
}

// requestToken returns the request's token: the first cookie of the
// token's name or, when allowed and that is absent or empty, the Bearer
// header's.
func (m *middleware[U, C]) requestToken(rc *fasthttp.RequestCtx) (token []byte, fromCookie bool) {
	token = requestCookie(&rc.Request.Header, m.cfg.CookieName)
	if len(token) == 0 && m.cfg.AcceptBearer {
		return bearerToken(rc), false
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
func (m *middleware[U, C]) laterCookies(rc *fasthttp.RequestCtx, buf *[maxTokenCookies - 1][]byte) [][]byte {
	n, found := 0, buf[:0]
	rc.Request.Header.VisitAllCookie(func(name, value []byte) {
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
func (m *middleware[U, C]) csrfPasses(rc *fasthttp.RequestCtx, s *session) bool {
	return m.cfg.DisableCSRF || isSafeMethod(rc.Method()) || csrfMatches(rc, s.csrf)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(rc *fasthttp.RequestCtx) []byte {
	h := rc.Request.Header.Peek(fasthttp.HeaderAuthorization)
	const scheme = "Bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(string(h[:len(scheme)]), scheme) {
		return nil
	}
	return bytes.TrimSpace(h[len(scheme):])
}

// isSafeMethod reports whether method only reads (RFC 9110 section 9.2.1),
// so that no CSRF value is needed.
func isSafeMethod(method []byte) bool {
	switch string(method) {
	case fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodOptions, fasthttp.MethodTrace:
		return true
	}
	return false
}

// csrfMatches reports whether the request carries want, the session's CSRF
// value, in the X-CSRF-Token header or the csrf_token field of a form body
// (never the query string, which leaks through logs and Referer headers).
func csrfMatches(rc *fasthttp.RequestCtx, want string) bool {
	got := rc.Request.Header.Peek(CSRFHeader)
	if len(got) == 0 {
		got = formField(&rc.Request, CSRFField)
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
func formField(req *fasthttp.Request, name string) []byte {
	if len(req.Header.Peek(fasthttp.HeaderContentEncoding)) > 0 {
		return nil
	}
	if v := req.PostArgs().Peek(name); len(v) > 0 {
		return v
	}
	media, params, err := mime.ParseMediaType(string(req.Header.ContentType()))
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
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

func (m *middleware[U, C]) contextKey() any { return m.userKey }

// session returns the session this instance accepted or issued on the
// request, or nil.
func (m *middleware[U, C]) session(rc *fasthttp.RequestCtx) *session {
	s, _ := rc.UserValue(m.sessKey).(*session)
	return s
}

// current returns the last instance that ran on the request and its
// session, or nils.
func current(rc *fasthttp.RequestCtx) (instance, *session) {
	m, ok := rc.UserValue(instanceKey{}).(instance)
	if !ok {
		return nil, nil
	}
	return m, m.session(rc)
}

// genuineSession returns the session of the first of the request's tokens
// (requestToken's, then laterCookies') that verifies, revoked or not, and
// whether that token came from a cookie; found tells whether the request
// carried any token.
func (m *middleware[U, C]) genuineSession(rc *fasthttp.RequestCtx) (s *session, fromCookie, found bool) {
	now := m.requestNow(rc)
	token, fromCookie := m.requestToken(rc)
	if len(token) > 0 {
		limit := maxTokenSize
		if !fromCookie {
			limit = len(token) // a Bearer token: it fit in the read buffer
		}
		if _, s, err := m.verify(token, now, limit); err == nil {
			return s, fromCookie, true
		}
	}
	var later [maxTokenCookies - 1][]byte
	tokens := m.laterCookies(rc, &later)
	for _, token := range tokens {
		if _, s, err := m.verify(token, now, maxTokenSize); err == nil {
			return s, true, true
		}
	}
	return nil, false, len(token) > 0 || len(tokens) > 0
}

// checkOrigin returns an error wrapping ErrCSRF when the login request
// comes from another site than its own and trusted (see the adapters'
// ProcessLogin). With navigation (LoginUser), a top-level navigation by
// GET from another site is let through as well: the redirect back from an
// identity provider, whose state the app has checked.
func checkOrigin(req *fasthttp.Request, trusted []string, navigation bool) error {
	h := &req.Header
	origin := string(h.Peek(fasthttp.HeaderOrigin))
	for _, o := range trusted {
		if strings.EqualFold(origin, o) {
			return nil
		}
	}
	switch site := string(h.Peek("Sec-Fetch-Site")); site {
	case "same-origin", "none":
		return nil
	case "same-site", "cross-site":
		if navigation && req.Header.IsGet() && string(h.Peek("Sec-Fetch-Mode")) == "navigate" &&
			string(h.Peek("Sec-Fetch-Dest")) == "document" {
			return nil
		}
		return fmt.Errorf("%w: login posted from another site (Sec-Fetch-Site: %s, Origin: %q): add its origin to Config.LoginOrigins if you trust it", ErrCSRF, site, origin)
	}
	if origin == "" {
		return nil
	}
	if _, host, ok := strings.Cut(origin, "://"); ok && strings.EqualFold(host, string(req.Host())) {
		return nil
	}
	if navigation && req.Header.IsGet() {
		return nil // a navigation by a browser without Sec-Fetch-Site
	}
	return fmt.Errorf("%w: login posted from another origin (Origin: %q, Host: %q): add it to Config.LoginOrigins if you trust it", ErrCSRF, origin, req.Host())
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
	// defaultReadBufferSize is Fiber's (v2 and v3) default ReadBufferSize.
	defaultReadBufferSize = 4096
)

// maxToken returns the size of the largest token that Login may set as a
// cookie on the app of c: it must fit in a browser's cookie, and the
// Cookie header that carries it, with the CSRF cookie, must leave
// headerReserve of the app's ReadBufferSize to the other headers.
// Otherwise every request of the browser to the site would fail with 431
// (fasthttp reads all request headers into that one buffer).
func (m *middleware[U, C]) maxToken(c C) int {
	buf := m.adapter.ReadBufferSize(c)
	if buf <= 0 {
		buf = defaultReadBufferSize
	}
	// "Cookie: token=<token>; csrf_token=<22 bytes>\r\n"
	header := len("Cookie: ") + len(m.cfg.CookieName) + len("=") + len("\r\n")
	if !m.cfg.DisableCSRF {
		header += len("; ") + len(m.cfg.CSRFCookieName) + len("=") + csrfLen
	}
	return min(buf-headerReserve-header, browserCookieLimit-len(m.cfg.CookieName)-len("="), maxTokenSize)
}

// checkSize returns an error wrapping ErrTokenTooLarge when token is
// larger than maxToken.
func (m *middleware[U, C]) checkSize(c C, token string) error {
	if limit := m.maxToken(c); len(token) > limit {
		return fmt.Errorf("%w: the token has %d bytes, and at most %d fit this app's cookie and ReadBufferSize: "+
			"put fewer or shorter fields in the user type, or raise fiber.Config.ReadBufferSize (up to %d bytes of token)",
			ErrTokenTooLarge, len(token), limit, browserCookieLimit-len(m.cfg.CookieName)-1)
	}
	return nil
}

// Logout is the adapters' Logout for the request c, whose fasthttp request
// context is rc.
func Logout[C any](c C, rc *fasthttp.RequestCtx) error {
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return ErrNotMounted
	}
	return m.logout(c, rc)
}

func (m *middleware[U, C]) logout(c C, rc *fasthttp.RequestCtx) error {
	s := m.session(rc)
	if s == nil {
		// The middleware did not accept the token: on a public route it may
		// still be genuine (revoked already, vetoed by Validate, or its
		// revocation could not be checked). Revoke it all the same, unless
		// the request fails the CSRF check.
		genuine, fromCookie, found := m.genuineSession(rc)
		if !found {
			// Nothing to revoke, and maybe a cross-site form whose cookies
			// the browser held back (SameSite): set none.
			return nil
		}
		if genuine != nil && fromCookie && !m.csrfPasses(rc, genuine) {
			return ErrCSRF
		}
		s = genuine
	}
	// A Bearer client's logout writes no cookies: it has none.
	if len(bearerToken(rc)) == 0 || m.requestHasCookie(rc) {
		m.setCookies(rc, "", nil)
	}
	rc.SetUserValue(m.userKey, nil)
	rc.SetUserValue(m.sessKey, nil)
	if s == nil {
		return nil // nothing genuine to revoke
	}
	err := m.revoke(c, s)
	m.event(c, EventLogout, s.subject, err)
	return err
}

// CSRFToken is the adapters' CSRFToken.
func CSRFToken(rc *fasthttp.RequestCtx) string {
	if _, s := current(rc); s != nil {
		return s.csrf
	}
	return ""
}

// Expiry is the adapters' Expiry.
func Expiry(rc *fasthttp.RequestCtx) (time.Time, bool) {
	if _, s := current(rc); s != nil {
		return s.expires, true
	}
	return time.Time{}, false
}

// CurrentSession is the adapters' CurrentSession: the login time, the
// expiry and whether the login is remembered.
func CurrentSession(rc *fasthttp.RequestCtx) (login, expires time.Time, remembered, ok bool) {
	if _, s := current(rc); s != nil {
		return s.authTime, s.expires, !s.browser, true
	}
	return time.Time{}, time.Time{}, false, false
}

// CurrentUser is the adapters' CurrentUser.
func CurrentUser[U any](rc *fasthttp.RequestCtx) (U, bool) {
	var zero U
	m, s := current(rc)
	if s == nil {
		return zero, false
	}
	u, ok := rc.UserValue(m.contextKey()).(U)
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

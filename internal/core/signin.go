package core

// Sign-in flows beyond an id and a password: a trusted user (LoginUser),
// remembered or browser-session logins, signing a user out of every
// device, login throttling and the events an app can audit.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// LoginOptions is the adapters' LoginOptions, whose documentation is the
// reference.
type LoginOptions struct {
	Remember bool
	Bearer   bool
}

// EventKind is the adapters' EventKind.
type EventKind uint8

// The kinds of Event, documented by the adapters.
const (
	EventLogin EventKind = iota + 1
	EventLoginFailed
	EventLoginThrottled
	EventLogout
	EventRefresh
	EventSignOutOthers
	EventSignOutEverywhere
)

// String returns the kind's name, as a log line shows it.
func (k EventKind) String() string {
	switch k {
	case EventLogin:
		return "login"
	case EventLoginFailed:
		return "login_failed"
	case EventLoginThrottled:
		return "login_throttled"
	case EventLogout:
		return "logout"
	case EventRefresh:
		return "refresh"
	case EventSignOutOthers:
		return "sign_out_others"
	case EventSignOutEverywhere:
		return "sign_out_everywhere"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is the adapters' Event, whose documentation is the reference.
type Event struct {
	Kind    EventKind
	Subject string
	IP      string
	Err     error
}

// event passes an Event to Config.OnEvent, when it is set.
func (m *middleware[U, C]) event(c C, kind EventKind, subject string, err error) {
	if m.cfg.OnEvent != nil {
		m.cfg.OnEvent(c, Event{Kind: kind, Subject: subject, IP: m.adapter.IP(c), Err: err})
	}
}

// authTime is a NumericDate to the millisecond: golang-jwt's truncates to
// whole seconds (jwt.TimePrecision), too coarse to tell a session begun
// just before a user's revocation from one begun just after it.
type authTime struct{ time.Time }

// MarshalJSON writes seconds since the epoch with up to three decimals.
func (t authTime) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	b := strconv.AppendInt(nil, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.')
		b = append(b, strconv.FormatInt(1000+frac, 10)[1:]...)
	}
	return b, nil
}

// UnmarshalJSON reads a JSON number of seconds since the epoch, rounded
// to the millisecond.
func (t *authTime) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("auth_time: %w", err)
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return fmt.Errorf("auth_time: %q is not a time", b)
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000)))
	return nil
}

// maxAge is the absolute lifetime of a login: Config.BrowserSessionAge for
// one that is not remembered, else Config.MaxSessionAge.
func (m *middleware[U, C]) maxAge(browser bool) time.Duration {
	if browser {
		return m.cfg.BrowserSessionAge
	}
	return m.cfg.MaxSessionAge
}

// Login is the adapters' ProcessLogin (opts.Remember set) and
// ProcessLoginWith for the request c, whose fasthttp request context is
// rc.
func Login[C any](c C, rc *fasthttp.RequestCtx, id, password string, opts LoginOptions) (string, error) {
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return "", ErrNotMounted
	}
	return m.login(c, rc, id, password, opts)
}

// LoginUser is the adapters' LoginUser.
func LoginUser[C any](c C, rc *fasthttp.RequestCtx, user any, opts LoginOptions) (string, error) {
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return "", ErrNotMounted
	}
	return m.loginUser(c, rc, user, opts)
}

func (m *middleware[U, C]) login(c C, rc *fasthttp.RequestCtx, id, password string, opts LoginOptions) (string, error) {
	switch {
	case m.cfg.Authenticate == nil:
		return "", fmt.Errorf("%w: Authenticate is not set, so this instance cannot sign users in with a password: set it, or call LoginUser", ErrConfig)
	case m.ring().signer == nil:
		return "", errVerifyOnly
	}
	if err := checkOrigin(&rc.Request, m.cfg.LoginOrigins, false); err != nil {
		return "", err
	}
	if id == "" || password == "" {
		return "", fmt.Errorf("%w: empty id or password", ErrInvalidCredentials)
	}
	now := m.cfg.TimeFunc()
	keys := m.attemptKeys(c, id)
	if err := m.throttled(c, rc, keys, now); err != nil {
		m.event(c, EventLoginThrottled, id, err)
		return "", err
	}
	user, err := m.cfg.Authenticate(c, id, password)
	if err == nil && isNil(user) {
		err = errNoUser
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
		m.failed(c, keys, now)
		m.event(c, EventLoginFailed, id, err)
		return "", err
	}
	m.succeeded(c, keys)
	subject := id
	if m.cfg.Subject != nil {
		if subject = m.cfg.Subject(user); subject == "" {
			return "", fmt.Errorf("%w: Config.Subject returned an empty subject for the user %q", ErrConfig, id)
		}
	}
	return m.start(c, rc, subject, user, opts)
}

func (m *middleware[U, C]) loginUser(c C, rc *fasthttp.RequestCtx, u any, opts LoginOptions) (string, error) {
	user, ok := u.(U)
	var zero U
	switch {
	case !ok:
		return "", fmt.Errorf("%w: LoginUser was given a %T, and this instance's user type is %T", ErrConfig, u, zero)
	case m.cfg.Subject == nil:
		return "", fmt.Errorf("%w: LoginUser needs Config.Subject, the user's stable id for the sub claim", ErrConfig)
	case isNil(user):
		return "", fmt.Errorf("%w: LoginUser was given a nil user", ErrConfig)
	case m.ring().signer == nil:
		return "", errVerifyOnly
	}
	if err := checkOrigin(&rc.Request, m.cfg.LoginOrigins, true); err != nil {
		return "", err
	}
	subject := m.cfg.Subject(user)
	if subject == "" {
		return "", fmt.Errorf("%w: Config.Subject returned an empty subject", ErrConfig)
	}
	return m.start(c, rc, subject, user, opts)
}

// start signs user in under subject: it signs the token, checks its size,
// revokes the browser's previous session, sets the cookies and the user
// of the request.
func (m *middleware[U, C]) start(c C, rc *fasthttp.RequestCtx, subject string, user U, opts LoginOptions) (string, error) {
	// An API client's token is not a browser session: it lives up to
	// MaxSessionAge through RefreshToken.
	token, s, err := m.sign(subject, user, nil, m.cfg.TimeFunc(), opts.Remember || opts.Bearer)
	if err != nil {
		return "", err
	}
	if opts.Bearer {
		// No cookie, and the browser's session (if the request has one)
		// is not this client's to end.
		rc.SetUserValue(m.userKey, user)
		rc.SetUserValue(m.sessKey, s)
		m.event(c, EventLogin, subject, nil)
		return token, nil
	}
	if err := m.checkSize(c, token); err != nil {
		return "", err
	}
	old := m.session(rc)
	if old == nil {
		old, _, _ = m.genuineSession(rc)
	}
	if old != nil {
		if err := m.revoke(c, old); err != nil {
			return "", err
		}
	}
	m.setCookies(rc, token, s)
	rc.SetUserValue(m.userKey, user)
	rc.SetUserValue(m.sessKey, s)
	m.event(c, EventLogin, subject, nil)
	return token, nil
}

var errNoUser = errors.New("fiberjwt: Authenticate returned no user")

// userPrefix namespaces the users' revocations in Config.Storage.
const userPrefix = "fiberjwt:user:"

// RefreshToken is the adapters' RefreshToken, which documents it.
func RefreshToken[C any](c C, rc *fasthttp.RequestCtx) (string, error) {
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return "", ErrNotMounted
	}
	return m.refreshToken(c, rc)
}

func (m *middleware[U, C]) refreshToken(c C, rc *fasthttp.RequestCtx) (string, error) {
	s := m.session(rc)
	user, ok := rc.UserValue(m.userKey).(U)
	switch {
	case s == nil || !ok:
		return "", fmt.Errorf("%w: RefreshToken needs a request the middleware accepted", ErrNoToken)
	case s.foreign:
		return "", fmt.Errorf("%w: another issuer's token is refreshed by its issuer", ErrInvalidToken)
	case m.ring().signer == nil:
		return "", errVerifyOnly
	}
	now := m.cfg.TimeFunc()
	if s.authTime.IsZero() || !now.Before(s.authTime.Add(m.maxAge(s.browser))) {
		return "", fmt.Errorf("%w: the session reached Config.MaxSessionAge: log in again", ErrTokenExpired)
	}
	token, fresh, err := m.sign(s.subject, user, s, now, !s.browser)
	if err != nil {
		return "", err
	}
	rc.SetUserValue(m.sessKey, fresh)
	m.event(c, EventRefresh, s.subject, nil)
	return token, nil
}

// SignOutOthers is the adapters' SignOutOtherDevices.
func SignOutOthers[C any](c C, rc *fasthttp.RequestCtx) error {
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return ErrNotMounted
	}
	return m.signOut(c, rc, "")
}

// SignOutEverywhere is the adapters' SignOutEverywhere.
func SignOutEverywhere[C any](c C, rc *fasthttp.RequestCtx, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: SignOutEverywhere needs a subject", ErrConfig)
	}
	m, ok := rc.UserValue(instanceKey{}).(loginer[C])
	if !ok {
		return ErrNotMounted
	}
	return m.signOut(c, rc, subject)
}

// signOut revokes every session of subject begun before now; subject ""
// means the request's user, keeping the request's session.
func (m *middleware[U, C]) signOut(c C, rc *fasthttp.RequestCtx, subject string) error {
	keep, kind := "", EventSignOutEverywhere
	if subject == "" {
		s := m.session(rc)
		if s == nil || s.foreign || s.subject == "" {
			return fmt.Errorf("%w: SignOutOtherDevices needs a request signed in with a token of this instance", ErrNoToken)
		}
		subject, keep, kind = s.subject, s.id, EventSignOutOthers
	}
	if m.cfg.Revocations != nil && m.cfg.userRevocations == nil {
		return fmt.Errorf("%w: Revocations %T cannot revoke a user's sessions: it needs the methods of UserRevocations", ErrConfig, m.cfg.Revocations)
	}
	now := m.cfg.TimeFunc()
	// Every session begun before now lasts until now plus its longest
	// life at most.
	life := m.cfg.MaxSessionAge
	if m.cfg.DisableRefresh {
		life = m.cfg.Expiration
	}
	until := now.Add(life + m.cfg.Leeway)
	var err error
	if ur := m.cfg.userRevocations; ur != nil {
		err = ur.RevokeUser(subject, now, keep, until)
	} else {
		err = m.revokeUserInStorage(c, subject, now, keep, until)
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrStorage, err)
	}
	m.event(c, kind, subject, err)
	return err
}

// revokeUserInStorage writes a user's revocation to Config.Storage, unless
// a later one is there.
func (m *middleware[U, C]) revokeUserInStorage(c C, subject string, before time.Time, keep string, until time.Time) error {
	key := userPrefix + subject
	v, err := m.get(c, m.revocations(), key)
	if err != nil {
		return err
	}
	if prev, _, ok := parseUserRevocation(v); ok && !before.After(prev) {
		return nil
	}
	value := strconv.AppendInt(nil, before.UnixMilli(), 10)
	value = append(append(value, ' '), keep...)
	return m.set(c, m.revocations(), key, value, until.Sub(m.cfg.TimeFunc()))
}

// parseUserRevocation reads a user's revocation in Config.Storage:
// "<before, Unix ms> <kept session id>".
func parseUserRevocation(v []byte) (before time.Time, keep string, ok bool) {
	ms, keep, ok := strings.Cut(string(v), " ")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n), keep, true
}

// checkUserRevoked returns ErrRevoked when every session of s's user
// begun before s was revoked (and s was not kept), and an error wrapping
// ErrStorage when that cannot be told. Other issuers' tokens have
// subjects of another namespace: they are not checked.
func (m *middleware[U, C]) checkUserRevoked(c C, s *session) error {
	if s.foreign || s.subject == "" {
		return nil
	}
	var before time.Time
	var keep string
	switch ur := m.cfg.userRevocations; {
	case ur != nil:
		var err error
		if before, keep, err = ur.UserRevoked(s.subject); err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
	case m.cfg.Revocations != nil:
		return nil // it cannot revoke users
	default:
		v, err := m.get(c, m.revocations(), s.userKey)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
		if v == nil {
			return nil
		}
		before, keep, _ = parseUserRevocation(v)
	}
	if !before.IsZero() && s.authTime.Before(before) && s.id != keep {
		return ErrRevoked
	}
	return nil
}

// The keys of login throttling in its store: one per account and client
// address together, one per address.
const (
	attemptsPrefix = "fiberjwt:attempts:"
	addressPrefix  = "fiberjwt:attempts-ip:"
)

// attemptKeys returns the store keys that count the failed logins of
// account id from the client of c (none with DisableThrottle): a hash of both (ids are the client's
// to choose, and may be long), and the address. Ids differing in case
// count as one.
func (m *middleware[U, C]) attemptKeys(c C, id string) [2]string {
	if m.cfg.DisableThrottle {
		return [2]string{}
	}
	ip := m.adapter.IP(c)
	sum := sha256.Sum256([]byte(strings.ToLower(id) + "\x00" + ip))
	return [2]string{attemptsPrefix + hex.EncodeToString(sum[:16]), addressPrefix + ip}
}

// limits returns the failed logins allowed under the keys of attemptKeys.
func (m *middleware[U, C]) limits() [2]int {
	return [2]int{m.cfg.LoginAttempts, addressAttempts * m.cfg.LoginAttempts}
}

// attempts reads the failed logins counted under key: how many, and when
// their window ends (zero when there is none).
func (m *middleware[U, C]) attempts(c C, key string, now time.Time) (int, time.Time, error) {
	v, err := m.get(c, m.cfg.attempts, key)
	if err != nil || v == nil {
		return 0, time.Time{}, err
	}
	n, end, ok := strings.Cut(string(v), " ")
	count, err1 := strconv.Atoi(n)
	ms, err2 := strconv.ParseInt(end, 10, 64)
	if !ok || err1 != nil || err2 != nil || !now.Before(time.UnixMilli(ms)) {
		return 0, time.Time{}, nil
	}
	return count, time.UnixMilli(ms), nil
}

// throttled returns an error wrapping ErrThrottled, and sets Retry-After,
// when either key has reached its limit in the current window.
func (m *middleware[U, C]) throttled(c C, rc *fasthttp.RequestCtx, keys [2]string, now time.Time) error {
	if keys[0] == "" {
		return nil // DisableThrottle
	}
	var wait time.Duration
	for i, limit := range m.limits() {
		count, end, err := m.attempts(c, keys[i], now)
		if err != nil {
			continue // fail open: see failed
		}
		if count >= limit {
			wait = max(wait, end.Sub(now))
		}
	}
	if wait <= 0 {
		return nil
	}
	secs := int((wait + time.Second - 1) / time.Second)
	rc.Response.Header.Set(fasthttp.HeaderRetryAfter, strconv.Itoa(secs))
	return fmt.Errorf("%w: retry in %d s", ErrThrottled, secs)
}

// failed counts a failed login under both keys. The window starts with the
// first failure and ends LoginWindow later, whatever follows: no attacker
// can lock an account out for longer than the window after they stop. A
// store that fails (the in-memory one when full) leaves the failure
// uncounted, and one that cannot be read throttles nothing: throttling
// fails open, so that a store outage does not stop every login.
func (m *middleware[U, C]) failed(c C, keys [2]string, now time.Time) {
	if keys[0] == "" {
		return // DisableThrottle
	}
	for _, key := range keys {
		count, end, err := m.attempts(c, key, now)
		if err != nil {
			continue
		}
		if count == 0 {
			end = now.Add(m.cfg.LoginWindow)
		}
		v := strconv.AppendInt(nil, int64(count+1), 10)
		v = strconv.AppendInt(append(v, ' '), end.UnixMilli(), 10)
		_ = m.set(c, m.cfg.attempts, key, v, end.Sub(now))
	}
}

// succeeded forgets the failed logins of the account from this address, as
// Laravel's clearLoginAttempts does; those of the address stay.
func (m *middleware[U, C]) succeeded(c C, keys [2]string) {
	if keys[0] == "" {
		return // DisableThrottle
	}
	if count, _, err := m.attempts(c, keys[0], m.cfg.TimeFunc()); err == nil && count > 0 {
		_ = m.set(c, m.cfg.attempts, keys[0], []byte("0 0"), time.Second)
	}
}

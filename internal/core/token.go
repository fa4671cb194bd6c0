package core

// Token work: signing at login, and verifying on every request.
//
// Verification runs on every request of every protected route, so it is
// built to cost less than the HMAC itself, without changing what is
// accepted. golang-jwt, configured once in New (pinned algorithm, exp
// required, nbf and iat checked with the leeway, issuer and audience), is
// the reference: what its ParseWithClaims accepts is accepted, nothing
// else. It runs once per token, not once per request, and as two halves:
// verify checks the signature itself, before any claim is decoded (the
// pooled HMAC of step 3, or checkSignature), and golang-jwt's parser then
// decodes the token and its validator checks the claims, so that a miss
// computes the signature once. Per request, verify does this:
//
//  1. Shape: empty, longer than maxTokenSize, or not exactly three
//     dot-separated segments is refused at once, before any HMAC or JSON
//     work. Only bytes.IndexByte runs, so the work is linear in the length.
//     The keys of a remote set (NewRemoteKeySet) older than MaxStale
//     refuse every token here (an atomic load and a clock read; a local
//     set pays a nil check).
//  2. Cache: a token in the form sign writes (one of the ring's exact
//     headers, a signature segment of the algorithm's length) is looked up
//     in the cache of tokens the reference parser accepted (cache.go): by
//     a seeded hash, confirmed by a constant-time comparison of the whole
//     token with the one stored, and the key that verified it. A hit means
//     the very same bytes, signature included, that passed before under a
//     key still in force: only the clock checks (exp, nbf, iat with the
//     leeway) are redone, and the HMAC is not. Revocation and
//     Config.Validate are checked by the caller on every request, hit or
//     miss. A retired key's entries are never found again (the lookup
//     starts from the ring).
//  3. Signature: on a miss, an HMAC token gets its MAC computed with a
//     pooled HMAC whose key schedule was done once, into pooled buffers,
//     and compared in constant time. A forged signature is refused there,
//     before any claim is decoded, with no allocation.
//  4. Anything else (a miss with a good MAC, a failing clock check, a token
//     in another form or encoding) goes to the reference parser, whose
//     answer is final; an accepted token in our form is then cached. The
//     reference decodes the claims before it checks the signature, so a
//     token whose signature is not checked yet (another header spelling,
//     a signature of the wrong length, an asymmetric key) first has it
//     checked by checkSignature, with the key and algorithm its header
//     names: no claim of a forged token is ever decoded.
//
// Fuzz_Differential checks that the result equals the reference's for any
// input. The cached user is never handed out: each request gets a deep copy
// of it made by a copier prepared at New (see copy.go), or, for the types
// the copier refuses (interfaces, unexported references, recursive types
// ...), decodes its own from the cached JSON, so no two requests ever share
// mutable state.

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenSize caps the token read from a cookie. Browsers store at most
// 4096 bytes per cookie, so nothing longer is one of ours; it is refused
// before any decoding or HMAC work.
const maxTokenSize = 4096

// userClaim is the claim that carries the user value.
const userClaim = "usr"

// Errors of the fast path, built once so that a refusal allocates nothing.
var (
	errTooLarge = fmt.Errorf("%w: %w: longer than %d bytes in a cookie, or than the read buffer in a Bearer header", ErrInvalidToken, jwt.ErrTokenMalformed, maxTokenSize)
	errSegments = fmt.Errorf("%w: %w: not three segments", ErrInvalidToken, jwt.ErrTokenMalformed)
	errForged   = fmt.Errorf("%w: %w", ErrInvalidToken, jwt.ErrTokenSignatureInvalid)
	// base64 decoding skips CR and LF, even strictly.
	errLineBreak = fmt.Errorf("%w: %w: line break", ErrInvalidToken, jwt.ErrTokenMalformed)

	errVerifyOnly = fmt.Errorf("%w: the current key has no private key, so this instance cannot issue tokens", ErrConfig)
)

// sessionClaims are the claims that a refresh carries over from token to
// token: one login is one session.
type sessionClaims struct {
	// AuthTime is when the user logged in (OpenID Connect's auth_time),
	// to the millisecond: sessions begun before a user's revocation
	// (SignOutEverywhere) are told from those begun after it.
	AuthTime *authTime `json:"auth_time,omitempty"`
	// SessionID is the jti of the login's first token; Logout revokes it.
	SessionID string `json:"sid,omitempty"`
	// CSRF is the value the csrf_token cookie and unsafe requests carry.
	CSRF string `json:"csrf,omitempty"`
	// Browser marks a login that is not remembered: its cookie ends with
	// the browser, and the session with Config.BrowserSessionAge.
	Browser bool `json:"eph,omitempty"`
}

// issuedClaims is what ProcessLogin and a refresh sign.
type issuedClaims[U any] struct {
	jwt.RegisteredClaims
	sessionClaims
	User U `json:"usr"`
}

// parsedClaims is what the reference parser decodes; the user is decoded
// separately so that a token without it can be refused.
type parsedClaims struct {
	jwt.RegisteredClaims
	sessionClaims
	User json.RawMessage `json:"usr"`
}

// session is what a verified token leaves for the rest of the request. It
// is never modified once built, but for next.
type session struct {
	// What every request reads first (refresh, CurrentUser).
	expires time.Time

	// user is the cached user boxed once, for a user type made of values
	// only (see flatType), whose box is immutable and so shared by the
	// requests: storing it in the request costs no allocation. nil
	// otherwise, and outside the cache.
	user any

	// next is the token that a refresh issued to replace this one: later
	// requests that still carry this token (sent before the browser
	// stored the new cookie, or by a client that ignores it) get the same
	// one instead of a new token each.
	next atomic.Pointer[successor]

	id       string // the session id: sid, or jti for a token without one
	key      string // revokedPrefix + id: the Storage key
	subject  string
	userKey  string // userPrefix + subject: the Storage key of the user's revocation
	csrf     string
	authTime time.Time // zero when the token does not say
	foreign  bool      // another issuer's token, its user from Config.UserFromClaims
	browser  bool      // a login that is not remembered (see sessionClaims.Browser)
}

// successor is a token issued by a refresh, and its session.
type successor struct {
	token   string
	session *session
}

// verified is what the reference parser found in an accepted token: an
// entry of the cache (see cache.go), shared by every request carrying that
// token and never modified but for referenced.
type verified[U any] struct {
	// What a hit reads first, in the entry's first cache line.
	token      string    // the whole token, compared on every hit
	hash       uint64    // its hash in the cache
	key        *keyState // the key that verified it
	referenced atomic.Bool
	from       time.Time // max(nbf, iat) - leeway: refused before
	until      time.Time // exp + leeway: refused from then on

	session  session
	user     U      // the decoded user, when there is a copier; never handed out
	userJSON []byte // the usr claim, for types that are decoded per request
}

// verifier holds what New prepares for verifying tokens.
type verifier[U any] struct {
	parser    *jwt.Parser    // decodes, strictly
	validator *jwt.Validator // checks the claims
	copyUser  func(*U) U     // a deep copy (see newCopier); nil: decode userJSON
	flat      bool           // U holds no slice, map or pointer (see flatType)
	issuers   []string       // the accepted issuers when there are several

	cache *tokenCache[U]
}

// cacheSlot is where parse caches an accepted token: the key that verified
// it (nil: the one checkSignature finds) and the token's hash.
type cacheSlot struct {
	key  *keyState
	hash uint64
}

// macState is a keyed HMAC with buffers for one verification.
type macState struct {
	h   hash.Hash
	mac [64]byte
	enc [86]byte // base64url of the largest MAC
}

// allAlgorithms are the algorithms a KeySet may hold; each key then
// accepts its own only (see keyFor).
var allAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", ed25519Alg}

func (m *middleware[U, C]) initVerifier() {
	cfg := &m.cfg
	methods := allAlgorithms
	if cfg.Keys == nil {
		methods = []string{cfg.Algorithm}
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.TimeFunc),
		// Plain base64 ignores the unused low bits of the last character,
		// so a signature would have several spellings that verify; strict
		// decoding (and the fast path's comparison of canonical encodings)
		// accepts one.
		jwt.WithStrictDecoding(),
	}
	issuers := accepted(cfg.Issuer, cfg.Issuers)
	if len(issuers) == 1 {
		opts = append(opts, jwt.WithIssuer(issuers[0]))
	}
	if aud := accepted(cfg.Audience, cfg.Audiences); len(aud) > 0 {
		opts = append(opts, jwt.WithAudience(aud...)) // any of them
	}
	v := &m.verifier
	v.parser = jwt.NewParser(opts...)
	v.validator = jwt.NewValidator(opts...)
	v.copyUser = newCopier[U]()
	v.flat = flatType[U]()
	if len(issuers) > 1 {
		v.issuers = issuers // golang-jwt checks one issuer only
	}
	v.cache = newTokenCache[U](cfg.CacheSize)
}

// keyFor returns the key that verifies a token whose header names alg and
// kid: the one kid names, and only for that key's algorithm.
// An unknown kid asks a remote set for a fetch, without waiting for it.
func (m *middleware[U, C]) keyFor(alg, kid string) (*keyState, error) {
	ring := m.ring()
	if kid == "" && ring.remote != nil {
		// Another issuer's token without kid: the one key of the set
		// that verifies alg, if there is exactly one (as go-oidc and jose
		// do), else none. Our own tokens always name their key.
		if k := ring.only(alg); k != nil {
			return k, nil
		}
		return nil, fmt.Errorf("no kid, and not exactly one key verifies %q", alg)
	}
	k := ring.lookup(kid)
	if k == nil && ring.remote != nil && kid != "" && ring.remote.unknownKid() {
		k = m.ring().lookup(kid) // after the fetch it waited for
	}
	switch {
	case k == nil:
		return nil, fmt.Errorf("no key with kid %q", kid)
	case !k.verifies(alg):
		return nil, fmt.Errorf("key %q does not verify %q", kid, alg)
	}
	return k, nil
}

// checkSignature verifies the signature of token, whose dots are at dot1
// and dot2, with the key and the algorithm its header names, before
// anything decodes its claims: golang-jwt decodes them before it checks the
// signature, and a token that is not in the form sign writes (another
// header spelling, an asymmetric key) must not get that far unsigned. It
// refuses only what the reference parser refuses too, with the same kind
// of error.
func (m *middleware[U, C]) checkSignature(token []byte, dot1, dot2 int) (*keyState, error) {
	strict := base64.RawURLEncoding.Strict()
	raw, err := strict.DecodeString(string(token[:dot1]))
	if err != nil {
		return nil, fmt.Errorf("%w: %w: header: %w", ErrInvalidToken, jwt.ErrTokenMalformed, err)
	}
	var header map[string]any
	if err := json.Unmarshal(raw, &header); err != nil {
		return nil, fmt.Errorf("%w: %w: header: %w", ErrInvalidToken, jwt.ErrTokenMalformed, err)
	}
	alg, _ := header["alg"].(string)
	kid, _ := header["kid"].(string)
	if _, ok := header["kid"]; ok && kid == "" {
		return nil, fmt.Errorf("%w: %w: kid is not a non-empty string", ErrInvalidToken, jwt.ErrTokenUnverifiable)
	}
	k, err := m.keyFor(alg, kid)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrInvalidToken, jwt.ErrTokenUnverifiable, err)
	}
	sig, err := strict.DecodeString(string(token[dot2+1:]))
	if err != nil {
		return nil, fmt.Errorf("%w: %w: signature: %w", ErrInvalidToken, jwt.ErrTokenMalformed, err)
	}
	if err := k.methodFor(alg).Verify(string(token[:dot2]), sig, k.verifyKey); err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrInvalidToken, jwt.ErrTokenSignatureInvalid, err)
	}
	return k, nil
}

// ring returns the keys in force.
func (m *middleware[U, C]) ring() *keyRing {
	if m.cfg.Keys != nil {
		return m.cfg.Keys.ring.Load()
	}
	return m.secret
}

// sign returns a new signed token for user, identified by subject, issued
// at now. With a previous session it is a refresh: the session id, login
// time and CSRF value carry over, and exp never passes the login time plus
// Config.MaxSessionAge. A refresh passes the time its request was checked
// at, before the revocation check: a token it issues then expires no later
// than a revocation written meanwhile lasts.
//
// A new login is remembered or not as remember says; a refresh keeps the
// choice of its login.
func (m *middleware[U, C]) sign(subject string, user U, prev *session, now time.Time, remember bool) (string, *session, error) {
	k := m.ring().signer
	if k == nil {
		return "", nil, errVerifyOnly
	}
	id, err := newRandom()
	if err != nil {
		return "", nil, err
	}
	exp := now.Add(m.cfg.Expiration)
	sc := sessionClaims{AuthTime: &authTime{now}, SessionID: id, Browser: !remember}
	if prev != nil {
		sc = sessionClaims{AuthTime: &authTime{prev.authTime}, SessionID: prev.id, CSRF: prev.csrf, Browser: prev.browser}
	}
	if limit := sc.AuthTime.Add(m.maxAge(sc.Browser)); exp.After(limit) {
		exp = limit
	}
	// A new login, or a refresh of a token issued while CSRF protection
	// was off, gets a fresh CSRF value.
	if sc.CSRF == "" && !m.cfg.DisableCSRF {
		if sc.CSRF, err = newRandom(); err != nil {
			return "", nil, err
		}
	}
	claims := issuedClaims[U]{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    m.cfg.Issuer,
			Subject:   subject,
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        id,
		},
		sessionClaims: sc,
		User:          user,
	}
	if m.cfg.Audience != "" {
		claims.Audience = jwt.ClaimStrings{m.cfg.Audience}
	}
	t := jwt.NewWithClaims(k.method, claims)
	if k.id != "" {
		t.Header["kid"] = k.id
	}
	token, err := t.SignedString(k.signKey)
	if err != nil {
		return "", nil, fmt.Errorf("fiberjwt: signing token: %w", err)
	}
	return token, newSession(&claims.RegisteredClaims, &claims.sessionClaims), nil
}

// newSession builds the session of a token's claims.
func newSession(rc *jwt.RegisteredClaims, sc *sessionClaims) *session {
	s := new(session)
	s.init(rc, sc)
	s.key = revokedPrefix + s.id
	s.userKey = userPrefix + s.subject
	return s
}

// init fills s from a token's claims, but for its Storage key. A token
// without sid (not issued by this package) is its own session.
func (s *session) init(rc *jwt.RegisteredClaims, sc *sessionClaims) {
	s.id, s.subject, s.csrf, s.expires, s.browser = sc.SessionID, rc.Subject, sc.CSRF, rc.ExpiresAt.Time, sc.Browser
	if s.id == "" {
		s.id = rc.ID
	}
	if sc.AuthTime != nil {
		s.authTime = sc.AuthTime.Time
	} else if rc.IssuedAt != nil {
		s.authTime = rc.IssuedAt.Time
	}
}

// csrfLen is the length of what newRandom returns.
const csrfLen = 22

// newRandom returns 128 random bits, base64url-encoded (csrfLen bytes):
// token ids, session ids and CSRF values.
func newRandom() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("fiberjwt: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// verify checks token's shape, signature and claims (not its revocation)
// at time now and returns a fresh user and the session. Every error wraps
// one of the package's sentinels. token is not retained.
func (m *middleware[U, C]) verify(token []byte, now time.Time, limit int) (U, *session, error) {
	var zero U
	switch {
	case len(token) == 0:
		return zero, nil, ErrNoToken
	case len(token) > limit:
		return zero, nil, errTooLarge
	}
	dot1 := bytes.IndexByte(token, '.')
	dot2 := -1
	if dot1 >= 0 {
		if i := bytes.IndexByte(token[dot1+1:], '.'); i >= 0 {
			dot2 = dot1 + 1 + i
		}
	}
	if dot2 < 0 || bytes.IndexByte(token[dot2+1:], '.') >= 0 {
		return zero, nil, errSegments
	}
	v := &m.verifier
	ring := m.ring()
	if ring.remote != nil && !ring.remote.fresh() {
		return zero, nil, errKeysStale
	}
	// k is the key whose very header the token has, or nil for another
	// header (another issuer's, or forged): then any key of the ring. Most
	// tokens are the current signing key's: one comparison, no map.
	k := ring.signer
	if k == nil || k.header != string(token[:dot1]) {
		k = ring.byHeader[string(token[:dot1])]
	}
	if k != nil && k.hmac && len(token)-dot2-1 != k.sigLen {
		return m.parse(token, dot1, dot2, nil, false) // forged
	}
	h := v.cache.hash(token)
	hit := v.cache.get(token, h, k)
	if hit != nil && k == nil && !ring.has(hit.key) {
		hit = nil // its key was dropped
	}
	if hit == nil {
		hmac := k != nil && k.hmac
		if hmac && !k.validMAC(token, dot2) {
			return zero, nil, errForged
		}
		return m.parse(token, dot1, dot2, &cacheSlot{key: k, hash: h}, hmac)
	}
	if now.Before(hit.from) || !now.Before(hit.until) {
		return m.parse(token, dot1, dot2, nil, true) // the reference says why
	}
	if v.copyUser != nil {
		return v.copyUser(&hit.user), &hit.session, nil
	}
	var user U
	if err := json.Unmarshal(hit.userJSON, &user); err != nil {
		return zero, nil, fmt.Errorf("%w: %s claim: %w", ErrInvalidToken, userClaim, err)
	}
	return user, &hit.session, nil
}

// validMAC reports whether the signature segment of token, after the dot
// at dot2, is the canonical encoding of the token's HMAC under k. Comparing
// encodings is cheaper than decoding the segment, and equal exactly when
// the segment decodes strictly to the MAC.
func (st *keyState) validMAC(token []byte, dot2 int) bool {
	ms := st.macs.Get().(*macState)
	defer st.macs.Put(ms)
	ms.h.Reset()
	ms.h.Write(token[:dot2])
	enc := ms.enc[:st.sigLen]
	base64.RawURLEncoding.Encode(enc, ms.h.Sum(ms.mac[:0]))
	return subtle.ConstantTimeCompare(enc, token[dot2+1:]) == 1
}

// parse verifies token, whose dots are at dot1 and dot2, with the reference
// parser and decodes its user. Unless signed says that the signature was
// checked already, it is checked first (see checkSignature). When slot is
// not nil and the token is accepted, the result is cached there.
func (m *middleware[U, C]) parse(token []byte, dot1, dot2 int, slot *cacheSlot, signed bool) (U, *session, error) {
	var zero U
	v := &m.verifier
	if bytes.ContainsAny(token, "\r\n") {
		return zero, nil, errLineBreak
	}
	if !signed {
		k, err := m.checkSignature(token, dot1, dot2)
		if err != nil {
			return zero, nil, err
		}
		if slot != nil && slot.key == nil {
			slot.key = k
		}
	}
	// The signature is checked: what golang-jwt's ParseWithClaims would
	// do besides is to decode the token and to validate its claims.
	var claims parsedClaims
	t, _, err := v.parser.ParseUnverified(string(token), &claims)
	if err != nil && t != nil && t.Header["alg"] == ed25519Alg && errors.Is(err, jwt.ErrTokenUnverifiable) {
		// golang-jwt has no method of that name; it decoded the claims
		// before it looked for one, and the signature is checked already.
		err = nil
	}
	if err == nil {
		if verr := v.validator.Validate(&claims); verr != nil {
			err = fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, verr)
		} else if v.issuers != nil && !slices.Contains(v.issuers, claims.Issuer) {
			err = fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, jwt.ErrTokenInvalidIssuer)
		}
	}
	if err != nil {
		return zero, nil, classify(err, &claims)
	}
	if _, ok := t.Header["crit"]; ok {
		return zero, nil, fmt.Errorf("%w: unsupported crit header", ErrInvalidToken)
	}
	var user U
	// Ours or another issuer's, by the keys that verified it: a remote
	// set's tokens are another issuer's unless it holds our own keys,
	// whatever claims they carry (an identity provider may write a usr
	// claim); our own keys' tokens carry usr, but for the tokens of
	// another issuer whose public keys were given to NewKeySet.
	foreign := (m.cfg.Keys != nil && m.cfg.Keys.foreign()) || len(claims.User) == 0 || string(claims.User) == "null"
	switch {
	case foreign && m.cfg.UserFromClaims == nil:
		return zero, nil, fmt.Errorf("%w: no %s claim", ErrInvalidToken, userClaim)
	case foreign:
		// Another issuer's token: no sid, csrf or usr of ours.
		if user, err = m.foreignUser(token[dot1+1 : dot2]); err != nil {
			return zero, nil, err
		}
		claims.sessionClaims = sessionClaims{}
		if v.copyUser == nil {
			slot = nil // it cannot be copied from the cache, nor decoded again
		}
	case claims.ID == "":
		return zero, nil, fmt.Errorf("%w: no jti claim", ErrInvalidToken)
	default:
		if err := json.Unmarshal(claims.User, &user); err != nil {
			return zero, nil, fmt.Errorf("%w: %s claim: %w", ErrInvalidToken, userClaim, err)
		}
	}
	if slot == nil {
		s := newSession(&claims.RegisteredClaims, &claims.sessionClaims)
		s.foreign = foreign
		return user, s, nil
	}
	// A cached entry holds its session, and its token with the session's
	// Storage key in one string, so that a hit reads few cache lines.
	entry := &verified[U]{hash: slot.hash, key: slot.key}
	s := &entry.session
	s.init(&claims.RegisteredClaims, &claims.sessionClaims)
	s.foreign = foreign
	packed := string(token) + revokedPrefix + s.id + userPrefix + s.subject
	keys := len(token) + len(revokedPrefix) + len(s.id)
	entry.token, s.key, s.userKey = packed[:len(token)], packed[len(token):keys], packed[keys:]
	s.id = s.key[len(revokedPrefix):]
	s.subject = s.userKey[len(userPrefix):]
	entry.until = s.expires.Add(m.cfg.Leeway)
	{
		for _, d := range []*jwt.NumericDate{claims.NotBefore, claims.IssuedAt} {
			if d != nil && d.After(entry.from) {
				entry.from = d.Time
			}
		}
		entry.from = entry.from.Add(-m.cfg.Leeway)
		if v.copyUser != nil {
			entry.user = v.copyUser(&user) // this request keeps user
			if v.flat {
				s.user = entry.user
			}
		} else {
			entry.userJSON = append([]byte(nil), claims.User...)
		}
		v.cache.put(entry, m.cfg.TimeFunc())
	}
	return user, s, nil
}

// foreignUser builds the user of another issuer's token from its payload
// segment with Config.UserFromClaims.
func (m *middleware[U, C]) foreignUser(payload []byte) (U, error) {
	var zero U
	raw, err := base64.RawURLEncoding.Strict().DecodeString(string(payload))
	if err != nil {
		return zero, fmt.Errorf("%w: %w: %w", ErrInvalidToken, jwt.ErrTokenMalformed, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return zero, fmt.Errorf("%w: %w: %w", ErrInvalidToken, jwt.ErrTokenMalformed, err)
	}
	user, err := m.cfg.UserFromClaims(claims)
	if err != nil {
		return zero, fmt.Errorf("%w: UserFromClaims: %w", ErrInvalidToken, err)
	}
	if isNil(user) {
		return zero, fmt.Errorf("%w: UserFromClaims returned a nil user without an error", ErrInvalidToken)
	}
	return user, nil
}

// classify maps an error of golang-jwt's parser to the package's sentinels,
// keeping the original in the chain. Signature and format errors come first,
// so that a forged token is never reported as merely expired.
func classify(err error, claims *parsedClaims) error {
	var sentinel error
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed),
		errors.Is(err, jwt.ErrTokenSignatureInvalid),
		errors.Is(err, jwt.ErrTokenUnverifiable):
		sentinel = ErrInvalidToken
	case claims.ExpiresAt == nil:
		sentinel = ErrNoExpiry
	case errors.Is(err, jwt.ErrTokenExpired):
		sentinel = ErrTokenExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		sentinel = ErrTokenNotValidYet
	default:
		sentinel = ErrInvalidToken
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// accepted returns one and more without empty values: the accepted issuers
// or audiences.
func accepted(one string, more []string) []string {
	var list []string
	for _, v := range append([]string{one}, more...) {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

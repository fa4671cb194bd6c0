package fiberjwt

// Token work: signing at login, and verifying on every request.
//
// Verification runs on every request of every protected route, so it is
// built to cost little more than the HMAC itself, without changing what is
// accepted. golang-jwt's parser, configured once in New (pinned algorithm,
// exp required, nbf and iat checked with the leeway, issuer and audience),
// is the reference: it alone decides that a token is good, and it runs once
// per token, not once per request. Per request, verify does this:
//
//  1. Shape: empty, longer than maxTokenSize, or not exactly three
//     dot-separated segments is refused at once, before any HMAC or JSON
//     work. Only bytes.IndexByte runs, so the work is linear in the length.
//  2. Signature: a token in the form sign writes (this package's exact
//     header, a signature segment of the algorithm's length) gets its MAC
//     computed with a pooled HMAC whose key schedule was done once, into
//     pooled buffers. A forged signature is refused there, before any claim
//     is decoded, with no allocation.
//  3. Cache: a correct MAC is looked up in a bounded cache of tokens the
//     reference parser accepted, keyed by that MAC. Nobody can produce a
//     correct MAC without the key, so a hit means the very same header and
//     claims: only the clock checks (exp, nbf, iat with the leeway) are
//     redone. Revocation and Config.Validate are checked by the caller on
//     every request, hit or miss.
//  4. Anything else (a miss, a failing clock check, a token in another form
//     or encoding) goes to the reference parser, whose answer is final; an
//     accepted token in our form is then cached.
//
// Fuzz_Differential checks that the result equals the reference's for any
// input. The cached user is handed to a request by value only when U holds
// no pointers, slices, maps or interfaces (strings are immutable); for
// other types each request decodes its own copy from the cached JSON, so no
// two requests ever share mutable state.

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenSize caps the token read from a cookie. Browsers store at most
// 4096 bytes per cookie, so nothing longer is one of ours; it is refused
// before any decoding or HMAC work.
const maxTokenSize = 4096

// maxCached bounds the cache of verified tokens; it is emptied when full.
const maxCached = 10_000

// userClaim is the claim that carries the user value.
const userClaim = "usr"

// Errors of the fast path, built once so that a refusal allocates nothing.
var (
	errTooLarge = fmt.Errorf("%w: %w: longer than %d bytes", ErrInvalidToken, jwt.ErrTokenMalformed, maxTokenSize)
	errSegments = fmt.Errorf("%w: %w: not three segments", ErrInvalidToken, jwt.ErrTokenMalformed)
	errForged   = fmt.Errorf("%w: %w", ErrInvalidToken, jwt.ErrTokenSignatureInvalid)
	// base64 decoding skips CR and LF, even strictly.
	errLineBreak = fmt.Errorf("%w: %w: line break", ErrInvalidToken, jwt.ErrTokenMalformed)
)

// strictB64 decodes signatures. Plain base64 ignores the unused low bits of
// the last character, so a signature would have several spellings that
// verify: each of them a different token string that is accepted.
var strictB64 = base64.RawURLEncoding.Strict()

// issuedClaims is what ProcessLogin signs.
type issuedClaims[U any] struct {
	jwt.RegisteredClaims
	User U `json:"usr"`
}

// parsedClaims is what the reference parser decodes; the user is decoded
// separately so that a token without it can be refused.
type parsedClaims struct {
	jwt.RegisteredClaims
	User json.RawMessage `json:"usr"`
}

// session is what a verified token leaves for the rest of the request:
// enough for Logout to revoke it. It is never modified once built.
type session struct {
	key     string // revokedPrefix + jti: the Storage key
	expires time.Time
}

// verified is what the reference parser found in an accepted token. Cached
// entries are shared by every request carrying that token and never
// modified.
type verified[U any] struct {
	user     U
	userJSON []byte // the usr claim, for types that are decoded per request
	session  *session
	from     time.Time // max(nbf, iat) - leeway: refused before
	until    time.Time // exp + leeway: refused from then on
}

// verifier holds what New prepares for verifying tokens.
type verifier[U any] struct {
	parser      *jwt.Parser
	keyFunc     jwt.Keyfunc
	header      []byte // the first segment of every token sign writes
	sigLen      int    // the length of a signature segment
	macs        sync.Pool
	userIsValue bool // U can be copied without sharing mutable state

	mu    sync.RWMutex
	cache map[string]*verified[U] // by MAC
}

// macState is a keyed HMAC with buffers for one verification.
type macState struct {
	h   hash.Hash
	mac [64]byte
	sig [64]byte
}

func (m *middleware[U]) initVerifier() {
	cfg := &m.cfg
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{cfg.Algorithm}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.TimeFunc),
		jwt.WithStrictDecoding(), // one spelling per signature: see strictB64
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v := &m.verifier
	v.parser = jwt.NewParser(opts...)
	key := cfg.SecretKey
	v.keyFunc = func(*jwt.Token) (any, error) { return key, nil }
	header, _ := jwt.New(m.method).SigningString()
	v.header = []byte(header[:strings.IndexByte(header, '.')])
	v.sigLen = base64.RawURLEncoding.EncodedLen(m.method.Hash.Size())
	v.macs.New = func() any { return &macState{h: hmac.New(m.method.Hash.New, key)} }
	v.userIsValue = isValueType(reflect.TypeOf((*U)(nil)).Elem(), 0)
	v.cache = make(map[string]*verified[U])
}

// sign returns a new signed token for user, identified by subject.
func (m *middleware[U]) sign(subject string, user U) (string, *session, error) {
	id, err := newTokenID()
	if err != nil {
		return "", nil, err
	}
	now := m.cfg.TimeFunc()
	claims := issuedClaims[U]{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    m.cfg.Issuer,
			Subject:   subject,
			ExpiresAt: jwt.NewNumericDate(now.Add(m.cfg.Expiration)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        id,
		},
		User: user,
	}
	if m.cfg.Audience != "" {
		claims.Audience = jwt.ClaimStrings{m.cfg.Audience}
	}
	token, err := jwt.NewWithClaims(m.method, claims).SignedString(m.cfg.SecretKey)
	if err != nil {
		return "", nil, fmt.Errorf("fiberjwt: signing token: %w", err)
	}
	return token, &session{key: revokedPrefix + id, expires: claims.ExpiresAt.Time}, nil
}

// newTokenID returns a random 128-bit token id, base64url-encoded.
func newTokenID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("fiberjwt: reading random token id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// verify checks token's shape, signature and claims (not its revocation)
// and returns a fresh user and the session. Every error wraps one of the
// package's sentinels. token is not retained.
func (m *middleware[U]) verify(token []byte) (U, *session, error) {
	var zero U
	switch {
	case len(token) == 0:
		return zero, nil, ErrNoToken
	case len(token) > maxTokenSize:
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
	if !bytes.Equal(token[:dot1], v.header) || len(token)-dot2-1 != v.sigLen {
		return m.parse(string(token), "")
	}

	st := v.macs.Get().(*macState)
	n, err := strictB64.Decode(st.sig[:], token[dot2+1:])
	if err != nil {
		v.macs.Put(st)
		return m.parse(string(token), "")
	}
	st.h.Reset()
	st.h.Write(token[:dot2])
	mac := st.h.Sum(st.mac[:0])
	if !hmac.Equal(mac, st.sig[:n]) {
		v.macs.Put(st)
		return zero, nil, errForged
	}
	v.mu.RLock()
	hit := v.cache[string(mac)]
	v.mu.RUnlock()
	if hit == nil {
		key := string(mac)
		v.macs.Put(st)
		return m.parse(string(token), key)
	}
	v.macs.Put(st)
	if now := m.cfg.TimeFunc(); now.Before(hit.from) || !now.Before(hit.until) {
		return m.parse(string(token), "") // the reference says why
	}
	if v.userIsValue {
		return hit.user, hit.session, nil
	}
	var user U
	if err := json.Unmarshal(hit.userJSON, &user); err != nil {
		return zero, nil, fmt.Errorf("%w: %s claim: %w", ErrInvalidToken, userClaim, err)
	}
	return user, hit.session, nil
}

// parse verifies token with the reference parser and decodes its user.
// When cacheKey is not empty and the token is accepted, the result is
// cached under it.
func (m *middleware[U]) parse(token, cacheKey string) (U, *session, error) {
	var zero U
	v := &m.verifier
	if strings.ContainsAny(token, "\r\n") {
		return zero, nil, errLineBreak
	}
	var claims parsedClaims
	t, err := v.parser.ParseWithClaims(token, &claims, v.keyFunc)
	if err != nil {
		return zero, nil, classify(err, &claims)
	}
	if _, ok := t.Header["crit"]; ok {
		return zero, nil, fmt.Errorf("%w: unsupported crit header", ErrInvalidToken)
	}
	if claims.ID == "" {
		return zero, nil, fmt.Errorf("%w: no jti claim", ErrInvalidToken)
	}
	if len(claims.User) == 0 || string(claims.User) == "null" {
		return zero, nil, fmt.Errorf("%w: no %s claim", ErrInvalidToken, userClaim)
	}
	var user U
	if err := json.Unmarshal(claims.User, &user); err != nil {
		return zero, nil, fmt.Errorf("%w: %s claim: %w", ErrInvalidToken, userClaim, err)
	}
	s := &session{key: revokedPrefix + claims.ID, expires: claims.ExpiresAt.Time}
	if cacheKey != "" {
		entry := &verified[U]{session: s, until: s.expires.Add(m.cfg.Leeway)}
		for _, d := range []*jwt.NumericDate{claims.NotBefore, claims.IssuedAt} {
			if d != nil && d.After(entry.from) {
				entry.from = d.Time
			}
		}
		entry.from = entry.from.Add(-m.cfg.Leeway)
		if v.userIsValue {
			entry.user = user
		} else {
			entry.userJSON = append([]byte(nil), claims.User...)
		}
		v.mu.Lock()
		if len(v.cache) >= maxCached {
			clear(v.cache)
		}
		v.cache[cacheKey] = entry
		v.mu.Unlock()
	}
	return user, s, nil
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

// isValueType reports whether a copy of a t shares no mutable memory with
// the original: no pointers, slices, maps, interfaces, channels or funcs.
func isValueType(t reflect.Type, depth int) bool {
	if depth > 16 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return isValueType(t.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if !isValueType(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

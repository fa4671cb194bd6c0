package fiberjwt

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenSize caps the token read from a cookie. Browsers store at most
// 4096 bytes per cookie, so nothing longer is one of ours; it is refused
// before any decoding or HMAC work.
const maxTokenSize = 4096

// userClaim is the claim that carries the user value.
const userClaim = "usr"

// issuedClaims is what ProcessLogin signs.
type issuedClaims[U any] struct {
	jwt.RegisteredClaims
	User U `json:"usr"`
}

// parsedClaims is what the middleware verifies; the user is decoded
// separately so that a token without it can be refused.
type parsedClaims struct {
	jwt.RegisteredClaims
	User json.RawMessage `json:"usr"`
}

// session is what a verified token leaves for the rest of the request:
// enough for Logout to revoke it.
type session struct {
	id      string // jti
	expires time.Time
}

// sign returns a new signed token for user, identified by subject.
func (m *middleware[U]) sign(subject string, user U) (string, *session, error) {
	id, err := newTokenID()
	if err != nil {
		return "", nil, err
	}
	now := m.cfg.TimeFunc()
	exp := now.Add(m.cfg.Expiration)
	claims := issuedClaims[U]{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    m.cfg.Issuer,
			Subject:   subject,
			ExpiresAt: jwt.NewNumericDate(exp),
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
	return token, &session{id: id, expires: claims.ExpiresAt.Time}, nil
}

// newTokenID returns a random 128-bit token id, base64url-encoded.
func newTokenID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("fiberjwt: reading random token id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// parse verifies token's signature and claims (not its revocation) and
// decodes its user. Every error wraps one of the package's sentinels.
func (m *middleware[U]) parse(token string) (U, *session, error) {
	var user U
	if token == "" {
		return user, nil, ErrNoToken
	}
	if len(token) > maxTokenSize {
		return user, nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxTokenSize)
	}
	var claims parsedClaims
	t, err := m.parser.ParseWithClaims(token, &claims, m.keyFunc)
	if err != nil {
		return user, nil, classify(err, &claims)
	}
	if _, ok := t.Header["crit"]; ok {
		return user, nil, fmt.Errorf("%w: unsupported crit header", ErrInvalidToken)
	}
	if claims.ID == "" {
		return user, nil, fmt.Errorf("%w: no jti claim", ErrInvalidToken)
	}
	if len(claims.User) == 0 || string(claims.User) == "null" {
		return user, nil, fmt.Errorf("%w: no %s claim", ErrInvalidToken, userClaim)
	}
	if err := json.Unmarshal(claims.User, &user); err != nil {
		return user, nil, fmt.Errorf("%w: %s claim: %w", ErrInvalidToken, userClaim, err)
	}
	return user, &session{id: claims.ID, expires: claims.ExpiresAt.Time}, nil
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

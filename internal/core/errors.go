package core

import "errors"

// The errors of fiberjwt. The adapters export them under the same names
// (the same values, so errors.Is matches across both) and document them.
var (
	ErrConfig             = errors.New("fiberjwt: invalid config")
	ErrNotMounted         = errors.New("fiberjwt: middleware not mounted on this route: call app.Use(fiberjwt.New(cfg)) before registering it")
	ErrInvalidCredentials = errors.New("fiberjwt: invalid credentials")
	ErrTokenTooLarge      = errors.New("fiberjwt: token too large for a cookie")
	ErrNoToken            = errors.New("fiberjwt: no token")
	ErrInvalidToken       = errors.New("fiberjwt: invalid token")
	ErrNoExpiry           = errors.New("fiberjwt: token has no expiry")
	ErrTokenExpired       = errors.New("fiberjwt: token expired")
	ErrTokenNotValidYet   = errors.New("fiberjwt: token not valid yet")
	ErrCSRF               = errors.New("fiberjwt: missing or wrong CSRF token")
	ErrRevoked            = errors.New("fiberjwt: token revoked")
	ErrStorage            = errors.New("fiberjwt: revocation storage failed")
	ErrKeysUnavailable    = errors.New("fiberjwt: signing keys unavailable")
	ErrThrottled          = errors.New("fiberjwt: too many failed logins")
)

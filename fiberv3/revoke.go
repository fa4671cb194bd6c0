package fiberjwt

import "time"

// Revocations is a list of revoked sessions: Config.Revocations, in place
// of the Storage-backed default. Logout records the session id of the
// token it revokes; the middleware asks about the session id of every
// verified token. An implementation that keeps the live revocations in
// memory, in sync with a shared store (as the nested module
// github.com/fiberjwt/fiberjwt/redisrevoke does with Redis), serves every
// request without a round trip.
type Revocations interface {
	// Revoke records the session id as revoked until until, when the last
	// token of the session that could still be accepted expires; the
	// record may be dropped afterwards. An error is returned by Logout
	// wrapped together with ErrStorage.
	Revoke(id string, until time.Time) error

	// IsRevoked reports whether the session id is revoked. An error means
	// that it cannot tell (its store is out of reach): the request is
	// refused with an error wrapping ErrStorage and it (fail closed). It
	// runs on every verified request, concurrently: keep it fast.
	IsRevoked(id string) (bool, error)
}

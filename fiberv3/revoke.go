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

// UserRevocations is a Revocations that can also revoke every session of a
// user at once: SignOutOtherDevices and SignOutEverywhere record one entry
// per user, and the middleware asks about the subject (sub claim, see
// Config.Subject) of every verified token of its own. The default
// Storage-backed list has it; a Config.Revocations without it makes those
// two functions fail with ErrConfig, and its tokens are never refused for
// it.
type UserRevocations interface {
	// RevokeUser records that every session of the user subject that
	// began (its auth_time) before before is revoked, except the session
	// keep ("" for none), until until, when the last token of those
	// sessions expires; the record may be dropped afterwards. A record
	// replaces the subject's earlier one only when its before is later.
	// An error is returned by the caller wrapped together with ErrStorage.
	RevokeUser(subject string, before time.Time, keep string, until time.Time) error

	// UserRevoked returns the subject's record: before is zero when there
	// is none (or it was dropped). An error means that it cannot tell: the
	// request is refused with an error wrapping ErrStorage (fail closed).
	// It runs on every verified request, concurrently: keep it fast.
	UserRevoked(subject string) (before time.Time, keep string, err error)
}

package fiberjwt

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

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

// revokedPrefix namespaces the keys this package writes to Config.Storage.
const revokedPrefix = "fiberjwt:revoked:"

var revokedValue = []byte{1}

// revoke records the session s as revoked for as long as one of its tokens
// can be accepted: until the latest exp a refresh may have given one (at
// most Expiration from now, and never past the session's MaxSessionAge),
// plus the leeway.
func (m *middleware[U]) revoke(s *session) error {
	now := m.cfg.TimeFunc()
	until := s.expires
	if !m.cfg.DisableRefresh && !s.authTime.IsZero() { // else never refreshed
		latest := now.Add(m.cfg.Expiration)
		if limit := s.authTime.Add(m.cfg.MaxSessionAge); latest.After(limit) {
			latest = limit
		}
		if latest.After(until) {
			until = latest
		}
	}
	until = until.Add(m.cfg.Leeway)
	ttl := until.Sub(now)
	if ttl <= 0 {
		return nil // already refused as expired
	}
	if r := m.cfg.Revocations; r != nil {
		if err := r.Revoke(s.id, until); err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
		return nil
	}
	// Round up: storages count whole seconds, and zero means "forever".
	ttl = ttl.Truncate(time.Second) + time.Second
	if err := m.cfg.Storage.Set(s.key, revokedValue, ttl); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}

// checkRevoked returns ErrRevoked when s was revoked, and an error wrapping
// ErrStorage when that cannot be told.
func (m *middleware[U]) checkRevoked(s *session) error {
	if r := m.cfg.Revocations; r != nil {
		switch revoked, err := r.IsRevoked(s.id); {
		case err != nil:
			return fmt.Errorf("%w: %w", ErrStorage, err)
		case revoked:
			return ErrRevoked
		}
		return nil
	}
	v, err := m.cfg.Storage.Get(s.key)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrStorage, err)
	case v != nil:
		return ErrRevoked
	}
	return nil
}

var errStorageFull = errors.New("in-memory revocation store is full: configure Config.Storage with a larger store")

// memoryStorage is the default Config.Storage: a bounded map whose entries
// expire. It implements fiber.Storage and is safe for concurrent use.
type memoryStorage struct {
	mu      sync.RWMutex
	entries map[string]memoryEntry
	max     int
	now     func() time.Time
}

type memoryEntry struct {
	value   []byte
	expires time.Time // zero: never
}

func newMemoryStorage(max int, now func() time.Time) *memoryStorage {
	return &memoryStorage{entries: make(map[string]memoryEntry), max: max, now: now}
}

func (e memoryEntry) live(now time.Time) bool {
	return e.expires.IsZero() || now.Before(e.expires)
}

// Get returns the value stored under key, or nil when there is none or it
// expired. The caller must not modify it.
func (s *memoryStorage) Get(key string) ([]byte, error) {
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	if !ok || !e.live(s.now()) {
		return nil, nil
	}
	return e.value, nil
}

// Set stores a copy of value under key for exp (0: forever). When the store
// is full it first drops expired entries, and fails if none expired.
func (s *memoryStorage) Set(key string, value []byte, exp time.Duration) error {
	now := s.now()
	e := memoryEntry{value: append([]byte(nil), value...)}
	if exp > 0 {
		e.expires = now.Add(exp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[key]; !ok && len(s.entries) >= s.max {
		for k, old := range s.entries {
			if !old.live(now) {
				delete(s.entries, k)
			}
		}
		if len(s.entries) >= s.max {
			return errStorageFull
		}
	}
	s.entries[key] = e
	return nil
}

// Delete removes key.
func (s *memoryStorage) Delete(key string) error {
	s.mu.Lock()
	delete(s.entries, key)
	s.mu.Unlock()
	return nil
}

// Reset removes every entry.
func (s *memoryStorage) Reset() error {
	s.mu.Lock()
	clear(s.entries)
	s.mu.Unlock()
	return nil
}

// Close does nothing; the store lives as long as the middleware.
func (s *memoryStorage) Close() error { return nil }

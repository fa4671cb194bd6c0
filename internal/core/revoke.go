package core

import (
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Revocations is the adapters' Revocations interface, whose
// documentation is the reference.
type Revocations interface {
	Revoke(id string, until time.Time) error
	IsRevoked(id string) (bool, error)
}

// UserRevocations is the adapters' UserRevocations interface, whose
// documentation is the reference.
type UserRevocations interface {
	RevokeUser(subject string, before time.Time, keep string, until time.Time) error
	UserRevoked(subject string) (before time.Time, keep string, err error)
}

// revokedPrefix namespaces the keys this package writes to Config.Storage.
const revokedPrefix = "fiberjwt:revoked:"

var revokedValue = []byte{1}

// revoke records the session s as revoked for as long as one of its tokens
// can be accepted: until the latest exp a refresh may have given one (at
// most Expiration from now, and never past the session's MaxSessionAge),
// plus the leeway.
func (m *middleware[U, C]) revoke(c C, s *session) error {
	now := m.cfg.TimeFunc()
	until := s.expires
	if !m.cfg.DisableRefresh && !s.authTime.IsZero() { // else never refreshed
		latest := now.Add(m.cfg.Expiration)
		if limit := s.authTime.Add(m.maxAge(s.browser)); latest.After(limit) {
			latest = limit
		}
		if latest.After(until) {
			until = latest
		}
	}
	until = until.Add(m.cfg.Leeway)
	ttl := until.Sub(now)
	if ttl <= 0 || s.id == "" {
		return nil // already refused as expired, or a foreign token without jti
	}
	if r := m.cfg.Revocations; r != nil {
		if err := r.Revoke(s.id, until); err != nil {
			return fmt.Errorf("%w: %w", ErrStorage, err)
		}
		return nil
	}
	if err := m.set(c, m.revocations(), s.key, revokedValue, ttl); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}

// revocations is Config.Storage, with its context methods when it has
// them.
func (m *middleware[U, C]) revocations() store {
	return store{Storage: m.cfg.Storage, ctx: m.cfg.contextStorage}
}

// checkRevoked returns ErrRevoked when s was revoked, and an error wrapping
// ErrStorage when that cannot be told.
func (m *middleware[U, C]) checkRevoked(c C, s *session) error {
	if s.id == "" {
		return nil // a foreign token without jti: it cannot be revoked
	}
	if r := m.cfg.Revocations; r != nil {
		switch revoked, err := r.IsRevoked(s.id); {
		case err != nil:
			return fmt.Errorf("%w: %w", ErrStorage, err)
		case revoked:
			return ErrRevoked
		}
		return nil
	}
	v, err := m.get(c, m.revocations(), s.key)
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
// expire, in shards with a lock each, so that the revocation check of
// concurrent requests does not queue on one lock. It implements
// Storage and is safe for concurrent use.
type memoryStorage struct {
	seed   maphash.Seed
	shards [memoryShards]memoryShard
	count  atomic.Int64 // entries in all shards
	max    int64
	now    func() time.Time
}

const memoryShards = 32

type memoryShard struct {
	mu      sync.RWMutex
	entries map[string]memoryEntry
	_       [64]byte // keep shards' locks on their own cache lines
}

type memoryEntry struct {
	value   []byte
	expires time.Time // zero: never
}

func newMemoryStorage(max int, now func() time.Time) *memoryStorage {
	s := &memoryStorage{seed: maphash.MakeSeed(), max: int64(max), now: now}
	for i := range s.shards {
		s.shards[i].entries = make(map[string]memoryEntry)
	}
	return s
}

func (s *memoryStorage) shard(key string) *memoryShard {
	return &s.shards[maphash.String(s.seed, key)%memoryShards]
}

func (e memoryEntry) live(now time.Time) bool {
	return e.expires.IsZero() || now.Before(e.expires)
}

// empty reports whether s is the default store and holds nothing: no
// session or user was revoked. s may be nil.
func (s *memoryStorage) empty() bool {
	return s != nil && s.count.Load() == 0
}

// Get returns the value stored under key, or nil when there is none or it
// expired. The caller must not modify it.
func (s *memoryStorage) Get(key string) ([]byte, error) {
	if s.count.Load() == 0 {
		return nil, nil
	}
	sh := s.shard(key)
	sh.mu.RLock()
	e, ok := sh.entries[key]
	sh.mu.RUnlock()
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
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.entries[key]; !ok && !s.reserve() {
		sh.mu.Unlock()
		s.dropExpired(now)
		sh.mu.Lock()
		if _, ok := sh.entries[key]; !ok && !s.reserve() {
			return errStorageFull
		}
	}
	sh.entries[key] = e
	return nil
}

// reserve counts one more entry, unless the store is full.
func (s *memoryStorage) reserve() bool {
	if s.count.Add(1) > s.max {
		s.count.Add(-1)
		return false
	}
	return true
}

// dropExpired removes the expired entries of every shard.
func (s *memoryStorage) dropExpired(now time.Time) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.entries {
			if !e.live(now) {
				delete(sh.entries, k)
				s.count.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
}

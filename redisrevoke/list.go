package redisrevoke

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is returned by IsRevoked while the list is not in sync
// with Redis: before the first load, and from FailAfter after Redis last
// answered until it answers again and the list is reloaded. The middleware
// then refuses the request with fiberjwt.ErrStorage (503 by default).
var ErrUnavailable = errors.New("redisrevoke: not in sync with Redis")

// Options configures a List. A zero field means its default.
type Options struct {
	// Key is the Redis key of the sorted set of revoked session ids, each
	// scored by the Unix time in milliseconds until which it is revoked,
	// and the name of the Pub/Sub channel that announces revocations.
	//
	// Optional. Default: "fiberjwt:revocations".
	Key string

	// FailAfter is how long the list keeps answering after Redis last
	// answered: past it, IsRevoked fails (fail closed) until the list is
	// connected and reloaded. A connection that breaks fails sooner: at
	// once, or after go-redis's own quick redials (tens of milliseconds).
	//
	// Optional. Default: one second. At least 100 milliseconds.
	FailAfter time.Duration

	// Timeout bounds each Redis command of Revoke and of a reload.
	//
	// Optional. Default: FailAfter.
	Timeout time.Duration
}

// List is a list of revoked sessions kept in Redis and replicated in the
// memory of every instance that uses it: it implements
// fiberjwt.Revocations for Config.Revocations.
//
// IsRevoked reads the local replica only, so a verified request costs no
// round trip. Revoke writes to Redis (the sorted set, then a Pub/Sub
// message) and to the local replica. Every List subscribes to the channel
// and adds what it announces; after every (re)connection it subscribes
// first and then reloads the whole set, so that a revocation made while it
// was cut off is never lost. Entries expire with their sessions, in Redis
// and in memory.
//
// A List is safe for concurrent use. Close it when done.
type List struct {
	client    redis.UniversalClient
	key       string
	failAfter time.Duration
	timeout   time.Duration

	mu      sync.RWMutex
	revoked map[string]int64 // session id -> revoked until, Unix ms

	// healthyUntil is the Unix time in nanoseconds until which the replica
	// counts as in sync: FailAfter after Redis last answered.
	healthyUntil atomic.Int64
	synced       chan struct{} // closed after the first load
	syncOnce     sync.Once

	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a List over client and starts keeping it in sync in the
// background. Until the first load from Redis is done, IsRevoked fails with
// ErrUnavailable, so an instance never accepts a token before it knows
// every live revocation; Ready waits for that load.
func New(client redis.UniversalClient, opts Options) (*List, error) {
	if client == nil {
		return nil, errors.New("redisrevoke: New needs a Redis client")
	}
	if opts.Key == "" {
		opts.Key = "fiberjwt:revocations"
	}
	switch {
	case opts.FailAfter == 0:
		opts.FailAfter = time.Second
	case opts.FailAfter < 100*time.Millisecond:
		return nil, fmt.Errorf("redisrevoke: FailAfter %v is too short: use at least 100ms (default 1s)", opts.FailAfter)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = opts.FailAfter
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &List{
		client:    client,
		key:       opts.Key,
		failAfter: opts.FailAfter,
		timeout:   opts.Timeout,
		revoked:   make(map[string]int64),
		synced:    make(chan struct{}),
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	go l.run(ctx)
	return l, nil
}

// Ready waits until the list has loaded the revocations from Redis once, or
// ctx ends.
func (l *List) Ready(ctx context.Context) error {
	select {
	case <-l.synced:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisrevoke: waiting for the first load from Redis: %w", ctx.Err())
	}
}

// Close stops keeping the list in sync; IsRevoked fails from then on. It
// does not close the client.
func (l *List) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// IsRevoked reports whether the session id is revoked, from the local
// replica. It fails with ErrUnavailable when the replica is not in sync.
func (l *List) IsRevoked(id string) (bool, error) {
	now := time.Now()
	if now.UnixNano() >= l.healthyUntil.Load() {
		return false, ErrUnavailable
	}
	l.mu.RLock()
	until, ok := l.revoked[id]
	l.mu.RUnlock()
	return ok && now.UnixMilli() < until, nil
}

// Revoke records the session id as revoked until until: in the local
// replica at once, then in Redis, announced to the other instances.
func (l *List) Revoke(id string, until time.Time) error {
	ms := until.UnixMilli()
	l.add(id, ms)
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	_, err := l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddGT(ctx, l.key, redis.Z{Score: float64(ms), Member: id})
		p.ZRemRangeByScore(ctx, l.key, "-inf", "("+strconv.FormatInt(time.Now().UnixMilli(), 10))
		// The set lives as long as its last entry: NX gives a new set an
		// expiry, GT pushes it back.
		p.Do(ctx, "PEXPIREAT", l.key, ms, "NX")
		p.Do(ctx, "PEXPIREAT", l.key, ms, "GT")
		p.Publish(ctx, l.key, strconv.FormatInt(ms, 10)+" "+id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisrevoke: revoking in Redis: %w", err)
	}
	return nil
}

// add records id as revoked until ms (Unix milliseconds) in the replica.
func (l *List) add(id string, ms int64) {
	l.mu.Lock()
	if ms > l.revoked[id] {
		l.revoked[id] = ms
	}
	l.mu.Unlock()
}

// healthy marks the replica in sync for FailAfter from now.
func (l *List) healthy() {
	l.healthyUntil.Store(time.Now().Add(l.failAfter).UnixNano())
}

// run keeps the replica in sync until ctx ends, reconnecting with a
// backoff after each failure.
func (l *List) run(ctx context.Context) {
	defer close(l.done)
	defer l.healthyUntil.Store(0)
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		if l.follow(ctx) {
			backoff = 10 * time.Millisecond // it was in sync: retry soon
		}
		l.healthyUntil.Store(0) // a broken connection fails closed at once
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, l.failAfter/2)
	}
}

// follow subscribes to the channel, loads the whole set and then applies
// what the channel announces, pinging Redis when it is quiet, until the
// connection fails or ctx ends. It reports whether the load succeeded.
func (l *List) follow(ctx context.Context) (synced bool) {
	ps := l.client.Subscribe(ctx)
	defer ps.Close()
	// Subscribe first, then load: whatever is revoked after the load
	// started arrives on the channel.
	if err := ps.Subscribe(ctx, l.key); err != nil {
		return false
	}
	if _, err := ps.ReceiveTimeout(ctx, l.timeout); err != nil { // the confirmation
		return false
	}
	if err := l.load(ctx); err != nil {
		return false
	}
	l.healthy()
	l.syncOnce.Do(func() { close(l.synced) })

	// Ping four times per FailAfter; each answer keeps the replica healthy.
	// A connection that stays silent for FailAfter (cut without a reset)
	// is given up and made anew.
	quiet := l.failAfter / 4
	lastAnswer, lastSweep := time.Now(), time.Now()
	for {
		msg, err := ps.ReceiveTimeout(ctx, quiet)
		switch m := msg.(type) {
		case *redis.Message:
			if ms, id, ok := parse(m.Payload); ok {
				l.add(id, ms)
			}
			l.healthy()
			lastAnswer = time.Now()
		case *redis.Pong:
			l.healthy()
			lastAnswer = time.Now()
		case *redis.Subscription:
			// go-redis subscribed again by itself, on a new connection:
			// what was published meanwhile is lost to the channel, so
			// start over and reload.
			return true
		}
		if err != nil {
			var timeout interface{ Timeout() bool }
			if !errors.As(err, &timeout) || !timeout.Timeout() || ctx.Err() != nil ||
				time.Since(lastAnswer) >= l.failAfter {
				return true
			}
			if err := ps.Ping(ctx); err != nil {
				return true
			}
		}
		if time.Since(lastSweep) > time.Minute {
			l.sweep()
			lastSweep = time.Now()
		}
	}
}

// load adds every live revocation in Redis to the replica and drops the
// expired ones.
func (l *List) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	now := time.Now().UnixMilli()
	entries, err := l.client.ZRangeByScoreWithScores(ctx, l.key, &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(now, 10), Max: "+inf",
	}).Result()
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, z := range entries {
		id, ok := z.Member.(string)
		if ms := int64(z.Score); ok && ms > l.revoked[id] {
			l.revoked[id] = ms
		}
	}
	l.sweepLocked(now)
	return nil
}

// sweep drops the expired entries of the replica.
func (l *List) sweep() {
	l.mu.Lock()
	l.sweepLocked(time.Now().UnixMilli())
	l.mu.Unlock()
}

func (l *List) sweepLocked(now int64) {
	for id, until := range l.revoked {
		if until <= now {
			delete(l.revoked, id)
		}
	}
}

// parse reads a channel message: "<until, Unix ms> <session id>".
func parse(payload string) (ms int64, id string, ok bool) {
	num, id, ok := strings.Cut(payload, " ")
	if !ok || id == "" {
		return 0, "", false
	}
	ms, err := strconv.ParseInt(num, 10, 64)
	return ms, id, err == nil
}

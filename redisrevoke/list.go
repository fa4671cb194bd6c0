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

// ErrUnavailable is returned by IsRevoked and UserRevoked while the list is
// not in sync with Redis: before the first load, and from FailAfter after
// Redis last answered until it answers again and the list is reloaded. The
// middleware then refuses the request with fiberjwt.ErrStorage (503 by
// default).
var ErrUnavailable = errors.New("redisrevoke: not in sync with Redis")

// ErrNotReplicated is returned, wrapped, by Revoke and RevokeUser when the
// Redis master took the revocation but fewer replicas than
// Options.Replicas acknowledged it within Options.Timeout: a failover now
// could promote a replica without it, and instances would then accept the
// session again. The local replica has it, and Redis may still pass it
// on; fiberjwt's Logout returns it wrapped together with ErrStorage, so
// that the app can tell the user that the logout is not certain.
var ErrNotReplicated = errors.New("redisrevoke: the revocation did not reach the replicas in time")

// Options configures a List. A zero field means its default.
type Options struct {
	// Key is the Redis key of the sorted set of revoked session ids, each
	// scored by the Unix time in milliseconds until which it is revoked,
	// and the name of the Pub/Sub channel that announces revocations.
	// The users' revocations are kept in a second sorted set, Key
	// followed by ":users", and announced on the same channel.
	//
	// Optional. Default: "fiberjwt:revocations".
	Key string

	// FailAfter is how long the list keeps answering after Redis last
	// answered: past it, IsRevoked and UserRevoked fail (fail closed)
	// until the list is connected and reloaded. A connection that breaks
	// fails sooner: at once, or after go-redis's own quick redials (tens
	// of milliseconds).
	//
	// Optional. Default: one second. At least 100 milliseconds.
	FailAfter time.Duration

	// Timeout bounds each call of Revoke and RevokeUser, from the call to
	// its return, whatever Redis does (a stalled server, a failover, the
	// wait for the replicas), and each Redis command of a reload. A call
	// that runs out of it returns an error; the write may still reach
	// Redis afterwards.
	//
	// Optional. Default: FailAfter.
	Timeout time.Duration

	// Replicas is how many replicas of the Redis master must have a
	// revocation before Revoke and RevokeUser report success: after the
	// write they send WAIT on the same connection, bounded by what is left
	// of Timeout, and fail with ErrNotReplicated when fewer replicas
	// acknowledge it (WAIT's timeout is Timeout less up to 150ms, for
	// Redis's answer). A confirmed logout then survives a failover to one
	// of those replicas. The price: a logout waits for a replica's
	// acknowledgement (a round trip to it, well under a millisecond on a
	// local network), and fails while no replica answers in time. Negative:
	// never wait (a failover may then lose a confirmed logout).
	//
	// Optional. Default: 1 when the master has a replica connected at the
	// time of the write, none when it has none (a single server, whose
	// failure loses nothing that a failover could).
	Replicas int
}

// List is a list of revoked sessions, and of users whose sessions are
// revoked all at once, kept in Redis and replicated in the memory of every
// instance that uses it: it implements fiberjwt.Revocations and
// fiberjwt.UserRevocations for Config.Revocations, so that
// SignOutOtherDevices and SignOutEverywhere work with it too.
//
// IsRevoked and UserRevoked read the local replica only, so a verified
// request costs no round trip. Revoke and RevokeUser write to the local
// replica and to Redis (a sorted set, then a Pub/Sub message). Every List
// subscribes to the channel and adds what it announces; after every
// (re)connection it subscribes first and then reloads both sets, so that a
// revocation made while it was cut off is never lost. Entries expire with
// the sessions they revoke, in Redis and in memory.
//
// A List is safe for concurrent use. Close it when done.
type List struct {
	client    redis.UniversalClient
	key       string // the sessions' set, and the channel
	usersKey  string // the users' set
	failAfter time.Duration
	timeout   time.Duration
	replicas  int              // Options.Replicas: 0 for the default, negative for none
	now       func() time.Time // the clock; time.Now but in tests

	mu      sync.RWMutex
	revoked map[string]int64      // session id -> revoked until, Unix ms
	users   map[string]userRecord // subject -> its latest revocation

	// inSync tells the requests whether the replica counts as in sync:
	// until FailAfter after Redis last answered (healthyUntil, Unix ns),
	// and not once the connection failed. A timer (stale) clears it when
	// that time passes, so that a request reads a flag, not the clock,
	// which costs 90 ns on a loaded virtual machine, twice per request.
	inSync       atomic.Bool
	syncMu       sync.Mutex // orders the changes of these three
	healthyUntil int64
	stale        *time.Timer
	synced       chan struct{} // closed after the first load
	syncOnce     sync.Once

	cancel context.CancelFunc
	done   chan struct{}
}

// userRecord is a user's revocation: every session begun before before
// but keep ("" for none) is revoked until until. Times are Unix ms.
type userRecord struct {
	before, until int64
	keep          string
}

// noKeep stands for keep "" in the users' set and its announcements:
// session ids are base64url, never "-".
const noKeep = "-"

// userPrefix starts the announcement of a user's revocation, which a
// version that knows only sessions' revocations cannot read and ignores.
const userPrefix = "u "

// member returns the users' set member of subject's revocation r:
// "<before> <keep, or -> <subject>", the subject last since it may hold
// spaces. The score, r.until, is not part of it.
func (r userRecord) member(subject string) string {
	keep := r.keep
	if keep == "" {
		keep = noKeep
	}
	return strconv.FormatInt(r.before, 10) + " " + keep + " " + subject
}

// New returns a List over client and starts keeping it in sync in the
// background. Until the first load from Redis is done, IsRevoked and
// UserRevoked fail with ErrUnavailable, so an instance never accepts a
// token before it knows every live revocation; Ready waits for that load.
//
// client is a *redis.Client (one server, or Sentinel's
// redis.NewFailoverClient) or a *redis.ClusterClient (Redis Cluster, or
// redis.NewFailoverClusterClient): what redis.NewUniversalClient returns.
// A cluster client built with ReadOnly (or RouteByLatency, RouteRandomly)
// subscribes on a replica of the set's shard, where it reads, and loads
// from the master.
func New(client redis.UniversalClient, opts Options) (*List, error) {
	return newList(client, opts, time.Now)
}

func newList(client redis.UniversalClient, opts Options, now func() time.Time) (*List, error) {
	switch client.(type) {
	case nil:
		return nil, errors.New("redisrevoke: New needs a Redis client")
	case *redis.Client, *redis.ClusterClient:
	default:
		return nil, fmt.Errorf("redisrevoke: New needs a *redis.Client (one server, or Sentinel's NewFailoverClient) or a *redis.ClusterClient, not a %T", client)
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
		usersKey:  opts.Key + ":users",
		failAfter: opts.FailAfter,
		timeout:   opts.Timeout,
		replicas:  opts.Replicas,
		now:       now,
		revoked:   make(map[string]int64),
		users:     make(map[string]userRecord),
		synced:    make(chan struct{}),
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	l.stale = time.AfterFunc(opts.FailAfter, l.expire)
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

// Close stops keeping the list in sync; IsRevoked and UserRevoked fail
// from then on. It does not close the client.
func (l *List) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// IsRevoked reports whether the session id is revoked, from the local
// replica. It fails with ErrUnavailable when the replica is not in sync.
func (l *List) IsRevoked(id string) (bool, error) {
	if !l.inSync.Load() {
		return false, ErrUnavailable
	}
	l.mu.RLock()
	until, ok := l.revoked[id]
	l.mu.RUnlock()
	return ok && l.now().UnixMilli() < until, nil
}

// Revoke records the session id as revoked until until: in the local
// replica at once, then in Redis, announced to the other instances. It
// returns once Redis has it and, when Redis has replicas, once
// Options.Replicas of them acknowledged it (else an error wrapping
// ErrNotReplicated), and within Options.Timeout in any case.
func (l *List) Revoke(id string, until time.Time) error {
	ms := until.UnixMilli()
	l.add(id, ms)
	// Drop what expired, by Redis's clock: score < now, as in the replica.
	if err := l.write(l.key, id, ms, strconv.FormatInt(ms, 10)+" "+id, "("); err != nil {
		return fmt.Errorf("redisrevoke: revoking in Redis: %w", err)
	}
	return nil
}

// UserRevoked returns the user subject's revocation from the local
// replica: every session begun before before, but the session keep ("" for
// none), is revoked. before is zero when there is none, or it expired. It
// fails with ErrUnavailable when the replica is not in sync.
func (l *List) UserRevoked(subject string) (before time.Time, keep string, err error) {
	if !l.inSync.Load() {
		return time.Time{}, "", ErrUnavailable
	}
	l.mu.RLock()
	r, ok := l.users[subject]
	l.mu.RUnlock()
	if !ok || l.now().UnixMilli() >= r.until {
		return time.Time{}, "", nil
	}
	return time.UnixMilli(r.before), r.keep, nil
}

// RevokeUser records that every session of the user subject begun before
// before (to the millisecond), but the session keep ("" for none), is
// revoked until until: in the local replica at once, then in Redis,
// announced to the other instances. The record replaces the subject's
// earlier one only when its before is later. keep is a session id as
// fiberjwt issues them: one that holds a space, or is "-", is refused.
func (l *List) RevokeUser(subject string, before time.Time, keep string, until time.Time) error {
	if keep == noKeep || strings.Contains(keep, " ") {
		return fmt.Errorf("redisrevoke: RevokeUser cannot keep the session %q: a session id has no space and is not %q", keep, noKeep)
	}
	r := userRecord{before: before.UnixMilli(), until: until.UnixMilli(), keep: keep}
	l.addUser(subject, r)
	member := r.member(subject)
	// Drop what expired, by Redis's clock: until <= now, as in the replica.
	if err := l.write(l.usersKey, member, r.until, userPrefix+strconv.FormatInt(r.until, 10)+" "+member, ""); err != nil {
		return fmt.Errorf("redisrevoke: revoking a user in Redis: %w", err)
	}
	return nil
}

// writeScript adds ARGV[2] to the sorted set KEYS[1] with the score ARGV[1]
// (GT: a later one is kept), drops the entries that expired by Redis's
// own clock (score below TIME; ARGV[5] is "(" to keep those that expire
// this very millisecond, "" to drop them too), makes the set expire with
// its last entry (NX gives a new set an expiry, GT pushes it back),
// announces ARGV[4] on the channel ARGV[3], and returns how many replicas
// the master has connected. Redis's clock, not the caller's, decides what
// expired: an instance whose clock runs ahead would drop revocations that
// are still live for the others.
var writeScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5] .. now)
redis.call('PEXPIREAT', KEYS[1], ARGV[1], 'NX')
redis.call('PEXPIREAT', KEYS[1], ARGV[1], 'GT')
redis.call('PUBLISH', ARGV[3], ARGV[4])
local replicas = string.match(redis.call('INFO', 'replication'), 'connected_slaves:(%d+)')
return tonumber(replicas) or 0
`)

// write runs writeScript on the master of key, waits for the replicas as
// Options.Replicas says, and returns within Options.Timeout whatever Redis
// does: go-redis bounds a command by its own ReadTimeout, not by the
// context, unless the client was built with ContextTimeoutEnabled.
func (l *List) write(key, member string, until int64, message, keepNow string) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- l.writeRetrying(ctx, key, member, until, message, keepNow)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // finished as time ran out
			return err
		default:
		}
		return fmt.Errorf("no answer within Options.Timeout (%v): %w", l.timeout, ctx.Err())
	}
}

// writeRetrying is write until ctx ends. A cluster client's slot map may
// still name a master that died or was demoted: it is reloaded and the
// write tried again (writeScript can run twice: it is idempotent).
func (l *List) writeRetrying(ctx context.Context, key, member string, until int64, message, keepNow string) error {
	cluster, isCluster := l.client.(*redis.ClusterClient)
	for {
		err := l.writeOnce(ctx, key, member, until, message, keepNow)
		if err == nil || !isCluster || errors.Is(err, ErrNotReplicated) {
			return err
		}
		l.reloadSlots(ctx, cluster)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// reloadSlots reloads c's slot map from the first node that answers
// CLUSTER SLOTS, waiting at most a tenth of FailAfter: go-redis spends up
// to half a second redialling a dead node, and it may try that one first.
// ClusterClient.ReloadState would reload in the background, at most once
// per 200 milliseconds and without a bound.
func (l *List) reloadSlots(ctx context.Context, c *redis.ClusterClient) {
	ctx, cancel := context.WithTimeout(ctx, l.failAfter/10)
	defer cancel()
	// ForEachMaster reloads the map before it calls the function, which
	// does nothing.
	_ = c.ForEachMaster(ctx, func(context.Context, *redis.Client) error { return nil })
}

func (l *List) writeOnce(ctx context.Context, key, member string, until int64, message, keepNow string) error {
	master, err := l.master(ctx, key)
	if err != nil {
		return err
	}
	// One connection for both: WAIT waits for this connection's writes.
	conn := master.Conn()
	defer conn.Close()
	connected, err := writeScript.Run(ctx, conn, []string{key}, until, member, l.key, message, keepNow).Int64()
	if err != nil {
		return err
	}
	want := int64(l.replicas)
	if want == 0 {
		want = min(connected, 1)
	}
	if want <= 0 {
		return nil
	}
	// Redis checks WAIT's timeout in its event loop, up to 1/hz (100ms by
	// default) late: leave that much of Timeout for the answer.
	left := time.Millisecond // WAIT 0 would wait for ever
	if deadline, ok := ctx.Deadline(); ok {
		remaining := time.Until(deadline)
		left = max(left, remaining-min(150*time.Millisecond, remaining/2))
	}
	acked, err := conn.Wait(ctx, int(want), left).Result()
	if err != nil {
		return fmt.Errorf("waiting for %d replicas: %w", want, err)
	}
	if acked < want {
		return fmt.Errorf("%w: %d of %d replicas acknowledged it within %v (%d connected)",
			ErrNotReplicated, acked, want, left.Round(time.Millisecond), connected)
	}
	return nil
}

// master returns a client of the master that holds key: the client itself
// for one server or Sentinel, the node from the cluster's slot map.
func (l *List) master(ctx context.Context, key string) (*redis.Client, error) {
	if c, ok := l.client.(*redis.ClusterClient); ok {
		return c.MasterForKey(ctx, key)
	}
	return l.client.(*redis.Client), nil
}

// subscriber returns the client to subscribe with: a cluster client's node
// that holds the sessions' set, a replica of it when the client reads from
// replicas (ReadOnly), so that the instances' subscriptions and the
// messages sent to them are spread over the replicas.
func (l *List) subscriber(ctx context.Context) (*redis.Client, error) {
	c, ok := l.client.(*redis.ClusterClient)
	if !ok {
		return l.client.(*redis.Client), nil
	}
	if c.Options().ReadOnly { // RouteByLatency and RouteRandomly set it too
		return c.SlaveForKey(ctx, l.key)
	}
	return c.MasterForKey(ctx, l.key)
}

// add records id as revoked until ms (Unix milliseconds) in the replica.
func (l *List) add(id string, ms int64) {
	l.mu.Lock()
	if ms > l.revoked[id] {
		l.revoked[id] = ms
	}
	l.mu.Unlock()
}

// addUser records subject's revocation r in the replica, unless it keeps
// a live one begun later.
func (l *List) addUser(subject string, r userRecord) {
	now := l.now().UnixMilli()
	l.mu.Lock()
	l.addUserLocked(subject, r, now)
	l.mu.Unlock()
}

func (l *List) addUserLocked(subject string, r userRecord, now int64) {
	if r.until <= now {
		return // expired
	}
	cur, ok := l.users[subject]
	switch {
	case !ok || cur.until <= now || r.before > cur.before:
		l.users[subject] = r
	case r.before == cur.before && r.keep == cur.keep && r.until > cur.until:
		// The same record, revoked for longer (as ZADD GT keeps it).
		cur.until = r.until
		l.users[subject] = cur
	}
}

// healthy marks the replica in sync for FailAfter from now.
func (l *List) healthy() {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.healthyUntil = time.Now().Add(l.failAfter).UnixNano()
	l.inSync.Store(true)
	l.stale.Reset(l.failAfter)
}

// unhealthy marks the replica out of sync at once.
func (l *List) unhealthy() {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.healthyUntil = 0
	l.inSync.Store(false)
}

// expire, run by the stale timer, marks the replica out of sync unless
// Redis answered again meanwhile.
func (l *List) expire() {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if time.Now().UnixNano() >= l.healthyUntil {
		l.inSync.Store(false)
	}
}

// run keeps the replica in sync until ctx ends, reconnecting with a
// backoff after each failure.
func (l *List) run(ctx context.Context) {
	defer close(l.done)
	defer l.stale.Stop()
	defer l.unhealthy()
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		if l.follow(ctx) {
			backoff = 10 * time.Millisecond // it was in sync: retry soon
		}
		l.unhealthy() // a broken connection fails closed at once
		maxBackoff := l.failAfter / 4
		if c, ok := l.client.(*redis.ClusterClient); ok {
			// The node may have died or been demoted, a replica promoted
			// in its place: reload the slot map now, which go-redis does
			// by itself only every ten seconds, and try again sooner.
			l.reloadSlots(ctx, c)
			maxBackoff = l.failAfter / 10
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		// Once a failover has promoted a replica, the next attempt finds
		// it that much later at worst.
		backoff = min(2*backoff, maxBackoff)
	}
}

// follow subscribes to the channel, loads both sets and then applies what
// the channel announces, pinging Redis when it is quiet, until the
// connection fails or ctx ends. It reports whether the load succeeded.
func (l *List) follow(ctx context.Context) (synced bool) {
	sub, err := l.subscriber(ctx)
	if err != nil {
		return false
	}
	ps := sub.Subscribe(ctx)
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
			l.apply(m.Payload)
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

// apply adds what a channel message announces to the replica. It ignores
// a message it cannot read (one of a newer version).
func (l *List) apply(payload string) {
	if rest, ok := strings.CutPrefix(payload, userPrefix); ok {
		if subject, r, ok := parseUser(rest); ok {
			l.addUser(subject, r)
		}
		return
	}
	if ms, id, ok := parse(payload); ok {
		l.add(id, ms)
	}
}

// load adds every live revocation in Redis, of sessions and of users, to
// the replica and drops the expired ones. It reads from the masters, even
// for a client that reads from replicas: a replica may lag behind the
// messages that reached the subscription (in a cluster, PUBLISH travels on
// the cluster bus, not with the replication stream).
func (l *List) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	now := l.now().UnixMilli()
	live := &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now, 10), Max: "+inf"}
	var sets [2][]redis.Z
	for i, key := range []string{l.key, l.usersKey} {
		master, err := l.master(ctx, key)
		if err != nil {
			return err
		}
		if sets[i], err = master.ZRangeByScoreWithScores(ctx, key, live).Result(); err != nil {
			return err
		}
	}
	sessions, users := sets[0], sets[1]
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, z := range sessions {
		id, ok := z.Member.(string)
		if ms := int64(z.Score); ok && ms > l.revoked[id] {
			l.revoked[id] = ms
		}
	}
	for _, z := range users {
		member, _ := z.Member.(string)
		if subject, r, ok := parseMember(member); ok {
			r.until = int64(z.Score)
			l.addUserLocked(subject, r, now)
		}
	}
	l.sweepLocked(now)
	return nil
}

// sweep drops the expired entries of the replica.
func (l *List) sweep() {
	l.mu.Lock()
	l.sweepLocked(l.now().UnixMilli())
	l.mu.Unlock()
}

func (l *List) sweepLocked(now int64) {
	for id, until := range l.revoked {
		if until <= now {
			delete(l.revoked, id)
		}
	}
	for subject, r := range l.users {
		if r.until <= now {
			delete(l.users, subject)
		}
	}
}

// parse reads a channel message of a session's revocation: "<until, Unix
// ms> <session id>".
func parse(payload string) (ms int64, id string, ok bool) {
	num, id, ok := strings.Cut(payload, " ")
	if !ok || id == "" {
		return 0, "", false
	}
	ms, err := strconv.ParseInt(num, 10, 64)
	return ms, id, err == nil
}

// parseUser reads a channel message of a user's revocation, after its
// prefix "u ": "<until, Unix ms> <member of the users' set>".
func parseUser(payload string) (subject string, r userRecord, ok bool) {
	num, member, ok := strings.Cut(payload, " ")
	if !ok {
		return "", userRecord{}, false
	}
	until, err := strconv.ParseInt(num, 10, 64)
	if subject, r, ok = parseMember(member); !ok || err != nil {
		return "", userRecord{}, false
	}
	r.until = until
	return subject, r, true
}

// parseMember reads a member of the users' set (see userRecord.member);
// the record's until is its score, not set here.
func parseMember(member string) (subject string, r userRecord, ok bool) {
	num, rest, ok := strings.Cut(member, " ")
	if !ok {
		return "", userRecord{}, false
	}
	keep, subject, ok := strings.Cut(rest, " ")
	before, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || keep == "" {
		return "", userRecord{}, false
	}
	if keep == noKeep {
		keep = ""
	}
	return subject, userRecord{before: before, keep: keep}, true
}

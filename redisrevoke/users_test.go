package redisrevoke_test

// The users' revocations (fiberjwt.UserRevocations) of Lists that share a
// real Redis, list by list: RevokeUser on one, UserRevoked on another. See
// redis_helpers_test.go for Redis and the proxy, scaleout_test.go for poll.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
)

// A List is a fiberjwt.UserRevocations too (asserted here, as the
// Revocations one is: list.go does not import fiberjwt).
var _ fiberjwt.UserRevocations = (*redisrevoke.List)(nil)

// userRec is what UserRevoked returns, comparable: before in Unix ms, 0
// when there is no record.
type userRec struct {
	before int64
	keep   string
}

// noRecord is UserRevoked's answer for a subject without a record.
var noRecord = userRec{}

func (r userRec) String() string {
	if r == noRecord {
		return "no record"
	}
	return fmt.Sprintf("before %s keep %q", time.UnixMilli(r.before).Format("15:04:05.000"), r.keep)
}

// recOf is what RevokeUser(subject, before, keep, ...) records, to the
// millisecond.
func recOf(before time.Time, keep string) userRec { return userRec{before.UnixMilli(), keep} }

// userRevoked asks l about subject.
func userRevoked(l *redisrevoke.List, subject string) (userRec, error) {
	before, keep, err := l.UserRevoked(subject)
	if err != nil || before.IsZero() {
		return userRec{keep: keep}, err
	}
	return userRec{before.UnixMilli(), keep}, nil
}

// newList returns a List with Options.Key key over its own client of addr,
// without waiting for its first load. It is closed when the test ends.
func newList(tb testing.TB, addr, name, key string) *redisrevoke.List {
	tb.Helper()
	l, err := redisrevoke.New(newClient(tb, addr, name), redisrevoke.Options{Key: key})
	if err != nil {
		tb.Fatalf("list %s: redisrevoke.New: %v", name, err)
	}
	tb.Cleanup(func() { _ = l.Close() }) // before its client closes
	return l
}

// newReadyList is newList once the List has loaded from Redis.
func newReadyList(tb testing.TB, addr, name, key string) *redisrevoke.List {
	tb.Helper()
	l := newList(tb, addr, name, key)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Ready(ctx); err != nil {
		tb.Fatalf("list %s: %v", name, err)
	}
	return l
}

// revokeUser calls l.RevokeUser and fails the test when it fails or when l
// does not answer want for subject right after it: RevokeUser writes the
// local replica at once.
func revokeUser(tb testing.TB, l *redisrevoke.List, name, subject string, before time.Time, keep string, until time.Time, want userRec) {
	tb.Helper()
	if err := l.RevokeUser(subject, before, keep, until); err != nil {
		tb.Fatalf("RevokeUser(%q) on %s: %v", subject, name, err)
	}
	expectUser(tb, l, name, subject, want, "right after RevokeUser on "+name)
}

// expectUser checks that l answers want for subject.
func expectUser(tb testing.TB, l *redisrevoke.List, name, subject string, want userRec, what string) {
	tb.Helper()
	if got, err := userRevoked(l, subject); err != nil || got != want {
		tb.Fatalf("%s: UserRevoked(%q) on %s = %v, %v; want %v", what, subject, name, got, err, want)
	}
}

// untilUser returns a check for poll: done when l answers want for
// subject, an error when it answers something that is neither want nor one
// of meanwhile (an error of its own only when meanwhile holds
// errUnavailable).
func untilUser(l *redisrevoke.List, name, subject string, want userRec, meanwhile ...userRec) func() (bool, error) {
	return func() (bool, error) {
		got, err := userRevoked(l, subject)
		if errors.Is(err, redisrevoke.ErrUnavailable) {
			got = errUnavailable
		} else if err != nil {
			return false, fmt.Errorf("UserRevoked(%q) on %s: %w", subject, name, err)
		}
		switch {
		case got == want:
			return true, nil
		case slices.Contains(meanwhile, got):
			return false, nil
		}
		return false, fmt.Errorf("UserRevoked(%q) on %s = %v, want %v (or meanwhile %v)", subject, name, got, want, meanwhile)
	}
}

// errUnavailable stands for UserRevoked failing with ErrUnavailable in
// untilUser.
var errUnavailable = userRec{before: math.MinInt64, keep: "ErrUnavailable"}

// newSessionID returns a session id as fiberjwt makes them.
func newSessionID(tb testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// pollUser is how often the tests ask a List for a record it should get:
// far below the bounds measured.
const pollUser = 100 * time.Microsecond

// go test -run Test_ScaleOut_UserRevocations -v
func Test_ScaleOut_UserRevocations(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	inspect := newClient(t, srv.Addr(), "inspect")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	later := time.Now().Add(time.Hour) // an until that outlives the test
	// The subtests run one after another, each with its own Options.Key:
	// no-redis-command counts every command Redis runs, and fails-closed
	// stops Redis.

	t.Run("propagation", func(t *testing.T) {
		a := newReadyList(t, srv.Addr(), "A", defaultKey)
		b := newReadyList(t, srv.Addr(), "B", defaultKey)
		const revocations = 200
		lags := make([]time.Duration, 0, revocations)
		for i := range revocations {
			// Subjects may hold spaces; half keep a session, half none.
			subject, keep := fmt.Sprintf("user %d of %d", i, revocations), ""
			if i%2 == 1 {
				keep = newSessionID(t)
			}
			before := time.Now()
			want := recOf(before, keep)
			revokeUser(t, a, "A", subject, before, keep, later, want)
			poll(t, pollUser, 2*time.Second, "B learns a user's revocation on A", untilUser(b, "B", subject, want, noRecord))
			lags = append(lags, time.Since(before))
		}
		slices.Sort(lags)
		rank := func(p float64) time.Duration { return lags[int(math.Ceil(p*revocations))-1] } // nearest rank
		p50, p99, maxLag := rank(0.50), rank(0.99), lags[revocations-1]
		t.Logf("propagation A -> B over %d RevokeUser calls (from the call): p50 %v, p99 %v, max %v", revocations, p50, p99, maxLag)
		if p99 > 50*time.Millisecond {
			t.Fatalf("propagation p99 %v, want at most 50ms (p50 %v, max %v)", p99, p50, maxLag)
		}
	})

	t.Run("latest-before-wins", func(t *testing.T) {
		key := "fiberjwt:test:latest"
		a := newReadyList(t, srv.Addr(), "A", key)
		b := newReadyList(t, srv.Addr(), "B", key)
		now := time.Now()
		earlier, early, late := now.Add(-2*time.Second), now.Add(-time.Second), now
		kEarlier, kEarly := newSessionID(t), newSessionID(t)
		first := recOf(early, kEarly)

		revokeUser(t, a, "A", "carol", early, kEarly, later, first)
		poll(t, pollUser, 2*time.Second, "B learns the first record", untilUser(b, "B", "carol", first, noRecord))

		// From B, an earlier before, and the same before with another
		// keep: neither replaces the first record, on B or on A.
		revokeUser(t, b, "B", "carol", earlier, kEarlier, later, first)
		revokeUser(t, b, "B", "carol", early, "", later, first)
		// A marker announced after them: once A has it, A has read them.
		marker := recOf(now, "")
		revokeUser(t, b, "B", "marker", now, "", later, marker)
		poll(t, pollUser, 2*time.Second, "A learns the marker", untilUser(a, "A", "marker", marker, noRecord))
		expectUser(t, a, "A", "carol", first, "A, after an earlier record from B")

		// A later before replaces it, on both.
		last := recOf(late, "")
		revokeUser(t, b, "B", "carol", late, "", later, last)
		poll(t, pollUser, 2*time.Second, "A learns a later record", untilUser(a, "A", "carol", last, first))

		// A fresh List loads the latest of carol's four members in Redis.
		members, err := inspect.ZCard(ctx, key+":users").Result()
		if err != nil || members != 5 {
			t.Fatalf("ZCARD %s:users = %d, %v; want 5 (carol 4, marker 1)", key, members, err)
		}
		c := newReadyList(t, srv.Addr(), "C", key)
		expectUser(t, c, "C", "carol", last, "C, fresh")
		expectUser(t, c, "C", "marker", marker, "C, fresh")
		expectUser(t, c, "C", "nobody", noRecord, "C, fresh")
	})

	t.Run("expiry", func(t *testing.T) {
		key := "fiberjwt:test:expiry"
		usersKey := key + ":users"
		a := newReadyList(t, srv.Addr(), "A", key)
		b := newReadyList(t, srv.Addr(), "B", key)
		before := time.Now()
		soon := before.Add(time.Second)
		short, long := recOf(before, ""), recOf(before, newSessionID(t))

		revokeUser(t, a, "A", "dave", before, "", soon, short)
		pttl, err := inspect.PTTL(ctx, usersKey).Result()
		if left := time.Until(soon); err != nil || pttl <= 0 || (pttl-left).Abs() > 200*time.Millisecond {
			t.Fatalf("PTTL %s = %v, %v; want its only record's %v: a new set expires with its entry", usersKey, pttl, err, left)
		}
		revokeUser(t, a, "A", "erin", before, long.keep, later, long)
		pttl, err = inspect.PTTL(ctx, usersKey).Result()
		if left := time.Until(later); err != nil || (pttl-left).Abs() > time.Second {
			t.Fatalf("PTTL %s = %v, %v; want its last record's %v", usersKey, pttl, err, left)
		}
		score, err := inspect.ZScore(ctx, usersKey, memberOf(before, "dave")).Result()
		if err != nil || int64(score) != soon.UnixMilli() {
			t.Fatalf("ZSCORE %s of dave's record = %v, %v; want until, %d", usersKey, score, err, soon.UnixMilli())
		}
		poll(t, pollUser, 2*time.Second, "B learns erin's record", untilUser(b, "B", "erin", long, noRecord))
		expectUser(t, b, "B", "dave", short, "B, before dave's record expires")

		// Both Lists drop dave's record at until, not before.
		for _, l := range []struct {
			name string
			list *redisrevoke.List
		}{{"A", a}, {"B", b}} {
			poll(t, pollUser, time.Until(soon)+time.Second, l.name+" drops dave's record at until", func() (bool, error) {
				got, err := userRevoked(l.list, "dave")
				now := time.Now()
				switch {
				case err != nil:
					return false, err
				case got == short:
					return false, nil
				case got == noRecord && now.UnixMilli() < soon.UnixMilli():
					return false, fmt.Errorf("%s dropped the record %v before its until", l.name, time.Until(soon))
				case got == noRecord:
					t.Logf("%s dropped dave's record %v after its until (to the ms)", l.name, now.Sub(time.UnixMilli(soon.UnixMilli())))
					return true, nil
				}
				return false, fmt.Errorf("%s answered %v", l.name, got)
			})
			expectUser(t, l.list, l.name, "erin", long, l.name+", a live record")
		}

		// Redis drops it with the next revocation; a fresh List never
		// loads it.
		revokeUser(t, b, "B", "frank", before, "", later, short)
		members, err := inspect.ZRange(ctx, usersKey, 0, -1).Result()
		if err != nil || len(members) != 2 || slices.Contains(members, memberOf(before, "dave")) {
			t.Fatalf("ZRANGE %s = %q, %v; want erin's and frank's records only", usersKey, members, err)
		}
		c := newReadyList(t, srv.Addr(), "C", key)
		expectUser(t, c, "C", "dave", noRecord, "C, fresh, an expired record")
		expectUser(t, c, "C", "erin", long, "C, fresh, a live record")
	})

	t.Run("no-redis-command", func(t *testing.T) {
		key := "fiberjwt:test:commands"
		a := newReadyList(t, srv.Addr(), "A", key)
		b := newReadyList(t, srv.Addr(), "B", key)
		before := time.Now()
		want := recOf(before, newSessionID(t))
		revokeUser(t, a, "A", "gina", before, want.keep, later, want)
		poll(t, pollUser, 2*time.Second, "B learns gina's record", untilUser(b, "B", "gina", want, noRecord))

		const calls = 100_000
		total, calls0 := commandCalls(t, inspect)
		start := time.Now()
		for i := range calls {
			l, subject, w := b, "gina", want
			switch i % 3 {
			case 1:
				l = a
			case 2:
				subject, w = "nobody", noRecord
			}
			if got, err := userRevoked(l, subject); err != nil || got != w {
				t.Fatalf("call %d: UserRevoked(%q) = %v, %v; want %v", i, subject, got, err, w)
			}
		}
		elapsed := time.Since(start)
		total1, calls1 := commandCalls(t, inspect)
		delta := make(map[string]int64)
		for name, n := range calls1 {
			if d := n - calls0[name]; d != 0 {
				delta[name] = d
			}
		}
		// As in Test_ScaleOut_NoRoundTripPerRequest: each List's PINGs
		// (four per second), twice over for a loaded machine, and a few
		// commands of go-redis's own.
		allowed := 2*8*int64(math.Ceil(elapsed.Seconds())) + 10
		t.Logf("%d UserRevoked calls in %v: %d Redis commands (%v), allowed %d",
			calls, elapsed.Round(time.Millisecond), total1-total, delta, allowed)
		if total1-total > allowed {
			t.Fatalf("%d Redis commands for %d UserRevoked calls in %v (%v): want at most %d, none per call",
				total1-total, calls, elapsed, delta, allowed)
		}

		// The count is real: a RevokeUser shows up in it.
		revokeUser(t, a, "A", "gina", time.Now(), "", later, recOf(time.Now(), ""))
		_, calls2 := commandCalls(t, inspect)
		for _, name := range []string{"zadd", "publish"} {
			if got := calls2[name] - calls1[name]; got != 1 {
				t.Errorf("INFO commandstats counted %d %s for a RevokeUser, want 1", got, name)
			}
		}
	})

	t.Run("keep-refused", func(t *testing.T) {
		a := newReadyList(t, srv.Addr(), "A", "fiberjwt:test:keep")
		for _, keep := range []string{"-", "a b"} {
			if err := a.RevokeUser("hugo", time.Now(), keep, later); err == nil {
				t.Errorf("RevokeUser keeping %q: no error, want one (not a session id)", keep)
			}
		}
		expectUser(t, a, "A", "hugo", noRecord, "after refused RevokeUser calls")
	})

	t.Run("fails-closed", func(t *testing.T) {
		key := "fiberjwt:test:closed"
		// Before its first load, a List cannot tell.
		p := startProxy(t, srv.Addr())
		p.Cut()
		cutOff := newList(t, p.Addr(), "cut-off", key)
		if _, _, err := cutOff.UserRevoked("ivan"); !errors.Is(err, redisrevoke.ErrUnavailable) {
			t.Fatalf("UserRevoked on a List that never reached Redis: %v, want ErrUnavailable", err)
		}

		a := newReadyList(t, srv.Addr(), "A", key)
		b := newReadyList(t, srv.Addr(), "B", key)
		before := time.Now()
		want := recOf(before, "")
		revokeUser(t, a, "A", "ivan", before, "", later, want)
		poll(t, pollUser, 2*time.Second, "B learns ivan's record", untilUser(b, "B", "ivan", want, noRecord))

		srv.Stop()
		stoppedAt := time.Now()
		for _, l := range []struct {
			name string
			list *redisrevoke.List
		}{{"A", a}, {"B", b}} {
			poll(t, time.Millisecond, failAfter+failMargin, l.name+" fails closed",
				untilUser(l.list, l.name, "ivan", errUnavailable, want))
			poll(t, time.Millisecond, failAfter+failMargin, l.name+" fails closed for every subject",
				untilUser(l.list, l.name, "nobody", errUnavailable))
			t.Logf("%s answered ErrUnavailable %v after Redis stopped", l.name, time.Since(stoppedAt).Round(time.Millisecond))
		}
		if err := a.RevokeUser("judy", time.Now(), "", later); err == nil {
			t.Fatal("RevokeUser while Redis is stopped: no error, want one")
		}

		// Redis comes back (empty: the tests give it no persistence); the
		// Lists serve again, their replicas kept.
		srv.Restart()
		for _, l := range []struct {
			name string
			list *redisrevoke.List
		}{{"A", a}, {"B", b}} {
			poll(t, time.Millisecond, recoverWithin, l.name+" recovers by itself",
				untilUser(l.list, l.name, "ivan", want, errUnavailable))
		}
	})
}

// memberOf is the users' set member of subject's record that keeps no
// session.
func memberOf(before time.Time, subject string) string {
	return strconv.FormatInt(before.UnixMilli(), 10) + " - " + subject
}

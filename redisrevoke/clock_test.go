package redisrevoke_test

// What one machine's clock and one stalled server may do to the others:
// pruning follows Redis's clock, and Timeout bounds every Revoke.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/redisrevoke"
)

// go test -run Test_ScaleOut_PruneByRedisClock -v
func Test_ScaleOut_PruneByRedisClock(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	const key = "fiberjwt:test:skew"
	const skew = time.Minute
	// A runs a minute ahead; B and the fresh C keep time.
	ahead, err := redisrevoke.NewWithClock(newClient(t, srv.Addr(), "ahead"), redisrevoke.Options{Key: key},
		func() time.Time { return time.Now().Add(skew) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ahead.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ahead.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	b := newReadyList(t, srv.Addr(), "B", key)

	// B revokes a session and a user for ten more seconds: live for
	// every machine that keeps time, expired by A's clock.
	soon := time.Now().Add(10 * time.Second)
	later := time.Now().Add(time.Hour)
	sid := newSessionID(t)
	if err := b.Revoke(sid, soon); err != nil {
		t.Fatalf("Revoke on B: %v", err)
	}
	before := time.Now()
	if err := b.RevokeUser("alice", before, "", soon); err != nil {
		t.Fatalf("RevokeUser on B: %v", err)
	}
	// A's own writes prune both sets.
	if err := ahead.Revoke(newSessionID(t), later); err != nil {
		t.Fatalf("Revoke on A: %v", err)
	}
	if err := ahead.RevokeUser("bob", time.Now(), "", later); err != nil {
		t.Fatalf("RevokeUser on A: %v", err)
	}

	inspect := newClient(t, srv.Addr(), "inspect")
	if _, err := inspect.ZScore(ctx, key, sid).Result(); err != nil {
		t.Errorf("ZSCORE %s of B's session after A's Revoke: %v; A, a minute ahead, pruned a live revocation", key, err)
	}
	if _, err := inspect.ZScore(ctx, key+":users", memberOf(before, "alice")).Result(); err != nil {
		t.Errorf("ZSCORE %s:users of alice's record after A's RevokeUser: %v; A, a minute ahead, pruned a live revocation", key, err)
	}
	// A fresh instance that keeps time refuses both.
	c := newReadyList(t, srv.Addr(), "C", key)
	if got, err := c.IsRevoked(sid); err != nil || !got {
		t.Errorf("IsRevoked on C, fresh, of B's session = %v, %v; want true", got, err)
	}
	expectUser(t, c, "C", "alice", recOf(before, ""), "C, fresh, after A pruned")

	// Redis's clock still drops what expired by it: a revocation that
	// ends in 200ms is gone from Redis after the next write, once Redis's
	// TIME has passed it.
	short := newSessionID(t)
	shortUntil := time.Now().Add(200 * time.Millisecond)
	if err := b.Revoke(short, shortUntil); err != nil {
		t.Fatalf("Revoke on B: %v", err)
	}
	poll(t, 10*time.Millisecond, 5*time.Second, "Redis's clock passes the short revocation", func() (bool, error) {
		tm, err := inspect.Time(ctx).Result()
		return err == nil && tm.UnixMilli() > shortUntil.UnixMilli(), err
	})
	if err := b.Revoke(newSessionID(t), later); err != nil {
		t.Fatalf("Revoke on B: %v", err)
	}
	if _, err := inspect.ZScore(ctx, key, short).Result(); err == nil {
		t.Errorf("ZSCORE %s of a revocation that expired by Redis's clock: still there after a write; want it pruned", key)
	}
}

// go test -run Test_ScaleOut_RevokeTimeout -v
func Test_ScaleOut_RevokeTimeout(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	for _, tt := range []struct {
		name    string
		timeout time.Duration // Options.Timeout; 0: the default, FailAfter
	}{
		{name: "default"},
		{name: "300ms", timeout: 300 * time.Millisecond},
	} {
		l, err := redisrevoke.New(newClient(t, srv.Addr(), tt.name), redisrevoke.Options{Key: "fiberjwt:test:timeout", Timeout: tt.timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := l.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		want := tt.timeout
		if want == 0 {
			want = timeout
		}

		// The server stalls (as one stalled for three seconds by a
		// fork or a slow disk would): Revoke and RevokeUser give up within
		// Timeout.
		srv.Pause()
		start := time.Now()
		err = l.Revoke(newSessionID(t), time.Now().Add(time.Hour))
		tookRevoke := time.Since(start)
		start = time.Now()
		errUser := l.RevokeUser("alice", time.Now(), "", time.Now().Add(time.Hour))
		tookUser := time.Since(start)
		srv.Resume()
		t.Logf("%s: with the server stalled, Revoke returned after %v (%v), RevokeUser after %v (%v); Timeout %v",
			tt.name, tookRevoke.Round(time.Millisecond), err, tookUser.Round(time.Millisecond), errUser, want)
		if !errors.Is(err, context.DeadlineExceeded) || tookRevoke > want+timeoutMargin {
			t.Errorf("%s: Revoke with the server stalled: %v after %v; want a deadline error within Timeout %v (+%v)",
				tt.name, err, tookRevoke, want, timeoutMargin)
		}
		if !errors.Is(errUser, context.DeadlineExceeded) || tookUser > want+timeoutMargin {
			t.Errorf("%s: RevokeUser with the server stalled: %v after %v; want a deadline error within Timeout %v (+%v)",
				tt.name, errUser, tookUser, want, timeoutMargin)
		}
	}
}

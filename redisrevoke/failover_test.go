package redisrevoke_test

// Failovers of real Redis deployments, Cluster and Sentinel, with a
// replica that lags: no confirmed logout is lost, and the instances serve
// again within a second of the replica's promotion. See
// topology_helpers_test.go for the topologies.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/redisrevoke"
	"github.com/redis/go-redis/v9"
)

const (
	// timeout is redisrevoke's default Options.Timeout (FailAfter).
	timeout = failAfter
	// timeoutMargin is what a loaded machine may add to it.
	timeoutMargin = 300 * time.Millisecond
	// replicaLag is how long the replica stalls during the logout that
	// must wait for it.
	replicaLag = 300 * time.Millisecond
	// servedAfterPromotion bounds how long an instance takes to serve
	// again once a replica has been promoted.
	servedAfterPromotion = time.Second
	// promotedWithin bounds how long the deployment takes to promote the
	// replica after its master died.
	promotedWithin = 20 * time.Second
)

// logoutReply signs s out on n and returns the answer, whatever it is.
func logoutReply(tb testing.TB, hc *http.Client, n *node, s session) reply {
	tb.Helper()
	r, _, err := send(hc, http.MethodPost, n.url+"/logout", s, url.Values{})
	if err != nil {
		tb.Fatalf("logout on %s: %v", n.name, err)
	}
	return r
}

// failoverCase is a deployment whose master of the revocations' set the
// test kills.
type failoverCase struct {
	master, replica  *redisServer
	replicaAdmin     *redis.Client
	client           func(name string) redis.UniversalClient
	deploymentLabel  string
	promotionMeasure string
	// announced, when not nil, reports whether the deployment tells
	// clients about the promotion yet: the promotion, for a client, is
	// that moment, not the replica's ROLE.
	announced    func(ctx context.Context) bool
	announcement string // what announced waits for
}

// runFailover logs users out while the replica of the revocations' master
// lags, kills the master, and checks that every confirmed logout is
// refused by the instance that lived through the failover and by a fresh
// one, and that the instance serves again within servedAfterPromotion of
// the promotion.
func runFailover(t *testing.T, fc failoverCase) {
	secret := newSecret(t)
	a := ready(t, newNodeWith(t, "A", secret, fc.client("A"), redisrevoke.Options{}))
	hc := newHTTPClient(t)
	live := login(t, hc, a, "live")
	inSync, lagging, stalled := login(t, hc, a, "in-sync"), login(t, hc, a, "lagging"), login(t, hc, a, "stalled")
	confirmed := map[string]session{}

	// The replica in sync: the logout is confirmed.
	if r := logoutReply(t, hc, a, inSync); r.status != http.StatusOK {
		t.Fatalf("logout with the replica in sync: %v, want 200", r)
	}
	confirmed["in-sync"] = inSync

	// The replica stalls for replicaLag: the logout is confirmed once the
	// replica has it, not before.
	fc.replica.Pause()
	start := time.Now()
	answered := make(chan reply, 1)
	go func() {
		r, _, err := send(hc, http.MethodPost, a.url+"/logout", lagging, url.Values{})
		if err != nil {
			r = reply{body: err.Error()}
		}
		answered <- r
	}()
	lag := time.NewTimer(replicaLag) // the replica's stall, not a synchronisation
	var r reply
	select {
	case r = <-answered:
		fc.replica.Resume()
		t.Fatalf("logout while the replica stalls: answered %v after %v, before the replica had it (it stalls for %v)",
			r, time.Since(start).Round(time.Millisecond), replicaLag)
	case <-lag.C:
		fc.replica.Resume()
		r = <-answered
	}
	took := time.Since(start)
	if r.status != http.StatusOK {
		t.Fatalf("logout while the replica lags %v: %v after %v, want 200 once it has it", replicaLag, r, took.Round(time.Millisecond))
	}
	confirmed["lagging"] = lagging
	t.Logf("%s: a logout with the replica stalled for %v was confirmed after %v", fc.deploymentLabel, replicaLag, took.Round(time.Millisecond))

	// The replica stalls past Timeout: the logout is not confirmed, and
	// says so within Timeout.
	fc.replica.Pause()
	start = time.Now()
	r = logoutReply(t, hc, a, stalled)
	took = time.Since(start)
	if r.status == http.StatusOK {
		confirmed["stalled"] = stalled // must then survive the failover
		t.Errorf("logout with the replica stalled: confirmed after %v; want 500 (ErrNotReplicated) within Timeout", took.Round(time.Millisecond))
	} else if !strings.Contains(r.body, redisrevoke.ErrNotReplicated.Error()) || took > timeout+timeoutMargin {
		t.Errorf("logout with the replica stalled: %v after %v; want 500 with ErrNotReplicated within Timeout %v (+%v)",
			r, took.Round(time.Millisecond), timeout, timeoutMargin)
	} else {
		t.Logf("%s: a logout with the replica stalled failed after %v: %s", fc.deploymentLabel, took.Round(time.Millisecond), r.body)
	}

	// The master dies before the replica catches up.
	fc.master.Stop()
	killedAt := time.Now()
	fc.replica.Resume()
	poll(t, time.Millisecond, failAfter+failMargin, "A fails closed when the master dies",
		until(t, hc, a, live, unavailable, served(a, "live")))
	var promotedAt time.Time
	poll(t, 5*time.Millisecond, promotedWithin, "the replica is promoted", func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if rl, err := role(ctx, fc.replicaAdmin); err == nil && rl == "master" {
			promotedAt = time.Now()
			return true, nil
		}
		return false, nil // paused a moment ago, or busy: ask again
	})
	announcedAt := promotedAt
	if fc.announced != nil {
		poll(t, 5*time.Millisecond, promotedWithin, "the promotion is announced", func() (bool, error) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			announcedAt = time.Now()
			return fc.announced(ctx), nil
		})
	}
	poll(t, time.Millisecond, promotedWithin, "A serves again after the promotion",
		until(t, hc, a, live, served(a, "live"), unavailable))
	servedAt := time.Now()
	recovered := servedAt.Sub(announcedAt)
	t.Logf("%s: the replica was promoted (ROLE master) %v after the master died (%s); %s %v later; A served again %v after the promotion (%v after ROLE master)",
		fc.deploymentLabel, promotedAt.Sub(killedAt).Round(time.Millisecond), fc.promotionMeasure,
		fc.announcement, announcedAt.Sub(promotedAt).Round(time.Millisecond),
		recovered.Round(time.Millisecond), servedAt.Sub(promotedAt).Round(time.Millisecond))
	if recovered > servedAfterPromotion {
		t.Errorf("A served again %v after the promotion, want at most %v", recovered.Round(time.Millisecond), servedAfterPromotion)
	}

	// No confirmed logout is lost: neither A, which lived through the
	// failover and reloaded, nor a fresh instance accepts those tokens.
	b := ready(t, newNodeWith(t, "B", secret, fc.client("B"), redisrevoke.Options{}))
	for name, s := range confirmed {
		expect(t, hc, a, s, revoked, "A after the failover, a confirmed logout ("+name+")")
		expect(t, hc, b, s, revoked, "B, fresh after the failover, a confirmed logout ("+name+")")
	}
	expect(t, hc, b, live, served(b, "live"), "B, fresh after the failover, a live session")
	// And logouts work on the promoted master.
	logout(t, hc, b, live)
	poll(t, 0, 2*time.Second, "A refuses a token revoked on B after the failover",
		until(t, hc, a, live, revoked, served(a, "live")))
}

// go test -run Test_Cluster_FailoverLosesNoConfirmedLogout -v
func Test_Cluster_FailoverLosesNoConfirmedLogout(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	shard := c.shardOf(defaultKey)
	runFailover(t, failoverCase{
		master:           c.masters[shard],
		replica:          c.replicas[shard],
		replicaAdmin:     c.admin[c.replicas[shard]],
		client:           func(name string) redis.UniversalClient { return c.client(name, false) },
		deploymentLabel:  "Cluster",
		promotionMeasure: "cluster-node-timeout 1s",
		announcement:     "the new master announces itself on the cluster bus at once:",
	})
}

// go test -run Test_Sentinel_FailoverLosesNoConfirmedLogout -v
func Test_Sentinel_FailoverLosesNoConfirmedLogout(t *testing.T) {
	t.Parallel()
	s := startSentinels(t)
	runFailover(t, failoverCase{
		master:           s.master,
		replica:          s.replica,
		replicaAdmin:     s.admin[s.replica],
		client:           func(name string) redis.UniversalClient { return s.client(name) },
		deploymentLabel:  "Sentinel",
		promotionMeasure: "down-after-milliseconds 1s",
		// A Sentinel client asks the sentinels for the master: until they
		// switch, it is told the dead one.
		announced: func(ctx context.Context) bool {
			for _, sen := range s.sentinels {
				addr, err := s.admin[sen].Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.name).StringSlice()
				if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(s.replica.Port()) {
					return true
				}
			}
			return false
		},
		announcement: "a sentinel switched to it",
	})
}

package redisrevoke_test

// Redis Cluster without a failover: no Redis command per request, and a
// ReadOnly client subscribes on a replica. See topology_helpers_test.go
// for the cluster, failover_test.go for its failover.

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/redisrevoke"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// clusterCalls sums INFO commandstats over every node of c, without the
// replication's own traffic (REPLCONF ACK, the master's PINGs to its
// replicas), and returns the calls per command on the master of key's
// shard too.
func clusterCalls(tb testing.TB, c *cluster, key string) (total int64, onMaster map[string]int64) {
	tb.Helper()
	master := c.masters[c.shardOf(key)]
	for _, srv := range c.servers {
		_, calls := commandCalls(tb, c.admin[srv])
		for name, n := range calls {
			if name == "replconf" || name == "ping" || name == "cluster|slots" || name == "cluster|nodes" ||
				name == "cluster|info" || name == "cluster|keyslot" || name == "pubsub|numsub" {
				continue // replication, and the test's own questions
			}
			total += n
		}
		if srv == master {
			onMaster = calls
		}
	}
	return total, onMaster
}

// go test -run Test_Cluster_NoCommandPerRequest -v
func Test_Cluster_NoCommandPerRequest(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	a := ready(t, newNodeWith(t, "A", newSecret(t), c.client("A", false), redisrevoke.Options{}))
	s := login(t, newHTTPClient(t), a, "alice")

	const requests = 10_000
	before, beforeMaster := clusterCalls(t, c, defaultKey)
	start := time.Now()
	h := a.app.Handler()
	ctx := &fasthttp.RequestCtx{}
	for i := range requests {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod(fiber.MethodGet)
		ctx.Request.SetRequestURI("/protected")
		ctx.Request.Header.SetCookie("token", s.token)
		h(ctx)
		if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
			t.Fatalf("request %d: status %d, body %q; want 200", i, got, ctx.Response.Body())
		}
	}
	elapsed := time.Since(start)
	after, afterMaster := clusterCalls(t, c, defaultKey)
	// The list's PINGs are left out with the replication's (they are
	// PINGs too); what is left is go-redis's own commands, a few.
	const allowed = 10
	t.Logf("%d verified requests in %v: %d Redis commands on the cluster's six nodes (PINGs and replication left out), allowed %d",
		requests, elapsed.Round(time.Millisecond), after-before, allowed)
	if after-before > allowed {
		t.Fatalf("%d Redis commands for %d requests in %v: want at most %d, none per request", after-before, requests, elapsed, allowed)
	}
	pings := afterMaster["ping"] - beforeMaster["ping"]
	// Four PINGs per second from the list, twice over for a loaded
	// machine, and the master's to its replica (one per ten seconds).
	if maxPings := 8*int64(math.Ceil(elapsed.Seconds())) + 2; pings > maxPings {
		t.Fatalf("%d PINGs on the sets' master over %d requests in %v: want at most %d", pings, requests, elapsed, maxPings)
	}

	// The count is real: a logout shows up on the sets' master.
	logout(t, newHTTPClient(t), a, s)
	_, logoutMaster := clusterCalls(t, c, defaultKey)
	for _, name := range []string{"zadd", "publish", "wait"} {
		if got := logoutMaster[name] - afterMaster[name]; got != 1 {
			t.Errorf("INFO commandstats on the sets' master counted %d %s for a logout, want 1", got, name)
		}
	}
}

// go test -run Test_Cluster_ReadOnlySubscribesOnReplica -v
func Test_Cluster_ReadOnlySubscribesOnReplica(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	secret := newSecret(t)
	shard := c.shardOf(defaultKey)
	a := ready(t, newNodeWith(t, "A", secret, c.client("A", true), redisrevoke.Options{}))
	b := ready(t, newNodeWith(t, "B", secret, c.client("B", false), redisrevoke.Options{}))

	// PUBSUB NUMSUB counts a node's own subscribers: A on the replica of
	// the sets' shard, B on its master, no one elsewhere.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, srv := range c.servers {
		subs, err := c.admin[srv].PubSubNumSub(ctx, defaultKey).Result()
		if err != nil {
			t.Fatalf("PUBSUB NUMSUB on %s: %v", c.names[i], err)
		}
		want := int64(0)
		if srv == c.replicas[shard] || srv == c.masters[shard] {
			want = 1
		}
		if subs[defaultKey] != want {
			t.Errorf("%s (shard %d holds the sets) has %d subscribers, want %d: the ReadOnly instance A subscribes on the replica, B on the master",
				c.names[i], shard, subs[defaultKey], want)
		}
	}

	// Revocations flow both ways.
	hc := newHTTPClient(t)
	for _, from := range []*node{a, b} {
		to := a
		if from == a {
			to = b
		}
		s := login(t, hc, from, "alice")
		expect(t, hc, to, s, served(to, "alice"), "before the logout")
		logout(t, hc, from, s)
		poll(t, 0, 2*time.Second, to.name+" refuses a token revoked on "+from.name,
			until(t, hc, to, s, revoked, served(to, "alice")))
	}
}

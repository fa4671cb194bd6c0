package redisrevoke_test

// Helpers for the Cluster and Sentinel tests: real topologies of
// redis-server processes on free loopback ports, each in its own temporary
// directory (see internal/redistest), built and torn down by the test.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/redistest"
	"github.com/redis/go-redis/v9"
)

const (
	// nodeTimeout is the cluster's cluster-node-timeout, in milliseconds:
	// a replica starts a failover that long after its master stopped
	// answering.
	nodeTimeout = 1000
	// downAfter is the sentinels' down-after-milliseconds.
	downAfter = 1000
	// topologyUp bounds how long a topology takes to form.
	topologyUp = 30 * time.Second
)

// topology is a set of redis-server processes owned by one test, whose
// logs are shown when the test fails.
type topology struct {
	t       testing.TB
	servers []*redisServer
	names   []string
}

// start starts a redis-server named name with conf and args (see
// redistest.StartWith).
func (tp *topology) start(name, conf string, args ...string) *redisServer {
	tp.t.Helper()
	srv := redistest.StartWith(tp.t, conf, args...)
	tp.servers = append(tp.servers, srv)
	tp.names = append(tp.names, name)
	return srv
}

// logs returns every server's log, for a failure message.
func (tp *topology) logs() string {
	var b strings.Builder
	for i, srv := range tp.servers {
		fmt.Fprintf(&b, "\n--- %s (127.0.0.1:%d) ---\n%s", tp.names[i], srv.Port(), srv.Log())
	}
	return b.String()
}

// showLogsOnFailure registers a cleanup that logs every server's output
// when the test failed. Cleanups run last first: it runs before the
// servers are killed.
func (tp *topology) showLogsOnFailure() {
	tp.t.Cleanup(func() {
		if tp.t.Failed() {
			tp.t.Logf("redis-server logs:%s", tp.logs())
		}
	})
}

// await polls check every 10ms until it reports done, and fails the test
// with the servers' logs when it has not within topologyUp.
func (tp *topology) await(what string, check func(ctx context.Context) (bool, error)) {
	tp.t.Helper()
	deadline := time.Now().Add(topologyUp)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done, err := check(ctx)
		cancel()
		if done && err == nil {
			return
		}
		last = err
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	tp.t.Fatalf("%s: not within %v (last error: %v)", what, topologyUp, last)
}

// plainClient returns a client of one server, closed when the test ends.
func (tp *topology) plainClient(srv *redisServer) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, ClientName: "fiberjwt-test-admin"})
	tp.t.Cleanup(func() { _ = c.Close() })
	return c
}

// infoField returns the field of INFO section on srv ("" when absent).
func infoField(ctx context.Context, c *redis.Client, section, field string) (string, error) {
	info, err := c.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v, nil
		}
	}
	return "", nil
}

// role returns the first element of ROLE on c: "master", "slave" or
// "sentinel".
func role(ctx context.Context, c *redis.Client) (string, error) {
	r, err := c.Do(ctx, "ROLE").Slice()
	if err != nil {
		return "", err
	}
	if len(r) == 0 {
		return "", fmt.Errorf("ROLE answered %v", r)
	}
	s, _ := r[0].(string)
	return s, nil
}

// cluster is a Redis Cluster: shards masters, each with one replica.
type cluster struct {
	topology
	masters, replicas []*redisServer // replicas[i] replicates masters[i]
	admin             map[*redisServer]*redis.Client
}

// startCluster starts a Redis Cluster of three masters and one replica
// each (three masters: a failover needs the votes of a majority of them),
// slots split evenly, and waits until every node sees cluster_state:ok
// and every replica is in sync with its master.
func startCluster(t testing.TB) *cluster {
	t.Helper()
	const shards = 3
	c := &cluster{topology: topology{t: t}, admin: make(map[*redisServer]*redis.Client)}
	c.showLogsOnFailure()
	args := []string{
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.Itoa(nodeTimeout),
	}
	for i := range shards {
		c.masters = append(c.masters, c.start(fmt.Sprintf("master-%d", i), "", args...))
	}
	for i := range shards {
		c.replicas = append(c.replicas, c.start(fmt.Sprintf("replica-%d", i), "", args...))
	}
	for _, srv := range c.servers {
		c.admin[srv] = c.plainClient(srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), topologyUp)
	defer cancel()
	ids := make(map[*redisServer]string)
	for _, srv := range c.servers {
		id, err := c.admin[srv].ClusterMyID(ctx).Result()
		if err != nil {
			t.Fatalf("CLUSTER MYID on %d: %v%s", srv.Port(), err, c.logs())
		}
		ids[srv] = id
	}
	// What redis-cli --cluster create does: distinct config epochs, the
	// slots, then every node meets the first.
	for i, m := range c.masters {
		lo, hi := i*16384/shards, (i+1)*16384/shards-1
		if err := c.admin[m].Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			t.Fatalf("CLUSTER SET-CONFIG-EPOCH on master-%d: %v%s", i, err, c.logs())
		}
		if err := c.admin[m].ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE %d %d on master-%d: %v%s", lo, hi, i, err, c.logs())
		}
	}
	first := c.masters[0]
	for _, srv := range c.servers[1:] {
		if err := c.admin[first].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(srv.Port())).Err(); err != nil {
			t.Fatalf("CLUSTER MEET %d: %v%s", srv.Port(), err, c.logs())
		}
	}
	for i, r := range c.replicas {
		master := ids[c.masters[i]]
		c.await(fmt.Sprintf("replica-%d knows master-%d", i, i), func(ctx context.Context) (bool, error) {
			nodes, err := c.admin[r].ClusterNodes(ctx).Result()
			return strings.Contains(nodes, master), err
		})
		if err := c.admin[r].Do(ctx, "CLUSTER", "REPLICATE", master).Err(); err != nil {
			t.Fatalf("CLUSTER REPLICATE on replica-%d: %v%s", i, err, c.logs())
		}
	}
	// Every node sees the cluster ok and knows every replica as one (the
	// masters must, to vote for it); every replica is in sync.
	for _, srv := range c.servers {
		c.await(fmt.Sprintf("node %d sees the cluster formed", srv.Port()), func(ctx context.Context) (bool, error) {
			info, err := c.admin[srv].ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false, err
			}
			nodes, err := c.admin[srv].ClusterNodes(ctx).Result()
			if err != nil {
				return false, err
			}
			for i, r := range c.replicas {
				if !strings.Contains(nodes, ids[r]) || !strings.Contains(nodes, "slave "+ids[c.masters[i]]) {
					return false, nil
				}
			}
			return true, nil
		})
	}
	for i, r := range c.replicas {
		c.await(fmt.Sprintf("replica-%d in sync", i), func(ctx context.Context) (bool, error) {
			link, err := infoField(ctx, c.admin[r], "replication", "master_link_status")
			return link == "up", err
		})
	}
	// CLUSTER SLOTS leaves out a replica whose replication offset is still
	// 0, so that clients would not read from it: a write on each master
	// (FLUSHALL has no key, and is replicated) moves it on, and every node
	// must then list both nodes of every shard.
	for i, m := range c.masters {
		if err := c.admin[m].FlushAll(ctx).Err(); err != nil {
			t.Fatalf("FLUSHALL on master-%d: %v%s", i, err, c.logs())
		}
	}
	for _, srv := range c.servers {
		c.await(fmt.Sprintf("node %d lists every replica in CLUSTER SLOTS", srv.Port()), func(ctx context.Context) (bool, error) {
			slots, err := c.admin[srv].ClusterSlots(ctx).Result()
			if err != nil || len(slots) != shards {
				return false, err
			}
			for _, s := range slots {
				if len(s.Nodes) != 2 {
					return false, nil
				}
			}
			return true, nil
		})
	}
	return c
}

// addrs returns every node's address.
func (c *cluster) addrs() []string {
	addrs := make([]string, 0, len(c.servers))
	for _, srv := range c.servers {
		addrs = append(addrs, srv.Addr())
	}
	return addrs
}

// client returns a cluster client of name, closed when the test ends;
// readOnly makes it read from replicas.
func (c *cluster) client(name string, readOnly bool) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:      c.addrs(),
		ClientName: "fiberjwt-test-" + name,
		ReadOnly:   readOnly,
	})
	c.t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// shardOf returns the index of the shard that holds key.
func (c *cluster) shardOf(key string) int {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	slot, err := c.admin[c.masters[0]].ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
	}
	return int(slot) * len(c.masters) / 16384
}

// sentinels is a master, its replica, and three sentinels that watch them
// (quorum two).
type sentinels struct {
	topology
	name            string
	master, replica *redisServer
	sentinels       []*redisServer
	admin           map[*redisServer]*redis.Client
}

// startSentinels starts the topology and waits until the replica is in
// sync and every sentinel knows the replica and the other sentinels.
func startSentinels(t testing.TB) *sentinels {
	t.Helper()
	s := &sentinels{topology: topology{t: t}, name: "fiberjwt", admin: make(map[*redisServer]*redis.Client)}
	s.showLogsOnFailure()
	s.master = s.start("master", "")
	s.replica = s.start("replica", "", "--replicaof", "127.0.0.1", strconv.Itoa(s.master.Port()))
	conf := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
		"sentinel down-after-milliseconds %[1]s %[3]d\n"+
		"sentinel failover-timeout %[1]s 10000\n", s.name, s.master.Port(), downAfter)
	for i := range 3 {
		s.sentinels = append(s.sentinels, s.start(fmt.Sprintf("sentinel-%d", i), conf, "--sentinel"))
	}
	for _, srv := range s.servers {
		s.admin[srv] = s.plainClient(srv)
	}
	s.await("the replica in sync", func(ctx context.Context) (bool, error) {
		link, err := infoField(ctx, s.admin[s.replica], "replication", "master_link_status")
		return link == "up", err
	})
	for i, sen := range s.sentinels {
		s.await(fmt.Sprintf("sentinel-%d knows the replica and the other sentinels", i), func(ctx context.Context) (bool, error) {
			replicas, err := s.admin[sen].Do(ctx, "SENTINEL", "REPLICAS", s.name).Slice()
			if err != nil || len(replicas) != 1 {
				return false, err
			}
			others, err := s.admin[sen].Do(ctx, "SENTINEL", "SENTINELS", s.name).Slice()
			return len(others) == len(s.sentinels)-1, err
		})
	}
	return s
}

// client returns a Sentinel-backed client of name (redis.NewFailoverClient),
// closed when the test ends.
func (s *sentinels) client(name string) *redis.Client {
	addrs := make([]string, 0, len(s.sentinels))
	for _, sen := range s.sentinels {
		addrs = append(addrs, sen.Addr())
	}
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    s.name,
		SentinelAddrs: addrs,
		ClientName:    "fiberjwt-test-" + name,
	})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

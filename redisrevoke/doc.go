// Package redisrevoke keeps fiberjwt's revoked sessions, and the
// revocations of all of a user's sessions at once (SignOutOtherDevices,
// SignOutEverywhere), in Redis and in the memory of every instance, so that
// several instances honour each other's logouts without a Redis round trip
// per request.
//
//	client := redis.NewClient(&redis.Options{Addr: "10.0.0.5:6379"})
//	list, err := redisrevoke.New(client, redisrevoke.Options{})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer list.Close()
//	app.Use(fiberjwt.New(fiberjwt.Config[User]{
//		SecretKey:   key,
//		Revocations: list,
//		// ...
//	}))
//
// # How it works
//
// Redis holds one sorted set (Options.Key) of revoked session ids, each
// scored by when its last token expires; entries and the set itself expire
// then. Logout on any instance adds the session to the set and publishes it
// on the Pub/Sub channel of the same name. A second sorted set (Options.Key
// followed by ":users") holds the users' revocations, each "every session
// of this user begun before this time, but this one", scored and expiring
// the same way and announced on the same channel. Every instance subscribes
// to the channel, loads both sets after each (re)connection, and answers
// the middleware's questions "is this session revoked?" and "are this
// user's sessions revoked?" from memory, keeping per user the revocation
// that began last. Redis sees one script (and a WAIT when it has replicas)
// per logout or sign-out and a PING per quarter of Options.FailAfter per
// instance, whatever the traffic.
//
// # Bounds
//
// A token revoked on one instance (logout or sign-out) is refused on the
// others as soon as the Pub/Sub message arrives: milliseconds on a local
// network (the tests measure p99 under 50 ms on loopback). An instance that loses Redis fails
// closed: within milliseconds when the connection breaks (go-redis first
// tries a few quick redials), and at most Options.FailAfter (default one
// second) after Redis last answered when it goes silent. The
// middleware then refuses tokens with fiberjwt.ErrStorage (503 by default).
// It reconnects by itself and reloads both sets before it accepts a token
// again, so a revocation made elsewhere while it was cut off is honoured;
// a fresh instance loads it before its first accepted token.
//
// # Replicas, Sentinel and Cluster
//
// New takes what redis.NewUniversalClient returns: a *redis.Client for one
// server or for Sentinel (redis.NewFailoverClient), or a
// *redis.ClusterClient for Redis Cluster. Revoke and RevokeUser write to
// the master with one script (the sorted set, its pruning by Redis's own
// clock, the announcement), then, when the master has a replica, send
// WAIT 1 on the same connection: they report success only once a replica
// has the revocation, so that a failover cannot lose a confirmed logout.
// Otherwise they fail, within Options.Timeout, with an error wrapping
// ErrNotReplicated (fiberjwt's Logout then returns ErrStorage): the
// revocation is in the master and in this instance's memory, but not
// certain to survive a failover. Options.Replicas changes how many
// replicas must acknowledge it (negative: none, as before).
//
// After a failover the instances reconnect to the promoted replica by
// themselves: a cluster client's slot map is reloaded at once rather than
// after go-redis's ten seconds, so that they serve again within a second
// of the promotion (tests measure 0.16-0.56 s on Cluster, 0.10-0.35 s after
// the sentinels switch on Sentinel). A cluster client built with ReadOnly
// subscribes on a replica of the sets' shard and loads from the master.
// On Cluster, give Options.Key a hash tag ("{fiberjwt}:revocations") so
// that both sets live on one shard.
//
// It needs Redis 7.0 or newer (PEXPIREAT with NX and GT). Give Redis
// persistence (appendonly yes) on the master and the replicas: a Redis
// that restarts empty forgets the revocations that instances started
// afterwards would need, and a master that restarts empty before the
// failover detection makes its replicas empty too.
package redisrevoke

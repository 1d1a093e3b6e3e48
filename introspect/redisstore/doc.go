// Package redisstore keeps the state a fleet of resource servers shares on
// Redis (or Valkey): the introspection answers of an introspect.Cache
// (Store) and the single-use identifiers of DPoP proofs and logout tokens
// (ReplayStore, a token.ReplayStore).
//
// With the in-memory defaults, each replica of an API introspects every
// opaque token once per TTL, a token revoked through one replica's
// Cache.Forget lives on in the others, and a DPoP proof replayed against
// another replica is not seen as a replay. With one Redis behind every
// replica, a token is introspected once for the fleet, Forget reaches every
// replica at once, and a jti is accepted by exactly one replica.
//
// # Requiring it
//
// The package is a Go module of its own, so that programs that do not use
// Redis do not depend on a Redis client:
//
//	go get github.com/tokenguard/tokenguard/introspect/redisstore
//
// It requires the tokenguard module it was released with (or a later one).
//
// # Wiring
//
//	rdb := redis.NewClient(&redis.Options{
//		Addr:                  "redis.internal:6379",
//		ContextTimeoutEnabled: true, // required: Timeout then bounds each call
//	})
//	defer rdb.Close()
//	answers, err := redisstore.NewStore(rdb, redisstore.StoreOptions{})
//	if err != nil { ... }
//	cache := introspect.NewCache(client, introspect.CacheOptions{Store: answers, MaxTTL: time.Minute})
//	replays, err := redisstore.NewReplayStore(rdb, redisstore.ReplayOptions{})
//
// The stores do not own the client; close it when the program ends. One
// client (one connection pool) may serve both stores.
//
// # The client
//
// The stores use github.com/redis/go-redis/v9, the Redis project's own Go
// client: it is the most widely used one, keeps a stable API under semantic
// versioning, speaks to Redis and Valkey alike, standalone, Sentinel or
// Cluster, honours each call's context deadline, and brings three small
// dependencies (xxhash, go.uber.org/atomic, golang.org/x/sys).
// valkey-go was the alternative: faster under heavy pipelining, but with a
// command-builder API of its own, while these stores send one command (or
// one short script) per call and spend their time in the round trip.
//
// # What is kept, and for how long
//
// Keys hold the hexadecimal SHA-256 of a token or identifier, never the
// token, under a prefix (StoreOptions.Prefix, ReplayOptions.Prefix). Every
// value carries its own expiry: Redis drops the key then (SET ... PX), so an
// active introspection answer never outlives the token's exp or the Cache's
// MaxTTL, and a single-use identifier is kept until its expiry, never less.
// Answers are stored as introspect.Response.MarshalJSON writes them and read
// back with introspect.ParseResponse, strictly.
//
// There is no in-process layer in front of Redis: every lookup is one round
// trip, and a revocation is seen by every replica as soon as Forget
// returns. Delete (Cache.Forget) also keeps any replica, for
// StoreOptions.ForgetWindow, from storing an active answer for the token
// that it asked for before the revocation and received after it.
//
// # When Redis fails
//
// Redis down, slow or answering nonsense is an outage, never a verdict:
// every call is bounded by Timeout (500 ms by default), and each failure,
// including a value under a key that this package did not write, matches
// token.ErrUnavailable. A Cache then fails the lookup rather than ask the
// authorization server behind the store's back, so a resource server
// answers 503 (not 401) for a good token, and a replay check that cannot be
// made refuses the proof without blaming it. There is no fallback to
// in-memory state: a replica that checked identifiers alone would accept a
// proof replayed against another replica.
//
// What Redis must provide:
//
//   - No eviction of these keys: maxmemory-policy noeviction (the default).
//     An evicted identifier could be replayed; under noeviction a full
//     Redis refuses writes, which these stores report as an outage.
//   - Persistence for the replay store (appendonly yes): a Redis that
//     restarts empty forgets the identifiers recorded before, and a proof
//     still within its lifetime (DPoP proofs live about a minute) could then
//     be replayed once. Introspection answers need no persistence; a Redis
//     that lost them costs one introspection per token.
//   - On a replicated Redis, a failover can lose the last writes
//     acknowledged by the old primary, with the same effect as a restart.
//
// # Cost
//
// On loopback, a Cache hit through a Store costs one Redis round trip plus
// the decoding of the answer: 1.03 to 1.25 times a bare GET of the same
// value with the same client by wall time (1.2 to 1.4 times by this
// process's CPU time), and some tens of times a hit in the in-memory store,
// which takes a few microseconds (BenchmarkCacheHit). Four replicas seeing
// 25 tokens three times each make 25 introspection requests with a shared
// Store, against 100 with separate in-memory caches
// (TestFleetIntrospectsEachTokenOnce).
package redisstore

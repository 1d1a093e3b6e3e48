package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/token"
)

// This file holds compiled copies of the README's snippets that use this
// module, which the core module's internal/snippets cannot import; its
// check reads this file too.

// fleetParts is what the README's fleet snippet makes.
type fleetParts struct {
	rdb     *redis.Client
	cache   *introspect.Cache
	replays token.ReplayStore
}

// readmeFleet is the README's "A fleet of servers" snippet.
func readmeFleet(client introspect.Introspector, out *fleetParts) error {
	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379", ContextTimeoutEnabled: true})
	answers, err := redisstore.NewStore(rdb, redisstore.StoreOptions{}) // an introspect.Store
	if err != nil {
		return err
	}
	replays, err := redisstore.NewReplayStore(rdb, redisstore.ReplayOptions{}) // a token.ReplayStore
	if err != nil {
		return err
	}
	cache := introspect.NewCache(client, introspect.CacheOptions{Store: answers, MaxTTL: time.Minute})
	*out = fleetParts{rdb: rdb, cache: cache, replays: replays}
	return nil
}

// TestREADMEFleetSnippet runs the snippet: the client connects on first
// use, so nothing reaches the network.
func TestREADMEFleetSnippet(t *testing.T) {
	var p fleetParts
	if err := readmeFleet(introspect.IntrospectorFunc(nil), &p); err != nil {
		t.Fatal(err)
	}
	defer p.rdb.Close()
	if p.cache == nil || p.replays == nil {
		t.Fatal("the snippet made no cache or replay store")
	}
}

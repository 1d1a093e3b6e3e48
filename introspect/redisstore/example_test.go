package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/token"
)

// A fleet's replicas each build the same stores on the same Redis. The
// client connects on first use; here nothing listens on the address, so the
// lookup fails as an outage, which a resource server answers with 503.
func ExampleNewStore() {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:1", // your Redis
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	defer rdb.Close()

	answers, err := redisstore.NewStore(rdb, redisstore.StoreOptions{Timeout: 200 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	upstream := introspect.IntrospectorFunc(func(context.Context, string) (*introspect.Response, error) {
		return &introspect.Response{Active: true}, nil // an introspect.Client in a real program
	})
	cache := introspect.NewCache(upstream, introspect.CacheOptions{Store: answers, MaxTTL: time.Minute})

	_, err = cache.Introspect(context.Background(), "opaque-token")
	fmt.Println("outage:", errors.Is(err, token.ErrUnavailable))
	// Output:
	// outage: true
}

// NewReplayStore refuses a client that would ignore each call's deadline.
func ExampleNewReplayStore() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	_, err := redisstore.NewReplayStore(rdb, redisstore.ReplayOptions{})
	fmt.Println(err != nil)

	rdb = redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	replays, err := redisstore.NewReplayStore(rdb, redisstore.ReplayOptions{})
	fmt.Println(err == nil)
	var _ token.ReplayStore = replays // what DPoP proof and logout token checks take
	// Output:
	// true
	// true
}

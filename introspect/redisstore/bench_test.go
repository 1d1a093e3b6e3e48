package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
)

// BenchmarkCacheHit measures a cache hit (an answer already stored) of an
// introspect.Cache on the default in-memory store and on a Store on a
// redis-server on loopback, beside the baseline a hit through Redis cannot
// avoid: one GET of a value of the same size with the same client.
//
//	go test -run '^$' -bench CacheHit -benchmem ./
func BenchmarkCacheHit(b *testing.B) {
	srv := startRedis(b)
	ctx := context.Background()
	const tok = "opaque-token-for-the-benchmark"
	answer := activeAnswer(time.Now().Add(time.Hour))
	upstream := introspect.IntrospectorFunc(func(context.Context, string) (*introspect.Response, error) {
		return answer.Clone(), nil
	})
	rc := newClient(b, srv)
	store := newStore(b, rc, redisstore.StoreOptions{})
	caches := map[string]*introspect.Cache{
		"memory": introspect.NewCache(upstream, introspect.CacheOptions{}),
		"redis":  introspect.NewCache(upstream, introspect.CacheOptions{Store: store}),
	}
	for _, c := range caches {
		_, err := c.Introspect(ctx, tok)
		require.NoError(b, err)
	}
	keys, err := rc.Keys(ctx, redisstore.DefaultStorePrefix+"*").Result()
	require.NoError(b, err)
	require.Len(b, keys, 1)

	for _, name := range []string{"memory", "redis"} {
		c := caches[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Introspect(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Introspect(ctx, tok); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	b.Run("baseline-redis-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rc.Get(ctx, keys[0]).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

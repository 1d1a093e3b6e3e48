package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/internal/benchkit"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
)

// BenchmarkCacheHit measures a cache hit (an answer already stored) of an
// introspect.Cache on the default in-memory store and on a Store on a
// redis-server on loopback, beside the baseline a hit through Redis cannot
// avoid: one GET of a value of the same size with the same client. The
// ratio-wall and ratio-cpu runs time the three in interleaved batches and
// report redis-x-GET and redis-x-memory.
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
	// The Cache stores an answer just after handing it out.
	var keys []string
	require.Eventually(b, func() bool {
		var err error
		keys, err = rc.Keys(ctx, redisstore.DefaultStorePrefix+"*").Result()
		return err == nil && len(keys) == 1
	}, 5*time.Second, time.Millisecond)

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
	// The three side by side, in interleaved batches, so their ratios hold
	// on a loaded machine: by wall time (what a request waits) and by the
	// calling thread's CPU time (what this process spends).
	steps := []func() error{
		func() error { return rc.Get(ctx, keys[0]).Err() },
		func() error { _, err := caches["redis"].Introspect(ctx, tok); return err },
		func() error { _, err := caches["memory"].Introspect(ctx, tok); return err },
	}
	report := func(prefix string) func(*testing.B, benchkit.Times) {
		return func(b *testing.B, t benchkit.Times) {
			b.ReportMetric(t.Ratio(1, 0), prefix+"redis-x-GET")
			b.ReportMetric(t.Ratio(1, 2), prefix+"redis-x-memory")
		}
	}
	wall := func() time.Duration { return time.Duration(time.Now().UnixNano()) }
	b.Run("ratio-wall", benchkit.Ratio{Steps: steps, Report: report(""), Clock: wall}.Serial)
	b.Run("ratio-cpu", benchkit.Ratio{Steps: steps, Report: report("cpu-")}.Serial)

	b.Run("baseline-redis-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rc.Get(ctx, keys[0]).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

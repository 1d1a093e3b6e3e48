package tokencache

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

type source struct{ set *token.KeySet }

func (s *source) Keys(context.Context, string) (*token.KeySet, error) { return s.set, nil }

func newKey(t *testing.T, kid string) *token.Key {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := token.NewPublicKey(token.KeyParams{ID: kid}, pub)
	require.NoError(t, err)
	return k
}

func newSource(t *testing.T, keys ...*token.Key) *source {
	set, err := token.NewKeySet(keys...)
	require.NoError(t, err)
	return &source{set: set}
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestHitMissAndExactMatch(t *testing.T) {
	k := newKey(t, "k1")
	src := newSource(t, k)
	c := New[string](10)
	c.Add("tok-a", "A", src, k, "k1", t0.Add(time.Hour), t0)

	v, ok := c.Lookup(context.Background(), "tok-a", t0, time.Minute)
	require.True(t, ok)
	require.Equal(t, "A", v)

	_, ok = c.Lookup(context.Background(), "tok-b", t0, time.Minute)
	require.False(t, ok, "another token must never hit")
}

func TestEntryDiesAtExpiryPlusLeeway(t *testing.T) {
	k := newKey(t, "k1")
	src := newSource(t, k)
	c := New[int](10)
	exp := t0.Add(time.Hour)
	c.Add("tok", 1, src, k, "k1", exp, t0)

	_, ok := c.Lookup(context.Background(), "tok", exp.Add(59*time.Second), time.Minute)
	require.True(t, ok, "within leeway")
	_, ok = c.Lookup(context.Background(), "tok", exp.Add(time.Minute), time.Minute)
	require.False(t, ok, "past exp plus leeway")
	require.Equal(t, 0, c.Len(), "expired entry is removed")
}

func TestAlreadyExpiredIsNotAdded(t *testing.T) {
	k := newKey(t, "k1")
	c := New[int](10)
	c.Add("tok", 1, newSource(t, k), k, "k1", t0, t0)
	require.Equal(t, 0, c.Len())
}

func TestEntryDiesWhenSignerLeavesKeySet(t *testing.T) {
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	src := newSource(t, k1, k2)
	c := New[int](10)
	c.Add("tok", 1, src, k1, "k1", t0.Add(time.Hour), t0)

	src.set, _ = token.NewKeySet(k2) // k1 rotated out
	_, ok := c.Lookup(context.Background(), "tok", t0, time.Minute)
	require.False(t, ok)

	// An equal key under a new pointer is a different key for the cache:
	// sources keep pointers stable for unchanged keys.
	c.Add("tok", 1, src, k2, "k2", t0.Add(time.Hour), t0)
	other := newKey(t, "k2")
	src.set, _ = token.NewKeySet(other)
	_, ok = c.Lookup(context.Background(), "tok", t0, time.Minute)
	require.False(t, ok)
}

func TestBoundedSize(t *testing.T) {
	k := newKey(t, "k1")
	src := newSource(t, k)
	const limit = 64
	c := New[int](limit)
	for i := 0; i < 10*limit; i++ {
		c.Add(fmt.Sprintf("tok-%d", i), i, src, k, "k1", t0.Add(time.Hour), t0)
	}
	require.LessOrEqual(t, c.Len(), limit+shardCount, "at most one shard's rounding above the limit")
	// The newest entry is always present.
	v, ok := c.Lookup(context.Background(), fmt.Sprintf("tok-%d", 10*limit-1), t0, time.Minute)
	require.True(t, ok)
	require.Equal(t, 10*limit-1, v)
}

// sameShard returns n distinct tokens that c stores in one shard.
func sameShard(t *testing.T, c *Cache[int], prefix string, n int) []string {
	t.Helper()
	_, target := c.locate(prefix + "-0")
	toks := []string{prefix + "-0"}
	for i := 1; len(toks) < n; i++ {
		require.Less(t, i, 100_000, "no %d tokens found in one shard", n)
		tok := fmt.Sprintf("%s-%d", prefix, i)
		if _, s := c.locate(tok); s == target {
			toks = append(toks, tok)
		}
	}
	return toks
}

// When a shard is full, an expired entry goes before any live one. Each
// round fills one shard (perShard entries) with one expired token and live
// ones, then adds another live token to that shard: the expired one must be
// the one evicted. An eviction that ignored expiry would pick the expired
// entry by chance only one time in perShard, so over the rounds it cannot
// pass.
func TestEvictionPrefersExpired(t *testing.T) {
	const perShard, rounds = 8, 10
	k := newKey(t, "k1")
	src := newSource(t, k)
	later := t0.Add(2 * time.Minute)
	for round := range rounds {
		c := New[int](perShard * shardCount)
		require.Equal(t, perShard, c.perShard)
		toks := sameShard(t, c, fmt.Sprintf("r%d", round), perShard+1)
		expired, fresh, third := toks[0], toks[1:perShard], toks[perShard]

		c.Add(expired, 0, src, k, "k1", t0.Add(time.Minute), t0)
		for i, tok := range fresh {
			c.Add(tok, i+1, src, k, "k1", t0.Add(time.Hour), t0)
		}
		c.Add(third, perShard, src, k, "k1", later.Add(time.Hour), later)

		_, ok := c.Lookup(context.Background(), expired, t0, 0)
		require.False(t, ok, "round %d: the expired entry must be the one evicted", round)
		for _, tok := range append(fresh, third) {
			_, ok := c.Lookup(context.Background(), tok, later, 0)
			require.True(t, ok, "round %d: live entry %s was evicted while an expired one was there", round, tok)
		}
		require.Equal(t, perShard, c.Len())
	}
}

func TestDisabledCache(t *testing.T) {
	var c *Cache[int] = New[int](-1)
	require.Nil(t, c)
	k := newKey(t, "k1")
	c.Add("tok", 1, newSource(t, k), k, "k1", t0.Add(time.Hour), t0)
	_, ok := c.Lookup(context.Background(), "tok", t0, time.Minute)
	require.False(t, ok)
	require.Equal(t, 0, c.Len())
}

func TestConcurrentUse(t *testing.T) {
	k := newKey(t, "k1")
	src := newSource(t, k)
	c := New[int](128)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				raw := fmt.Sprintf("tok-%d", (g*7+i)%300)
				if v, ok := c.Lookup(context.Background(), raw, t0, time.Minute); ok {
					if want := (g*7 + i) % 300; v != want {
						t.Errorf("token %s returned %d", raw, v)
					}
				} else {
					c.Add(raw, (g*7+i)%300, src, k, "k1", t0.Add(time.Hour), t0)
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestEntryAsksTheSourceItCameFrom(t *testing.T) {
	k := newKey(t, "k1")
	mine, other := newSource(t, k), newSource(t, newKey(t, "k1"))
	c := New[int](10)
	c.Add("tok-mine", 1, mine, k, "k1", t0.Add(time.Hour), t0)
	c.Add("tok-other", 2, other, k, "k1", t0.Add(time.Hour), t0)
	_, ok := c.Lookup(context.Background(), "tok-mine", t0, time.Minute)
	require.True(t, ok)
	_, ok = c.Lookup(context.Background(), "tok-other", t0, time.Minute)
	require.False(t, ok, "a key is looked for in its own issuer's source only")
}

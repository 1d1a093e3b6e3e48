package tokencache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	t0  = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ctx = context.Background()
)

func always[V any](context.Context, V) bool { return true }

func TestHitMissAndExactMatch(t *testing.T) {
	c := New[string](10, always)
	c.Add("tok-a", "A", t0.Add(time.Hour), t0)

	v, ok := c.Lookup(ctx, "tok-a", t0)
	require.True(t, ok)
	require.Equal(t, "A", v)

	_, ok = c.Lookup(ctx, "tok-b", t0)
	require.False(t, ok, "another token must never hit")
	_, ok = c.Lookup(ctx, "tok-", t0)
	require.False(t, ok, "a prefix must never hit")
}

// A hash collision is confirmed against the stored token, so it can only
// cost a miss: two entries forced to share a hash never answer for each
// other.
func TestCollisionIsAMiss(t *testing.T) {
	c := New[string](4, always)
	h, s := c.locate("tok-a")
	s.slots[0].Store(&entry[string]{hash: h, deadline: t0.Add(time.Hour).UnixNano(), raw: "tok-b", value: "B"})
	s.publish(0)
	_, ok := c.Lookup(ctx, "tok-a", t0)
	require.False(t, ok, "an entry with the same hash but another token answered")
}

// Only a token's end picks its set; tokens alike in their last bytes share
// a hash, and still each answers only for itself.
func TestSameTailIsAMiss(t *testing.T) {
	c := New[string](64, always)
	tail := strings.Repeat("s", hashedTail)
	a, b := "header.payload-a."+tail, "header.payload-b."+tail
	c.Add(a, "A", t0.Add(time.Hour), t0)
	_, ok := c.Lookup(ctx, b, t0)
	require.False(t, ok, "a token with another's tail answered for it")
	c.Add(b, "B", t0.Add(time.Hour), t0)
	for raw, want := range map[string]string{a: "A", b: "B"} {
		v, ok := c.Lookup(ctx, raw, t0)
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	require.Equal(t, 2, c.Len(), "the second token replaced the first")
}

// A set's summaries agree with its slots once writers are done, however
// their writes interleaved.
func TestMetaAgreesWithSlots(t *testing.T) {
	c := New[int](16, always)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				raw := fmt.Sprintf("tok-%d", (g*13+i)%40)
				if i%7 == 0 {
					// Expired when looked up: dropped.
					c.Add(raw, i, t0.Add(time.Second), t0)
					c.Lookup(ctx, raw, t0.Add(time.Minute))
					continue
				}
				c.Add(raw, i, t0.Add(time.Duration(i)*time.Minute+time.Hour), t0)
			}
		}()
	}
	wg.Wait()
	for i := range c.sets {
		s := &c.sets[i]
		for j := range s.slots {
			e, m := s.slots[j].Load(), s.meta[j].Load()
			if e == nil {
				require.Zero(t, m, "an empty slot is summarised as full")
			} else {
				require.Equal(t, e.meta(), m, "a slot's summary is another entry's")
			}
		}
	}
}

func TestEntryDiesAtDeadline(t *testing.T) {
	c := New[int](10, always)
	deadline := t0.Add(time.Hour)
	c.Add("tok", 1, deadline, t0)

	_, ok := c.Lookup(ctx, "tok", deadline.Add(-time.Nanosecond))
	require.True(t, ok, "before the deadline")
	_, ok = c.Lookup(ctx, "tok", deadline)
	require.False(t, ok, "at the deadline")
	require.Equal(t, 0, c.Len(), "an expired entry is removed when looked up")
}

func TestAlreadyExpiredIsNotAdded(t *testing.T) {
	c := New[int](10, always)
	c.Add("tok", 1, t0, t0)
	require.Equal(t, 0, c.Len())
}

// The liveness function is asked on every hit; an entry it refuses (its
// key left the issuer's key set) is dropped, and stays dropped when the
// function would accept it again.
func TestEntryDiesWhenNotLive(t *testing.T) {
	var alive atomic.Bool
	alive.Store(true)
	asked := 0
	c := New[string](10, func(_ context.Context, v string) bool {
		asked++
		require.Equal(t, "A", v)
		return alive.Load()
	})
	c.Add("tok", "A", t0.Add(time.Hour), t0)
	_, ok := c.Lookup(ctx, "tok", t0)
	require.True(t, ok)
	alive.Store(false)
	_, ok = c.Lookup(ctx, "tok", t0)
	require.False(t, ok)
	alive.Store(true)
	_, ok = c.Lookup(ctx, "tok", t0)
	require.False(t, ok, "a refused entry must be gone, not merely skipped")
	require.Equal(t, 2, asked)
}

// The liveness function is given the entry's own value, so a validator
// trusting several issuers can keep in each value the key source of that
// token's issuer and ask that one: an entry whose issuer no longer
// publishes its key dies, while another issuer's entry lives on.
func TestLiveIsAskedAboutTheEntrysOwnValue(t *testing.T) {
	type verified struct{ issuer string }
	published := map[string]bool{"A": true, "B": true}
	c := New[verified](10, func(_ context.Context, v verified) bool { return published[v.issuer] })
	c.Add("tok-a", verified{"A"}, t0.Add(time.Hour), t0)
	c.Add("tok-b", verified{"B"}, t0.Add(time.Hour), t0)
	published["B"] = false
	_, ok := c.Lookup(ctx, "tok-a", t0)
	require.True(t, ok, "issuer A still publishes the key of its entry")
	_, ok = c.Lookup(ctx, "tok-b", t0)
	require.False(t, ok, "issuer B's entry must be asked about B's keys")
}

func TestBoundedSize(t *testing.T) {
	const limit = 64
	c := New[int](limit, always)
	require.Equal(t, limit, c.Cap())
	for i := range 10 * limit {
		c.Add(fmt.Sprintf("tok-%d", i), i, t0.Add(time.Hour), t0)
	}
	require.LessOrEqual(t, c.Len(), limit)
	// The newest entry is always present.
	v, ok := c.Lookup(ctx, fmt.Sprintf("tok-%d", 10*limit-1), t0)
	require.True(t, ok)
	require.Equal(t, 10*limit-1, v)

	require.Equal(t, 8, New[int](5, always).Cap(), "rounded up to whole sets of four")
}

// Adding a token that is already cached replaces its entry instead of
// taking a second slot.
func TestAddAgainReplaces(t *testing.T) {
	c := New[int](4, always)
	c.Add("tok", 1, t0.Add(time.Hour), t0)
	c.Add("tok", 2, t0.Add(2*time.Hour), t0)
	require.Equal(t, 1, c.Len())
	v, ok := c.Lookup(ctx, "tok", t0.Add(90*time.Minute))
	require.True(t, ok)
	require.Equal(t, 2, v)
}

// A full set gives up the entry whose deadline comes first: an expired one
// before any live one, and otherwise the one nearest its end. A cache of
// four entries is one set, so every token competes for the same slots.
func TestEvictionTakesTheEarliestDeadline(t *testing.T) {
	c := New[int](4, always)
	later := t0.Add(2 * time.Minute)
	c.Add("live-1", 1, t0.Add(time.Hour), t0)
	c.Add("expired", 0, t0.Add(time.Minute), t0)
	c.Add("live-2", 2, t0.Add(2*time.Hour), t0)
	c.Add("live-3", 3, t0.Add(3*time.Hour), t0)
	c.Add("new", 4, later.Add(time.Hour), later)
	_, ok := c.Lookup(ctx, "expired", t0)
	require.False(t, ok, "the expired entry must be the one evicted")
	for _, tok := range []string{"live-1", "live-2", "live-3", "new"} {
		_, ok := c.Lookup(ctx, tok, later)
		require.True(t, ok, "live entry %s was evicted while an expired one was there", tok)
	}

	c.Add("newest", 5, later.Add(4*time.Hour), later)
	_, ok = c.Lookup(ctx, "live-1", later)
	require.False(t, ok, "live-1 ends first and must be the one evicted")
	for _, tok := range []string{"live-2", "live-3", "new", "newest"} {
		_, ok := c.Lookup(ctx, tok, later)
		require.True(t, ok, "%s was evicted before the entry that ends first", tok)
	}
}

func TestDisabledCache(t *testing.T) {
	c := New[int](-1, always)
	require.Nil(t, c)
	c.Add("tok", 1, t0.Add(time.Hour), t0)
	_, ok := c.Lookup(ctx, "tok", t0)
	require.False(t, ok)
	require.Equal(t, 0, c.Len())
	require.Equal(t, 0, c.Cap())
}

func TestConcurrentUse(t *testing.T) {
	c := New[int](128, always)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range 500 {
				want := (g*7 + i) % 300
				raw := fmt.Sprintf("tok-%d", want)
				if v, ok := c.Lookup(ctx, raw, t0); ok {
					if v != want {
						t.Errorf("token %s returned %d", raw, v)
					}
				} else {
					c.Add(raw, want, t0.Add(time.Hour), t0)
				}
			}
		}(g)
	}
	wg.Wait()
	require.LessOrEqual(t, c.Len(), c.Cap())
}

// BenchmarkAddFull inserts new tokens into a full cache: the cost of the
// eviction a busy API pays on every new token. It is the same for every
// size, since an insert looks at one set of four slots.
func BenchmarkAddFull(b *testing.B) {
	for _, size := range []int{256, DefaultMaxEntries, 1 << 16} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			c := New[int](size, always)
			toks := make([]string, 4*size)
			for i := range toks {
				toks[i] = fmt.Sprintf("eyJhbGciOiJSUzI1NiJ9.tok-%d", i)
				c.Add(toks[i], i, t0.Add(time.Hour), t0)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Add(toks[i%len(toks)], i, t0.Add(time.Hour), t0)
				i++
			}
		})
	}
}

func TestReread(t *testing.T) {
	id := func(b []byte) (string, error) { return string(b), nil }
	p, err := Reread("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln", id)
	require.NoError(t, err)
	require.Equal(t, `{"sub":"a"}`, p)
	for _, bad := range []string{"", "a", "a.b", "a.!.c"} {
		_, err := Reread(bad, id)
		require.Error(t, err, "%q", bad)
	}
	failing := func([]byte) (int, error) { return 0, errors.New("no") }
	_, err = Reread("e30.e30.c2ln", failing)
	require.EqualError(t, err, "no")
}

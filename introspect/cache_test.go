package introspect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

// fakeClock is a settable clock for CacheOptions.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// counting is an inner Introspector that counts calls per token and answers
// with answer.
type counting struct {
	mu     sync.Mutex
	calls  map[string]int
	answer func(ctx context.Context, tok string) (*Response, error)
}

func newCounting(answer func(ctx context.Context, tok string) (*Response, error)) *counting {
	return &counting{calls: map[string]int{}, answer: answer}
}

func (c *counting) Introspect(ctx context.Context, tok string) (*Response, error) {
	c.mu.Lock()
	c.calls[tok]++
	c.mu.Unlock()
	return c.answer(ctx, tok)
}

func (c *counting) count(tok string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[tok]
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func active(exp time.Time) func(context.Context, string) (*Response, error) {
	return func(_ context.Context, tok string) (*Response, error) {
		return &Response{Active: true, Subject: "sub-of-" + tok[:3], ExpiresAt: exp, Audience: []string{"api"}}, nil
	}
}

func inactive(context.Context, string) (*Response, error) { return &Response{Active: false}, nil }

func mustIntrospect(t *testing.T, c Introspector, tok string) *Response {
	t.Helper()
	r, err := c.Introspect(context.Background(), tok)
	require.NoError(t, err)
	require.NotNil(t, r)
	return r
}

// TestCacheLifetimes walks each kind of answer through time and checks on
// which calls the inner Introspector is asked.
func TestCacheLifetimes(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		opts   CacheOptions
		answer func(context.Context, string) (*Response, error)
		// steps: advance the clock by at, then call; cached says whether
		// the call must be served without asking the inner Introspector.
		steps []struct {
			at     time.Duration
			cached bool
		}
	}{
		{
			name:   "active without exp lives MaxTTL",
			opts:   CacheOptions{MaxTTL: time.Minute},
			answer: active(time.Time{}),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {0, true}, {59 * time.Second, true}, {time.Second, false}, {59 * time.Second, true}, {time.Second, false}},
		},
		{
			name:   "active lives until exp when exp comes first",
			opts:   CacheOptions{MaxTTL: 5 * time.Minute},
			answer: active(start.Add(30 * time.Second)),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {29 * time.Second, true}, {time.Second, false}, {0, false}, {time.Hour, false}},
		},
		{
			name:   "active lives MaxTTL when exp is later",
			opts:   CacheOptions{MaxTTL: time.Minute},
			answer: active(start.Add(time.Hour)),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {59 * time.Second, true}, {time.Second, false}},
		},
		{
			name:   "default MaxTTL is five minutes",
			opts:   CacheOptions{},
			answer: active(time.Time{}),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {5*time.Minute - time.Nanosecond, true}, {time.Nanosecond, false}},
		},
		{
			name:   "active with exp already passed is not kept",
			opts:   CacheOptions{},
			answer: active(start.Add(-time.Second)),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {0, false}, {0, false}},
		},
		{
			name:   "active with exp exactly now is not kept",
			opts:   CacheOptions{},
			answer: active(start),
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {0, false}},
		},
		{
			name:   "inactive lives NegativeTTL",
			opts:   CacheOptions{NegativeTTL: 3 * time.Second},
			answer: inactive,
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {2 * time.Second, true}, {time.Second, false}, {0, true}},
		},
		{
			name:   "default NegativeTTL is ten seconds",
			opts:   CacheOptions{},
			answer: inactive,
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {10*time.Second - time.Nanosecond, true}, {time.Nanosecond, false}},
		},
		{
			name:   "negative NegativeTTL keeps no inactive answer",
			opts:   CacheOptions{NegativeTTL: -1},
			answer: inactive,
			steps: []struct {
				at     time.Duration
				cached bool
			}{{0, false}, {0, false}, {0, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: start}
			inner := newCounting(tt.answer)
			opts := tt.opts
			opts.Now = clock.Now
			c := NewCache(inner, opts)
			calls := 0
			for i, step := range tt.steps {
				clock.Advance(step.at)
				mustIntrospect(t, c, "tok-a")
				// The answer is in the Store before the clock moves on: a
				// write still running when it has moved past the answer's
				// lifetime would let the next step start a second call.
				waitNoCalls(t, c)
				if !step.cached {
					calls++
				}
				require.Equal(t, calls, inner.count("tok-a"), "step %d (at +%v): cached=%v", i, clock.Now().Sub(start), step.cached)
			}
		})
	}
}

func TestCacheErrorsAreNotCached(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		if fail.Load() {
			return nil, unavailable(nil, "endpoint down")
		}
		return &Response{Active: true}, nil
	})
	c := NewCache(inner, CacheOptions{})
	for range 3 {
		_, err := c.Introspect(context.Background(), "tok-a")
		assert.ErrorIs(t, err, token.ErrUnavailable)
	}
	assert.Equal(t, 3, inner.count("tok-a"), "every call during an outage asks again")
	assert.Equal(t, 0, cacheLen(t, c))

	fail.Store(false)
	assert.True(t, mustIntrospect(t, c, "tok-a").Active)
	assert.True(t, mustIntrospect(t, c, "tok-a").Active)
	assert.Equal(t, 4, inner.count("tok-a"), "the first answer after recovery is cached")
}

func TestCacheInnerErrorsPassUnchanged(t *testing.T) {
	want := errors.New("custom")
	c := NewCache(IntrospectorFunc(func(context.Context, string) (*Response, error) { return nil, want }), CacheOptions{})
	_, err := c.Introspect(context.Background(), "tok")
	assert.Same(t, want, err)
}

// TestCacheEvictsLeastRecentlyUsed waits for each answer to be stored
// before the next call: a caller gets its answer before the shared call
// stores it, so without the wait two answers could reach the Store in the
// other order, and the order is what the test is about.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{MaxEntries: 3})
	use := func(tok string) {
		t.Helper()
		mustIntrospect(t, c, tok)
		waitNoCalls(t, c)
	}
	for _, tok := range []string{"tok-a", "tok-b", "tok-c"} {
		use(tok)
	}
	assert.Equal(t, 3, cacheLen(t, c))
	use("tok-a") // a is now the most recently used; b the least
	use("tok-d") // evicts b
	assert.Equal(t, 3, cacheLen(t, c))

	for _, tok := range []string{"tok-a", "tok-c", "tok-d"} {
		before := inner.count(tok)
		use(tok)
		assert.Equal(t, before, inner.count(tok), "%s should still be cached", tok)
	}
	use("tok-b")
	assert.Equal(t, 2, inner.count("tok-b"), "tok-b should have been evicted")
	assert.Equal(t, 3, cacheLen(t, c))
}

func TestCacheBoundedAtScale(t *testing.T) {
	for _, max := range []int{1, 7, 1023, 1024, 5000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			c := NewCache(newCounting(active(time.Time{})), CacheOptions{MaxEntries: max, MaxInactiveEntries: max})
			st := c.store.(*MemoryStore)
			limits := 0
			for i := range st.shards {
				limits += st.shards[i].lists[kindActive].limit
			}
			assert.Equal(t, max, limits, "the parts' limits add up to MaxEntries")
			for i := range 3 * max {
				mustIntrospect(t, c, fmt.Sprintf("tok-%06d", i))
				require.LessOrEqual(t, cacheLen(t, c), max)
			}
			if max < 1024 {
				assert.Len(t, st.shards, 1, "small caches are exactly LRU")
				assert.Equal(t, max, cacheLen(t, c))
			} else {
				assert.Greater(t, len(st.shards), 1)
				assert.Greater(t, cacheLen(t, c), max*3/4, "a split cache still uses most of its room")
			}
		})
	}
	c := NewCache(inactiveIntrospector(), CacheOptions{})
	st := c.store.(*MemoryStore)
	assert.Len(t, st.shards, maxShards)
	sums := [2]int{}
	for i := range st.shards {
		for k := range sums {
			sums[k] += st.shards[i].lists[k].limit
		}
	}
	assert.Equal(t, DefaultMaxEntries, sums[kindActive])
	assert.Equal(t, DefaultMaxInactiveEntries, sums[kindInactive])
}

// cacheLen is how many answers c's MemoryStore holds once the answers its
// callers already have are stored.
func cacheLen(t *testing.T, c *Cache) int {
	t.Helper()
	waitNoCalls(t, c)
	a, i := c.store.(*MemoryStore).Len()
	return a + i
}

func inactiveIntrospector() Introspector { return IntrospectorFunc(inactive) }

func TestCacheKeepsNoRawToken(t *testing.T) {
	tokens := []string{"opaque-token-one-abcdef", "opaque-token-two-ghijkl", strings.Repeat("long", 100)}
	c := NewCache(newCounting(active(time.Time{})), CacheOptions{})
	for _, tok := range tokens {
		mustIntrospect(t, c, tok)
	}
	waitNoCalls(t, c) // each caller has its answer before the Store does
	for i := range c.flights {
		f := &c.flights[i]
		f.mu.Lock()
		assert.Empty(t, f.calls, "no call left in flight")
		f.mu.Unlock()
	}
	keys := map[cacheKey]bool{}
	st := c.store.(*MemoryStore)
	for i := range st.shards {
		s := &st.shards[i]
		s.mu.Lock()
		for k, e := range s.entries {
			keys[k] = true
			assert.Equal(t, k, e.key)
			dump := fmt.Sprintf("%+v %s", *e.resp, string(k[:]))
			for _, tok := range tokens {
				assert.NotContains(t, dump, tok)
				assert.False(t, bytes.Contains(k[:], []byte(tok[:8])))
			}
		}
		s.mu.Unlock()
	}
	want := map[cacheKey]bool{}
	for _, tok := range tokens {
		want[sha256.Sum256([]byte(tok))] = true
	}
	assert.Equal(t, want, keys, "entries are keyed by the SHA-256 of each token")
}

func TestCacheReturnsCopies(t *testing.T) {
	var returned *Response
	inner := IntrospectorFunc(func(context.Context, string) (*Response, error) {
		returned = &Response{Active: true, Scope: "read", Audience: []string{"api"}, Extra: map[string]json.RawMessage{"x": []byte(`"v"`)}}
		return returned, nil
	})
	c := NewCache(inner, CacheOptions{})
	first := mustIntrospect(t, c, "tok-a")
	// The inner Introspector changing what it returned must not reach the cache.
	returned.Scope = "admin"
	returned.Audience[0] = "other"
	// Nor may a caller changing its copy.
	first.Scope = "admin"
	first.Audience[0] = "other"
	first.Extra["x"][1] = 'Z'
	first.Extra["y"] = []byte(`1`)

	second := mustIntrospect(t, c, "tok-a")
	assert.NotSame(t, first, second)
	assert.Equal(t, "read", second.Scope)
	assert.Equal(t, []string{"api"}, second.Audience)
	assert.Equal(t, map[string]json.RawMessage{"x": []byte(`"v"`)}, second.Extra)

	// Answers served from the cache are copies too.
	second.Scope = "admin"
	second.Audience[0] = "other"
	second.Extra["x"][1] = 'Z'
	third := mustIntrospect(t, c, "tok-a")
	assert.NotSame(t, second, third)
	assert.Equal(t, "read", third.Scope)
	assert.Equal(t, []string{"api"}, third.Audience)
	assert.Equal(t, map[string]json.RawMessage{"x": []byte(`"v"`)}, third.Extra)
}

func TestCacheSharesOneCallAmongConcurrentMisses(t *testing.T) {
	const n = 50
	release := make(chan struct{})
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		<-release
		return &Response{Active: true, Subject: "u"}, nil
	})
	c := NewCache(inner, CacheOptions{})
	var wg sync.WaitGroup
	results := make([]*Response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Introspect(context.Background(), "tok-a")
		}()
	}
	waitForWaiters(t, c, "tok-a", n)
	close(release)
	wg.Wait()
	assert.Equal(t, 1, inner.count("tok-a"), "one upstream call for all concurrent misses")
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, "u", results[i].Subject)
		for j := range i {
			assert.NotSame(t, results[j], results[i], "each caller gets its own copy")
		}
	}
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 1, inner.count("tok-a"))
}

// waitersOf is how many callers wait on the call for tok.
func waitersOf(c *Cache, tok string) int {
	k := cacheKey(sha256.Sum256([]byte(tok)))
	f := c.flightFor(&k)
	f.mu.Lock()
	defer f.mu.Unlock()
	if cl := f.calls[k]; cl != nil {
		return cl.waiters
	}
	return 0
}

// waitForWaiters blocks until n callers wait on the call for tok.
func waitForWaiters(t *testing.T, c *Cache, tok string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := waitersOf(c, tok)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers waiting, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCacheWaiterLeavingDoesNotCancelOthers(t *testing.T) {
	release := make(chan struct{})
	innerErr := make(chan error, 1)
	type ctxKey struct{}
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		<-release
		innerErr <- ctx.Err()
		if ctx.Value(ctxKey{}) != "leader" {
			return nil, errors.New("the first caller's context values did not reach the inner call")
		}
		return &Response{Active: true}, nil
	})
	c := NewCache(inner, CacheOptions{})

	leaderCtx, cancelLeader := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "leader"))
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.Introspect(leaderCtx, "tok-a")
		leaderDone <- err
	}()
	waitForWaiters(t, c, "tok-a", 1)
	otherDone := make(chan error, 1)
	go func() {
		_, err := c.Introspect(context.Background(), "tok-a")
		otherDone <- err
	}()
	waitForWaiters(t, c, "tok-a", 2)

	cancelLeader()
	err := <-leaderDone
	assert.ErrorIs(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "caller's context ended")

	close(release)
	assert.NoError(t, <-otherDone)
	assert.NoError(t, <-innerErr, "the shared call was not cancelled")
	assert.Equal(t, 1, inner.count("tok-a"))
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 1, inner.count("tok-a"), "the shared answer was cached")
}

func TestCacheCallCancelledWhenEveryWaiterLeaves(t *testing.T) {
	innerDone := make(chan error, 2)
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		<-ctx.Done()
		innerDone <- ctx.Err()
		return nil, unavailable(ctx.Err(), "cancelled")
	})
	c := NewCache(inner, CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := c.Introspect(ctx, "tok-a")
			errs <- err
		}()
	}
	waitForWaiters(t, c, "tok-a", 2)
	cancel()
	for range 2 {
		assert.ErrorIs(t, <-errs, context.Canceled)
	}
	select {
	case err := <-innerDone:
		assert.ErrorIs(t, err, context.Canceled, "the shared call ends once nobody waits for it")
	case <-time.After(10 * time.Second):
		t.Fatal("the shared call was not cancelled: its goroutine leaks")
	}
	assert.Eventually(t, func() bool {
		k := cacheKey(sha256.Sum256([]byte("tok-a")))
		f := c.flightFor(&k)
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.calls) == 0
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, 0, cacheLen(t, c))
}

func TestCacheAlreadyCancelledCallerStartsNothing(t *testing.T) {
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Introspect(ctx, "tok-a")
	assert.ErrorIs(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, inner.total())

	// A cached answer is still served to a caller whose context has ended:
	// it costs nothing.
	mustIntrospect(t, c, "tok-a")
	r, err := c.Introspect(ctx, "tok-a")
	require.NoError(t, err)
	assert.True(t, r.Active)
}

func TestCacheBadInner(t *testing.T) {
	tests := []struct {
		name    string
		inner   Introspector
		mention string
	}{
		{"nil inner", nil, "no inner Introspector"},
		{"nil answer", IntrospectorFunc(func(context.Context, string) (*Response, error) { return nil, nil }), "neither an answer nor an error"},
		{"panic", IntrospectorFunc(func(_ context.Context, tok string) (*Response, error) { panic("boom with " + tok) }), "panicked: boom with [redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache(tt.inner, CacheOptions{})
			for range 2 {
				r, err := c.Introspect(context.Background(), "tok-secret")
				assert.Nil(t, r)
				assert.ErrorIs(t, err, token.ErrUnavailable)
				assert.Contains(t, err.Error(), tt.mention)
				assert.NotContains(t, err.Error(), "tok-secret")
			}
			assert.Equal(t, 0, cacheLen(t, c))
		})
	}
}

func TestCacheNegativeBoundsFailClosed(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    CacheOptions
		mention string
	}{
		{"MaxEntries", CacheOptions{MaxEntries: -1}, "CacheOptions.MaxEntries"},
		{"MaxTTL", CacheOptions{MaxTTL: -time.Second}, "CacheOptions.MaxTTL"},
		{"MaxInactiveEntries", CacheOptions{MaxInactiveEntries: -1}, "CacheOptions.MaxInactiveEntries"},
		{"MaxConcurrentCalls", CacheOptions{MaxConcurrentCalls: -1}, "CacheOptions.MaxConcurrentCalls"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inner := newCounting(active(time.Time{}))
			c := NewCache(inner, tt.opts)
			r, err := c.Introspect(context.Background(), "tok-a")
			assert.Nil(t, r)
			assert.ErrorIs(t, err, token.ErrUnavailable)
			assert.Contains(t, err.Error(), tt.mention)
			assert.Equal(t, 0, inner.total(), "a misconfigured cache asks nobody")
			assert.NoError(t, c.Forget(context.Background(), "tok-a"))
			assert.Equal(t, 0, cacheLen(t, c))
		})
	}
}

func TestCacheForget(t *testing.T) {
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{})
	mustIntrospect(t, c, "tok-a")
	mustIntrospect(t, c, "tok-b")
	require.NoError(t, c.Forget(context.Background(), "tok-a"))
	require.NoError(t, c.Forget(context.Background(), "tok-unknown"))
	assert.Equal(t, 1, cacheLen(t, c))
	mustIntrospect(t, c, "tok-a")
	mustIntrospect(t, c, "tok-b")
	assert.Equal(t, 2, inner.count("tok-a"))
	assert.Equal(t, 1, inner.count("tok-b"))
}

// Forget while a call for the token is in flight: the call may have been
// answered before the revocation, so its answer goes to the callers already
// waiting but is never cached, and a caller arriving after Forget starts a
// fresh call instead of joining the old one.
func TestCacheForgetDuringInFlightCall(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		if calls.Add(1) == 1 {
			close(entered)
			<-release // answered before the revocation, returned after it
			return &Response{Active: true, Subject: "u"}, nil
		}
		return &Response{Active: false}, nil
	})
	c := NewCache(inner, CacheOptions{})

	first := make(chan *Response, 1)
	go func() {
		r, err := c.Introspect(context.Background(), "tok-a")
		assert.NoError(t, err)
		first <- r
	}()
	<-entered
	waitForWaiters(t, c, "tok-a", 1)
	require.NoError(t, c.Forget(context.Background(), "tok-a"))

	second := make(chan *Response, 1)
	go func() {
		r, err := c.Introspect(context.Background(), "tok-a")
		assert.NoError(t, err)
		second <- r
	}()
	close(release)

	r1 := <-first
	require.NotNil(t, r1)
	assert.True(t, r1.Active, "the caller already waiting gets the call's answer")
	r2 := <-second
	require.NotNil(t, r2)
	assert.False(t, r2.Active, "a caller after Forget must not join the pre-revocation call")

	r3 := mustIntrospect(t, c, "tok-a")
	assert.False(t, r3.Active, "the pre-revocation answer must not be cached")
	assert.Equal(t, 2, inner.count("tok-a"))
}

// Many goroutines, few tokens, a small cache and a moving clock: the race
// detector watches, and every answer must belong to the token asked about.
func TestCacheConcurrentStress(t *testing.T) {
	clock := newClock()
	inner := newCounting(func(_ context.Context, tok string) (*Response, error) {
		if strings.HasSuffix(tok, "-inactive") {
			return &Response{Active: false}, nil
		}
		if strings.HasSuffix(tok, "-fail") {
			return nil, unavailable(nil, "down")
		}
		return &Response{Active: true, Subject: tok, ExpiresAt: clock.Now().Add(2 * time.Second)}, nil
	})
	c := NewCache(inner, CacheOptions{MaxEntries: 8, MaxInactiveEntries: 4, MaxTTL: time.Second, NegativeTTL: 500 * time.Millisecond, Now: clock.Now})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				tok := fmt.Sprintf("tok-%d", (g*7+i)%20)
				switch i % 10 {
				case 3:
					tok += "-inactive"
				case 7:
					tok += "-fail"
				}
				r, err := c.Introspect(context.Background(), tok)
				switch {
				case strings.HasSuffix(tok, "-fail"):
					assert.ErrorIs(t, err, token.ErrUnavailable)
				case strings.HasSuffix(tok, "-inactive"):
					assert.NoError(t, err)
					assert.False(t, r.Active)
				default:
					assert.NoError(t, err)
					assert.Equal(t, tok, r.Subject)
				}
				if i%50 == 0 {
					clock.Advance(100 * time.Millisecond)
				}
				if i%97 == 0 {
					assert.NoError(t, c.Forget(context.Background(), tok))
				}
			}
		}()
	}
	wg.Wait()
	a, i := c.store.(*MemoryStore).Len()
	assert.LessOrEqual(t, a, 8)
	assert.LessOrEqual(t, i, 4)
}

// The cache in front of a real client: one HTTP request for concurrent
// misses, none for hits, and an outage not remembered.
func TestCacheWithClient(t *testing.T) {
	var requests atomic.Int32
	var status atomic.Int32
	status.Store(200)
	release := make(chan struct{})
	srv, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release
		if s := int(status.Load()); s != 200 {
			w.WriteHeader(s)
			return
		}
		writeJSON(w, 200, `{"active":true,"scope":"read"}`)
	})
	client := newTestClient(t, Config{Endpoint: srv.URL})
	c := NewCache(client, CacheOptions{})

	status.Store(503)
	close(release)
	_, err := c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "HTTP 503")
	status.Store(200)

	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Introspect(context.Background(), testToken)
			assert.NoError(t, err)
			assert.True(t, r.HasScope("read"))
		}()
	}
	wg.Wait()
	mustIntrospect(t, c, testToken)
	// The failed request, then one: every caller either joined the shared
	// call or found its cached answer.
	assert.Equal(t, int32(2), requests.Load())
}

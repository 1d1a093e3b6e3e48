package introspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

// A flood of made-up tokens (inactive answers, many more than the cache
// holds) while real tokens are in use: the real tokens' answers stay cached
// and are never asked about again.
func TestCacheFloodOfMadeUpTokensKeepsRealOnesCached(t *testing.T) {
	inner := newCounting(func(_ context.Context, tok string) (*Response, error) {
		if strings.HasPrefix(tok, "real-") {
			return &Response{Active: true, Subject: tok}, nil
		}
		return &Response{Active: false}, nil
	})
	const real = 100
	c := NewCache(inner, CacheOptions{MaxEntries: real, MaxInactiveEntries: real})
	for i := range real {
		mustIntrospect(t, c, fmt.Sprintf("real-%03d", i))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2_000 {
				r := mustIntrospect(t, c, fmt.Sprintf("made-up-%d-%05d", g, i))
				assert.False(t, r.Active)
			}
		})
	}
	// Real traffic goes on during the flood.
	wg.Go(func() {
		for round := range 20 {
			for i := range real {
				tok := fmt.Sprintf("real-%03d", i)
				r := mustIntrospect(t, c, tok)
				assert.Equal(t, tok, r.Subject, "round %d", round)
			}
		}
	})
	wg.Wait()
	for i := range real {
		tok := fmt.Sprintf("real-%03d", i)
		r := mustIntrospect(t, c, tok)
		assert.Equal(t, tok, r.Subject)
		assert.Equal(t, 1, inner.count(tok), "%s was evicted by the flood and asked about again", tok)
	}
	a, i := c.store.(*MemoryStore).Len()
	assert.Equal(t, real, a)
	assert.Equal(t, real, i, "the made-up tokens' answers are bounded by their own budget")
}

// fakeStore is a Store whose methods can fail or block.
type fakeStore struct {
	MemoryStore
	getErr, putErr, delErr error
	getNil                 bool
	putEntered, putRelease chan struct{} // when set, Put signals and waits
	mu                     sync.Mutex
	puts, deletes          int
}

func (s *fakeStore) Get(ctx context.Context, k [32]byte) (*Response, bool, error) {
	if s.getErr != nil {
		return nil, false, s.getErr
	}
	if s.getNil {
		return nil, true, nil
	}
	return s.MemoryStore.Get(ctx, k)
}

func (s *fakeStore) Put(ctx context.Context, k [32]byte, r *Response, exp time.Time) error {
	s.mu.Lock()
	s.puts++
	s.mu.Unlock()
	if s.putEntered != nil {
		close(s.putEntered)
		<-s.putRelease
	}
	if s.putErr != nil {
		return s.putErr
	}
	return s.MemoryStore.Put(ctx, k, r, exp)
}

func (s *fakeStore) Delete(ctx context.Context, k [32]byte) error {
	s.mu.Lock()
	s.deletes++
	s.mu.Unlock()
	if s.delErr != nil {
		return s.delErr
	}
	return s.MemoryStore.Delete(ctx, k)
}

func TestCacheUsesTheStoreGiven(t *testing.T) {
	st := &fakeStore{}
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{Store: st})
	mustIntrospect(t, c, "tok-a")
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 1, inner.count("tok-a"))
	waitNoCalls(t, c)
	r, ok, err := st.Get(context.Background(), key("tok-a"))
	require.NoError(t, err)
	require.True(t, ok, "the answer is in the Store under the token's SHA-256")
	assert.Equal(t, "sub-of-tok", r.Subject)
	require.NoError(t, c.Forget(context.Background(), "tok-a"))
	_, ok, _ = st.Get(context.Background(), key("tok-a"))
	assert.False(t, ok)
}

// A Store that fails is an outage, never a verdict, and never a reason to
// ask the authorization server behind its back.
func TestCacheStoreFailures(t *testing.T) {
	storeDown := errors.New("store: connection refused")
	ctx := context.Background()

	t.Run("Get", func(t *testing.T) {
		inner := newCounting(active(time.Time{}))
		c := NewCache(inner, CacheOptions{Store: &fakeStore{getErr: storeDown}})
		r, err := c.Introspect(ctx, "tok-a")
		assert.Nil(t, r)
		assert.ErrorIs(t, err, token.ErrUnavailable)
		assert.ErrorIs(t, err, storeDown)
		assert.Contains(t, err.Error(), "Store could not be read")
		assert.Zero(t, inner.total(), "no introspection while the Store is down")
	})
	t.Run("Get matching ErrUnavailable passes unchanged", func(t *testing.T) {
		own := unavailable(nil, "redis: timeout")
		c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: &fakeStore{getErr: own}})
		_, err := c.Introspect(ctx, "tok-a")
		assert.Same(t, own, err)
	})
	t.Run("Get without an answer", func(t *testing.T) {
		c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: &fakeStore{getNil: true}})
		_, err := c.Introspect(ctx, "tok-a")
		assert.ErrorIs(t, err, token.ErrUnavailable)
		assert.Contains(t, err.Error(), "neither an answer nor an error")
	})
	t.Run("Put", func(t *testing.T) {
		var logs lockedBuffer
		inner := newCounting(active(time.Time{}))
		st := &fakeStore{putErr: storeDown}
		c := NewCache(inner, CacheOptions{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		for i := range 2 {
			r := mustIntrospect(t, c, "tok-secret")
			assert.True(t, r.Active, "the answer is good even if it could not be kept")
			// The answer reaches its callers before the Store is written to.
			require.Eventually(t, func() bool { return strings.Count(logs.String(), "failed to keep an answer") == i+1 }, 5*time.Second, time.Millisecond)
			waitNoCalls(t, c)
		}
		assert.Equal(t, 2, inner.count("tok-secret"), "an answer that was not kept is asked for again")
		assert.Contains(t, logs.String(), "connection refused")
		assert.NotContains(t, logs.String(), "tok-secret")
	})
	t.Run("Delete", func(t *testing.T) {
		c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: &fakeStore{delErr: storeDown}})
		err := c.Forget(ctx, "tok-a")
		assert.ErrorIs(t, err, token.ErrUnavailable)
		assert.ErrorIs(t, err, storeDown)
		assert.Contains(t, err.Error(), "could not remove")
	})
}

// Forget while the shared call's answer is being stored: Forget returns
// only once the answer is out of the Store, so no caller after it gets the
// answer from before it, and the call does not store it again.
func TestCacheForgetWhileStoring(t *testing.T) {
	st := &fakeStore{putEntered: make(chan struct{}), putRelease: make(chan struct{})}
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{Store: st})
	done := make(chan *Response, 1)
	go func() {
		r, err := c.Introspect(context.Background(), "tok-a")
		assert.NoError(t, err)
		done <- r
	}()
	<-st.putEntered
	// The caller has its answer before the Store has it.
	assert.True(t, (<-done).Active)
	forgot := make(chan error, 1)
	go func() { forgot <- c.Forget(context.Background(), "tok-a") }()
	select {
	case err := <-forgot:
		t.Fatalf("Forget returned (%v) while the answer it forgets was still being stored", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(st.putRelease)
	require.NoError(t, <-forgot)
	_, ok, _ := st.MemoryStore.Get(context.Background(), key("tok-a"))
	assert.False(t, ok, "the answer from before Forget must not stay cached")
	waitNoCalls(t, c)
	_, ok, _ = st.MemoryStore.Get(context.Background(), key("tok-a"))
	assert.False(t, ok)
	st.putEntered = nil
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 2, inner.count("tok-a"))
}

// Forget's context bounds its wait for a Store that is slow to keep the
// answer being forgotten.
func TestCacheForgetWaitsWithinItsContext(t *testing.T) {
	st := &fakeStore{putEntered: make(chan struct{}), putRelease: make(chan struct{})}
	c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: st})
	mustIntrospect(t, c, "tok-a")
	<-st.putEntered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := c.Forget(ctx, "tok-a")
	assert.ErrorIs(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(st.putRelease)
	waitSlotsFree(t, c) // Forget took the call out of the table
	_, ok, _ := st.MemoryStore.Get(context.Background(), key("tok-a"))
	assert.False(t, ok, "the call removes what it stored after Forget")
}

// lockedBuffer is a bytes.Buffer safe for a logger on another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitSlotsFree blocks until every shared call of c has given its slot
// back, the last thing its goroutine does. waitNoCalls is not enough for
// that: a call leaves the table just before it gives its slot back, and
// long before when Forget takes it out while it still works with the
// Store.
func waitSlotsFree(t *testing.T, c *Cache) {
	t.Helper()
	require.Eventually(t, func() bool { return len(c.slots) == 0 }, 5*time.Second, time.Millisecond,
		"a shared call still holds its slot")
}

// waitNoCalls blocks until c has no shared call in flight, so that every
// answer its callers got is in the Store (a caller gets its answer before
// the Store has it).
func waitNoCalls(t *testing.T, c *Cache) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := 0
		for i := range c.flights {
			f := &c.flights[i]
			f.mu.Lock()
			n += len(f.calls)
			f.mu.Unlock()
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d shared calls still in flight", n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// hookStore is a MemoryStore whose Get and Put run hooks first.
type hookStore struct {
	MemoryStore
	onGet func(k [32]byte) (handled bool, r *Response, ok bool, err error)
	onPut func(ctx context.Context, k [32]byte) error
}

func (s *hookStore) Get(ctx context.Context, k [32]byte) (*Response, bool, error) {
	if s.onGet != nil {
		if handled, r, ok, err := s.onGet(k); handled {
			return r, ok, err
		}
	}
	return s.MemoryStore.Get(ctx, k)
}

func (s *hookStore) Put(ctx context.Context, k [32]byte, r *Response, exp time.Time) error {
	if s.onPut != nil {
		if err := s.onPut(ctx, k); err != nil {
			return err
		}
	}
	return s.MemoryStore.Put(ctx, k, r, exp)
}

// A Store whose Get panics for a caller that waited for a free slot (an
// HTTP server recovers the panic on the caller's goroutine) must not take
// the slot with it: otherwise MaxConcurrentCalls such panics leave a Cache
// that never introspects again.
func TestCacheStorePanicDoesNotLeakASlot(t *testing.T) {
	release := make(chan struct{})
	inner := newCounting(func(_ context.Context, tok string) (*Response, error) {
		if tok == "tok-hold" {
			<-release
		}
		return &Response{Active: true}, nil
	})
	var gets atomic.Int32
	st := &hookStore{onGet: func(k [32]byte) (bool, *Response, bool, error) {
		if k == key("tok-panic") && gets.Add(1) == 2 {
			panic("store: corrupt entry")
		}
		return false, nil, false, nil
	}}
	c := NewCache(inner, CacheOptions{Store: st, MaxConcurrentCalls: 1})
	held := make(chan struct{})
	go func() {
		defer close(held)
		mustIntrospect(t, c, "tok-hold")
	}()
	waitForWaiters(t, c, "tok-hold", 1)
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = c.Introspect(context.Background(), "tok-panic") // queues for the slot
	}()
	// Queued for the slot, past its first lookup: released, it looks
	// again, and that lookup panics. (Released before it queues, it
	// would take the free slot without a second lookup.)
	require.Eventually(t, func() bool {
		return gets.Load() == 1 && goroutinesIn("(*Cache).introspectQueued") == 1
	}, 5*time.Second, time.Millisecond)
	close(release)
	<-held
	assert.Equal(t, "store: corrupt entry", <-panicked)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.Introspect(ctx, "tok-next")
	require.NoError(t, err, "the panic took the only slot with it")
	assert.True(t, r.Active)
}

// An answer a Store hands back past the token's exp (a shared store's
// clock or TTL rounding may keep it a little longer) is never served as
// active: the Cache asks again.
func TestCacheRefusesExpiredAnswerFromStore(t *testing.T) {
	clock := newClock()
	stale := &Response{Active: true, Subject: "u", ExpiresAt: clock.Now().Add(-time.Second)}
	st := &hookStore{onGet: func([32]byte) (bool, *Response, bool, error) {
		return true, stale.Clone(), true, nil
	}}
	inner := newCounting(inactive)
	c := NewCache(inner, CacheOptions{Store: st, Now: clock.Now})
	r := mustIntrospect(t, c, "tok-a")
	assert.False(t, r.Active, "an expired active answer from the Store was served")
	assert.Equal(t, 1, inner.count("tok-a"))

	// One still live is served as it is.
	stale.ExpiresAt = clock.Now().Add(time.Minute)
	r = mustIntrospect(t, c, "tok-a")
	assert.True(t, r.Active)
	assert.Equal(t, 1, inner.count("tok-a"))
}

// A Store that is slow to keep answers must not turn a flood of distinct
// tokens into unbounded goroutines: a shared call holds its slot until its
// answer is stored, and the write is given a deadline.
func TestCacheSlowStoreKeepsCallsBounded(t *testing.T) {
	const bound = 2
	var putting, maxPutting atomic.Int32
	var deadlines atomic.Int32
	release := make(chan struct{})
	st := &hookStore{onPut: func(ctx context.Context, _ [32]byte) error {
		if _, ok := ctx.Deadline(); ok {
			deadlines.Add(1)
		}
		n := putting.Add(1)
		defer putting.Add(-1)
		for m := maxPutting.Load(); n > m && !maxPutting.CompareAndSwap(m, n); m = maxPutting.Load() {
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}}
	c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: st, MaxConcurrentCalls: bound})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, _ = c.Introspect(ctx, fmt.Sprintf("tok-%02d", i))
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, maxPutting.Load(), int32(bound), "stores in progress beyond MaxConcurrentCalls")
	close(release)
	waitNoCalls(t, c)
	assert.Equal(t, maxPutting.Load(), deadlines.Load(), "every Put had a deadline")
}

// A call whose every caller has gone is cancelled and leaves the table; if
// the inner Introspector answers anyway, after a Forget for the token,
// that pre-revocation answer must not be stored.
func TestCacheForgetDuringAbandonedCall(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	inner := newCounting(func(context.Context, string) (*Response, error) {
		if calls.Add(1) == 1 {
			close(entered)
			<-release // ignores its context
			return &Response{Active: true, Subject: "u"}, nil
		}
		return &Response{Active: false}, nil
	})
	st := &fakeStore{}
	c := NewCache(inner, CacheOptions{Store: st, MaxConcurrentCalls: 1})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Introspect(ctx, "tok-a")
		errc <- err
	}()
	<-entered
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	require.NoError(t, c.Forget(context.Background(), "tok-a"))
	close(release)
	// The abandoned call holds the only slot until it has finished.
	r := mustIntrospect(t, c, "tok-a")
	assert.False(t, r.Active, "the answer from before Forget was cached")
	waitNoCalls(t, c)
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Equal(t, 1, st.puts, "only the fresh answer is stored")
}

// An answer that callers joining its call would get while the Store is
// still keeping it is not served once its time has passed.
func TestCacheAnswerBeingStoredExpires(t *testing.T) {
	clock := newClock()
	entered, release := make(chan struct{}), make(chan struct{})
	var puts atomic.Int32
	st := &hookStore{onPut: func(context.Context, [32]byte) error {
		if puts.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}}
	defer close(release)
	inner := newCounting(active(clock.Now().Add(30 * time.Second)))
	c := NewCache(inner, CacheOptions{Store: st, Now: clock.Now})
	mustIntrospect(t, c, "tok-a")
	<-entered
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 1, inner.count("tok-a"), "a caller joins the call while its answer is stored")
	clock.Advance(30 * time.Second)
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 2, inner.count("tok-a"), "the answer was served past its time")
}

// A Store whose Put panics must not end the program: the write happens on
// the shared call's goroutine, where nothing else would recover it. It is
// a failure to keep the answer, logged, and the callers have their answer.
func TestCacheStorePutPanicIsAFailedPut(t *testing.T) {
	var logs lockedBuffer
	st := &hookStore{onPut: func(context.Context, [32]byte) error { panic("store: nil connection") }}
	inner := newCounting(active(time.Time{}))
	c := NewCache(inner, CacheOptions{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := mustIntrospect(t, c, "tok-secret")
	assert.True(t, r.Active)
	waitNoCalls(t, c)
	assert.Contains(t, logs.String(), "failed to keep an answer")
	assert.Contains(t, logs.String(), "panicked: store: nil connection")
	assert.NotContains(t, logs.String(), "tok-secret")
	mustIntrospect(t, c, "tok-secret")
	assert.Equal(t, 2, inner.count("tok-secret"), "an answer that was not kept is asked for again")
}

// A caller whose Store lookup missed just before the shared call stored
// its answer, and which finds the call gone from the table just after,
// looks again rather than asking the server a second time.
func TestCacheLookupRacingAStoreAsksOnce(t *testing.T) {
	release := make(chan struct{})
	inner := newCounting(func(context.Context, string) (*Response, error) {
		<-release
		return &Response{Active: true}, nil
	})
	var gets atomic.Int32
	missed, proceed := make(chan struct{}), make(chan struct{})
	st := &hookStore{}
	st.onGet = func(k [32]byte) (bool, *Response, bool, error) {
		if gets.Add(1) != 2 {
			return false, nil, false, nil
		}
		r, ok, err := st.MemoryStore.Get(context.Background(), k)
		close(missed)
		<-proceed
		return true, r, ok, err
	}
	c := NewCache(inner, CacheOptions{Store: st})
	first := make(chan struct{})
	go func() {
		defer close(first)
		mustIntrospect(t, c, "tok-a")
	}()
	waitForWaiters(t, c, "tok-a", 1)
	second := make(chan *Response, 1)
	go func() { second <- mustIntrospect(t, c, "tok-a") }()
	<-missed // the second caller's lookup missed
	close(release)
	<-first
	waitNoCalls(t, c) // the answer is stored and the call has left the table
	close(proceed)
	assert.True(t, (<-second).Active)
	assert.Equal(t, 1, inner.count("tok-a"), "the second caller asked the server again")
}

// A caller whose context has ended gets an answer already there while the
// Store is still keeping it, as it gets a cached one.
func TestCacheEndedCallerGetsAnswerBeingStored(t *testing.T) {
	st := &fakeStore{putEntered: make(chan struct{}), putRelease: make(chan struct{})}
	defer close(st.putRelease)
	c := NewCache(newCounting(active(time.Time{})), CacheOptions{Store: st})
	mustIntrospect(t, c, "tok-a")
	<-st.putEntered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		r, err := c.Introspect(ctx, "tok-a")
		require.NoError(t, err)
		assert.True(t, r.Active)
	}
}

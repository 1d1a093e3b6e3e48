package introspect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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

// Forget while the shared call's answer is being stored: whichever of the
// Store's Put and Forget's Delete comes first, the answer does not stay.
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
	require.NoError(t, c.Forget(context.Background(), "tok-a")) // Delete before Put
	close(st.putRelease)
	require.Eventually(t, func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.deletes == 2
	}, 5*time.Second, time.Millisecond, "the call removes what it stored after Forget")
	_, ok, _ := st.MemoryStore.Get(context.Background(), key("tok-a"))
	assert.False(t, ok, "the answer from before Forget must not stay cached")
	st.putEntered = nil
	mustIntrospect(t, c, "tok-a")
	assert.Equal(t, 2, inner.count("tok-a"))
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

// waitNoCalls blocks until c has no shared call in flight.
func waitNoCalls(t *testing.T, c *Cache) {
	t.Helper()
	require.Eventually(t, func() bool {
		for i := range c.flights {
			f := &c.flights[i]
			f.mu.Lock()
			n := len(f.calls)
			f.mu.Unlock()
			if n > 0 {
				return false
			}
		}
		return true
	}, 5*time.Second, time.Millisecond)
}

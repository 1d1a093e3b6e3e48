package token_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

func TestMemoryReplayStoreRefusesSecondUse(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{Now: func() time.Time { return now }}
	ctx := context.Background()

	require.NoError(t, s.Use(ctx, "jti-1", now.Add(time.Minute)))
	err := s.Use(ctx, "jti-1", now.Add(time.Minute))
	require.ErrorIs(t, err, token.ErrReplay)
	require.NotErrorIs(t, err, token.ErrUnavailable)
	require.NoError(t, s.Use(ctx, "jti-2", now.Add(time.Minute)), "another identifier is fresh")

	// Once the first entry has expired it is forgotten: nothing could
	// accept the original proof by then anyway.
	now = now.Add(time.Minute)
	require.NoError(t, s.Use(ctx, "jti-1", now.Add(time.Minute)))
	require.Equal(t, 1, s.Len(), "jti-2 expired with jti-1's first entry")
}

func TestMemoryReplayStoreBoundFailsClosed(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{MaxEntries: 3, Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := range 3 {
		require.NoError(t, s.Use(ctx, fmt.Sprint("id-", i), now.Add(time.Duration(i+1)*time.Second)))
	}
	err := s.Use(ctx, "id-3", now.Add(time.Minute))
	require.ErrorIs(t, err, token.ErrUnavailable, "a full store refuses rather than forgetting a live identifier")
	require.ErrorIs(t, s.Use(ctx, "id-0", now.Add(time.Minute)), token.ErrReplay, "live entries were kept")

	now = now.Add(time.Second) // id-0 expires
	require.NoError(t, s.Use(ctx, "id-3", now.Add(time.Minute)))
	require.Equal(t, 3, s.Len())
}

func TestMemoryReplayStoreExpiredOnArrival(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{Now: func() time.Time { return now }}
	require.NoError(t, s.Use(context.Background(), "old", now.Add(-time.Second)))
	require.Equal(t, 0, s.Len())
}

func TestMemoryReplayStoreNilAndCancelled(t *testing.T) {
	var s *token.MemoryReplayStore
	require.ErrorIs(t, s.Use(context.Background(), "x", time.Now().Add(time.Minute)), token.ErrUnavailable)
	require.Equal(t, 0, s.Len())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := (&token.MemoryReplayStore{}).Use(ctx, "x", time.Now().Add(time.Minute))
	require.ErrorIs(t, err, token.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
}

func TestMemoryReplayStoreConcurrentUseAcceptsOne(t *testing.T) {
	s := &token.MemoryReplayStore{}
	var ok atomic.Int32
	var wg sync.WaitGroup
	exp := time.Now().Add(time.Minute)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Use(context.Background(), "same", exp)
			if err == nil {
				ok.Add(1)
			} else if !errors.Is(err, token.ErrReplay) {
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), ok.Load())
}

func ExampleMemoryReplayStore() {
	store := &token.MemoryReplayStore{}
	ctx := context.Background()
	exp := time.Now().Add(5 * time.Minute)
	fmt.Println(store.Use(ctx, "proof-jti-1", exp))
	fmt.Println(errors.Is(store.Use(ctx, "proof-jti-1", exp), token.ErrReplay))
	// Output:
	// <nil>
	// true
}

func TestMemoryReplayStoreNegativeBoundFailsClosed(t *testing.T) {
	s := &token.MemoryReplayStore{MaxEntries: -1}
	err := s.Use(context.Background(), "x", time.Now().Add(time.Minute))
	require.ErrorIs(t, err, token.ErrUnavailable)
	require.ErrorContains(t, err, "MaxEntries")
	require.Equal(t, 0, s.Len())
}

// Entries recorded in any order of expiry are forgotten exactly when each
// expires, no sooner: until then each is refused, afterwards each is new.
// Keys past the usual length (hashed from the heap) are kept alike.
func TestMemoryReplayStoreForgetsInExpiryOrder(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{Now: func() time.Time { return now }}
	ctx := context.Background()
	const n = 300
	key := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("%0400d", i) // longer than the stack buffer
		}
		return fmt.Sprint("id-", i)
	}
	base := now
	expiry := func(i int) time.Time { return base.Add(time.Duration(1+(i*7919)%n) * time.Second) }
	for i := range n {
		require.NoError(t, s.Use(ctx, key(i), expiry(i)))
	}
	for step := 1; step <= n; step++ {
		now = base.Add(time.Duration(step) * time.Second)
		for i := range n {
			err := s.Use(ctx, key(i), now.Add(-time.Nanosecond)) // nothing new is kept
			if now.Before(expiry(i)) {
				require.ErrorIs(t, err, token.ErrReplay, "key %d at step %d", i, step)
			} else {
				require.NoError(t, err, "key %d at step %d", i, step)
			}
		}
		require.Equal(t, n-step, s.Len(), "at step %d", step)
	}
}

// An expiry beyond what the store's clock arithmetic holds (after the year
// 2262) keeps its entry: the identifier is refused however far the clock
// moves within the range.
func TestMemoryReplayStoreFarFutureExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{Now: func() time.Time { return now }}
	ctx := context.Background()
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.Use(ctx, "logout-jti", far))
	now = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	require.ErrorIs(t, s.Use(ctx, "logout-jti", far), token.ErrReplay)
	require.Equal(t, 1, s.Len())
}

// Under concurrent use with a moving clock, small enough a bound that the
// table is swept and regrown while other goroutines wait on it, no
// identifier is accepted twice while it is live, and nothing else fails.
// Run it with -race.
func TestMemoryReplayStoreConcurrentExpiry(t *testing.T) {
	var clock atomic.Int64 // ticks after start; it only moves forward
	advance := func(to int64) {
		for c := clock.Load(); c < to && !clock.CompareAndSwap(c, to); c = clock.Load() {
		}
	}
	start := time.Unix(1_800_000_000, 0)
	s := &token.MemoryReplayStore{MaxEntries: 512, Now: func() time.Time { return start.Add(time.Duration(clock.Load())) }}
	ctx := context.Background()
	const workers, keys, life = 4, 4000, 100
	var accepted [keys]atomic.Int32 // acceptances while the identifier was live
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				// Every identifier lives 100 ticks; the clock moves one tick
				// per identifier, so some 100 are live at a time.
				advance(int64(k))
				err := s.Use(ctx, fmt.Sprint("id-", k), start.Add(time.Duration(k+life)))
				switch {
				case err == nil:
					// A worker that fell 100 identifiers behind is told
					// nil for one that has expired, as for any expired
					// identifier; only what was live when Use returned
					// counts.
					if clock.Load() < int64(k+life) {
						accepted[k].Add(1)
					}
				case !errors.Is(err, token.ErrReplay):
					t.Errorf("worker %d, id-%d: %v", w, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	counted := 0
	for k := range accepted {
		n := accepted[k].Load()
		if n > 1 {
			t.Fatalf("id-%d accepted %d times while live", k, n)
		}
		counted += int(n)
	}
	if counted < keys/2 {
		t.Fatalf("only %d of %d identifiers were accepted while live; the test checked little", counted, keys)
	}
	if n := s.Len(); n > life+1 {
		t.Fatalf("%d live entries at the end; at most %d can be live", n, life+1)
	}
}

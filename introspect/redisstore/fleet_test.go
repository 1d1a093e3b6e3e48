package redisstore_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/introspect/redisstore/internal/redistest"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// replica is one resource server of a fleet: its own introspection client,
// cache and validator, and its own Redis client when the fleet shares
// Redis.
type replica struct {
	v      *accesstoken.Validator
	cache  *introspect.Cache
	replay token.ReplayStore
	puts   *atomic.Int64 // Puts done by the whole fleet
}

// putCounter counts the Puts done through it. A Cache hands the answer to
// its callers first and stores it just after, so a test that counts
// requests waits for the Puts before moving to another replica.
type putCounter struct {
	introspect.Store
	n *atomic.Int64
}

func (p putCounter) Put(ctx context.Context, k [32]byte, r *introspect.Response, exp time.Time) error {
	defer p.n.Add(1)
	return p.Store.Put(ctx, k, r, exp)
}

// settle waits until every answer the issuer gave the fleet has been
// stored.
func settle(t testing.TB, fleet []replica, iss *tokentest.Issuer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for fleet[0].puts.Load() < int64(iss.IntrospectionRequests()) {
		if time.Now().After(deadline) {
			t.Fatalf("%d answers stored of %d", fleet[0].puts.Load(), iss.IntrospectionRequests())
		}
		time.Sleep(time.Millisecond)
	}
}

// newFleet builds n replicas validating iss's opaque tokens. With srv,
// they share a Store and a ReplayStore on it; without, each has the
// default in-memory ones.
func newFleet(t testing.TB, iss *tokentest.Issuer, n int, srv *redistest.Server) []replica {
	t.Helper()
	fleet := make([]replica, n)
	puts := new(atomic.Int64)
	for i := range fleet {
		client, err := introspect.NewClient(introspect.Config{
			Endpoint:     iss.IntrospectionURL(),
			ClientID:     iss.IntrospectionClientID(),
			ClientSecret: iss.IntrospectionClientSecret(),
			Timeout:      5 * time.Second,
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = client.Close() })
		var (
			store  introspect.Store  = introspect.NewMemoryStore(introspect.MemoryStoreOptions{})
			replay token.ReplayStore = &token.MemoryReplayStore{}
		)
		if srv != nil {
			rc := newClient(t, srv)
			store = newStore(t, rc, redisstore.StoreOptions{Timeout: time.Second})
			replay, err = redisstore.NewReplayStore(rc, redisstore.ReplayOptions{Timeout: time.Second})
			require.NoError(t, err)
		}
		cache := introspect.NewCache(client, introspect.CacheOptions{MaxTTL: time.Minute, Store: putCounter{store, puts}})
		v, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss.URL(), Audience: iss.Audience(), Introspector: cache})
		require.NoError(t, err)
		fleet[i] = replica{v: v, cache: cache, replay: replay, puts: puts}
	}
	return fleet
}

// TestFleetIntrospectsEachTokenOnce counts the authorization server's
// introspection requests when every replica of a fleet sees every token
// several times: once per token with a shared Store, once per token and
// replica with separate in-memory caches.
func TestFleetIntrospectsEachTokenOnce(t *testing.T) {
	srv := startRedis(t)
	const replicas, tokens, visits = 4, 25, 3
	count := func(shared bool) int {
		iss := tokentest.NewIssuer(t)
		var fleet []replica
		if shared {
			fleet = newFleet(t, iss, replicas, srv)
		} else {
			fleet = newFleet(t, iss, replicas, nil)
		}
		toks := make([]string, tokens)
		for i := range toks {
			toks[i] = iss.OpaqueToken(tokentest.Claims{"scope": "read"})
		}
		ctx := context.Background()
		for range visits {
			for _, r := range fleet {
				for _, tok := range toks {
					at, err := r.v.Validate(ctx, tok)
					require.NoError(t, err)
					require.True(t, at.HasScope("read"))
				}
				settle(t, fleet, iss)
			}
		}
		return iss.IntrospectionRequests()
	}
	separate, shared := count(false), count(true)
	t.Logf("%d replicas, %d tokens, each seen %d times by every replica: %d introspection requests with separate caches, %d with one Redis",
		replicas, tokens, visits, separate, shared)
	assert.Equal(t, replicas*tokens, separate)
	assert.Equal(t, tokens, shared)
}

// TestFleetConcurrentFirstSight lets every replica meet the same new tokens
// at once: the shared store cannot merge calls already in flight on
// different replicas, so the count is between one and one per replica for
// each token, and once answered every later request is a hit.
func TestFleetConcurrentFirstSight(t *testing.T) {
	srv := startRedis(t)
	const replicas, tokens = 4, 25
	iss := tokentest.NewIssuer(t)
	fleet := newFleet(t, iss, replicas, srv)
	toks := make([]string, tokens)
	for i := range toks {
		toks[i] = iss.OpaqueToken(nil)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, r := range fleet {
		wg.Go(func() {
			for _, tok := range toks {
				_, err := r.v.Validate(ctx, tok)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	settle(t, fleet, iss)
	first := iss.IntrospectionRequests()
	t.Logf("%d replicas meeting %d new tokens at once: %d introspection requests (separate caches: %d)", replicas, tokens, first, replicas*tokens)
	assert.GreaterOrEqual(t, first, tokens)
	assert.LessOrEqual(t, first, replicas*tokens)
	for _, r := range fleet {
		for _, tok := range toks {
			_, err := r.v.Validate(ctx, tok)
			require.NoError(t, err)
		}
	}
	assert.Equal(t, first, iss.IntrospectionRequests(), "every later request is answered from Redis")
}

// TestFleetForgetReachesEveryReplica revokes a cached token through one
// replica's Cache.Forget: every replica refuses it on its next request.
func TestFleetForgetReachesEveryReplica(t *testing.T) {
	srv := startRedis(t)
	iss := tokentest.NewIssuer(t)
	fleet := newFleet(t, iss, 3, srv)
	ctx := context.Background()
	tok := iss.OpaqueToken(nil)
	for _, r := range fleet {
		_, err := r.v.Validate(ctx, tok)
		require.NoError(t, err)
		settle(t, fleet, iss)
	}
	require.Equal(t, 1, iss.IntrospectionRequests())
	iss.Revoke(tok)
	_, err := fleet[2].v.Validate(ctx, tok)
	require.NoError(t, err, "revoked at the issuer, the answer is still cached")

	require.NoError(t, fleet[1].cache.Forget(ctx, tok))
	for i, r := range fleet {
		_, err := r.v.Validate(ctx, tok)
		require.ErrorIs(t, err, token.ErrInactive, "replica %d", i)
	}
}

// TestFleetForgetBeatsAnAnswerInFlight has replica B ask the authorization
// server before a revocation and get its "active" answer after replica A
// forgot the token: the stale answer reaches B's caller but is not
// cached for the fleet, so replica C asks again.
func TestFleetForgetBeatsAnAnswerInFlight(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	var requests atomic.Int32
	var revoked atomic.Bool
	gate := make(chan struct{})
	upstream := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		requests.Add(1)
		active := !revoked.Load()
		if tok == "slow" {
			<-gate
		}
		return &introspect.Response{Active: active, Scope: "read"}, nil
	})
	var puts atomic.Int64
	cacheOn := func() *introspect.Cache {
		store := newStore(t, newClient(t, srv), redisstore.StoreOptions{})
		return introspect.NewCache(upstream, introspect.CacheOptions{Store: putCounter{store, &puts}})
	}
	a, b, c := cacheOn(), cacheOn(), cacheOn()

	done := make(chan *introspect.Response)
	go func() {
		r, err := b.Introspect(ctx, "slow")
		assert.NoError(t, err)
		done <- r
	}()
	require.Eventually(t, func() bool { return requests.Load() == 1 }, 5*time.Second, time.Millisecond)
	revoked.Store(true)
	require.NoError(t, a.Forget(ctx, "slow"))
	close(gate)
	r := <-done
	assert.True(t, r.Active, "B's caller gets the answer it asked for")
	require.Eventually(t, func() bool { return puts.Load() == 1 }, 5*time.Second, time.Millisecond, "B tried to store it")

	r, err := c.Introspect(ctx, "slow")
	require.NoError(t, err)
	assert.False(t, r.Active, "C does not find B's stale answer")
	assert.EqualValues(t, 2, requests.Load())

	// Inactive answers are cached for the fleet as usual meanwhile.
	require.Eventually(t, func() bool { return puts.Load() == 2 }, 5*time.Second, time.Millisecond, "C stored its answer")
	r, err = a.Introspect(ctx, "slow")
	require.NoError(t, err)
	assert.False(t, r.Active)
	assert.EqualValues(t, 2, requests.Load())
}

// TestFleetThroughRedisKilledAndRestarted runs a fleet under steady load,
// kills Redis in the middle and starts it again. While it is down, every
// request fails with token.ErrUnavailable, within the configured timeout:
// no good token is refused as invalid, no replay check passes. Once Redis
// is back, requests succeed again.
func TestFleetThroughRedisKilledAndRestarted(t *testing.T) {
	srv := startRedis(t)
	iss := tokentest.NewIssuer(t)
	fleet := newFleet(t, iss, 3, srv)
	toks := make([]string, 10)
	for i := range toks {
		toks[i] = iss.OpaqueToken(nil)
	}

	// phase: 0 up, 1 being killed, 2 down (the kill has taken effect),
	// 3 restarting and up again.
	var (
		phase                                                atomic.Int32
		ok, unavailable                                      [4]atomic.Int32
		acceptedWhileDown, refusedWhileUp, wrongErr, tooSlow atomic.Int32
		jtiSeq                                               atomic.Int64
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, r := range fleet {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				p := phase.Load()
				start := time.Now()
				_, err := r.v.Validate(ctx, toks[(n+i)%len(toks)])
				if err == nil {
					err = r.replay.Use(ctx, "jti-"+strconv.FormatInt(jtiSeq.Add(1), 10), time.Now().Add(time.Minute))
				}
				if time.Since(start) > 3*time.Second { // two calls to Redis, each bounded by Timeout (1 s)
					tooSlow.Add(1)
				}
				same := phase.Load() == p // the call ran within one phase
				switch {
				case err == nil:
					ok[p].Add(1)
					if same && p == 2 {
						acceptedWhileDown.Add(1)
					}
				case errors.Is(err, token.ErrUnavailable):
					unavailable[p].Add(1)
					if same && p == 0 {
						refusedWhileUp.Add(1)
					}
				case ctx.Err() != nil:
				default:
					wrongErr.Add(1)
					t.Errorf("replica %d: %v", i, err)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				cancel()
				wg.Wait()
				t.Fatalf("timed out waiting until %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("requests succeed with Redis up", func() bool { return ok[0].Load() >= 50 })
	phase.Store(1)
	require.NoError(t, srv.Kill())
	phase.Store(2)
	waitFor("requests fail while Redis is down", func() bool { return unavailable[2].Load() >= 50 })
	phase.Store(3)
	require.NoError(t, srv.Restart())
	waitFor("requests succeed once Redis is back", func() bool { return ok[3].Load() >= 50 })
	cancel()
	wg.Wait()

	t.Logf("up: %d ok, %d unavailable; being killed: %d ok, %d unavailable; down: %d ok, %d unavailable; restarted: %d ok, %d unavailable",
		ok[0].Load(), unavailable[0].Load(), ok[1].Load(), unavailable[1].Load(),
		ok[2].Load(), unavailable[2].Load(), ok[3].Load(), unavailable[3].Load())
	assert.Zero(t, acceptedWhileDown.Load(), "nothing is accepted while Redis is down")
	assert.Zero(t, refusedWhileUp.Load(), "nothing is refused while Redis is up")
	assert.Zero(t, wrongErr.Load(), "no failure blames the token")
	assert.Zero(t, tooSlow.Load(), "every request ends within its timeouts")
}

// TestSlowRedisIsABoundedOutage pauses Redis: it keeps its connections but
// answers nothing. Lookups and replay checks fail with
// token.ErrUnavailable within Timeout, leave no goroutine behind, and work
// again once Redis resumes.
func TestSlowRedisIsABoundedOutage(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	func() {
		rc := newClient(t, srv)
		s := newStore(t, rc, redisstore.StoreOptions{Timeout: 100 * time.Millisecond})
		rs, err := redisstore.NewReplayStore(rc, redisstore.ReplayOptions{Timeout: 100 * time.Millisecond})
		require.NoError(t, err)
		k := [32]byte{1}
		require.NoError(t, s.Put(ctx, k, &introspect.Response{Active: true}, time.Now().Add(time.Minute)))

		require.NoError(t, srv.Pause())
		resumed := false
		defer func() {
			if !resumed {
				_ = srv.Resume()
			}
		}()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				start := time.Now()
				var err error
				switch i % 4 {
				case 0:
					_, _, err = s.Get(ctx, k)
				case 1:
					err = rs.Use(ctx, "jti-"+strconv.Itoa(i), time.Now().Add(time.Minute))
				case 2:
					err = s.Put(ctx, k, &introspect.Response{Active: true}, time.Now().Add(time.Minute))
				case 3:
					err = s.Delete(ctx, k) // a Forget that cannot reach the fleet says so
				}
				assert.ErrorIs(t, err, token.ErrUnavailable)
				assert.Less(t, time.Since(start), 2*time.Second, "bounded by Timeout (100 ms), with room for a loaded machine")
			})
		}
		wg.Wait()
		require.NoError(t, srv.Resume())
		resumed = true
		deadline := time.Now().Add(5 * time.Second)
		for s.Put(ctx, k, &introspect.Response{Active: true}, time.Now().Add(time.Minute)) != nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		r, ok, err := s.Get(ctx, k)
		require.NoError(t, err, "works again once Redis resumes")
		require.True(t, ok)
		assert.True(t, r.Active)
		require.NoError(t, rc.Close())
	}()
	// Polled by hand: assert.Eventually runs goroutines of its own.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "no goroutine is left behind")
}

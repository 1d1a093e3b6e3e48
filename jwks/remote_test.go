package jwks

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/token"
)

func TestNewServesKeysFromMemory(t *testing.T) {
	k := testKeys()
	doc := jwksDoc(t,
		jwk{kid: "rsa", alg: "RS256", key: &k.rsa.PublicKey},
		ecJWK("ec", 0),
		jwk{kid: "ed", alg: "EdDSA", key: k.ed.Public()},
	)
	srv := newJWKSServer(t, doc)
	r := newRemote(t, srv.URL, Options{})

	for _, kid := range []string{"rsa", "ec", "ed", ""} {
		set, err := r.Keys(context.Background(), kid)
		require.NoError(t, err, "kid %q", kid)
		assert.Equal(t, 3, set.Len())
		if kid != "" {
			require.Len(t, set.Lookup(kid), 1)
		}
	}
	assert.Equal(t, 1, srv.count(), "known kids are served from memory")
	assert.Nil(t, r.Discovery(), "New reads no discovery document")
	assert.Equal(t, srv.URL, r.URL())

	st := r.Stats()
	assert.Equal(t, uint64(1), st.Fetches)
	assert.Zero(t, st.Failures)
	assert.Equal(t, 3, st.Keys)
	assert.False(t, st.LastSuccess.IsZero())
	assert.Empty(t, st.LastError)
	assert.False(t, st.NextRefresh.IsZero())
}

func TestRotationAcceptsNewKidAfterOneRefetch(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("old", 0)))
	r := newRemote(t, srv.URL, Options{})
	before, err := r.Keys(context.Background(), "old")
	require.NoError(t, err)
	oldKey := before.Lookup("old")[0]

	srv.set(jwksDoc(t, ecJWK("old", 0), ecJWK("new", 1)))
	set, err := r.Keys(context.Background(), "new")
	require.NoError(t, err)
	require.Len(t, set.Lookup("new"), 1)
	assert.Equal(t, 2, srv.count(), "exactly one refetch")
	assert.Equal(t, uint64(1), r.Stats().Refetches)

	// The unchanged key keeps its identity, so tokens cached as verified
	// by it stay cached.
	assert.Same(t, oldKey, set.Lookup("old")[0])
	assert.True(t, set.Contains(oldKey))

	// From now on both are served from memory.
	for _, kid := range []string{"old", "new"} {
		_, err := r.Keys(context.Background(), kid)
		require.NoError(t, err)
	}
	assert.Equal(t, 2, srv.count())
}

func TestRemovedKeyIsGoneAfterRefresh(t *testing.T) {
	clk := newFakeClock()
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1)))
	r := newRemote(t, srv.URL, clk.options(Options{}))
	before, err := r.Keys(context.Background(), "a")
	require.NoError(t, err)
	removed := before.Lookup("a")[0]

	srv.set(jwksDoc(t, ecJWK("b", 1)))
	clk.next(t).fire <- clk.Now()
	clk.next(t) // the refresh has ended

	set, err := r.Keys(context.Background(), "b")
	require.NoError(t, err)
	assert.Equal(t, 1, set.Len())
	assert.False(t, set.Contains(removed), "a removed key must leave the set, so cached tokens it verified are dropped")

	_, err = r.Keys(context.Background(), "a")
	require.ErrorIs(t, err, token.ErrKeyNotFound)
	assert.Equal(t, 3, srv.count(), "the initial fetch, the refresh and one refetch for the unknown kid")
}

func TestUnchangedRefreshKeepsTheSameSet(t *testing.T) {
	clk := newFakeClock()
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1)))
	r := newRemote(t, srv.URL, clk.options(Options{}))
	before, err := r.Keys(context.Background(), "")
	require.NoError(t, err)

	// Same keys, other order: nothing changed.
	srv.set(jwksDoc(t, ecJWK("b", 1), ecJWK("a", 0)))
	clk.next(t).fire <- clk.Now()
	clk.next(t)

	after, err := r.Keys(context.Background(), "")
	require.NoError(t, err)
	assert.Same(t, before, after)
	assert.Equal(t, uint64(2), r.Stats().Fetches)
}

// failures are the ways a JWKS endpoint can fail. Each must leave a Remote
// with no keys yet failing with token.ErrUnavailable (and nothing else),
// and a Remote with keys keeping them.
func failures(t *testing.T) []struct {
	name    string
	respond func(release <-chan struct{}) http.HandlerFunc
	reason  string
} {
	k := testKeys()
	tenMiB := strings.Repeat(" ", 10<<20)
	return []struct {
		name    string
		respond func(release <-chan struct{}) http.HandlerFunc
		reason  string
	}{
		{"server error", func(<-chan struct{}) http.HandlerFunc { return status(500) }, "status 500"},
		{"not found", func(<-chan struct{}) http.HandlerFunc { return status(404) }, "status 404"},
		{"hanging server", hang, "did not answer within"},
		{"slow body", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"keys":[`))
				w.(http.Flusher).Flush()
				hang(release)(w, r)
			}
		}, "did not answer within"},
		{"malformed JSON", func(<-chan struct{}) http.HandlerFunc { return body([]byte(`{"keys":[`)) }, "not strict JSON"},
		{"duplicate member", func(<-chan struct{}) http.HandlerFunc {
			return body([]byte(`{"keys":[],"keys":[]}`))
		}, "duplicate"},
		{"no keys array", func(<-chan struct{}) http.HandlerFunc { return body([]byte(`{"kees":[]}`)) }, `no "keys" array`},
		{"empty set", func(<-chan struct{}) http.HandlerFunc { return body([]byte(`{"keys":[]}`)) }, "no usable signing key"},
		{"only encryption keys", func(<-chan struct{}) http.HandlerFunc {
			return body(jwksDoc(t, jwk{kid: "e", key: &k.ec[0].PublicKey, use: "enc"}))
		}, "no usable signing key"},
		{"only a 1024-bit RSA key", func(<-chan struct{}) http.HandlerFunc {
			return body(jwksDoc(t, jwk{kid: "small", alg: "RS256", key: &k.rsa1024.PublicKey}))
		}, "no usable signing key"},
		{"10 MiB with Content-Length", func(<-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "10485760")
				w.Write([]byte(tenMiB))
			}
		}, "10485760 bytes"},
		{"10 MiB chunked", func(<-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"keys":[`))
				w.(http.Flusher).Flush() // no Content-Length from here
				w.Write([]byte(tenMiB))
			}
		}, "more than 1048576 bytes"},
		{"connection reset", func(<-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		}, "could not be fetched"},
	}
}

// timeoutFor gives the hanging server a short timeout, and every other case
// the default, so that a slow machine cannot turn them into timeouts.
func timeoutFor(name string) time.Duration {
	if name == "hanging server" || name == "slow body" {
		return 100 * time.Millisecond
	}
	return 0
}

func TestFirstFetchFailureIsUnavailable(t *testing.T) {
	for _, tc := range failures(t) {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			srv := newJWKSServer(t, nil)
			srv.answer(tc.respond(release))

			r, err := New(context.Background(), srv.URL, Options{Timeout: timeoutFor(tc.name)})
			closeIfMade(t, r)
			require.ErrorIs(t, err, token.ErrUnavailable)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tc.reason)
			for _, other := range []error{token.ErrMalformed, token.ErrTooLarge, token.ErrKeyNotFound} {
				assert.NotErrorIs(t, err, other, "a broken key set is not the token's fault")
			}
			requireNoGoroutines(t)
		})
	}
}

func TestRefreshFailureKeepsLastGoodKeys(t *testing.T) {
	for _, tc := range failures(t) {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			clk := newFakeClock()
			srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
			r := newRemote(t, srv.URL, clk.options(Options{}))
			if d := timeoutFor(tc.name); d != 0 {
				r.cfg.timeout = d // after the first fetch, which must succeed
			}
			srv.answer(tc.respond(release))

			clk.next(t).fire <- clk.Now()
			retry := clk.next(t)
			assert.Equal(t, firstRetry, retry.d, "a failure is retried with backoff")

			set, err := r.Keys(context.Background(), "a")
			require.NoError(t, err, "the last good keys stay in use")
			assert.Equal(t, 1, set.Len())
			st := r.Stats()
			assert.Equal(t, uint64(1), st.Failures)
			assert.Equal(t, 1, st.ConsecutiveFailures)
			assert.Contains(t, st.LastError, tc.reason)
			assert.Equal(t, 1, st.Keys)
		})
	}
}

func TestOutageOfManyRefreshPeriods(t *testing.T) {
	clk := newFakeClock()
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1)))
	r := newRemote(t, srv.URL, clk.options(Options{MinRefresh: time.Minute, MaxRefresh: time.Hour}))
	first := clk.next(t)
	assert.Equal(t, 300*time.Second, first.d, "max-age=300 within [1m, 1h]")

	srv.answer(status(503))
	wait := first
	var waits []time.Duration
	const periods = 30
	for range periods {
		clk.Advance(wait.d)
		wait.fire <- clk.Now()
		wait = clk.next(t)
		waits = append(waits, wait.d)
		for _, kid := range []string{"a", "b"} {
			_, err := r.Keys(context.Background(), kid)
			require.NoError(t, err, "known keys keep working during the outage")
		}
	}
	// 10s, 20s, 40s, then MinRefresh for as long as the outage lasts.
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute}, waits[:4])
	assert.Equal(t, time.Minute, waits[periods-1])
	st := r.Stats()
	assert.Equal(t, uint64(periods), st.Failures)
	assert.Equal(t, periods, st.ConsecutiveFailures)
	assert.Equal(t, 2, st.Keys)

	// The endpoint comes back with a rotated set: the next refresh takes it
	// and the schedule returns to the server's max-age.
	srv.set(jwksDoc(t, ecJWK("b", 1), ecJWK("c", 2)))
	wait.fire <- clk.Now()
	assert.Equal(t, 300*time.Second, clk.next(t).d)
	set, err := r.Keys(context.Background(), "c")
	require.NoError(t, err)
	assert.Equal(t, 2, set.Len())
	assert.Zero(t, r.Stats().ConsecutiveFailures)
	assert.Empty(t, r.Stats().LastError)
}

func TestRefreshScheduleFollowsCachingHeaders(t *testing.T) {
	doc := jwksDoc(t, ecJWK("a", 0))
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"max-age within bounds", map[string]string{"Cache-Control": "max-age=600"}, 10 * time.Minute},
		{"max-age under MinRefresh", map[string]string{"Cache-Control": "max-age=5"}, time.Minute},
		{"max-age over MaxRefresh", map[string]string{"Cache-Control": "max-age=999999"}, time.Hour},
		{"no-cache", map[string]string{"Cache-Control": "no-cache"}, time.Minute},
		{"Expires", map[string]string{"Expires": "Tue, 14 Nov 2023 23:13:20 GMT", "Date": "Tue, 14 Nov 2023 22:43:20 GMT"}, 30 * time.Minute},
		{"no caching headers", nil, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv := newJWKSServer(t, nil)
			srv.answer(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.Write(doc)
			})
			newRemote(t, srv.URL, clk.options(Options{MinRefresh: time.Minute, MaxRefresh: time.Hour}))
			assert.Equal(t, tc.want, clk.next(t).d)
		})
	}
}

func TestUnknownKidAfterRefetchIsKeyNotFound(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	r := newRemote(t, srv.URL, Options{})
	set, err := r.Keys(context.Background(), "made-up")
	require.ErrorIs(t, err, token.ErrKeyNotFound)
	assert.Nil(t, set)
	assert.NotErrorIs(t, err, token.ErrUnavailable)
	assert.Contains(t, err.Error(), "even after refetching")
	assert.Equal(t, 2, srv.count())
}

// TestRefetchOutageIsUnavailable: once keys are loaded, a token with an
// unknown kid that cannot be looked up because the refetch fails is not
// the token's fault (it may be signed by a key rotated in just before the
// outage): every way the refetch can fail gives token.ErrUnavailable, and
// so does another unknown kid within the cooldown while the last fetch
// failed. Once the endpoint answers again, a kid it does not publish is
// token.ErrKeyNotFound.
func TestRefetchOutageIsUnavailable(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(s *jwksServer, r *Remote)
	}{
		{"connection refused", func(s *jwksServer, _ *Remote) { s.Close() }},
		{"5xx", func(s *jwksServer, _ *Remote) { s.answer(status(http.StatusBadGateway)) }},
		{"404", func(s *jwksServer, _ *Remote) { s.answer(status(http.StatusNotFound)) }},
		{"timeout", func(s *jwksServer, r *Remote) {
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			r.cfg.timeout = 50 * time.Millisecond // after the first fetch, which must succeed
			s.answer(hang(release))
		}},
		{"body too large", func(s *jwksServer, r *Remote) {
			r.cfg.maxBody = 64
			s.answer(body(jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1))))
		}},
		{"not JSON", func(s *jwksServer, _ *Remote) { s.answer(body([]byte("<html>maintenance</html>"))) }},
		{"no usable key", func(s *jwksServer, _ *Remote) { s.answer(body([]byte(`{"keys":[]}`))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
			r := newRemote(t, srv.URL, clk.options(Options{RefetchCooldown: time.Minute}))
			ctx := context.Background()
			tc.break_(srv, r)

			_, err := r.Keys(ctx, "rotated-in")
			require.ErrorIs(t, err, token.ErrUnavailable)
			assert.NotErrorIs(t, err, token.ErrKeyNotFound)
			assert.Equal(t, uint64(1), r.Stats().Refetches)

			clk.Advance(time.Second)
			_, err = r.Keys(ctx, "another")
			require.ErrorIs(t, err, token.ErrUnavailable, "within the cooldown, after a failed fetch")
			assert.NotErrorIs(t, err, token.ErrKeyNotFound)
			assert.Equal(t, uint64(1), r.Stats().Refetches, "the cooldown holds during an outage too")

			_, err = r.Keys(ctx, "a")
			require.NoError(t, err, "a failed refetch keeps the known keys")
		})
	}
}

// TestKeyNotFoundNeedsAFreshKeySet: token.ErrKeyNotFound only when a key
// set was obtained and lacks the kid, by this refetch or, within the
// cooldown, by the last fetch, including one that succeeded after a
// failure.
func TestKeyNotFoundNeedsAFreshKeySet(t *testing.T) {
	clk := newFakeClock()
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	r := newRemote(t, srv.URL, clk.options(Options{RefetchCooldown: time.Minute}))
	ctx := context.Background()

	srv.answer(status(http.StatusServiceUnavailable))
	_, err := r.Keys(ctx, "x1")
	require.ErrorIs(t, err, token.ErrUnavailable)

	srv.set(jwksDoc(t, ecJWK("a", 0)))
	clk.Advance(time.Minute)
	_, err = r.Keys(ctx, "x2")
	require.ErrorIs(t, err, token.ErrKeyNotFound, "the endpoint answered, without the kid")
	assert.NotErrorIs(t, err, token.ErrUnavailable)

	clk.Advance(time.Second)
	_, err = r.Keys(ctx, "x3")
	require.ErrorIs(t, err, token.ErrKeyNotFound, "within the cooldown after a good fetch")
	assert.Equal(t, 3, srv.count())
}

func TestConcurrentUnknownKidsShareOneFetch(t *testing.T) {
	const callers = 1000
	tests := []struct {
		name    string
		publish bool // whether the refetched set holds the kid
		wantErr error
	}{
		{"kid published by the refetch", true, nil},
		{"kid never published", false, token.ErrKeyNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
			r := newRemote(t, srv.URL, Options{})
			release := make(chan struct{})
			// If the test fails while the fetch is held, let it go before
			// the Remote and the server are closed (cleanups run last in,
			// first out), so that the failure is reported, not a hang.
			unblock := sync.OnceFunc(func() { close(release) })
			t.Cleanup(unblock)
			next := jwksDoc(t, ecJWK("a", 0))
			if tc.publish {
				next = jwksDoc(t, ecJWK("a", 0), ecJWK("rotated", 1))
			}
			// The refetch is held until every caller is inside Keys waiting
			// for a fetch; only one fetch can be in flight at a time, so
			// they all wait for this one and its single request.
			srv.answer(func(w http.ResponseWriter, req *http.Request) {
				<-release
				w.Write(next)
			})

			var done sync.WaitGroup
			errs := make([]error, callers)
			done.Add(callers)
			for i := range callers {
				go func() {
					defer done.Done()
					_, errs[i] = r.Keys(context.Background(), "rotated")
				}()
			}
			waitForRefetchWaiters(t, callers)
			// Every caller waits for the refetch; its request may still be
			// on its way to the server, so wait for it to arrive before
			// counting.
			require.Eventually(t, func() bool { return srv.count() >= 2 }, 10*time.Second, time.Millisecond)
			assert.Equal(t, 2, srv.count(), "the held refetch is the only request so far")
			unblock()
			done.Wait()

			for i, err := range errs {
				if tc.wantErr == nil {
					require.NoError(t, err, "caller %d", i)
				} else {
					require.ErrorIs(t, err, tc.wantErr, "caller %d", i)
				}
			}
			assert.Equal(t, 2, srv.count(), "the initial fetch and one refetch for 1,000 misses")
			assert.Equal(t, uint64(1), r.Stats().Refetches)
		})
	}
}

func TestRefetchCooldown(t *testing.T) {
	clk := newFakeClock()
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	r := newRemote(t, srv.URL, clk.options(Options{RefetchCooldown: time.Minute}))
	ctx := context.Background()

	_, err := r.Keys(ctx, "x1")
	require.ErrorIs(t, err, token.ErrKeyNotFound)
	assert.Equal(t, 2, srv.count(), "the first unknown kid refetches")

	clk.Advance(time.Minute - time.Nanosecond)
	_, err = r.Keys(ctx, "x2")
	require.ErrorIs(t, err, token.ErrKeyNotFound)
	assert.Contains(t, err.Error(), "refetched less than 1m0s (Options.RefetchCooldown) ago")
	var ve *token.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.NotContains(t, ve.Description(), "1m0s", "the cooldown is configuration, for the log only")
	assert.Equal(t, 2, srv.count(), "within the cooldown an unknown kid is refused without a request")

	// A key published meanwhile is found once the cooldown has passed.
	srv.set(jwksDoc(t, ecJWK("a", 0), ecJWK("x2", 1)))
	clk.Advance(time.Nanosecond)
	_, err = r.Keys(ctx, "x2")
	require.NoError(t, err)
	assert.Equal(t, 3, srv.count())
	assert.Equal(t, uint64(2), r.Stats().Refetches)

	// A known kid never refetches, whatever the cooldown.
	clk.Advance(time.Hour)
	_, err = r.Keys(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, 3, srv.count())
}

func TestRefetchWaitIsBounded(t *testing.T) {
	t.Run("by Options.Timeout", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r := newRemote(t, srv.URL, Options{})
		r.cfg.timeout = 50 * time.Millisecond // after the first fetch, which must succeed
		srv.answer(hang(release))
		_, err := r.Keys(context.Background(), "new")
		require.ErrorIs(t, err, token.ErrUnavailable)
		assert.NotErrorIs(t, err, token.ErrKeyNotFound)
		assert.Contains(t, err.Error(), "did not answer within 50ms")
	})
	t.Run("by the caller's context", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r := newRemote(t, srv.URL, Options{})
		<-srv.got
		srv.answer(hang(release))
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-srv.got // the refetch reached the server
			cancel()
		}()
		_, err := r.Keys(ctx, "new")
		require.ErrorIs(t, err, token.ErrUnavailable)
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, token.ErrKeyNotFound)
	})
	t.Run("a done context starts no refetch", func(t *testing.T) {
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r := newRemote(t, srv.URL, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := r.Keys(ctx, "new")
		require.ErrorIs(t, err, token.ErrUnavailable)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, srv.count())
		_, err = r.Keys(ctx, "a")
		require.NoError(t, err, "a known kid needs no network, so a done context does not matter")
	})
}

func TestSkippedKeys(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, jwksDoc(t,
		jwk{kid: "enc", key: &k.ec[1].PublicKey, use: "enc"},
		jwk{kid: "small", alg: "RS256", key: &k.rsa1024.PublicKey},
		ecJWK("sig", 0),
	))
	r := newRemote(t, srv.URL, Options{})
	set, err := r.Keys(context.Background(), "sig")
	require.NoError(t, err)
	assert.Equal(t, 1, set.Len())
	st := r.Stats()
	assert.Equal(t, 1, st.Keys)
	assert.Equal(t, 2, st.Skipped)
	_, err = r.Keys(context.Background(), "enc")
	require.ErrorIs(t, err, token.ErrKeyNotFound, "an encryption key never verifies")
}

func TestCloseStopsEveryGoroutine(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r, err := New(context.Background(), srv.URL, Options{})
		closeIfMade(t, r)
		require.NoError(t, err)
		require.NotEmpty(t, ourGoroutines())
		require.NoError(t, r.Close())
		requireNoGoroutines(t)
		require.NoError(t, r.Close(), "Close is idempotent")
		_, err = r.Keys(context.Background(), "a")
		require.NoError(t, err, "Keys answers from the last set after Close")
		_, err = r.Keys(context.Background(), "b")
		require.ErrorIs(t, err, token.ErrKeyNotFound)
		assert.Equal(t, 1, srv.count(), "no refetch after Close")
		assert.True(t, r.Stats().NextRefresh.IsZero())
	})
	t.Run("during a background refresh", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		clk := newFakeClock()
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r, err := New(context.Background(), srv.URL, clk.options(Options{}))
		closeIfMade(t, r)
		require.NoError(t, err)
		<-srv.got
		srv.answer(hang(release))
		clk.next(t).fire <- clk.Now()
		<-srv.got
		require.NoError(t, r.Close())
		requireNoGoroutines(t)
	})
	t.Run("during a refetch with waiters", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		r, err := New(context.Background(), srv.URL, Options{})
		closeIfMade(t, r)
		require.NoError(t, err)
		<-srv.got
		srv.answer(hang(release))
		errc := make(chan error)
		go func() {
			_, err := r.Keys(context.Background(), "b")
			errc <- err
		}()
		<-srv.got
		require.NoError(t, r.Close())
		require.ErrorIs(t, <-errc, token.ErrUnavailable, "the refetch was cut short, so nothing is known of the kid")
		requireNoGoroutines(t)
	})
	t.Run("when New's context is cancelled", func(t *testing.T) {
		srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
		ctx, cancel := context.WithCancel(context.Background())
		r, err := New(ctx, srv.URL, Options{})
		closeIfMade(t, r)
		require.NoError(t, err)
		cancel()
		requireNoGoroutines(t)
		_, err = r.Keys(context.Background(), "a")
		require.NoError(t, err)
		require.NoError(t, r.Close())
	})
	t.Run("after a failed first fetch", func(t *testing.T) {
		srv := newJWKSServer(t, nil)
		srv.answer(status(500))
		r, err := New(context.Background(), srv.URL, Options{})
		closeIfMade(t, r)
		require.ErrorIs(t, err, token.ErrUnavailable)
		requireNoGoroutines(t)
	})
}

func TestZeroRemote(t *testing.T) {
	var r Remote
	for _, kid := range []string{"", "a"} {
		_, err := r.Keys(context.Background(), kid)
		require.ErrorIs(t, err, token.ErrUnavailable)
	}
	assert.Zero(t, r.Stats().Keys)
	assert.NoError(t, r.Close())
	assert.Nil(t, r.Discovery())
}

func TestHTTPClientOption(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	var rt countingTransport
	client := &http.Client{Transport: &rt}
	r := newRemote(t, srv.URL, Options{HTTPClient: client})
	_, err := r.Keys(context.Background(), "a")
	require.NoError(t, err)
	assert.Equal(t, 1, rt.n(), "the caller's transport sends the request")
	assert.Nil(t, client.CheckRedirect, "the caller's client is copied, not changed")
}

type countingTransport struct {
	mu    sync.Mutex
	count int
	panic bool
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.count++
	p := c.panic
	c.mu.Unlock()
	if p {
		panic("transport exploded")
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (c *countingTransport) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

func TestPanickingTransportIsAFailedFetch(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	rt := &countingTransport{}
	r := newRemote(t, srv.URL, Options{HTTPClient: &http.Client{Transport: rt}})
	rt.mu.Lock()
	rt.panic = true
	rt.mu.Unlock()
	_, err := r.Keys(context.Background(), "b")
	require.ErrorIs(t, err, token.ErrUnavailable)
	assert.NotErrorIs(t, err, token.ErrKeyNotFound)
	assert.Contains(t, err.Error(), "panicked")
	_, err = r.Keys(context.Background(), "a")
	require.NoError(t, err)
}

func TestMergeKeysKeepsIdentity(t *testing.T) {
	parse := func(doc []byte) *token.KeySet {
		s, err := token.ParseKeySet(doc)
		require.NoError(t, err)
		return s
	}
	old := parse(jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1)))
	a, b := old.Lookup("a")[0], old.Lookup("b")[0]

	tests := []struct {
		name        string
		fresh       []byte
		wantChanged bool
		wantSame    []*token.Key // keys of old that the result must hold
		wantGone    []*token.Key
	}{
		{"same keys", jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1)), false, []*token.Key{a, b}, nil},
		{"one added", jwksDoc(t, ecJWK("a", 0), ecJWK("b", 1), ecJWK("c", 2)), true, []*token.Key{a, b}, nil},
		{"one removed", jwksDoc(t, ecJWK("b", 1)), true, []*token.Key{b}, []*token.Key{a}},
		{"same kid, other key", jwksDoc(t, ecJWK("a", 3), ecJWK("b", 1)), true, []*token.Key{b}, []*token.Key{a}},
		{"same key, other alg", jwksDoc(t, jwk{kid: "a", alg: "", key: &testKeys().ec[0].PublicKey}, ecJWK("b", 1)), true, []*token.Key{b}, []*token.Key{a}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := mergeKeys(old, parse(tc.fresh))
			assert.Equal(t, tc.wantChanged, changed)
			if !changed {
				assert.Same(t, old, got)
			}
			for _, k := range tc.wantSame {
				assert.True(t, got.Contains(k), "kid %q keeps its *Key", k.ID())
			}
			for _, k := range tc.wantGone {
				assert.False(t, got.Contains(k), "kid %q's old *Key is gone", k.ID())
			}
		})
	}
}

func TestLoggerReportsFailures(t *testing.T) {
	var logs syncBuffer
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	r := newRemote(t, srv.URL, Options{Logger: newTestLogger(&logs)})
	srv.answer(status(502))
	_, err := r.Keys(context.Background(), "b")
	require.ErrorIs(t, err, token.ErrUnavailable)
	out := logs.String()
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "fetch failed")
	assert.Contains(t, out, "status 502")
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
		min     time.Duration
		max     time.Duration
	}{
		{"zero", Options{}, "", DefaultMinRefresh, DefaultMaxRefresh},
		{"negative Timeout", Options{Timeout: -1}, "Options.Timeout", 0, 0},
		{"negative MinRefresh", Options{MinRefresh: -1}, "Options.MinRefresh", 0, 0},
		{"negative MaxRefresh", Options{MaxRefresh: -1}, "Options.MaxRefresh", 0, 0},
		{"negative cooldown", Options{RefetchCooldown: -1}, "Options.RefetchCooldown", 0, 0},
		{"negative body size", Options{MaxBodySize: -1}, "Options.MaxBodySize", 0, 0},
		{"min above max", Options{MinRefresh: time.Hour, MaxRefresh: time.Minute}, "greater than", 0, 0},
		{"only a large min", Options{MinRefresh: 48 * time.Hour}, "", 48 * time.Hour, 48 * time.Hour},
		{"only a small max", Options{MaxRefresh: time.Minute}, "", time.Minute, time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.opts.config()
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				r, err := New(context.Background(), "https://issuer.example.com/jwks", tc.opts)
				closeIfMade(t, r)
				require.Error(t, err, "New refuses the options before any request")
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.min, cfg.minRefresh)
			assert.Equal(t, tc.max, cfg.maxRefresh)
			assert.Equal(t, DefaultTimeout, cfg.timeout)
			assert.Equal(t, DefaultRefetchCooldown, cfg.cooldown)
			assert.Equal(t, int64(DefaultMaxBodySize), cfg.maxBody)
		})
	}
}

func TestErrorsNameNoQuery(t *testing.T) {
	srv := newJWKSServer(t, nil)
	srv.answer(status(500))
	r, err := New(context.Background(), srv.URL+"/jwks?api_key=s3cret", Options{})
	closeIfMade(t, r)
	require.ErrorIs(t, err, token.ErrUnavailable)
	assert.NotContains(t, err.Error(), "s3cret")
	assert.Contains(t, err.Error(), "/jwks?...")
}

// TestMissAfterAFetchEnded is the race where a caller looks at the set, a
// fetch installing its kid ends, and then the caller finds no fetch running
// and the cooldown active: it must find the kid, not refuse it.
func TestMissAfterAFetchEnded(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	r := newRemote(t, srv.URL, Options{})
	srv.set(jwksDoc(t, ecJWK("a", 0), ecJWK("new", 1)))
	_, err := r.Keys(context.Background(), "other") // the refetch installs "new"
	require.ErrorIs(t, err, token.ErrKeyNotFound)

	set, err := r.miss(context.Background(), "new") // as if "new" was looked up before
	require.NoError(t, err)
	assert.Len(t, set.Lookup("new"), 1)
	assert.Equal(t, 2, srv.count())
}

func TestNewWithADoneContext(t *testing.T) {
	srv := newJWKSServer(t, jwksDoc(t, ecJWK("a", 0)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := New(ctx, srv.URL, Options{})
	closeIfMade(t, r)
	require.ErrorIs(t, err, token.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	requireNoGoroutines(t)
}

// waitForRefetchWaiters blocks until n goroutines wait in Remote.miss for a
// fetch to end (their stacks show the select on the call's done channel).
func waitForRefetchWaiters(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 8<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := runtime.Stack(buf, true)
		if m == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		got := 0
		for g := range strings.SplitSeq(string(buf[:m]), "\n\n") {
			if strings.Contains(g, " [select") && strings.Contains(g, "tokenguard/jwks.(*Remote).miss") {
				got++
			}
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait for the refetch, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

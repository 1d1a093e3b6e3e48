package introspect

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

// slowEndpoint is an introspection endpoint on loopback that takes delay
// to answer (or waits for release when delay is zero) and records how many
// requests it had in flight at most, how many it served and how many
// connections were opened to it.
type slowEndpoint struct {
	*httptest.Server
	delay                 time.Duration
	release               chan struct{}
	inFlight, maxInFlight atomic.Int64
	requests, connections atomic.Int64
	activeFor             func(tok string) bool
}

func newSlowEndpoint(t testing.TB, delay time.Duration, activeFor func(string) bool) *slowEndpoint {
	e := &slowEndpoint{delay: delay, release: make(chan struct{}), activeFor: activeFor}
	e.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raiseTo(&e.maxInFlight, e.inFlight.Add(1))
		defer e.inFlight.Add(-1)
		e.requests.Add(1)
		if e.delay > 0 {
			time.Sleep(e.delay)
		} else {
			<-e.release
		}
		if e.activeFor != nil && e.activeFor(r.PostFormValue("token")) {
			writeJSON(w, 200, `{"active":true,"scope":"read","sub":"u"}`)
			return
		}
		writeJSON(w, 200, `{"active":false}`)
	}))
	e.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			e.connections.Add(1)
		}
	}
	e.Start()
	t.Cleanup(func() {
		select {
		case <-e.release:
		default:
			close(e.release)
		}
		e.Close()
	})
	return e
}

// A Client alone, with its own transport, keeps at most
// MaxConcurrentRequests requests in flight and as many connections open,
// however many callers it has.
//
// Connections are counted as the client's transport opens and closes them:
// the server sees a connection close only later, and the transport may
// replace a connection (net/http does not reuse one whose request write it
// has not seen end within 50 ms, which a loaded machine can delay), so the
// connections the server has seen open over the test may exceed the bound
// without more than the bound being open at once.
func TestClientBoundsConcurrentRequests(t *testing.T) {
	const bound, callers = 4, 100
	e := newSlowEndpoint(t, 0, nil)
	c := newTestClient(t, Config{Endpoint: e.URL, MaxConcurrentRequests: bound})
	t.Cleanup(func() { _ = c.Close() })
	var open, maxOpen atomic.Int64
	dial := c.own.DialContext
	c.own.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		raiseTo(&maxOpen, open.Add(1))
		return &countedConn{Conn: conn, open: &open}, nil
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			r, err := c.Introspect(context.Background(), fmt.Sprint("made-up-", i))
			if assert.NoError(t, err) {
				assert.False(t, r.Active)
			}
		})
	}
	require.Eventually(t, func() bool { return e.inFlight.Load() == bound }, 10*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // room for a request beyond the bound to arrive
	assert.Equal(t, int64(bound), e.requests.Load(), "only the bound reaches the server while the first requests are stuck")
	close(e.release)
	wg.Wait()
	assert.Equal(t, int64(callers), e.requests.Load())
	assert.LessOrEqual(t, e.maxInFlight.Load(), int64(bound))
	assert.LessOrEqual(t, maxOpen.Load(), int64(bound), "the transport the client built keeps at most the bound's connections open")
	assert.Positive(t, e.connections.Load())
}

// raiseTo raises peak to n when n is larger.
func raiseTo(peak *atomic.Int64, n int64) {
	for {
		m := peak.Load()
		if n <= m || peak.CompareAndSwap(m, n) {
			return
		}
	}
}

// countedConn is a connection that counts itself out of open when closed.
type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// The bound holds with a caller's HTTPClient too.
func TestClientBoundsConcurrentRequestsWithGivenHTTPClient(t *testing.T) {
	const bound = 3
	e := newSlowEndpoint(t, 0, nil)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := newTestClient(t, Config{Endpoint: e.URL, MaxConcurrentRequests: bound, HTTPClient: &http.Client{Transport: tr}})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			_, err := c.Introspect(context.Background(), fmt.Sprint("made-up-", i))
			assert.NoError(t, err)
		})
	}
	require.Eventually(t, func() bool { return e.inFlight.Load() == bound }, 10*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, int64(bound), e.requests.Load())
	close(e.release)
	wg.Wait()
	assert.LessOrEqual(t, e.maxInFlight.Load(), int64(bound))
}

func TestClientDefaultBoundsConnections(t *testing.T) {
	c := newTestClient(t, Config{Endpoint: "https://issuer.example/introspect"})
	assert.Equal(t, DefaultMaxConcurrentRequests, cap(c.slots))
	require.NotNil(t, c.own)
	assert.Equal(t, DefaultMaxConcurrentRequests, c.own.MaxConnsPerHost)
	assert.Equal(t, DefaultMaxConcurrentRequests, c.own.MaxIdleConnsPerHost)
}

// stuckTransport holds every request until release is closed, whatever its
// context says, as a transport stuck in a kernel call might.
type stuckTransport struct {
	entered chan struct{}
	release chan struct{}
	n       atomic.Int64
}

func (s *stuckTransport) RoundTrip(*http.Request) (*http.Response, error) {
	s.n.Add(1)
	s.entered <- struct{}{}
	<-s.release
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"active":false}`)),
	}, nil
}

// A call beyond the bound waits within its context and Timeout, and gets
// token.ErrUnavailable without a request when either ends first.
func TestClientCallBeyondBoundWaitsWithinItsContext(t *testing.T) {
	st := &stuckTransport{entered: make(chan struct{}, 4), release: make(chan struct{})}
	c := newTestClient(t, Config{Endpoint: "https://issuer.example/introspect", MaxConcurrentRequests: 1,
		Timeout: 100 * time.Millisecond, HTTPClient: &http.Client{Transport: st}})
	first := make(chan struct{})
	go func() {
		defer close(first)
		_, _ = c.Introspect(context.Background(), "tok-first")
	}()
	<-st.entered

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Introspect(ctx, testToken)
	assertUnavailable(t, err, "Config.MaxConcurrentRequests", "caller's context ended")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// A caller without a deadline of its own waits no longer than Timeout.
	_, err = c.Introspect(context.Background(), testToken)
	assertUnavailable(t, err, "Config.MaxConcurrentRequests", "Config.Timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int64(1), st.n.Load(), "no request was made beyond the bound")

	// Once the stuck request ends, its slot is free again.
	close(st.release)
	<-first
	r, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.False(t, r.Active)
	assert.Equal(t, int64(2), st.n.Load())
}

// The Cache's own bound: a caller whose token is neither cached nor asked
// about already waits for a shared call to end, within its context; a
// caller whose token is being asked about joins that call without waiting;
// a cached answer never waits.
func TestCacheCallBeyondBoundWaitsWithinItsContext(t *testing.T) {
	release := make(chan struct{})
	free := sync.OnceFunc(func() { close(release) })
	t.Cleanup(free) // a failed require must not leave callers queued for later tests
	inner := newCounting(func(ctx context.Context, tok string) (*Response, error) {
		if tok == "tok-slow" {
			<-release
		}
		return &Response{Active: true, Subject: tok}, nil
	})
	c := NewCache(inner, CacheOptions{MaxConcurrentCalls: 1})
	mustIntrospect(t, c, "tok-cached")
	// The caller has its answer before the call gives its slot back: were
	// both slow callers to come in between, both would queue for the slot
	// and only one would join the call the other starts.
	waitSlotsFree(t, c)

	slow := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := c.Introspect(context.Background(), "tok-slow")
			slow <- err
		}()
	}
	waitForWaiters(t, c, "tok-slow", 2) // the second joined without waiting for a slot

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Introspect(ctx, "tok-other")
	assert.ErrorIs(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "CacheOptions.MaxConcurrentCalls")
	assert.Zero(t, inner.count("tok-other"))

	r := mustIntrospect(t, c, "tok-cached")
	assert.Equal(t, "tok-cached", r.Subject, "a cached answer is served while every slot is taken")

	queued := make(chan *Response, 1)
	go func() {
		r, err := c.Introspect(context.Background(), "tok-other")
		assert.NoError(t, err)
		queued <- r
	}()
	free()
	for range 2 {
		require.NoError(t, <-slow)
	}
	assert.Equal(t, "tok-other", (<-queued).Subject, "a waiting caller is served once a slot frees")
	assert.Equal(t, 1, inner.count("tok-slow"))
	assert.Equal(t, 1, inner.count("tok-other"))
}

// The flood of the issue: 2,000 concurrent callers with distinct made-up
// tokens against a slow loopback endpoint, through a Cache in front of a
// Client, both with their defaults. The endpoint never has more than the
// bound in flight, the process holds no more than a bounded number of
// goroutines beyond the callers' own, and real tokens' cached answers are
// served meanwhile without reaching the endpoint.
func TestFloodOfDistinctTokensIsBounded(t *testing.T) {
	const flood = 2_000
	e := newSlowEndpoint(t, 20*time.Millisecond, func(tok string) bool { return len(tok) > 5 && tok[:5] == "real-" })
	client := newTestClient(t, Config{Endpoint: e.URL})
	t.Cleanup(func() { _ = client.Close() })
	c := NewCache(client, CacheOptions{})
	for i := range 10 {
		mustIntrospect(t, c, fmt.Sprint("real-", i))
	}
	before := e.requests.Load()
	baseline := runtime.NumGoroutine()

	var (
		start   = make(chan struct{})
		flooded sync.WaitGroup
		done    = make(chan struct{})
		peak    atomic.Int64
	)
	for i := range flood {
		flooded.Go(func() {
			<-start
			r, err := c.Introspect(context.Background(), fmt.Sprintf("made-up-%05d", i))
			if assert.NoError(t, err) {
				assert.False(t, r.Active)
			}
		})
	}
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	close(start)

	// Real tokens while the flood is under way: each answered from the
	// cache, within a deadline it could not meet if it queued behind the
	// flood (2,000 tokens, 64 at a time, 20 ms each: about 600 ms), yet
	// loose enough for a loaded machine under the race detector.
	require.Eventually(t, func() bool { return e.inFlight.Load() > 0 }, 10*time.Second, time.Millisecond)
	hits := 0
	for e.requests.Load()-before < flood/2 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		r, err := c.Introspect(ctx, fmt.Sprint("real-", hits%10))
		cancel()
		require.NoError(t, err, "a cached answer waited behind the flood")
		require.True(t, r.Active)
		hits++
	}
	flooded.Wait()
	close(done)
	sampler.Wait()

	bound := int64(DefaultMaxConcurrentCalls)
	assert.LessOrEqual(t, e.maxInFlight.Load(), bound, "requests in flight at the endpoint")
	assert.LessOrEqual(t, e.connections.Load(), bound+10, "connections opened to the endpoint")
	// Beyond the callers and the sampler: per shared call its goroutine,
	// the client connection's two and the server's one, and a little room.
	extra := peak.Load() - int64(baseline) - flood - 1
	assert.LessOrEqual(t, extra, 5*bound, "goroutines beyond the callers' own at the flood's peak")
	assert.Equal(t, int64(flood), e.requests.Load()-before, "one request per made-up token, none for the cached ones")
	t.Logf("flood of %d: at most %d requests in flight, %d connections, %d goroutines beyond the callers', %d cache hits meanwhile",
		flood, e.maxInFlight.Load(), e.connections.Load(), extra, hits)
}

// A caller that waited for a slot and then finds its token's call already
// started joins that call and gives the slot back at once: waiting for an
// answer holds no slot.
func TestCacheQueuedCallerJoiningACallFreesItsSlot(t *testing.T) {
	release := map[string]chan struct{}{"tok-a": make(chan struct{}), "tok-x": make(chan struct{}), "tok-b": make(chan struct{})}
	inner := newCounting(func(_ context.Context, tok string) (*Response, error) {
		if ch := release[tok]; ch != nil {
			<-ch
		}
		return &Response{Active: true}, nil
	})
	var lookups atomic.Int32
	st := &hookStore{onGet: func(k [32]byte) (bool, *Response, bool, error) {
		if k == key("tok-b") {
			lookups.Add(1)
		}
		return false, nil, false, nil
	}}
	c := NewCache(inner, CacheOptions{Store: st, MaxConcurrentCalls: 2})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(release["tok-b"])
	for _, tok := range []string{"tok-a", "tok-x"} {
		wg.Go(func() { mustIntrospect(t, c, tok) })
		waitForWaiters(t, c, tok, 1)
	}
	for range 2 {
		wg.Go(func() { mustIntrospect(t, c, "tok-b") })
	}
	// Both missed and found every slot taken: they queue for one.
	require.Eventually(t, func() bool { return lookups.Load() == 2 }, 5*time.Second, time.Millisecond)
	close(release["tok-x"])
	require.Eventually(t, func() bool { return waitersOf(c, "tok-b") >= 1 }, 5*time.Second, time.Millisecond)
	close(release["tok-a"])
	waitForWaiters(t, c, "tok-b", 2)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Introspect(ctx, "tok-d")
	require.NoError(t, err, "a caller waiting on another's call still holds a slot")
}

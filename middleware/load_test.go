package middleware_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Load test parameters: bounded in time so it runs in every `go test ./...`.
const (
	loadClients    = 16
	loadDuration   = 3 * time.Second
	loadHardLimit  = 20 * time.Second // a run that cannot finish its phases by then fails
	rotateInterval = 150 * time.Millisecond
	flipInterval   = 120 * time.Millisecond

	// The flood: a third into the run, floodSize concurrent requests (a
	// quarter of that under the race detector, which slows every request
	// several times), each with a distinct made-up opaque token, while the
	// introspection endpoint takes floodDelay to answer.
	floodSize  = 2_000
	floodDelay = 20 * time.Millisecond
)

// loadKind is the kind of token a load client sends.
type loadKind int

const (
	kindValid loadKind = iota
	kindExpired
	kindForged
	kindOpaque
	numKinds
)

func (k loadKind) String() string {
	return [...]string{"valid JWT", "expired JWT", "forged JWT", "opaque"}[k]
}

// loadTokens is one generation of tokens, minted after a key rotation.
type loadTokens struct {
	gen                            int
	valid, expired, forged, opaque string
}

// TestLoad runs many concurrent clients for a few seconds against a
// middleware-protected server backed by the real access token validator,
// while the issuer rotates its signing key (clients move to tokens signed
// with the new key, and keep sending older ones) and its introspection
// endpoint flaps between healthy and failing. Every answer must be the one
// the token deserves: 200 for a valid JWT, 401 for an expired or forged
// one, and for an opaque token 200 while introspection is healthy and 503
// (never 401) while it fails. No panic, no goroutine left behind; latency
// percentiles are logged.
//
// A third into the run, a flood of 2,000 concurrent requests with distinct
// made-up opaque tokens arrives while the introspection endpoint is slow:
// each must be refused (401, or 503 while introspection fails, never 200),
// the introspection client must keep at most its bound of requests in
// flight, and the legitimate clients' answers stay right. Latency during
// the flood and the number of introspection requests are logged.
func TestLoad(t *testing.T) {
	// ES256 keeps key rotation cheap (an RSA key takes long to generate on
	// a busy machine); the rotation logic under test is the same.
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	forgeKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	scope := tokentest.Claims{"scope": "read:appointments"}

	baseline := runtime.NumGoroutine()

	introspectTransport := &http.Transport{MaxIdleConnsPerHost: introspect.DefaultMaxConcurrentRequests}
	upstream := &countingTransport{RoundTripper: introspectTransport}
	v := realValidator(t, iss, &http.Client{Transport: upstream})
	mw := middleware.New(v, middleware.Options{Realm: "load"})
	srv := httptest.NewServer(mw.Require("read:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		_, _ = io.WriteString(w, at.Subject)
	})))
	clientTransport := &http.Transport{MaxIdleConnsPerHost: loadClients}
	client := &http.Client{Transport: clientTransport, Timeout: 10 * time.Second}

	mintGeneration := func(gen int) *loadTokens {
		past := time.Now().Add(-2 * time.Hour)
		return &loadTokens{
			gen:   gen,
			valid: iss.AccessToken(scope),
			expired: iss.AccessToken(tokentest.Claims{"scope": "read:appointments",
				"iat": past.Unix(), "exp": past.Add(time.Hour).Unix()}),
			forged: iss.AccessToken(scope, tokentest.WithSigningKey(forgeKey)),
			opaque: iss.OpaqueToken(scope),
		}
	}
	var (
		current  atomic.Pointer[loadTokens]
		previous atomic.Pointer[loadTokens] // tokens signed with the key before
	)
	current.Store(mintGeneration(0))
	previous.Store(current.Load())

	// The introspection phase: opaque requests hold phase for reading, so
	// the endpoint's state cannot change while one is in flight, and the
	// expected answer is known.
	var (
		phase          sync.RWMutex
		failing        bool
		flooding       bool         // guarded by phase, like failing
		phaseRequests  atomic.Int64 // opaque requests answered in this phase
		flips          atomic.Int64
		rotations      atomic.Int64
		stop           = make(chan struct{})
		background     sync.WaitGroup
		wrong          atomic.Int64
		requestsByKind [numKinds]atomic.Int64
		opaqueOK       atomic.Int64
		opaqueDown     atomic.Int64
		shed           atomic.Int64 // good opaque tokens answered 503 during the flood
	)

	// Key rotation: a new signing key, then a new generation of tokens.
	background.Go(func() {
		tick := time.NewTicker(rotateInterval)
		defer tick.Stop()
		for gen := 1; ; gen++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			iss.RotateKey()
			next := mintGeneration(gen)
			previous.Store(current.Load())
			current.Store(next)
			rotations.Add(1)
		}
	})

	// Introspection flapping: flip only after at least one opaque request
	// saw the current phase, so both outcomes are exercised.
	background.Go(func() {
		tick := time.NewTicker(flipInterval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if phaseRequests.Load() == 0 {
				continue
			}
			phase.Lock()
			failing = !failing
			if failing {
				iss.FailIntrospection(http.StatusServiceUnavailable)
			} else {
				iss.Heal()
				if flooding {
					iss.SlowIntrospection(floodDelay)
				}
			}
			phaseRequests.Store(0)
			flips.Add(1)
			phase.Unlock()
		}
	})

	sendWith := func(client *http.Client, raw string) (int, string, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/appointments", nil)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+raw)
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	send := func(raw string) (int, string, error) { return sendWith(client, raw) }

	// The flood, on connections of its own that are not kept alive.
	floodSize := floodSize
	if raceDetector {
		floodSize /= 4
	}
	var (
		floodActive    atomic.Bool
		floodDone      = make(chan struct{})
		floodLatencies = make([]time.Duration, floodSize)
		floodStatus    [600]atomic.Int64
		floodUpstream  int
		floodElapsed   time.Duration
	)
	floodTransport := &http.Transport{DisableKeepAlives: true}
	floodClient := &http.Client{Transport: floodTransport, Timeout: 15 * time.Second}
	background.Go(func() {
		defer close(floodDone)
		select {
		case <-stop:
			return
		case <-time.After(loadDuration / 3):
		}
		phase.Lock()
		flooding = true
		if !failing {
			iss.SlowIntrospection(floodDelay)
		}
		phase.Unlock()
		before := iss.IntrospectionRequests()
		start := make(chan struct{})
		var flood sync.WaitGroup
		for i := range floodSize {
			flood.Go(func() {
				<-start
				t0 := time.Now()
				status, body, err := sendWith(floodClient, fmt.Sprintf("made-up-%05d-%x", i, t0.UnixNano()))
				floodLatencies[i] = time.Since(t0)
				switch {
				case err != nil:
					fail(t, &wrong, "flood request %d failed: %v", i, err)
				case status != 401 && status != 503:
					fail(t, &wrong, "flood request %d: status %d, want 401 (or 503 while introspection fails) (body %s)", i, status, body)
				default:
					floodStatus[status].Add(1)
				}
			})
		}
		began := time.Now()
		floodActive.Store(true)
		close(start)
		flood.Wait()
		floodActive.Store(false)
		floodElapsed = time.Since(began)
		floodUpstream = iss.IntrospectionRequests() - before
		phase.Lock()
		flooding = false
		iss.SlowIntrospection(0)
		phase.Unlock()
	})

	var running atomic.Bool
	running.Store(true)
	latencies := make([][]time.Duration, loadClients)
	// Latencies of requests sent while the flood was under way, all and
	// opaque ones only.
	duringFlood := make([][]time.Duration, loadClients)
	opaqueDuringFlood := make([][]time.Duration, loadClients)
	var clients sync.WaitGroup
	for c := range loadClients {
		clients.Go(func() {
			for i := c; running.Load(); i++ {
				kind := loadKind(i % int(numKinds))
				set := current.Load()
				if i%3 == 0 {
					set = previous.Load() // older tokens stay good after a rotation
				}
				var raw string
				switch kind {
				case kindValid:
					raw = set.valid
				case kindExpired:
					raw = set.expired
				case kindForged:
					raw = set.forged
				case kindOpaque:
					raw = set.opaque
				}

				want := map[loadKind]int{kindValid: 200, kindExpired: 401, kindForged: 401}[kind]
				shedOK := false
				if kind == kindOpaque {
					phase.RLock()
					want = 200
					if failing {
						want = 503
					}
					// During the flood a good opaque token queues for the
					// introspection client with the made-up ones, and
					// may be shed with 503 (never 401) if its turn does
					// not come within the client's Timeout.
					shedOK = flooding
				}
				start := time.Now()
				flooded := floodActive.Load()
				status, body, err := send(raw)
				took := time.Since(start)
				latencies[c] = append(latencies[c], took)
				if flooded {
					duringFlood[c] = append(duringFlood[c], took)
					if kind == kindOpaque {
						opaqueDuringFlood[c] = append(opaqueDuringFlood[c], took)
					}
				}
				if kind == kindOpaque {
					phaseRequests.Add(1)
					phase.RUnlock()
					if status == 200 {
						opaqueOK.Add(1)
					} else if status == 503 {
						opaqueDown.Add(1)
					}
				}
				requestsByKind[kind].Add(1)

				switch {
				case err != nil:
					fail(t, &wrong, "%s (generation %d): request failed: %v", kind, set.gen, err)
				case status == 503 && want == 200 && shedOK:
					shed.Add(1)
				case status != want:
					fail(t, &wrong, "%s (generation %d): status %d, want %d (body %s)", kind, set.gen, status, want, body)
				case status == 200 && body != iss.Subject():
					fail(t, &wrong, "%s: handler saw subject %q, want %q", kind, body, iss.Subject())
				}
			}
		})
	}

	// Run for loadDuration, then until both introspection phases and a few
	// rotations have been seen; the hard limit makes a stuck run fail.
	deadline := time.After(loadDuration)
	hard := time.After(loadHardLimit)
	started := time.Now()
	<-deadline
	floodFinished := func() bool {
		select {
		case <-floodDone:
			return true
		default:
			return false
		}
	}
	for flips.Load() < 2 || rotations.Load() < 2 || !floodFinished() {
		select {
		case <-hard:
			t.Errorf("after %v: %d flips, %d rotations, flood finished: %v; the load did not complete its phases", loadHardLimit, flips.Load(), rotations.Load(), floodFinished())
			running.Store(false) // fall through to the shutdown below
		case <-time.After(10 * time.Millisecond):
		}
		if !running.Load() {
			break
		}
	}
	running.Store(false)
	clients.Wait()
	elapsed := time.Since(started)
	close(stop)
	background.Wait()
	iss.Heal()

	// Shut everything down that this test started, and check no goroutine
	// is left: server connections, client connections, introspection
	// connections.
	shutdown := time.Now()
	srv.Close()
	clientTransport.CloseIdleConnections()
	introspectTransport.CloseIdleConnections()
	floodTransport.CloseIdleConnections()
	leakDeadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(leakDeadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the load, %d before:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}

	// Report.
	all := sorted(latencies...)
	require.NotEmpty(t, all)
	pct := func(p float64) time.Duration { return percentile(all, p) }
	t.Logf("shutdown and leak check took %v", time.Since(shutdown).Round(time.Millisecond))
	t.Logf("%d requests from %d clients in %v (%.0f/s); %d key rotations, %d introspection flips",
		len(all), loadClients, elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(), rotations.Load(), flips.Load())
	t.Logf("latency p50 %v, p95 %v, p99 %v, max %v", pct(0.50), pct(0.95), pct(0.99), all[len(all)-1])
	t.Logf("by kind: valid %d, expired %d, forged %d, opaque %d (200: %d, 503: %d)",
		requestsByKind[kindValid].Load(), requestsByKind[kindExpired].Load(), requestsByKind[kindForged].Load(),
		requestsByKind[kindOpaque].Load(), opaqueOK.Load(), opaqueDown.Load())
	t.Logf("introspection: %d requests in all, at most %d in flight (the client's bound is %d)",
		iss.IntrospectionRequests(), upstream.maxInFlight.Load(), introspect.DefaultMaxConcurrentRequests)
	fl := sorted(floodLatencies)
	t.Logf("flood: %d concurrent made-up opaque tokens, introspection answering in %v: all answered in %v (401: %d, 503: %d); "+
		"latency p50 %v, p95 %v, p99 %v, max %v; %d introspection requests for them",
		floodSize, floodDelay, floodElapsed.Round(time.Millisecond), floodStatus[401].Load(), floodStatus[503].Load(),
		percentile(fl, 0.50), percentile(fl, 0.95), percentile(fl, 0.99), fl[len(fl)-1], floodUpstream)
	df, of := sorted(duringFlood...), sorted(opaqueDuringFlood...)
	if len(df) > 0 {
		t.Logf("legitimate requests during the flood: %d, latency p50 %v, p95 %v, p99 %v; opaque among them %d, p50 %v, p95 %v, p99 %v",
			len(df), percentile(df, 0.50), percentile(df, 0.95), percentile(df, 0.99),
			len(of), percentile(of, 0.50), percentile(of, 0.95), percentile(of, 0.99))
		t.Logf("good opaque tokens shed with 503 during the flood (queued past the introspection client's Timeout): %d", shed.Load())
	}

	assert.LessOrEqual(t, upstream.maxInFlight.Load(), int64(introspect.DefaultMaxConcurrentRequests),
		"introspection requests in flight at once")
	assert.Equal(t, int64(floodSize), floodStatus[401].Load()+floodStatus[503].Load(), "flood requests refused")
	assert.Positive(t, len(df), "legitimate requests were served during the flood")

	assert.Zero(t, wrong.Load(), "wrong answers")
	assert.Positive(t, opaqueOK.Load(), "opaque tokens answered while introspection was healthy")
	assert.Positive(t, opaqueDown.Load(), "opaque tokens answered while introspection was failing")
	for k := range numKinds {
		assert.Positive(t, requestsByKind[k].Load(), "requests with a %s", k)
	}
}

// sorted returns the durations of every list, sorted.
func sorted(lists ...[]time.Duration) []time.Duration {
	var all []time.Duration
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	return all
}

// percentile returns the p-th percentile (0 to 1) of sorted durations, or
// zero for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// countingTransport counts the requests it carries and how many were in
// flight at once at most.
type countingTransport struct {
	http.RoundTripper
	inFlight, maxInFlight atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.maxInFlight.Load()
		if n <= m || c.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return c.RoundTripper.RoundTrip(r)
}

// fail reports a wrong answer, the first few in full.
func fail(t *testing.T, wrong *atomic.Int64, format string, args ...any) {
	if wrong.Add(1) <= 10 {
		t.Errorf(format, args...)
	}
}

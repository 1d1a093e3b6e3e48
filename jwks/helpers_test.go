package jwks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/internal/jose"
)

// This file holds what the tests share: keys (generated once per test
// binary, because RSA key generation is slow), JWKS documents, a JWKS server
// whose answers a test scripts, a clock whose timers the test fires, and a
// check that no goroutine of this package is left.

type testKeyring struct {
	rsa, rsa1024 *rsa.PrivateKey
	ec           [4]*ecdsa.PrivateKey
	ed           ed25519.PrivateKey
}

var testKeys = sync.OnceValue(func() *testKeyring {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var k testKeyring
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	for i := range k.ec {
		k.ec[i], err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
	}
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return &k
})

// jwk is one key of a test document.
type jwk struct {
	kid, alg string
	key      crypto.PublicKey
	use      string // "" keeps MarshalPublic's "sig"
}

// ecJWK is P-256 key i of the keyring as an ES256 JWK.
func ecJWK(kid string, i int) jwk {
	return jwk{kid: kid, alg: "ES256", key: &testKeys().ec[i].PublicKey}
}

// jwksDoc renders {"keys":[...]} with internal/jose.MarshalPublic.
func jwksDoc(t testing.TB, keys ...jwk) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	for i, k := range keys {
		raw, err := jose.MarshalPublic(k.kid, k.alg, k.key)
		require.NoError(t, err)
		if k.use != "" {
			raw = bytes.Replace(raw, []byte(`"use":"sig"`), []byte(`"use":"`+k.use+`"`), 1)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(raw)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// jwksServer is an httptest server for one JWKS document. By default it
// answers the document with Cache-Control: max-age=300; a test changes the
// document with set, or the whole answer with respond.
type jwksServer struct {
	*httptest.Server
	mu       sync.Mutex
	doc      []byte
	respond  http.HandlerFunc // when not nil, answers instead
	requests atomic.Int64
	got      chan struct{} // one value per request, never blocking
}

func newJWKSServer(t testing.TB, doc []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{doc: doc, got: make(chan struct{}, 10000)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	select {
	case s.got <- struct{}{}:
	default:
	}
	s.mu.Lock()
	doc, respond := s.doc, s.respond
	s.mu.Unlock()
	if respond != nil {
		respond(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(doc)
}

func (s *jwksServer) set(doc []byte) {
	s.mu.Lock()
	s.doc, s.respond = doc, nil
	s.mu.Unlock()
}

func (s *jwksServer) answer(h http.HandlerFunc) {
	s.mu.Lock()
	s.respond = h
	s.mu.Unlock()
}

func (s *jwksServer) count() int { return int(s.requests.Load()) }

// hang answers nothing until the request's context ends or release is
// closed.
func hang(release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", code) }
}

func body(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
}

// fakeClock drives a Remote's clock and timers: each timer the Remote asks
// for is announced on waits, and fires only when the test says so.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan *fakeTimer
}

type fakeTimer struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), waits: make(chan *fakeTimer, 1000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	ft := &fakeTimer{d: d, fire: make(chan time.Time, 1)}
	c.waits <- ft
	return ft.fire, func() bool { return true }
}

// next returns the timer the Remote set after its last fetch ended; the
// background loop sets one only once it is idle again.
func (c *fakeClock) next(t testing.TB) *fakeTimer {
	t.Helper()
	select {
	case ft := <-c.waits:
		return ft
	case <-time.After(10 * time.Second):
		t.Fatal("the background loop set no timer within 10s")
		return nil
	}
}

// options returns Options using the clock.
func (c *fakeClock) options(o Options) Options {
	o.now, o.after = c.Now, c.After
	return o
}

// newRemote is New that fails the test on error and closes the Remote at
// cleanup.
func newRemote(t testing.TB, url string, opts Options) *Remote {
	t.Helper()
	r, err := New(context.Background(), url, opts)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// closeIfMade closes r, if it was made, when the test ends. A test that
// expects New or FromIssuer to refuse uses it too: should the call succeed
// after all, the Remote it made must not outlive the test, or every later
// goroutine check in the package would fail in its place and hide the
// failure that matters.
func closeIfMade(t testing.TB, r *Remote) {
	if r != nil {
		t.Cleanup(func() { r.Close() })
	}
}

// ourGoroutines lists the goroutines running code of this package, other
// than the tests themselves.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		// A goroutine that has not started yet shows only a wrapper
		// and its creator, so creators count too.
		for _, fn := range []string{"tokenguard/jwks.(*Remote)", "tokenguard/jwks.(*flight)", "tokenguard/jwks.start", "tokenguard/jwks.(*Issuers)"} {
			if strings.Contains(g, fn) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// requireNoGoroutines waits (briefly: a goroutine that has signalled it is
// done may still be returning) until no goroutine of this package is left.
func requireNoGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := ourGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of package jwks outlived the Remote:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

package introspect

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// persistConnGoroutines counts the goroutines net/http's client keeps per
// open connection.
func persistConnGoroutines() int { return goroutinesIn("net/http.(*persistConn)") }

// goroutinesIn counts the goroutines whose stack holds fn.
func goroutinesIn(fn string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// A client that built its own transport closes its kept-alive connection
// on Close, so the connection's goroutines end now rather than after the
// idle timeout.
func TestClientCloseEndsConnectionGoroutines(t *testing.T) {
	var (
		mu     sync.Mutex
		closed = make(chan struct{}) // closed when the first connection is
		first  net.Conn
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"active":true}`)
	}))
	srv.Config.ConnState = func(conn net.Conn, state http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case state == http.StateNew && first == nil:
			first = conn
		case state == http.StateClosed && conn == first:
			close(closed)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	// Other tests' connections may still be ending, so the count can only
	// be compared as "not more than before the request".
	before := persistConnGoroutines()
	c := newTestClient(t, Config{Endpoint: srv.URL})
	_, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	mu.Lock()
	opened := first != nil
	mu.Unlock()
	require.True(t, opened, "the request opened a connection")
	select {
	case <-closed:
		t.Fatal("the connection was closed before Close; nothing left to test")
	default:
	}

	require.NoError(t, c.Close())
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the client's connection is still open after Close")
	}
	deadline := time.Now().Add(10 * time.Second)
	for persistConnGoroutines() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d connection goroutines after Close, %d before the request", persistConnGoroutines(), before)
		}
		time.Sleep(time.Millisecond)
	}

	// Close does not end the client: a later request opens a new connection.
	r, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	assert.True(t, r.Active)
	require.NoError(t, c.Close())
}

// closeRecorder is a caller's transport that records CloseIdleConnections.
type closeRecorder struct {
	http.RoundTripper
	mu     sync.Mutex
	closed int
}

func (r *closeRecorder) CloseIdleConnections() {
	r.mu.Lock()
	r.closed++
	r.mu.Unlock()
}

// A transport the caller gave is the caller's to manage: Close leaves it
// alone, and Close on a zero-configured path is harmless.
func TestClientCloseLeavesCallersTransport(t *testing.T) {
	srv, _ := endpoint(t, nil)
	rec := &closeRecorder{RoundTripper: srv.Client().Transport}
	c := newTestClient(t, Config{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: rec}})
	_, err := c.Introspect(context.Background(), testToken)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Zero(t, rec.closed, "Close must not close a transport the caller gave")
}

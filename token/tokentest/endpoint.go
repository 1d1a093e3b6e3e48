package tokentest

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is what the tests control of one of the issuer's endpoints: how
// many requests it has had, and the failure and delay that FailJWKS,
// SlowJWKS, FailIntrospection, SlowIntrospection and Heal set on it.
type endpoint struct {
	requests atomic.Int64

	mu     sync.Mutex
	status int           // answer this status instead; 0 means answer normally
	delay  time.Duration // wait this long first
}

func (e *endpoint) fail(status int) {
	e.mu.Lock()
	e.status = status
	e.mu.Unlock()
}

func (e *endpoint) slow(d time.Duration) {
	e.mu.Lock()
	e.delay = d
	e.mu.Unlock()
}

func (e *endpoint) heal() {
	e.mu.Lock()
	e.status, e.delay = 0, 0
	e.mu.Unlock()
}

// faults returns the failure status and the delay currently set.
func (e *endpoint) faults() (status int, delay time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status, e.delay
}

// admit counts a request to e, waits e's delay and answers e's failure
// (described by why). It reports whether the handler should go on to
// answer normally.
func (i *Issuer) admit(w http.ResponseWriter, r *http.Request, e *endpoint, why string) bool {
	e.requests.Add(1)
	status, delay := e.faults()
	if !i.wait(w, r, delay) {
		return false
	}
	if status != 0 {
		writeError(w, status, "temporarily_unavailable", why)
		return false
	}
	return true
}

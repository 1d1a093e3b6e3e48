package jwks

import (
	"fmt"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// flight runs at most one fetch at a time and lets everyone who asks while
// it runs wait for that same fetch: a singleflight for the one URL a Remote
// fetches. The background refresh and the refetch for an unknown kid both go
// through it, so they are merged as well.
//
// It is not golang.org/x/sync/singleflight, which lacks two things a Remote
// needs: joining a fetch in progress, yet starting none when the unknown-kid
// cooldown says no (do's gate, asked only when no fetch runs and under the
// same lock, so a caller inside the cooldown still waits for a background
// refresh that is running), and close, which refuses new fetches and waits
// for the running fetch's goroutine, so that Close leaves nothing behind.
type flight struct {
	mu     sync.Mutex
	cur    *call // the fetch in progress, or nil
	closed bool
	wg     sync.WaitGroup // the fetch goroutines
}

// call is one fetch. err and next are written before done is closed and
// never after.
type call struct {
	done chan struct{}
	err  error
	next time.Duration // from the answer's caching headers, after a success
}

// do returns the fetch in progress, or, when none runs and gate agrees,
// starts fn on a new goroutine and returns that. gate runs with the lock
// held, so whatever it reads and writes is serialized with starting fetches;
// nil means yes. do returns nil when nothing runs and gate said no, or after
// close. started reports whether this call started the fetch.
func (f *flight) do(gate func() bool, fn func(*call)) (c *call, started bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil {
		return f.cur, false
	}
	if f.closed || (gate != nil && !gate()) {
		return nil, false
	}
	c = &call{done: make(chan struct{})}
	f.cur = c
	f.wg.Add(1)
	go f.run(c, fn)
	return c, true
}

func (f *flight) run(c *call, fn func(*call)) {
	defer f.wg.Done()
	defer func() {
		// A panic here (in a caller's http.RoundTripper, say) would end the
		// whole program; make it a failed fetch instead.
		if p := recover(); p != nil {
			c.err = unavailable(nil, "the key set fetch panicked: %s", excerpt.Of(fmt.Sprint(p)))
		}
		// Forget the call before waking its waiters: one that looks again
		// must not join a fetch that has ended.
		f.mu.Lock()
		f.cur = nil
		f.mu.Unlock()
		close(c.done)
	}()
	fn(c)
}

// close refuses new fetches and waits for the one in progress, which the
// caller has already cancelled.
func (f *flight) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}

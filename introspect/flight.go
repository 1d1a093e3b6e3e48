package introspect

import (
	"context"
	"fmt"
)

// call is one request to the inner Introspector that every concurrent caller
// asking about the same token waits for. resp and err are written before
// done is closed and never after; waiters, forgotten and cancel are guarded
// by the shard's lock.
type call struct {
	done    chan struct{}
	resp    *Response // the stored copy; waiters clone it
	err     error
	waiters int
	// forgotten is set by Forget while the call is in flight: its answer
	// may predate a revocation, so it is handed to the callers already
	// waiting but never stored.
	forgotten bool
	cancel    context.CancelFunc
}

// startCall registers a call for k and starts it. The caller holds s.mu.
func (c *Cache) startCall(ctx context.Context, s *shard, k cacheKey, tok string) *call {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cl := &call{done: make(chan struct{}), cancel: cancel}
	s.calls[k] = cl
	go c.run(callCtx, s, k, cl, tok)
	return cl
}

// run makes the shared call, caches a successful answer (unless Forget was
// called for the token meanwhile), and wakes the waiters.
func (c *Cache) run(ctx context.Context, s *shard, k cacheKey, cl *call, tok string) {
	defer cl.cancel()
	resp, err := c.callInner(ctx, tok)
	if err == nil {
		// Keep a copy nobody else holds: the inner Introspector may keep
		// and change the one it returned.
		resp = resp.Clone()
	}
	now := c.now()

	s.mu.Lock()
	if s.calls[k] == cl {
		delete(s.calls, k)
	}
	if err == nil && !cl.forgotten {
		if until, ok := c.expiry(resp, now); ok {
			s.add(k, resp, until)
		}
	}
	s.mu.Unlock()

	cl.resp, cl.err = resp, err
	close(cl.done)
}

// callInner calls the inner Introspector, turning a panic (which on this
// goroutine would end the whole program, where on the caller's an HTTP
// server would recover it) and a nil answer into errors.
func (c *Cache) callInner(ctx context.Context, tok string) (resp *Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, unavailable(nil, fmt.Sprintf("introspect: the Cache's inner Introspector (%T) panicked: %s", c.inner, sanitize(fmt.Sprint(p), tok)))
		}
	}()
	resp, err = c.inner.Introspect(ctx, tok)
	if err == nil && resp == nil {
		err = unavailable(nil, fmt.Sprintf("introspect: the Cache's inner Introspector (%T) returned neither an answer nor an error", c.inner))
	}
	return resp, err
}

// leave records that a waiter stopped waiting. When none is left, the call
// is cancelled and forgotten, so the next caller starts a fresh one rather
// than joining a call that is being cancelled.
func (s *shard) leave(k cacheKey, cl *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl.waiters--
	if cl.waiters > 0 {
		return
	}
	select {
	case <-cl.done:
		return
	default:
	}
	cl.cancel()
	if s.calls[k] == cl {
		delete(s.calls, k)
	}
}

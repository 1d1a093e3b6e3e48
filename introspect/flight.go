package introspect

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// flightShards is how many parts the table of calls in flight is split
// into, each with its own lock.
const flightShards = 16

// flights is one part of a Cache's table of calls in flight.
type flights struct {
	mu    sync.Mutex
	calls map[cacheKey]*call
	// settled counts the calls that stored their answer and then left
	// the table. A caller whose lookup missed and that then finds no call
	// looks again when it changed meanwhile: the answer it missed may
	// have been stored just after its lookup.
	settled atomic.Uint64
}

func (c *Cache) flightFor(k *cacheKey) *flights {
	return &c.flights[binary.LittleEndian.Uint64(k[8:16])%flightShards]
}

// call is one request to the inner Introspector that every concurrent caller
// asking about the same token waits for. It is not golang.org/x/sync's
// singleflight, which cannot cancel a call once every caller waiting for it
// has gone. resp and err are written before done is closed and never after;
// waiters and forgotten are guarded by the lock of the flights holding the
// call.
type call struct {
	done chan struct{}
	// stored is closed when the call has finished with the Store: its
	// answer is stored (or was not to be), so Forget can wait for it.
	stored  chan struct{}
	resp    *Response // the shared copy; waiters clone it
	err     error
	until   time.Time // how long resp may be reused, when it is stored
	waiters int
	// forgotten is set by Forget while the call is in flight, and by leave
	// when every caller has gone: its answer may predate a revocation (and
	// once the call has left the table Forget cannot find it), so it is
	// handed to the callers already waiting but never stored (or removed
	// again if it was).
	forgotten bool
	cancel    context.CancelFunc
}

// joinable returns the call for k a caller may wait for, if any: one in
// flight, or one whose answer is being stored and may still be reused. A
// call whose answer's time has passed while the Store was keeping it is
// left to finish alone, and the caller starts afresh. The caller holds
// f.mu.
func (c *Cache) joinable(f *flights, k cacheKey) *call {
	cl := f.calls[k]
	if cl == nil {
		return nil
	}
	select {
	case <-cl.done:
		if !c.now().Before(cl.until) {
			return nil
		}
	default:
	}
	return cl
}

// startCall registers a call for k and starts it on a slot the caller has
// taken, which the call gives back when the inner Introspector returns. The
// caller holds f.mu.
func (c *Cache) startCall(ctx context.Context, f *flights, k cacheKey, tok string) *call {
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cl := &call{done: make(chan struct{}), stored: make(chan struct{}), cancel: cancel}
	f.calls[k] = cl
	go c.run(callCtx, f, k, cl, tok)
	return cl
}

// storeTimeout bounds how long a shared call waits for the Store to keep
// (or remove) its answer, since the call holds one of the Cache's slots
// meanwhile and nobody waits on its context.
const storeTimeout = 10 * time.Second

// run makes the shared call, wakes the waiters and stores a successful
// answer (unless Forget was called for the token meanwhile). The call stays
// in the table until the answer is stored, so a caller arriving in between
// gets it from the call rather than starting another. It holds its slot
// until it has finished with the Store, so that a slow Store cannot turn a
// flood of tokens into unbounded goroutines.
func (c *Cache) run(ctx context.Context, f *flights, k cacheKey, cl *call, tok string) {
	defer func() { <-c.slots }()
	defer close(cl.stored)
	defer cl.cancel()
	resp, err := c.callInner(ctx, tok)
	if err == nil {
		// Keep a copy nobody else holds: the inner Introspector may keep
		// and change the one it returned.
		resp = resp.Clone()
	}
	var until time.Time
	keep := false
	if err == nil {
		until, keep = c.expiry(resp, c.now())
	}

	f.mu.Lock()
	keep = keep && !cl.forgotten
	if !keep && f.calls[k] == cl {
		// Nothing to store: the next caller starts afresh (an error is
		// never shared beyond the callers already waiting).
		delete(f.calls, k)
	}
	cl.resp, cl.err, cl.until = resp, err, until
	close(cl.done)
	f.mu.Unlock()
	if !keep {
		return
	}

	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	stored := c.storeCall(sctx, "failed to keep an answer; the next call for the token asks again", func() error {
		return c.store.Put(sctx, k, resp, until)
	})

	f.mu.Lock()
	if f.calls[k] == cl {
		delete(f.calls, k)
	}
	f.settled.Add(1)
	forgotten := cl.forgotten
	f.mu.Unlock()
	if stored && forgotten {
		// Forget ran while the answer was being stored, and its Delete may
		// have come first.
		c.storeCall(sctx, "failed to remove an answer Forget was called for", func() error {
			return c.store.Delete(sctx, k)
		})
	}
}

// storeCall runs a Store write for a shared call and reports whether it
// succeeded, logging a failure. A panic in the Store is a failure too: on
// the shared call's goroutine it would otherwise end the program.
func (c *Cache) storeCall(ctx context.Context, failed string, write func() error) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			c.warn(ctx, "introspect: the Cache's Store "+failed, fmt.Errorf("%T panicked: %s", c.store, excerpt.Text(fmt.Sprint(p))))
		}
	}()
	if err := write(); err != nil {
		c.warn(ctx, "introspect: the Cache's Store "+failed, err)
		return false
	}
	return true
}

func (c *Cache) warn(ctx context.Context, msg string, err error) {
	if c.log != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, msg, slog.String("error", err.Error()))
	}
}

// callInner calls the inner Introspector, turning a panic (which on this
// goroutine would end the whole program, where on the caller's an HTTP
// server would recover it) and a nil answer into errors.
func (c *Cache) callInner(ctx context.Context, tok string) (resp *Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, unavailable(nil, fmt.Sprintf("introspect: the Cache's inner Introspector (%T) panicked: %s", c.inner, excerpt.Text(fmt.Sprint(p), tok)))
		}
	}()
	resp, err = c.inner.Introspect(ctx, tok)
	if err == nil && resp == nil {
		err = unavailable(nil, fmt.Sprintf("introspect: the Cache's inner Introspector (%T) returned neither an answer nor an error", c.inner))
	}
	return resp, err
}

// leave records that a waiter stopped waiting. When none is left, the call
// is cancelled and leaves the table, so the next caller starts a fresh one
// rather than joining a call that is being cancelled; an answer it gets
// anyway is not stored, since a Forget for the token can no longer find
// the call.
func (f *flights) leave(k cacheKey, cl *call) {
	f.mu.Lock()
	defer f.mu.Unlock()
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
	cl.forgotten = true
	if f.calls[k] == cl {
		delete(f.calls, k)
	}
}

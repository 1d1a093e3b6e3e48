package introspect

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/token"
)

// Cache defaults, used when the matching CacheOptions field is zero.
const (
	DefaultMaxTTL      = 5 * time.Minute
	DefaultNegativeTTL = 10 * time.Second
	// DefaultMaxConcurrentCalls bounds how many calls a Cache makes to its
	// inner Introspector at once.
	DefaultMaxConcurrentCalls = 64
)

// CacheOptions configures a Cache. The zero value is a safe default for every
// field, and negative numbers follow package token's rule for configuration
// values: NegativeTTL may be turned off, the other bounds may not.
type CacheOptions struct {
	// Store keeps the answers. Nil means a MemoryStore made from
	// MaxEntries, MaxInactiveEntries and Now; a Store given here is used as
	// it is, and those three fields do not apply to it.
	Store Store
	// MaxEntries bounds how many active answers the default MemoryStore
	// keeps (see MemoryStoreOptions.MaxEntries). Zero means
	// DefaultMaxEntries (10,000). A negative value is a configuration
	// mistake: the Cache then fails every call with an error matching
	// token.ErrUnavailable.
	MaxEntries int
	// MaxInactiveEntries bounds how many inactive answers the default
	// MemoryStore keeps, in a budget of their own, so that a flood of
	// made-up tokens cannot push out the answers about real ones. Zero
	// means DefaultMaxInactiveEntries (10,000). A negative value is a
	// configuration mistake, treated as a negative MaxEntries is (set a
	// negative NegativeTTL to keep no inactive answer).
	MaxInactiveEntries int
	// MaxTTL bounds how long an active answer is reused. An active answer
	// lives until the token's exp or for MaxTTL, whichever ends first; one
	// without exp lives for MaxTTL, and one whose exp has passed is not
	// kept. A shorter MaxTTL notices revocations sooner at the cost of more
	// requests. Zero means DefaultMaxTTL (5 minutes). A negative value is a
	// configuration mistake, treated as a negative MaxEntries is.
	MaxTTL time.Duration
	// NegativeTTL is how long an inactive answer is reused, so a client
	// retrying a revoked or made-up token cannot make every request reach
	// the authorization server. Zero means DefaultNegativeTTL (10 seconds);
	// a negative value means none: inactive answers are not kept.
	NegativeTTL time.Duration
	// MaxConcurrentCalls bounds how many calls to the inner Introspector
	// run at once, whatever the number of distinct tokens asked about: a
	// flood of made-up tokens then costs the authorization server at most
	// this many requests at a time, and this process at most this many
	// goroutines of the Cache's. A caller whose token is neither cached nor
	// being asked about already waits for a call to finish, within its
	// context; when the context ends first it gets an error matching
	// token.ErrUnavailable. Cached answers are served without waiting. A
	// Client as the inner Introspector has a bound of its own
	// (Config.MaxConcurrentRequests), and the smaller one holds.
	// Zero means DefaultMaxConcurrentCalls (64). A negative value is a
	// configuration mistake, treated as a negative MaxEntries is.
	MaxConcurrentCalls int
	// Now returns the current time. Nil means time.Now. Tests set it to
	// move the cache through time.
	Now func() time.Time
	// Logger, if not nil, receives a warning when the Store fails to keep
	// or remove an answer (a failure to read it is returned to the caller
	// instead). Log lines never contain the token.
	Logger *slog.Logger
}

// Cache is an Introspector that remembers the answers of another one.
//
// Answers are kept in a Store (by default a bounded MemoryStore) keyed by
// the SHA-256 of the token, so the cache never holds a raw token: a heap dump
// shows which answers are cached, not the bearer credentials that would
// replay them. Errors are never cached, so an outage ends for every token as
// soon as the endpoint recovers. A Store that fails to answer is an outage
// too: the call fails with an error matching token.ErrUnavailable rather
// than asking the inner Introspector behind the Store's back.
//
// Concurrent calls for a token that is not cached share one call to the
// inner Introspector. That call runs on its own goroutine with a context that
// keeps the first caller's values but not its cancellation, so a caller whose
// context ends gets its error at once (matching token.ErrUnavailable and the
// context's error) without failing the others; the shared call is cancelled
// only when every caller waiting for it has gone (an answer it gets anyway
// is then not cached), and is otherwise bounded by the inner Introspector's
// own timeout (Config.Timeout for a Client). Callers get the answer as soon
// as it arrives; the call then writes it to the Store, within 10 seconds,
// and callers arriving meanwhile get it from the call.
//
// At most CacheOptions.MaxConcurrentCalls shared calls run at once, each
// from its start until its answer is stored; callers beyond that wait for
// one to finish, within their own context. So a flood of distinct made-up
// tokens reaches the authorization server at that rate at most, holds at
// most that many of the Cache's goroutines however slow the Store, and
// never delays the answers already cached.
//
// Every call returns its own copy of the answer (Response.Clone), so a
// caller that modifies it changes nothing for anyone else.
//
// A panic in the inner Introspector during a shared call is recovered and
// returned as an error matching token.ErrUnavailable, since on the shared
// call's goroutine it would otherwise end the program.
//
// Nothing runs in the background (a shared call's goroutine ends with the
// call), so the cache needs no Close; closing the inner Introspector
// (Client.Close) and the Store is up to whoever made them. It is safe for
// concurrent use. A nil or zero Cache fails every call with an error
// matching token.ErrUnavailable; use NewCache.
type Cache struct {
	inner       Introspector
	misconfig   error // from NewCache's options; every Introspect returns it
	store       Store
	maxTTL      time.Duration
	negativeTTL time.Duration
	now         func() time.Time
	log         *slog.Logger
	// slots holds one value per shared call running; its capacity is
	// MaxConcurrentCalls.
	slots   chan struct{}
	flights [flightShards]flights
}

var _ Introspector = (*Cache)(nil)

// cacheKey is the SHA-256 of a token.
type cacheKey = [sha256.Size]byte

// NewCache returns a cache in front of inner. A nil inner, or options with a
// negative MaxEntries, MaxInactiveEntries, MaxTTL or MaxConcurrentCalls,
// give a cache whose every Introspect fails with an error matching
// token.ErrUnavailable that says why.
func NewCache(inner Introspector, opts CacheOptions) *Cache {
	c := &Cache{
		inner:       inner,
		store:       opts.Store,
		negativeTTL: settings.OrNone(opts.NegativeTTL, DefaultNegativeTTL),
		now:         settings.Clock(opts.Now),
		log:         opts.Logger,
	}
	var (
		errs                          [4]error
		maxActive, maxInactive, calls int
	)
	c.maxTTL, errs[0] = settings.Limit("introspect: CacheOptions.MaxTTL", opts.MaxTTL, DefaultMaxTTL)
	maxActive, errs[1] = settings.Limit("introspect: CacheOptions.MaxEntries", opts.MaxEntries, DefaultMaxEntries)
	maxInactive, errs[2] = settings.Limit("introspect: CacheOptions.MaxInactiveEntries", opts.MaxInactiveEntries, DefaultMaxInactiveEntries)
	calls, errs[3] = settings.Limit("introspect: CacheOptions.MaxConcurrentCalls", opts.MaxConcurrentCalls, DefaultMaxConcurrentCalls)
	if err := cmp.Or(errs[:]...); err != nil {
		c.misconfig = unavailable(nil, err.Error())
		// The cache is still built whole, so Forget works.
		c.maxTTL, maxActive, maxInactive, calls = DefaultMaxTTL, DefaultMaxEntries, DefaultMaxInactiveEntries, DefaultMaxConcurrentCalls
	}
	if inner == nil {
		c.misconfig = unavailable(nil, "introspect: the Cache has no inner Introspector; pass a Client to NewCache")
	}
	if c.store == nil {
		c.store = NewMemoryStore(MemoryStoreOptions{MaxEntries: maxActive, MaxInactiveEntries: maxInactive, Now: c.now})
	}
	c.slots = make(chan struct{}, calls)
	for i := range c.flights {
		c.flights[i].calls = make(map[cacheKey]*call)
	}
	return c
}

// keyOf hashes a token. Tokens of usual lengths are copied to the stack
// first, which spares an allocation per call.
func keyOf(tok string) cacheKey {
	var buf [256]byte
	if len(tok) <= len(buf) {
		return sha256.Sum256(append(buf[:0], tok...))
	}
	return sha256.Sum256([]byte(tok))
}

// Introspect returns the cached answer for tok if there is a live one, and
// otherwise asks the inner Introspector (once for all concurrent callers
// asking about the same token), caches a successful answer and returns it.
// Errors are the inner Introspector's, passed on unchanged and never cached,
// or, when ctx ends first, an error matching both token.ErrUnavailable and
// ctx.Err(), or, when the Store fails, one matching token.ErrUnavailable. A
// cached answer is returned even when ctx has already ended.
func (c *Cache) Introspect(ctx context.Context, tok string) (*Response, error) {
	switch {
	case c == nil || c.store == nil:
		return nil, errNotMade()
	case c.misconfig != nil:
		return nil, c.misconfig
	}
	k := keyOf(tok)
	f := c.flightFor(&k)
	settled := f.settled.Load()
	if r, ok, err := c.lookup(ctx, k); err != nil || ok {
		return r, err
	}
	cl, r, ok, err := c.callAfterMiss(ctx, f, k, settled)
	if err != nil || ok {
		return r, err
	}
	if cl == nil {
		if err := ctx.Err(); err != nil {
			f.mu.Unlock()
			return nil, unavailable(err, "the caller's context ended before introspection began")
		}
		select {
		case c.slots <- struct{}{}:
		default:
			f.mu.Unlock()
			return c.introspectQueued(ctx, k, tok)
		}
		cl = c.startCall(ctx, f, k, tok)
	}
	cl.waiters++
	f.mu.Unlock()
	return c.wait(ctx, f, k, cl)
}

// callAfterMiss locks f and returns the call for k a caller whose lookup
// missed may join, or nil; f stays locked then. When a call stored its
// answer since the lookup (settled is what f.settled was before it), the
// answer the lookup missed may be that one, so it looks again first, and
// returns what it finds with ok, f unlocked.
func (c *Cache) callAfterMiss(ctx context.Context, f *flights, k cacheKey, settled uint64) (*call, *Response, bool, error) {
	f.mu.Lock()
	cl := c.joinable(f, k)
	if cl == nil && f.settled.Load() != settled {
		f.mu.Unlock()
		if r, ok, err := c.lookup(ctx, k); err != nil || ok {
			return nil, r, true, err
		}
		f.mu.Lock()
		cl = c.joinable(f, k)
	}
	return cl, nil, false, nil
}

// introspectQueued is Introspect for a caller that found every slot for a
// shared call taken: it waits for one within ctx, then looks again, since
// the answer may have arrived meanwhile.
func (c *Cache) introspectQueued(ctx context.Context, k cacheKey, tok string) (*Response, error) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, unavailable(ctx.Err(), "the caller's context ended while waiting for one of the "+
			strconv.Itoa(cap(c.slots))+" introspection calls already in flight (CacheOptions.MaxConcurrentCalls) to finish")
	}
	if err := ctx.Err(); err != nil {
		// Both were ready, and select chose the slot.
		<-c.slots
		return nil, unavailable(err, "the caller's context ended before introspection began")
	}
	released := false
	defer func() {
		if !released {
			// The Store answered or failed, or panicked (on the caller's
			// goroutine, where an HTTP server recovers it): the slot goes
			// back in every case.
			<-c.slots
		}
	}()
	f := c.flightFor(&k)
	settled := f.settled.Load()
	if r, ok, err := c.lookup(ctx, k); err != nil || ok {
		return r, err
	}
	cl, r, ok, err := c.callAfterMiss(ctx, f, k, settled)
	if err != nil || ok {
		return r, err
	}
	if cl == nil {
		cl = c.startCall(ctx, f, k, tok) // the call gives the slot back
	} else {
		<-c.slots // another caller started the call meanwhile: join it
	}
	released = true
	cl.waiters++
	f.mu.Unlock()
	return c.wait(ctx, f, k, cl)
}

// lookup asks the Store for k. An active answer whose token has expired
// counts as none, whatever the Store says: a shared Store's clock, or its
// rounding of expiry times, may keep an answer a little past the token's
// exp, and it must never be served as active.
func (c *Cache) lookup(ctx context.Context, k cacheKey) (*Response, bool, error) {
	r, ok, err := c.store.Get(ctx, k)
	switch {
	case err != nil:
		return nil, false, storeFailed(err, "could not be read")
	case !ok:
		return nil, false, nil
	case r == nil:
		return nil, false, unavailable(nil, "introspect: the Cache's Store returned neither an answer nor an error")
	case r.Active && !r.ExpiresAt.IsZero() && !c.now().Before(r.ExpiresAt):
		return nil, false, nil
	}
	return r, true, nil
}

// errNotMade is what a nil or zero Cache answers.
func errNotMade() error {
	return unavailable(nil, "introspect: the Cache was not made by NewCache")
}

// storeFailed wraps a Store's error so that it matches token.ErrUnavailable.
func storeFailed(err error, what string) error {
	if errors.Is(err, token.ErrUnavailable) {
		return err
	}
	return unavailable(err, "introspect: the Cache's Store "+what)
}

// wait waits for cl's answer or for ctx to end. An answer already there
// (a call whose answer is being stored) is returned even when ctx has
// ended, as a cached one is.
func (c *Cache) wait(ctx context.Context, f *flights, k cacheKey, cl *call) (*Response, error) {
	select {
	case <-cl.done:
	default:
		select {
		case <-cl.done:
		case <-ctx.Done():
			f.leave(k, cl)
			return nil, unavailable(ctx.Err(), "the caller's context ended before the introspection answer arrived")
		}
	}
	if cl.err != nil {
		return nil, cl.err
	}
	return cl.resp.Clone(), nil
}

// expiry says until when an answer may be reused, and whether at all.
func (c *Cache) expiry(r *Response, now time.Time) (time.Time, bool) {
	if !r.Active {
		if c.negativeTTL == 0 {
			return time.Time{}, false
		}
		return now.Add(c.negativeTTL), true
	}
	until := now.Add(c.maxTTL)
	if !r.ExpiresAt.IsZero() && r.ExpiresAt.Before(until) {
		until = r.ExpiresAt
	}
	return until, now.Before(until)
}

// Forget drops the cached answer for tok, if any, so the next call asks the
// inner Introspector. Use it when the application learns of a revocation
// (a logout, a revocation event) before the cached answer would expire. It
// returns an error matching token.ErrUnavailable when the Store could not
// remove the answer; the default MemoryStore always can.
//
// A call to the inner Introspector for tok that is in flight when Forget is
// called may have been answered before the revocation: its answer still
// reaches the callers already waiting for it, but it is not cached, and
// callers arriving after Forget start a fresh call. When such an answer is
// being written to the Store, Forget waits for the write to end (within
// ctx) before removing it, so that once Forget has returned nil no caller
// gets the answer from before it.
//
// On a nil or zero Cache, which holds nothing, Forget returns an error
// matching token.ErrUnavailable, since the revocation it was asked to act
// on reaches no cache.
func (c *Cache) Forget(ctx context.Context, tok string) error {
	if c == nil || c.store == nil {
		return errNotMade()
	}
	k := keyOf(tok)
	f := c.flightFor(&k)
	var storing chan struct{}
	f.mu.Lock()
	if cl := f.calls[k]; cl != nil {
		cl.forgotten = true
		delete(f.calls, k)
		select {
		case <-cl.done:
			// Answered and still in the table: its answer is being
			// stored.
			storing = cl.stored
		default:
		}
	}
	f.mu.Unlock()
	if storing != nil {
		select {
		case <-storing:
		case <-ctx.Done():
			return unavailable(ctx.Err(), "introspect: the caller's context ended while the Cache's Store was keeping the answer to forget; it is removed once kept")
		}
	}
	if err := c.store.Delete(ctx, k); err != nil {
		return storeFailed(err, "could not remove the answer to forget")
	}
	return nil
}

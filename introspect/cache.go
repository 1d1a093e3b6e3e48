package introspect

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// Cache defaults, used when the matching CacheOptions field is zero.
const (
	DefaultMaxEntries  = 10_000
	DefaultMaxTTL      = 5 * time.Minute
	DefaultNegativeTTL = 10 * time.Second
)

// CacheOptions configures a Cache. The zero value is a safe default for every
// field, and negative numbers follow package token's rule for configuration
// values: NegativeTTL may be turned off, the other bounds may not.
type CacheOptions struct {
	// MaxEntries bounds how many answers are kept. When the cache is full,
	// adding an answer evicts the least recently used one (exactly so up to
	// 1,023 entries; larger caches are split into up to 16 parts, each with
	// its own lock and its own share of the limit, and evict the least
	// recently used entry of one part). Zero means DefaultMaxEntries
	// (10,000). A negative value is a configuration mistake: the Cache then
	// fails every call with an error matching token.ErrUnavailable.
	MaxEntries int
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
	// Now returns the current time. Nil means time.Now. Tests set it to
	// move the cache through time.
	Now func() time.Time
}

// Cache is an Introspector that remembers the answers of another one.
//
// Entries are keyed by the SHA-256 of the token, so the cache never holds a
// raw token: a heap dump shows which answers are cached, not the bearer
// credentials that would replay them. Errors are never cached, so an outage
// ends for every token as soon as the endpoint recovers.
//
// Concurrent calls for a token that is not cached share one call to the
// inner Introspector. That call runs on its own goroutine with a context that
// keeps the first caller's values but not its cancellation, so a caller whose
// context ends gets its error at once (matching token.ErrUnavailable and the
// context's error) without failing the others; the shared call is cancelled
// only when every caller waiting for it has gone, and is otherwise bounded by
// the inner Introspector's own timeout (Config.Timeout for a Client). Its
// answer is cached even if every caller has gone, so a retry finds it
// (unless Forget was called for the token while the call was in flight).
//
// Every call returns its own copy of the answer (Response.Clone), so a
// caller that modifies it changes nothing for anyone else.
//
// A panic in the inner Introspector during a shared call is recovered and
// returned as an error matching token.ErrUnavailable, since on the shared
// call's goroutine it would otherwise end the program.
//
// Expired entries are dropped when they are next looked up or when they
// reach the end of the eviction order. Nothing runs in the background (a
// shared call's goroutine ends with the call), so the cache needs no Close;
// closing the inner Introspector (Client.Close) is up to whoever made it.
// It is safe for concurrent use. A nil or zero Cache fails every Introspect
// with an error matching token.ErrUnavailable; use NewCache.
type Cache struct {
	inner       Introspector
	misconfig   error // from NewCache's options; every call returns it
	maxTTL      time.Duration
	negativeTTL time.Duration
	now         func() time.Time
	shards      []shard
	mask        uint64
}

var _ Introspector = (*Cache)(nil)

// cacheKey is the SHA-256 of a token.
type cacheKey [sha256.Size]byte

const (
	maxShards = 16
	// minPerShard is the smallest share of MaxEntries a part gets when a
	// cache is split, so that small caches stay exactly LRU.
	minPerShard = 512
)

// NewCache returns a cache in front of inner. A nil inner, or options with a
// negative MaxEntries or MaxTTL, give a cache whose every call fails with an
// error matching token.ErrUnavailable that says why.
func NewCache(inner Introspector, opts CacheOptions) *Cache {
	c := &Cache{
		inner:       inner,
		negativeTTL: settings.OrNone(opts.NegativeTTL, DefaultNegativeTTL),
		now:         settings.Clock(opts.Now),
	}
	var err1, err2 error
	c.maxTTL, err1 = settings.Limit("introspect: CacheOptions.MaxTTL", opts.MaxTTL, DefaultMaxTTL)
	maxEntries, err2 := settings.Limit("introspect: CacheOptions.MaxEntries", opts.MaxEntries, DefaultMaxEntries)
	if err := cmp.Or(err1, err2); err != nil {
		c.misconfig = unavailable(nil, err.Error())
		// The cache is still built whole, so Len and Forget work.
		c.maxTTL, maxEntries = DefaultMaxTTL, DefaultMaxEntries
	}
	if inner == nil {
		c.misconfig = unavailable(nil, "introspect: the Cache has no inner Introspector; pass a Client to NewCache")
	}
	n := 1
	for n < maxShards && maxEntries/(n*2) >= minPerShard {
		n *= 2
	}
	c.shards = make([]shard, n)
	c.mask = uint64(n - 1)
	for i := range c.shards {
		limit := maxEntries / n
		if i < maxEntries%n {
			limit++
		}
		c.shards[i].init(limit)
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

func (c *Cache) shardFor(k *cacheKey) *shard {
	return &c.shards[binary.LittleEndian.Uint64(k[:8])&c.mask]
}

// Introspect returns the cached answer for tok if there is a live one, and
// otherwise asks the inner Introspector (once for all concurrent callers
// asking about the same token), caches a successful answer and returns it.
// Errors are the inner Introspector's, passed on unchanged and never cached,
// or, when ctx ends first, an error matching both token.ErrUnavailable and
// ctx.Err(). A cached answer is returned even when ctx has already ended.
func (c *Cache) Introspect(ctx context.Context, tok string) (*Response, error) {
	switch {
	case c == nil || len(c.shards) == 0:
		return nil, unavailable(nil, "introspect: the Cache was not made by NewCache")
	case c.misconfig != nil:
		return nil, c.misconfig
	}
	k := keyOf(tok)
	s := c.shardFor(&k)
	now := c.now()

	s.mu.Lock()
	if r := s.lookup(&k, now); r != nil {
		s.mu.Unlock()
		return r.Clone(), nil
	}
	cl := s.calls[k]
	if cl == nil {
		if err := ctx.Err(); err != nil {
			s.mu.Unlock()
			return nil, unavailable(err, "the caller's context ended before introspection began")
		}
		cl = c.startCall(ctx, s, k, tok)
	}
	cl.waiters++
	s.mu.Unlock()

	select {
	case <-cl.done:
		if cl.err != nil {
			return nil, cl.err
		}
		return cl.resp.Clone(), nil
	case <-ctx.Done():
		s.leave(k, cl)
		return nil, unavailable(ctx.Err(), "the caller's context ended before the introspection answer arrived")
	}
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

// Len returns how many answers the cache holds, counting expired ones not
// yet dropped.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}

// Forget drops the cached answer for tok, if any, so the next call asks the
// inner Introspector. Use it when the application learns of a revocation
// (a logout, a revocation event) before the cached answer would expire.
//
// A call to the inner Introspector for tok that is in flight when Forget is
// called may have been answered before the revocation: its answer still
// reaches the callers already waiting for it, but it is not cached, and
// callers arriving after Forget start a fresh call.
func (c *Cache) Forget(tok string) {
	if c == nil || len(c.shards) == 0 {
		return
	}
	k := keyOf(tok)
	s := c.shardFor(&k)
	s.mu.Lock()
	if e := s.entries[k]; e != nil {
		s.remove(e)
	}
	if cl := s.calls[k]; cl != nil {
		cl.forgotten = true
		delete(s.calls, k)
	}
	s.mu.Unlock()
}

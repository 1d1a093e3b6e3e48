package jwks

import (
	"context"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/token"
)

// Remote is a token.KeySource for a JWKS URL: it keeps the issuer's keys in
// memory, refreshes them in the background, and refetches, rate-limited,
// when a token names a kid it does not hold. Make one with New or
// FromIssuer and share it between every validator of that issuer; it is
// safe for concurrent use. Close it when done.
//
// The zero value, and a nil *Remote, hold no keys: Keys fails with
// token.ErrUnavailable, Close does nothing.
type Remote struct {
	url   *url.URL
	shown string // url without its query, for messages
	cfg   *config
	disc  *Discovery
	log   logger

	// keys is the current snapshot. A KeySet is immutable; a refresh
	// builds a new one and swaps it in, so readers never lock.
	keys atomic.Pointer[token.KeySet]

	flight      flight
	lastRefetch time.Time // start of the last unknown-kid refetch; guarded by flight.mu
	// failure is the error of the most recent fetch (first, background or
	// unknown-kid), or nil when it succeeded: within the refetch cooldown
	// it tells "the kid is not in a key set we just got" from "we could not
	// get one".
	failure atomic.Pointer[error]

	ctx      context.Context
	cancel   context.CancelFunc
	loopDone chan struct{}
	stats    recorder
}

var _ token.KeySource = (*Remote)(nil)

// New fetches the JWKS document at jwksURL and returns a Remote that serves
// its keys and keeps them fresh in the background.
//
// ctx bounds the first fetch and the Remote's life: when it is cancelled,
// background work stops as if Close had been called. Pass a context that
// lives as long as the Remote should (context.Background() with Close is
// usual), not a request's.
//
// The URL must be https, except on a loopback address or with
// Options.AllowInsecureHTTP; otherwise the error matches ErrURL and nothing is
// fetched. An invalid Options field is an error too. When the first fetch
// fails (the endpoint cannot be reached, answers an error status, too much,
// malformed JSON or no usable signing key), the error matches
// token.ErrUnavailable and no goroutine is left running.
func New(ctx context.Context, jwksURL string, opts Options) (*Remote, error) {
	cfg, err := opts.config()
	if err != nil {
		return nil, err
	}
	u, err := checkURL(jwksURL, "JWKS URL", cfg.allowHTTP)
	if err != nil {
		return nil, err
	}
	return start(ctx, cfg, u, nil)
}

// start does the first fetch and, when it succeeds, starts the background
// loop.
func start(ctx context.Context, cfg *config, u *url.URL, disc *Discovery) (*Remote, error) {
	r := &Remote{url: u, shown: redact(u), cfg: cfg, disc: disc, log: logger{cfg.log}, loopDone: make(chan struct{})}
	r.stats.s.URL = r.shown
	f, err := cfg.fetchKeys(ctx, u)
	r.record(f, err)
	if err != nil {
		cfg.release()
		return nil, err
	}
	r.keys.Store(f.set)
	r.log.log(slog.LevelInfo, "jwks: keys fetched", "url", r.shown, "keys", f.set.Len(), "skipped", len(f.set.Skipped()), "next_refresh", f.next)
	r.ctx, r.cancel = context.WithCancel(ctx)
	r.stats.scheduled(cfg.now().Add(f.next))
	go r.loop(f.next)
	return r, nil
}

// URL returns the JWKS URL, with any query shown as "...".
func (r *Remote) URL() string {
	if r == nil {
		return ""
	}
	return r.shown
}

// Discovery returns the discovery document FromIssuer read, or nil for a
// Remote made by New. The result is a copy; changing it changes nothing.
func (r *Remote) Discovery() *Discovery {
	if r == nil || r.disc == nil {
		return nil
	}
	return r.disc.clone()
}

// Keys returns the current key set. It implements token.KeySource.
//
// When kid is "" or names a key in the set, Keys answers from memory at
// once, without locking or allocating. When kid is unknown, Keys refetches
// the key set, unless a refetch for an unknown kid started less than
// Options.RefetchCooldown ago: then it answers at once from what the last
// fetch gave. Every caller that misses while a fetch is in progress waits
// for that same fetch, at most Options.Timeout and never past ctx.
//
// token.ErrKeyNotFound means a fresh key set was obtained (by this refetch,
// or by the last fetch when within the cooldown) and the kid is not in it.
// When the refetch fails (the endpoint refuses the connection, answers an
// error status, too much or nonsense, or does not answer within
// Options.Timeout), or within the cooldown the last fetch failed, the
// error matches token.ErrUnavailable instead: the token may be signed by
// a key published just before the outage, so it is not refused for it. If
// ctx ends first, the error matches token.ErrUnavailable and ctx.Err().
//
// The Verifier of package token calls Keys only for a token that passed its
// cheap checks (size, form, header, algorithm allow-list, issuer; the issuer
// is checked after the key for a claims set too costly to read before the
// signature, see token.Verifier.Verify), so only such a token can cause a
// refetch; a token whose kid is found but whose signature fails never does.
//
// After Close, Keys keeps answering from the last key set and no longer
// refetches.
func (r *Remote) Keys(ctx context.Context, kid string) (*token.KeySet, error) {
	if r == nil {
		return nil, unavailable(nil, "the JWKS key source is nil")
	}
	set := r.keys.Load()
	if set != nil && (kid == "" || len(set.Lookup(kid)) > 0) {
		return set, nil
	}
	return r.miss(ctx, kid)
}

// miss handles a kid that is not in the current set.
func (r *Remote) miss(ctx context.Context, kid string) (*token.KeySet, error) {
	if r.cfg == nil || kid == "" {
		return nil, unavailable(nil, "the JWKS key source holds no keys")
	}
	if err := ctx.Err(); err != nil {
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "header.kid",
			Reason: "the context ended before the key set could be refetched", Err: err}
	}
	c, _ := r.flight.do(r.mayRefetch, r.fetch)
	if c == nil {
		// A fetch may have ended between the caller's look at the set and
		// do: its set is in place before do can return nil.
		if set := r.keys.Load(); set != nil && len(set.Lookup(kid)) > 0 {
			return set, nil
		}
		if f := r.failure.Load(); f != nil {
			return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "header.kid",
				Reason: "the issuer's key set, which does not hold the token's kid, could not be refetched", Err: *f}
		}
		return nil, token.Errorf(token.ErrKeyNotFound, "header.kid",
			"no key in the issuer's key set has the token's kid").
			WithDetail("kid %q; the key set was refetched less than %v (Options.RefetchCooldown) ago", excerpt.Of(kid), r.cfg.cooldown)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "header.kid",
			Reason: "the context ended while the key set was being refetched", Err: ctx.Err()}
	}
	if set := r.keys.Load(); set != nil && len(set.Lookup(kid)) > 0 {
		return set, nil
	}
	if c.err != nil {
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "header.kid",
			Reason: "the issuer's key set, which does not hold the token's kid, could not be refetched", Err: c.err}
	}
	return nil, token.Errorf(token.ErrKeyNotFound, "header.kid",
		"no key in the issuer's key set has the token's kid, even after refetching it").WithDetail("kid %q", excerpt.Of(kid))
}

// mayRefetch is the flight's gate for an unknown kid: yes once per
// cooldown. It runs under the flight's lock.
func (r *Remote) mayRefetch() bool {
	now := r.cfg.now()
	if !r.lastRefetch.IsZero() && now.Sub(r.lastRefetch) < r.cfg.cooldown {
		return false
	}
	r.lastRefetch = now
	r.stats.refetch()
	r.log.log(slog.LevelDebug, "jwks: refetching for an unknown kid", "url", r.shown)
	return true
}

// fetch is one background or unknown-kid fetch, run by the flight.
func (r *Remote) fetch(c *call) {
	returned := false
	defer func() {
		if !returned {
			// Panicking (the flight turns the panic into c.err): a failed
			// fetch all the same.
			err := error(unavailable(nil, "the key set fetch panicked"))
			r.failure.Store(&err)
		}
	}()
	f, err := r.cfg.fetchKeys(r.ctx, r.url)
	returned = true
	r.record(f, err)
	if err != nil {
		c.err = err
		return
	}
	r.swap(f.set)
	c.next = f.next
}

// record updates the stats and the log after a fetch.
func (r *Remote) record(f fetched, err error) {
	now := r.cfg.now()
	if err != nil {
		r.failure.Store(&err)
		r.stats.fetched(now, 0, err)
		r.log.log(slog.LevelWarn, "jwks: fetch failed; keeping the last good keys", "url", r.shown, "error", err.Error())
		return
	}
	r.failure.Store(nil)
	skipped := f.set.Skipped()
	r.stats.fetched(now, len(skipped), nil)
	r.log.log(slog.LevelDebug, "jwks: fetched", "url", r.shown, "keys", f.set.Len(), "skipped", len(skipped), "next_refresh", f.next)
	for _, sk := range skipped {
		r.log.log(slog.LevelDebug, "jwks: key skipped", "url", r.shown, "index", sk.Index, "kid", excerpt.Of(sk.KeyID), "reason", sk.Reason)
	}
}

// swap installs a freshly fetched set. A key Equal to one already held
// keeps its old *token.Key, because a verified-token cache drops tokens
// whose key is no longer in the set (token.KeySet.Contains compares
// pointers); an unchanged set keeps the old *token.KeySet altogether.
func (r *Remote) swap(fresh *token.KeySet) {
	old := r.keys.Load()
	merged, changed := mergeKeys(old, fresh)
	if !changed {
		return
	}
	r.keys.Store(merged)
	r.log.log(slog.LevelInfo, "jwks: key set changed", "url", r.shown, "keys", merged.Len(), "was", old.Len())
}

// mergeKeys returns the set to install and whether it differs from old.
func mergeKeys(old, fresh *token.KeySet) (*token.KeySet, bool) {
	if old == nil {
		return fresh, true
	}
	keys := fresh.Keys()
	kept := 0
	for i, k := range keys {
		for _, o := range old.Lookup(k.ID()) {
			if o.Equal(k) {
				keys[i] = o
				kept++
				break
			}
		}
	}
	if kept == len(keys) && kept == old.Len() {
		return old, false
	}
	merged, err := token.NewKeySet(keys...)
	if err != nil {
		// Cannot happen for a set ParseKeySet built; the fresh set is
		// still right, only identities are lost.
		return fresh, true
	}
	return merged, true
}

// Stats returns counters and times of the Remote's fetches.
func (r *Remote) Stats() Stats {
	if r == nil {
		return Stats{}
	}
	s := r.stats.snapshot()
	s.Keys = r.keys.Load().Len()
	return s
}

// Close stops the background refresh, cancels a fetch in progress and waits
// until every goroutine of the Remote has returned. Keys keeps answering
// from the last key set, without refetching. Close is idempotent, safe to
// call concurrently, and returns nil.
func (r *Remote) Close() error {
	if r == nil || r.cancel == nil {
		return nil
	}
	r.cancel()
	<-r.loopDone
	return nil
}

// shutdown runs as the loop ends: no new fetch may start, the one in
// progress (already cancelled) is waited for, and idle connections of the
// client this package built are closed.
func (r *Remote) shutdown() {
	r.flight.close()
	r.stats.scheduled(time.Time{})
	r.cfg.release()
}

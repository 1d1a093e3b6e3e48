// Package tokencache remembers tokens that passed signature verification, so
// a resource server that sees the same bearer token on every request pays
// for the signature check once.
//
// Both validators use it the same way: Lookup before verifying, Add after a
// success. A hit is only a shortcut past the signature; the caller still runs
// every time-based and per-call check on the cached result.
//
// Design choices:
//   - Entries are found by a seeded 64-bit hash of the raw token
//     (hash/maphash, about a tenth of the cost of SHA-256 on a 1 KiB token),
//     and a hit is confirmed by comparing the stored token byte for byte, so a
//     hash collision can only ever cost a miss, never return another token's
//     result. The seed is random per cache, so collisions cannot be planned.
//   - An entry never outlives the token's exp (plus the validator's leeway),
//     and dies as soon as the key that verified it is no longer in the
//     issuer's key set.
//   - Memory is bounded by an entry limit. The cache is split into shards,
//     each with its own lock, so parallel requests rarely contend; a reader
//     takes only a read lock. When a shard is full, expired entries go first,
//     then an arbitrary one (Go's map iteration order): a cache of tokens that
//     are all still valid loses little by forgetting any one of them.
package tokencache

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// DefaultMaxEntries is the entry limit validators use when their
// configuration leaves it at zero.
const DefaultMaxEntries = 4096

const shardCount = 16

// Cache maps raw tokens to verified results of type V. A nil *Cache is a
// valid, disabled cache. It is safe for concurrent use.
type Cache[V any] struct {
	seed     maphash.Seed
	perShard int
	shards   [shardCount]shard[V]
}

type shard[V any] struct {
	mu      sync.RWMutex
	entries map[uint64]*entry[V]
}

type entry[V any] struct {
	raw     string
	value   V
	keys    token.KeySource
	signer  *token.Key
	kid     string
	expires time.Time
}

// New returns a cache holding at most maxEntries tokens, or nil (disabled)
// when maxEntries is negative. Zero means DefaultMaxEntries.
func New[V any](maxEntries int) *Cache[V] {
	if maxEntries < 0 {
		return nil
	}
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	per := (maxEntries + shardCount - 1) / shardCount
	c := &Cache[V]{seed: maphash.MakeSeed(), perShard: per}
	for i := range c.shards {
		c.shards[i].entries = make(map[uint64]*entry[V])
	}
	return c
}

func (c *Cache[V]) locate(raw string) (uint64, *shard[V]) {
	h := maphash.String(c.seed, raw)
	return h, &c.shards[h%shardCount]
}

// Lookup returns the cached result for raw if it is still usable at now: the
// token's exp plus leeway has not passed, and the key that verified it is
// still in the set that the key source it came from returns (the source of
// the token's own issuer, so a validator trusting several issuers asks the
// right one). An unusable entry is removed.
func (c *Cache[V]) Lookup(ctx context.Context, raw string, now time.Time, leeway time.Duration) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	h, s := c.locate(raw)
	s.mu.RLock()
	e := s.entries[h]
	s.mu.RUnlock()
	if e == nil || e.raw != raw {
		return v, false
	}
	if !now.Before(e.expires.Add(leeway)) {
		c.remove(h, s, e)
		return v, false
	}
	set, err := e.keys.Keys(ctx, e.kid)
	if err != nil || !set.Contains(e.signer) {
		c.remove(h, s, e)
		return v, false
	}
	return e.value, true
}

// Add remembers a verified result for raw until expires. keys is the key
// source that gave signer, the key that verified the signature, and kid the
// header's kid ("" if none).
func (c *Cache[V]) Add(raw string, value V, keys token.KeySource, signer *token.Key, kid string, expires time.Time, now time.Time) {
	if c == nil || keys == nil || signer == nil || !now.Before(expires) {
		return
	}
	h, s := c.locate(raw)
	e := &entry[V]{raw: raw, value: value, keys: keys, signer: signer, kid: kid, expires: expires}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.entries[h]; !exists && len(s.entries) >= c.perShard {
		s.evict(now)
	}
	s.entries[h] = e
}

// evict frees at least one slot, preferring expired entries. The caller
// holds the shard's lock.
func (s *shard[V]) evict(now time.Time) {
	freed := false
	for h, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, h)
			freed = true
		}
	}
	if freed {
		return
	}
	for h := range s.entries {
		delete(s.entries, h)
		return
	}
}

func (c *Cache[V]) remove(h uint64, s *shard[V], e *entry[V]) {
	s.mu.Lock()
	if s.entries[h] == e {
		delete(s.entries, h)
	}
	s.mu.Unlock()
}

// Len returns the number of cached tokens.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}

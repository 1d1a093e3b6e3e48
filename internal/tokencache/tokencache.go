// Package tokencache remembers tokens that passed signature verification, so
// a resource server that sees the same bearer token on every request pays
// for the signature check once.
//
// Both validators use it the same way: Lookup before verifying, Add after a
// success. A hit is only a shortcut past the signature; the caller still runs
// every time-based and per-call check on the cached result.
//
// Design choices:
//   - Entries are found by a seeded 64-bit hash of the token's last 64 bytes
//     (hash/maphash): the end of a compact JWS is its signature, unique to
//     each token an issuer signed, so hashing more spreads tokens no better
//     and costs more for every token, hit or miss. A hit is confirmed by
//     comparing the stored token byte for byte, so a hash collision (two
//     tokens alike in their end included) can only ever cost a miss, never
//     return another token's result. The seed is random per cache, so
//     collisions cannot be planned. (introspect's cache keys by SHA-256 and
//     keeps no raw token instead, because its entries may leave the process
//     for a shared store, where a bearer token must not be readable.)
//   - An entry is never returned at or after its deadline (the validator
//     passes the token's exp plus its leeway), and a liveness function the
//     validator supplies (is the key that verified it still published?) is
//     asked on every hit; an entry that fails either is dropped.
//   - The cache is set-associative, as a CPU cache is: the hash picks one set
//     of four slots, so an insert and an eviction look at four slots and
//     never scan. A full set gives up the entry whose deadline comes first,
//     an expired one before any other: tokens of one issuer live about
//     equally long, so that is also the oldest. (introspect's cache, which
//     holds answers of a remote server that may be revoked at any time,
//     evicts the least recently used instead; a verified token stays valid
//     until its exp, so recency says nothing about its worth here.) A set
//     keeps each slot's hash tag and deadline beside it, in one cache line,
//     so a miss and an insert read no entry they do not use.
//   - An entry holds the raw token, once (the key and the result's Raw are
//     the caller's string), and what the validator gives it: never the
//     whole decoded token. idtoken gives its result packed into one string
//     behind a mask of the claims present, since a token's struct is
//     hundreds of bytes of string headers, most of them empty, that the
//     garbage collector would trace in every entry on every cycle;
//     accesstoken, whose Token has a few fixed strings and three lists,
//     keeps them in one string with fixed-width offsets, which a hit reads
//     without decoding lengths. Neither keeps a claims set: Reread reads it
//     again from the token for the rare caller who asks.
//   - A reader takes no lock and writes no shared memory: slots are atomic
//     pointers to immutable entries, replaced whole. Hits of one token from
//     many cores therefore scale, where a read lock's counter would bounce
//     between them.
package tokencache

import (
	"context"
	"encoding/base64"
	"errors"
	"hash/maphash"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxEntries is the entry limit validators use when their
// configuration leaves it at zero.
const DefaultMaxEntries = 4096

// ways is how many slots a set holds: how many entries an insert compares.
const ways = 4

// hashedTail is how many bytes at the end of a token pick its set. The end
// of a compact JWS is its signature, which differs between any two tokens an
// issuer signed, so hashing it alone spreads tokens as well as hashing all of
// them, at a cost that does not grow with the token.
const hashedTail = 64

// Cache maps raw tokens to verified results of type V. A nil *Cache is a
// valid, disabled cache. It is safe for concurrent use.
type Cache[V any] struct {
	seed maphash.Seed
	live func(context.Context, V) bool
	sets []set[V]
}

// set is one cache line on amd64 and arm64: four slots and, beside them,
// what a lookup or an insert needs to know of their entries (tag and
// deadline), so that neither reads an entry it will not use. A miss, which
// is what a server sees for every new token, touches this line only.
type set[V any] struct {
	// meta[i] describes slots[i]: the low half of its entry's hash above
	// its deadline in whole seconds, rounded up; zero when the slot is
	// empty. It is a hint, written after the slot: a reader that sees it
	// disagree with the slot for a moment misses or looks once too often,
	// and every hit is confirmed against the entry itself.
	meta  [ways]atomic.Uint64
	slots [ways]atomic.Pointer[entry[V]]
}

// entry is immutable once stored.
type entry[V any] struct {
	hash     uint64
	deadline int64 // Unix nanoseconds
	raw      string
	value    V
}

// meta returns the set's summary of e (see set.meta); never zero.
func (e *entry[V]) meta() uint64 {
	secs := (e.deadline + 1e9 - 1) / 1e9
	secs = max(1, min(secs, math.MaxUint32))
	return e.hash<<32 | uint64(secs)
}

// New returns a cache holding at most about maxEntries tokens (rounded up to
// a multiple of four), or nil (disabled) when maxEntries is negative. Zero
// means DefaultMaxEntries. live is asked on every hit whether the value may
// still be used (for a validator: whether the key that verified it is still
// in the issuer's key set); an entry it refuses is dropped. Nil means always.
func New[V any](maxEntries int, live func(context.Context, V) bool) *Cache[V] {
	if maxEntries < 0 {
		return nil
	}
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	return &Cache[V]{
		seed: maphash.MakeSeed(),
		live: live,
		sets: make([]set[V], (maxEntries+ways-1)/ways),
	}
}

// locate returns raw's hash and its set. Only the end of raw is hashed
// (hashedTail); a hit is still confirmed on the whole token. The set is
// chosen from the high half of the hash by multiplication (no division, and
// any number of sets); the low half is the tag kept in set.meta.
func (c *Cache[V]) locate(raw string) (uint64, *set[V]) {
	h := maphash.String(c.seed, raw[max(0, len(raw)-hashedTail):])
	return h, &c.sets[(h>>32)*uint64(len(c.sets))>>32]
}

// publish makes s.meta[i] describe what s.slots[i] holds now. When two
// writers race, the last to look finds the slot as it stays and writes its
// summary.
func (s *set[V]) publish(i int) {
	for {
		e := s.slots[i].Load()
		m := uint64(0)
		if e != nil {
			m = e.meta()
		}
		s.meta[i].Store(m)
		if s.slots[i].Load() == e {
			return
		}
	}
}

// Lookup returns the cached result for raw if it is still usable at now:
// its deadline has not come and live accepts it. An unusable entry is
// removed.
func (c *Cache[V]) Lookup(ctx context.Context, raw string, now time.Time) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	h, s := c.locate(raw)
	for i := range s.slots {
		if s.meta[i].Load()>>32 != h&math.MaxUint32 {
			continue
		}
		e := s.slots[i].Load()
		if e == nil || e.hash != h || e.raw != raw {
			continue
		}
		if now.UnixNano() >= e.deadline || (c.live != nil && !c.live(ctx, e.value)) {
			if s.slots[i].CompareAndSwap(e, nil) {
				s.publish(i)
			}
			return v, false
		}
		return e.value, true
	}
	return v, false
}

// Add remembers value for raw until deadline; it does nothing when the
// deadline is not after now. In a full set it replaces the entry whose
// deadline comes first. Two concurrent Adds may race for one slot: one of
// them is then not remembered, which costs a later miss and nothing else.
func (c *Cache[V]) Add(raw string, value V, deadline, now time.Time) {
	if c == nil || !now.Before(deadline) {
		return
	}
	h, s := c.locate(raw)
	e := &entry[V]{hash: h, deadline: deadline.UnixNano(), raw: raw, value: value}
	// The same token's slot first, then an empty one, then the entry whose
	// deadline comes first, all chosen on the set's summaries. The scan
	// starts at a slot the hash picks, so that among entries with one
	// deadline none is always the one to go.
	tag := h & math.MaxUint32
	same, empty, victim, least := -1, -1, -1, uint32(0)
	start := int(h % ways) // the set was chosen by the high half
	for k := range ways {
		i := (start + k) % ways
		m := s.meta[i].Load()
		if m == 0 {
			if empty < 0 {
				empty = i
			}
			continue
		}
		if m>>32 == tag {
			if cur := s.slots[i].Load(); cur != nil && cur.hash == h && cur.raw == raw {
				same = i
				break
			}
		}
		if victim < 0 || uint32(m) < least {
			victim, least = i, uint32(m)
		}
	}
	switch {
	case same >= 0:
		victim = same
	case empty >= 0:
		victim = empty
	}
	old := s.slots[victim].Load()
	if s.slots[victim].CompareAndSwap(old, e) {
		s.publish(victim)
	}
}

// Len returns the number of cached tokens, expired ones included until they
// are looked up or replaced. It visits every slot: it is meant for tests
// and monitoring, not for every request.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.sets {
		for j := range c.sets[i].slots {
			if c.sets[i].slots[j].Load() != nil {
				n++
			}
		}
	}
	return n
}

// Cap returns the number of tokens the cache can hold.
func (c *Cache[V]) Cap() int {
	if c == nil {
		return 0
	}
	return len(c.sets) * ways
}

// Reread reads again what a validator did not keep of raw, a compact JWS
// that passed verification before it was cached: parse gets the decoded
// payload (the claims set). The cache keeps no decoded claims, which would
// double an entry's size for what only a rare caller asks for.
func Reread[C any](raw string, parse func([]byte) (C, error)) (C, error) {
	var zero C
	first := strings.IndexByte(raw, '.')
	second := strings.LastIndexByte(raw, '.')
	if first < 0 || second <= first {
		return zero, errors.New("tokencache: not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(raw[first+1 : second])
	if err != nil {
		return zero, err
	}
	return parse(payload)
}

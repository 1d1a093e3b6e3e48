package token

import (
	"context"
	"crypto/sha256"
	"math"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// ReplayStore remembers single-use identifiers (a DPoP proof's jti, a logout
// token's jti) until they could no longer be accepted anyway, so that a second
// presentation is refused. Validators call it only after everything else about
// the token or proof has been checked, so only holders of valid credentials
// can add entries.
//
// MemoryReplayStore is the bounded in-process implementation; a fleet of
// servers shares one store (on Redis, say) so that a proof replayed against
// another replica is still seen.
type ReplayStore interface {
	// Use records key as used until expires and returns nil if it was not
	// already recorded. key is an identifier the issuer or signer chose
	// (a jti, with whatever scopes it, such as the iss), never the raw
	// token or proof: ECDSA signatures are malleable, so one ES256 token
	// can be presented as two valid strings (see "The raw token is not an
	// identity" in the package documentation). It returns an error matching ErrReplay when key is
	// recorded and not yet expired, and an error matching ErrUnavailable
	// when the store cannot answer: a store that fails is an outage, never
	// a verdict, so a caller must refuse without blaming the token.
	// Recording must be atomic: of concurrent calls with one key, exactly
	// one may return nil.
	Use(ctx context.Context, key string, expires time.Time) error
}

// DefaultReplayEntries is the bound of a MemoryReplayStore whose MaxEntries
// is zero.
const DefaultReplayEntries = 100_000

// MemoryReplayStore is the in-process ReplayStore. It keeps the SHA-256 of
// each key (never the key itself) with its expiry, and drops entries once
// they expire. A live entry costs about 110 bytes whatever the key's length
// (at most 128 bytes, as TestMemoryReplayStoreMemoryPerEntry checks), some
// 11 MB for DefaultReplayEntries; entries hold no pointers, so however many
// there are they add no work to the garbage collector's marking. It never forgets a live entry to make
// room: when MaxEntries live entries are held, Use fails with an error
// matching ErrUnavailable until some expire, because forgetting one would
// let that identifier be replayed.
//
// The zero value is ready to use with DefaultReplayEntries. It is safe for
// concurrent use.
type MemoryReplayStore struct {
	// MaxEntries bounds how many live identifiers are kept. Zero means
	// DefaultReplayEntries; a negative value is a configuration mistake,
	// and every Use then fails with an error matching ErrUnavailable. Set it
	// before first use.
	MaxEntries int
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[[sha256.Size]byte]int64 // expiries, as unixNano gives them
	order   expiryHeap
}

var _ ReplayStore = (*MemoryReplayStore)(nil)

// Use implements ReplayStore.
func (s *MemoryReplayStore) Use(ctx context.Context, key string, expires time.Time) error {
	if s == nil {
		return Errorf(ErrUnavailable, "", "the replay store is nil")
	}
	limit, err := settings.Limit("token: MemoryReplayStore.MaxEntries", s.MaxEntries, DefaultReplayEntries)
	if err != nil {
		return &ValidationError{Kind: ErrUnavailable, Reason: "the replay store is misconfigured", Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &ValidationError{Kind: ErrUnavailable, Reason: "the caller's context ended before the replay check", Err: err}
	}
	now := settings.Clock(s.Now)()
	t := unixNano(now)
	k := hashKey(key)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = make(map[[sha256.Size]byte]int64)
	}
	s.dropExpired(t)
	if until, ok := s.entries[k]; ok && t < until {
		return Errorf(ErrReplay, "jti", "this identifier was already used; a single-use token or proof must carry a new jti each time")
	}
	if !now.Before(expires) {
		// Already past its life: nothing to remember, and nothing could
		// accept it again.
		return nil
	}
	if len(s.entries) >= limit {
		return Errorf(ErrUnavailable, "", "the replay store holds its limit of %d live identifiers; refusing rather than forgetting one", limit)
	}
	s.entries[k] = unixNano(expires)
	s.order.push(expiryItem{key: k, expires: s.entries[k]})
	return nil
}

// Len returns how many live identifiers the store holds.
func (s *MemoryReplayStore) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// dropExpired removes every entry whose expiry is not after t. The heap holds
// one item per entry, so the work is proportional to what is dropped.
func (s *MemoryReplayStore) dropExpired(t int64) {
	for len(s.order) > 0 && s.order[0].expires <= t {
		it := s.order.pop()
		if until, ok := s.entries[it.key]; ok && until <= t {
			delete(s.entries, it.key)
		}
	}
}

// hashKey returns the SHA-256 of key, copying a key of usual length (a
// DPoP proof's, some ninety bytes) to the stack rather than to the heap.
func hashKey(key string) [sha256.Size]byte {
	var buf [256]byte
	if len(key) <= len(buf) {
		return sha256.Sum256(append(buf[:0], key...))
	}
	return sha256.Sum256([]byte(key))
}

// unixNano returns t in Unix nanoseconds, saturated at the ends of int64's
// range (the years 1678 and 2262): the map and the heap then hold no
// pointers (a time.Time holds its Location), which the garbage collector
// would otherwise scan in every entry. A saturated expiry keeps its entry
// longer, never shorter.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minNano):
		return math.MinInt64
	case t.After(maxNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

type expiryItem struct {
	key     [sha256.Size]byte
	expires int64 // as unixNano gives it
}

// expiryHeap is a binary min-heap of entries by expiry, soonest first. It is
// written out for its one item type rather than through container/heap,
// whose Push and Pop box every item into an interface: an allocation per
// identifier recorded.
type expiryHeap []expiryItem

func (h *expiryHeap) push(it expiryItem) {
	*h = append(*h, it)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if q[i].expires >= q[parent].expires {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

// pop removes and returns the item that expires first; h must not be empty.
func (h *expiryHeap) pop() expiryItem {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		smallest, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q[l].expires < q[smallest].expires {
			smallest = l
		}
		if r < len(q) && q[r].expires < q[smallest].expires {
			smallest = r
		}
		if smallest == i {
			break
		}
		q[i], q[smallest] = q[smallest], q[i]
		i = smallest
	}
	*h = q
	return top
}

package token

import (
	"container/heap"
	"context"
	"crypto/sha256"
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
// they expire. A live entry costs about 150 bytes whatever the key's length
// (at most 200 bytes, as TestMemoryReplayStoreMemoryPerEntry checks), some
// 15 MB for DefaultReplayEntries. It never forgets a live entry to make
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
	entries map[[sha256.Size]byte]time.Time
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
	t := settings.Clock(s.Now)()
	k := sha256.Sum256([]byte(key))

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries == nil {
		s.entries = make(map[[sha256.Size]byte]time.Time)
	}
	s.dropExpired(t)
	if until, ok := s.entries[k]; ok && t.Before(until) {
		return Errorf(ErrReplay, "jti", "this identifier was already used; a single-use token or proof must carry a new jti each time")
	}
	if !t.Before(expires) {
		// Already past its life: nothing to remember, and nothing could
		// accept it again.
		return nil
	}
	if len(s.entries) >= limit {
		return Errorf(ErrUnavailable, "", "the replay store holds its limit of %d live identifiers; refusing rather than forgetting one", limit)
	}
	s.entries[k] = expires
	heap.Push(&s.order, expiryItem{key: k, expires: expires})
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
func (s *MemoryReplayStore) dropExpired(t time.Time) {
	for len(s.order) > 0 && !t.Before(s.order[0].expires) {
		it := heap.Pop(&s.order).(expiryItem)
		if until, ok := s.entries[it.key]; ok && !t.Before(until) {
			delete(s.entries, it.key)
		}
	}
}

type expiryItem struct {
	key     [sha256.Size]byte
	expires time.Time
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []expiryItem

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryItem)) }
func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

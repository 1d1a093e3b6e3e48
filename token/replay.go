package token

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
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

// MemoryReplayStore is the in-process ReplayStore. It keeps 192 bits of
// the SHA-256 of each key (never the key itself) with its expiry, in an
// open-addressing table whose slots are reused once their entry has
// expired: an expired entry needs no bookkeeping of its own, and the
// occasional sweep that clears them costs, spread over the insertions that
// filled the table, a few slots each. The table grows with the live
// entries, two 32-byte slots for each, to at most two slots for each of
// MaxEntries, and does not shrink: about 64 bytes a live entry whatever the
// key's length (at most 128 bytes, as TestMemoryReplayStoreMemoryPerEntry
// checks), some 6.4 MB for DefaultReplayEntries once that many were live,
// and half as much again for the moment the table doubles. It holds no
// pointers, so however many entries there are they add no work to the
// garbage collector's marking. A MaxEntries beyond 2^28 counts as 2^28.
//
// It never forgets a live entry to make room: when MaxEntries live entries
// are held, Use fails with an error matching ErrUnavailable until some
// expire, because forgetting one would let that identifier be replayed.
//
// Where an entry sits in the table comes from a hash keyed with a random
// seed of each store's own, so clients choosing their identifiers cannot
// pile them onto one part of the table. Whether a key was used is decided by
// comparing 192 bits of the key's SHA-256, never that placement hash.
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

	mu    sync.Mutex
	table replayTable
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
	until := encodeDeadline(expires)
	d := digestKey(key)

	s.mu.Lock()
	defer s.mu.Unlock()
	// The clock is read under the lock, so that the calls the store
	// serves see time move forward: a caller that waited for the lock
	// cannot find its key cleared by one that read a later time.
	now := encodeDeadline(settings.Clock(s.Now)())
	switch s.table.use(&d, now, until, limit) {
	case replayUsed:
		return Errorf(ErrReplay, "jti", "this identifier was already used; a single-use token or proof must carry a new jti each time")
	case replayFull:
		return Errorf(ErrUnavailable, "", "the replay store holds its limit of %d live identifiers; refusing rather than forgetting one", limit)
	}
	return nil
}

// Len returns how many live identifiers the store holds. It reads the whole
// table, so it is meant for tests and metrics, not for every request.
func (s *MemoryReplayStore) Len() int {
	if s == nil {
		return 0
	}
	now := encodeDeadline(settings.Clock(s.Now)())
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table.live(now)
}

// digestKey returns the digest of key (see replayDigest), copying a key of
// usual length (a DPoP proof's, some ninety bytes) to the stack rather than
// to the heap.
func digestKey(key string) replayDigest {
	var buf [256]byte
	var sum [sha256.Size]byte
	if len(key) <= len(buf) {
		sum = sha256.Sum256(append(buf[:0], key...))
	} else {
		sum = sha256.Sum256([]byte(key))
	}
	var d replayDigest
	for i := range d {
		d[i] = binary.LittleEndian.Uint64(sum[8*i:])
	}
	return d
}

// encodeDeadline returns t in Unix nanoseconds, saturated at the ends of
// int64's range (the years 1678 and 2262), shifted into uint64 so that the
// order is kept and 0 is below any instant: a slot whose deadline is 0 is
// empty. A saturated deadline keeps its entry longer, never shorter.
func encodeDeadline(t time.Time) uint64 {
	var n int64
	switch {
	case t.Before(minNano):
		n = math.MinInt64
	case t.After(maxNano):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return uint64(n) ^ 1<<63
}

var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

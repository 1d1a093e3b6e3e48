package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/token"
)

// ReplayOptions configures a ReplayStore. The zero value is a safe
// default for every field; a negative Timeout is a configuration mistake
// that NewReplayStore reports.
type ReplayOptions struct {
	// Prefix is put before every key. Zero means DefaultReplayPrefix
	// ("tokenguard:replay:"). Servers that must see each other's
	// identifiers (every server a DPoP proof could be replayed against)
	// use the same prefix.
	Prefix string
	// Timeout bounds each call to Redis, within the caller's context.
	// Zero means DefaultTimeout (500 ms).
	Timeout time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// ReplayStore is a token.ReplayStore on Redis, so that a single-use
// identifier (a DPoP proof's jti, a logout token's jti) used against one
// server of a fleet is refused by every other.
//
// Recording is one atomic command, SET key 1 PX <lifetime> NX: of any number
// of servers presenting the same identifier at once, Redis lets exactly one
// set it, and the others get token.ErrReplay. The key is Prefix plus the
// hexadecimal SHA-256 of the identifier, never the identifier; Redis drops
// it when the identifier expires (the lifetime is rounded up to a whole
// millisecond, so it is never forgotten early).
//
// Every call is bounded by Timeout. A Redis that is down, slow or answers
// anything but the two answers of SET NX gives an error matching
// token.ErrUnavailable: the proof is refused without blaming it, never
// accepted unchecked.
//
// Redis must not evict these keys to make room, or an evicted identifier
// could be replayed: run it with maxmemory-policy noeviction (Redis's
// default), under which a full Redis refuses the SET and Use fails with
// token.ErrUnavailable, as a full MemoryReplayStore does.
//
// A ReplayStore does not own its client: closing the client is up to
// whoever made it. It is safe for concurrent use.
type ReplayStore struct {
	client redis.UniversalClient
	set    settings
}

var _ token.ReplayStore = (*ReplayStore)(nil)

// NewReplayStore returns a ReplayStore recording identifiers through
// client. The client must have ContextTimeoutEnabled set (redis.Options),
// so that Timeout bounds each call; NewReplayStore refuses one that does
// not.
func NewReplayStore(client redis.UniversalClient, opts ReplayOptions) (*ReplayStore, error) {
	set, err := resolve(client, "ReplayOptions", opts.Prefix, DefaultReplayPrefix, opts.Timeout, opts.Now)
	if err != nil {
		return nil, err
	}
	return &ReplayStore{client: client, set: set}, nil
}

// Use records key as used until expires, for every server sharing the
// store. It returns nil when key was not recorded yet, an error matching
// token.ErrReplay when it was and has not expired, and an error matching
// token.ErrUnavailable when Redis cannot be reached, does not answer within
// Timeout or answers something else. For an expires that is not after now
// nothing is recorded (nothing could accept the identifier again), but an
// identifier still recorded is reported as a replay.
func (s *ReplayStore) Use(ctx context.Context, key string, expires time.Time) error {
	if s == nil || s.client == nil {
		return errNotMade
	}
	sum := sha256.Sum256([]byte(key))
	k := s.set.prefix + hex.EncodeToString(sum[:])
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()

	life := expires.Sub(s.set.now())
	if life <= 0 {
		n, err := s.client.Exists(ctx, k).Result()
		switch {
		case err != nil:
			return unavailable(err, "redisstore: could not check a single-use identifier in Redis")
		case n > 0:
			return errReplay()
		}
		return nil
	}
	// Never shorter: the lifetime is rounded up to whole milliseconds.
	ms := (life + time.Millisecond - 1) / time.Millisecond
	res, err := s.client.Do(ctx, "SET", k, "1", "PX", int64(ms), "NX").Result()
	switch {
	case errors.Is(err, redis.Nil):
		return errReplay()
	case err != nil:
		return unavailable(err, "redisstore: could not record a single-use identifier in Redis")
	case res != "OK":
		return unavailable(nil, "redisstore: Redis answered SET NX with something other than OK or nil")
	}
	return nil
}

func errReplay() error {
	return token.Errorf(token.ErrReplay, "jti", "this identifier was already used; a single-use token or proof must carry a new jti each time")
}

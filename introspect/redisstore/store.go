package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/introspect"
)

// StoreOptions configures a Store. The zero value is a safe default for
// every field; a negative number is a configuration mistake that NewStore
// reports.
type StoreOptions struct {
	// Prefix is put before every key. Zero means DefaultStorePrefix
	// ("tokenguard:introspect:"). Servers that should share answers use
	// the same prefix; give different APIs (different audiences, or
	// different introspection credentials) different prefixes, since an
	// answer is only as good as the question that was asked.
	Prefix string
	// Timeout bounds each call to Redis, within the caller's context.
	// Zero means DefaultTimeout (500 ms).
	Timeout time.Duration
	// MaxValueSize bounds a stored answer in bytes: larger answers are not
	// stored (Put fails), and a larger value found in Redis is not read
	// past the bound and fails the lookup. Zero means DefaultMaxValueSize
	// (128 KiB).
	MaxValueSize int
	// ForgetWindow is how long after Delete (Cache.Forget) an active
	// answer for the same token is refused by Put, on every server that
	// shares the store. It covers a call to the authorization server that
	// another server started before the revocation and that answers
	// "active" after it: set it above the longest such call can take (the
	// introspection Client's Timeout, 10 seconds by default, plus any wait
	// for one of the Cache's MaxConcurrentCalls). Inactive answers are
	// stored as usual meanwhile. Zero means DefaultForgetWindow (one
	// minute).
	ForgetWindow time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Store is an introspect.Store on Redis, so that every server of a fleet
// shares the answers of the authorization server: a token is introspected
// once for the fleet rather than once per server, and Cache.Forget in one
// server removes the answer for all of them at once.
//
// Each answer is kept under Prefix plus the hexadecimal SHA-256 of the token
// (the key the Cache passes), never the token, in a value that carries its
// own expiry: Redis drops it then (SET with PX), and a reader drops it then
// by its own clock as well, so an active answer never outlives the token's
// exp or the Cache's MaxTTL. The value is the answer as
// introspect.Response.MarshalJSON writes it, read back with
// introspect.ParseResponse: anything else found under a key (a value this
// package did not write, one too large, a key of another Redis type) fails
// the lookup with an error matching token.ErrUnavailable, and is never taken
// for an answer or for its absence.
//
// Every call is bounded by Timeout; a Redis that is down, slow or answers
// nonsense gives an error matching token.ErrUnavailable, which the Cache
// passes on, so the resource server answers 503, never 401 for a good
// token. There is no in-process layer: every lookup asks Redis, so a
// revocation is seen by every server at once, at the cost of one Redis
// round trip per lookup (see the package documentation for the figures).
//
// A Store does not own its client: closing the client is up to whoever made
// it. It is safe for concurrent use.
type Store struct {
	client    redis.UniversalClient
	set       settings
	maxValue  int
	forgetFor time.Duration
}

var _ introspect.Store = (*Store)(nil)

// NewStore returns a Store keeping answers through client. The client
// must have ContextTimeoutEnabled set (redis.Options), so that Timeout
// bounds each call; NewStore refuses one that does not.
func NewStore(client redis.UniversalClient, opts StoreOptions) (*Store, error) {
	set, err := resolve(client, "StoreOptions", opts.Prefix, DefaultStorePrefix, opts.Timeout, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Store{client: client, set: set, maxValue: opts.MaxValueSize, forgetFor: opts.ForgetWindow}
	switch {
	case s.maxValue == 0:
		s.maxValue = DefaultMaxValueSize
	case s.maxValue < 0:
		return nil, fmt.Errorf("redisstore: StoreOptions.MaxValueSize is %d; it must be positive (or zero for the default, %d)", opts.MaxValueSize, DefaultMaxValueSize)
	}
	switch {
	case s.forgetFor == 0:
		s.forgetFor = DefaultForgetWindow
	case s.forgetFor < time.Millisecond:
		return nil, fmt.Errorf("redisstore: StoreOptions.ForgetWindow is %v; it must be at least a millisecond (or zero for the default, %v)", opts.ForgetWindow, DefaultForgetWindow)
	}
	return s, nil
}

// keys returns the key of the answer for k and the key of its forget
// marker. Both carry the same hash tag ({...}), so on Redis Cluster they
// live on one node and a script may touch both.
func (s *Store) keys(k *[32]byte) (answer, forgotten string) {
	var buf [2 * 32]byte
	hex.Encode(buf[:], k[:])
	answer = s.set.prefix + "{" + string(buf[:]) + "}"
	return answer, answer + ":forgotten"
}

// Get returns the answer stored under key, or false when there is none or
// it has expired. It fails, with an error matching token.ErrUnavailable,
// when Redis cannot be reached or does not answer within Timeout (or ctx
// ends first: unlike the in-memory store, a lookup needs a live context),
// or when what it holds under the key is not an answer this package wrote.
func (s *Store) Get(ctx context.Context, key [32]byte) (*introspect.Response, bool, error) {
	if s == nil || s.client == nil {
		return nil, false, errNotMade
	}
	answerKey, _ := s.keys(&key)
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()
	// GETRANGE reads at most one byte past the bound, so a huge value
	// costs no more than that; for a missing key it answers "", which
	// this package never writes.
	v, err := s.client.GetRange(ctx, answerKey, 0, int64(s.maxValue)).Result()
	switch {
	case err != nil:
		return nil, false, unavailable(err, "redisstore: could not read an introspection answer from Redis")
	case v == "":
		return nil, false, nil
	case len(v) > s.maxValue:
		return nil, false, unavailable(nil, "redisstore: Redis holds a value larger than StoreOptions.MaxValueSize ("+strconv.Itoa(s.maxValue)+" bytes) under an introspection key")
	}
	r, until, err := decodeValue(v)
	if err != nil {
		return nil, false, unavailable(err, "redisstore: Redis holds a value under an introspection key that is not an answer this package wrote")
	}
	now := s.set.now()
	if !now.Before(until) || (r.Active && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt)) {
		return nil, false, nil
	}
	return r, true, nil
}

// putScript stores an answer unless it is active and the token was
// forgotten within the forget window. An expiry of 0 ms removes the
// answer instead.
//
// KEYS[1] answer key, KEYS[2] forget marker; ARGV[1] value, ARGV[2] "1"
// for an active answer, ARGV[3] lifetime in milliseconds.
var putScript = redis.NewScript(`
if ARGV[2] == "1" and redis.call("EXISTS", KEYS[2]) == 1 then
  return 0
end
if ARGV[3] == "0" then
  redis.call("DEL", KEYS[1])
  return 0
end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[3])
return 1
`)

// deleteScript removes an answer and sets its forget marker.
//
// KEYS[1] answer key, KEYS[2] forget marker; ARGV[1] the marker's
// lifetime in milliseconds.
var deleteScript = redis.NewScript(`
redis.call("DEL", KEYS[1])
redis.call("SET", KEYS[2], "1", "PX", ARGV[1])
return 1
`)

// Put stores r under key until expires, for every server sharing the
// store, replacing any answer stored there. An expires that is not after
// now (by at least a millisecond) removes the answer instead. An active r
// is not stored within ForgetWindow of a Delete of the same key. It fails,
// with an error matching token.ErrUnavailable, when Redis cannot be
// reached or does not answer within Timeout, and for a nil r, an r that
// Response.MarshalJSON refuses or one whose encoding exceeds MaxValueSize.
func (s *Store) Put(ctx context.Context, key [32]byte, r *introspect.Response, expires time.Time) error {
	if s == nil || s.client == nil {
		return errNotMade
	}
	if r == nil {
		return unavailable(nil, "redisstore: Store.Put was given a nil Response")
	}
	v, err := encodeValue(r, expires)
	if err != nil {
		return unavailable(err, "redisstore: the introspection answer cannot be encoded")
	}
	if len(v) > s.maxValue {
		return unavailable(nil, "redisstore: the introspection answer encodes to "+strconv.Itoa(len(v))+
			" bytes, more than StoreOptions.MaxValueSize ("+strconv.Itoa(s.maxValue)+"); it is not stored")
	}
	// Never longer: the lifetime is rounded down to whole milliseconds.
	ms := max(expires.Sub(s.set.now()).Milliseconds(), 0)
	active := "0"
	if r.Active {
		active = "1"
	}
	answerKey, forgetKey := s.keys(&key)
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()
	if err := putScript.Run(ctx, s.client, []string{answerKey, forgetKey}, v, active, ms).Err(); err != nil {
		return unavailable(err, "redisstore: could not store an introspection answer in Redis")
	}
	return nil
}

// Delete removes the answer under key for every server sharing the store,
// and for ForgetWindow refuses to store an active answer under it again
// (so an answer obtained before a revocation, arriving late on another
// server, is not cached). It fails, with an error matching
// token.ErrUnavailable, when Redis cannot be reached or does not answer
// within Timeout; the revocation then has not reached the fleet, and the
// caller should retry.
func (s *Store) Delete(ctx context.Context, key [32]byte) error {
	if s == nil || s.client == nil {
		return errNotMade
	}
	answerKey, forgetKey := s.keys(&key)
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()
	if err := deleteScript.Run(ctx, s.client, []string{answerKey, forgetKey}, s.forgetFor.Milliseconds()).Err(); err != nil {
		return unavailable(err, "redisstore: could not remove an introspection answer from Redis")
	}
	return nil
}

// errNotMade is what a nil or zero Store or ReplayStore answers.
var errNotMade = unavailable(errors.New("use NewStore or NewReplayStore"), "redisstore: the store was not made by its constructor")

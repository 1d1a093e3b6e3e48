package introspect

import (
	"cmp"
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// MemoryStore defaults, used when the matching MemoryStoreOptions (or
// CacheOptions) field is zero.
const (
	// DefaultMaxEntries bounds the active answers a MemoryStore keeps.
	DefaultMaxEntries = 10_000
	// DefaultMaxInactiveEntries bounds the inactive answers a MemoryStore
	// keeps, apart from the active ones.
	DefaultMaxInactiveEntries = 10_000
)

// MemoryStoreOptions configures a MemoryStore. The zero value is a safe
// default. A negative bound is a configuration mistake: the store then
// fails every call with an error matching token.ErrUnavailable that says
// which.
type MemoryStoreOptions struct {
	// MaxEntries bounds how many active answers are kept. Zero means
	// DefaultMaxEntries (10,000).
	MaxEntries int
	// MaxInactiveEntries bounds how many inactive answers are kept, in a
	// budget of their own: answers about made-up, revoked or expired
	// tokens, which anyone can create by the thousand, never push out the
	// answers about real tokens. Zero means DefaultMaxInactiveEntries
	// (10,000).
	MaxInactiveEntries int
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// MemoryStore is the Store a Cache uses by default: answers in this
// process's memory, bounded in number, keyed by the SHA-256 of the token so
// that no raw token is kept.
//
// Active and inactive answers have separate budgets (MaxEntries and
// MaxInactiveEntries), each with least-recently-used eviction: when one is
// full, adding an answer of its kind evicts the least recently used answer
// of that kind only. Eviction is exact up to 1,023 entries in the smaller
// budget; larger stores are split into up to 16 parts, each with its own
// lock and its own share of both budgets, and evict the least recently used
// entry of one part. Every operation is O(1).
//
// Memory per entry, measured by BenchmarkMemoryStoreBytesPerEntry over
// 10,000 entries (B/active-entry and B/inactive-entry): about 0.9 KB for an
// active answer parsed from a 368-byte body with one audience and no extra
// members (the answer's strings, its copy, the entry and its share of the
// map), about 0.2 KB for an inactive one, which keeps no answer. The
// default budgets so hold at most about 11 MB; an answer with more or
// longer members costs what they add.
//
// An expired answer is dropped when it is next looked up or when it reaches
// the end of its eviction order; nothing runs in the background, so a
// MemoryStore needs no Close. Get and Put copy the answer (Response.Clone),
// so no caller shares one with another or with the store. The zero value is
// ready to use with the defaults. It is safe for concurrent use.
type MemoryStore struct {
	opts      MemoryStoreOptions
	once      sync.Once
	misconfig error // from the options; every call returns it
	now       func() time.Time
	shards    []memShard
	mask      uint64
}

var _ Store = (*MemoryStore)(nil)

const (
	maxShards = 16
	// minPerShard is the smallest share of a budget a part gets when a
	// store is split, so that small stores stay exactly LRU.
	minPerShard = 512
)

// NewMemoryStore returns an empty store configured by opts.
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	s := &MemoryStore{opts: opts}
	s.once.Do(s.init)
	return s
}

func (s *MemoryStore) init() {
	s.now = settings.Clock(s.opts.Now)
	maxActive, err1 := settings.Limit("introspect: MemoryStoreOptions.MaxEntries", s.opts.MaxEntries, DefaultMaxEntries)
	maxInactive, err2 := settings.Limit("introspect: MemoryStoreOptions.MaxInactiveEntries", s.opts.MaxInactiveEntries, DefaultMaxInactiveEntries)
	if err := cmp.Or(err1, err2); err != nil {
		s.misconfig = unavailable(nil, err.Error())
		maxActive, maxInactive = 1, 1
	}
	smaller := min(maxActive, maxInactive)
	n := 1
	for n < maxShards && smaller/(n*2) >= minPerShard {
		n *= 2
	}
	s.shards = make([]memShard, n)
	s.mask = uint64(n - 1)
	for i := range s.shards {
		s.shards[i].init(share(maxInactive, n, i), share(maxActive, n, i))
	}
}

// share is part i's share of a budget split in n parts; the shares add up
// to the budget.
func share(budget, n, i int) int {
	limit := budget / n
	if i < budget%n {
		limit++
	}
	return limit
}

// shardFor returns the part holding key, or an error when the store
// cannot be used.
func (s *MemoryStore) shardFor(key *[32]byte) (*memShard, error) {
	if s == nil {
		return nil, unavailable(nil, "introspect: the MemoryStore is nil")
	}
	s.once.Do(s.init)
	if s.misconfig != nil {
		return nil, s.misconfig
	}
	return &s.shards[binary.LittleEndian.Uint64(key[:8])&s.mask], nil
}

// Get returns a copy of the live answer under key and marks it most
// recently used. It reports false when there is none or it has expired
// (dropping it). It fails only when the store is nil or misconfigured.
func (s *MemoryStore) Get(_ context.Context, key [32]byte) (*Response, bool, error) {
	sh, err := s.shardFor(&key)
	if err != nil {
		return nil, false, err
	}
	now := s.now()
	sh.mu.Lock()
	e := sh.entries[key]
	if e == nil {
		sh.mu.Unlock()
		return nil, false, nil
	}
	if !now.Before(e.expires) {
		sh.remove(e)
		sh.mu.Unlock()
		return nil, false, nil
	}
	sh.touch(e)
	resp := e.resp
	sh.mu.Unlock()
	if resp == nil {
		// An inactive answer that carried nothing else.
		return &Response{Active: false}, true, nil
	}
	return resp.Clone(), true, nil
}

// errNilResponse is Put's answer to a nil Response. Like every Store error,
// it matches token.ErrUnavailable.
var errNilResponse error = unavailable(nil, "introspect: MemoryStore.Put was given a nil Response; pass the answer to store")

// Put stores a copy of r under key until expires, replacing any answer
// stored there, and evicts the least recently used answer of r's kind
// (active or inactive) when that kind's budget is full. An expires that is
// not after now stores nothing and removes what was there. It fails only
// for a nil r, or when the store is nil or misconfigured.
func (s *MemoryStore) Put(_ context.Context, key [32]byte, r *Response, expires time.Time) error {
	if r == nil {
		return errNilResponse
	}
	sh, err := s.shardFor(&key)
	if err != nil {
		return err
	}
	kind := kindInactive
	var resp *Response
	if r.Active {
		kind, resp = kindActive, r.Clone()
	} else if !bareInactive(r) {
		resp = r.Clone()
	}
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.entries[key]; e != nil {
		sh.remove(e)
	}
	if now.Before(expires) {
		sh.add(key, kind, resp, expires)
	}
	return nil
}

// Delete removes the answer under key, if any. It fails only when the
// store is nil or misconfigured.
func (s *MemoryStore) Delete(_ context.Context, key [32]byte) error {
	sh, err := s.shardFor(&key)
	if err != nil {
		return err
	}
	sh.mu.Lock()
	if e := sh.entries[key]; e != nil {
		sh.remove(e)
	}
	sh.mu.Unlock()
	return nil
}

// Len returns how many answers the store holds, active and inactive,
// counting expired ones not yet dropped. A nil store holds none.
func (s *MemoryStore) Len() (active, inactive int) {
	if s == nil {
		return 0, 0
	}
	s.once.Do(s.init)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		active += sh.lists[kindActive].len
		inactive += sh.lists[kindInactive].len
		sh.mu.Unlock()
	}
	return active, inactive
}

// bareInactive reports whether r is inactive and carries nothing else, as
// every inactive answer ParseResponse makes does; such answers are stored
// without a copy.
func bareInactive(r *Response) bool {
	return !r.Active && r.Scope == "" && r.ClientID == "" && r.Username == "" && r.TokenType == "" &&
		r.ExpiresAt.IsZero() && r.IssuedAt.IsZero() && r.NotBefore.IsZero() && r.Subject == "" &&
		r.Audience == nil && r.Issuer == "" && r.ID == "" && r.Extra == nil
}

// answerKind says which budget an entry counts against.
type answerKind uint8

const (
	kindInactive answerKind = iota
	kindActive
)

// memShard is one part of a MemoryStore: a map from key to entry and, for
// each kind of answer, an LRU list through its entries with its own limit,
// all under one lock.
type memShard struct {
	mu      sync.Mutex
	entries map[[32]byte]*memEntry
	lists   [2]lruList // indexed by answerKind
}

// lruList is a circular doubly linked list through one kind's entries:
// head.next is the most recently used, head.prev the least.
type lruList struct {
	head  memEntry
	len   int
	limit int
}

// memEntry is one stored answer. resp is never modified after it is
// stored; it is nil for an inactive answer that carried nothing else.
type memEntry struct {
	key        [32]byte
	kind       answerKind
	resp       *Response
	expires    time.Time
	prev, next *memEntry
}

func (sh *memShard) init(inactiveLimit, activeLimit int) {
	sh.entries = make(map[[32]byte]*memEntry)
	sh.lists[kindInactive].limit = inactiveLimit
	sh.lists[kindActive].limit = activeLimit
	for i := range sh.lists {
		h := &sh.lists[i].head
		h.prev, h.next = h, h
	}
}

// add stores a new entry, first evicting the least recently used entries of
// its kind while that kind is full. The caller holds sh.mu and has removed
// any entry under key.
func (sh *memShard) add(key [32]byte, kind answerKind, resp *Response, expires time.Time) {
	l := &sh.lists[kind]
	for l.len >= l.limit && l.head.prev != &l.head {
		sh.remove(l.head.prev)
	}
	if l.len >= l.limit {
		return // a zero limit keeps nothing
	}
	e := &memEntry{key: key, kind: kind, resp: resp, expires: expires}
	sh.entries[key] = e
	l.pushFront(e)
}

// touch marks e most recently used. The caller holds sh.mu.
func (sh *memShard) touch(e *memEntry) {
	l := &sh.lists[e.kind]
	if l.head.next != e {
		l.unlink(e)
		l.pushFront(e)
	}
}

func (sh *memShard) remove(e *memEntry) {
	sh.lists[e.kind].unlink(e)
	delete(sh.entries, e.key)
}

func (l *lruList) unlink(e *memEntry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
	l.len--
}

func (l *lruList) pushFront(e *memEntry) {
	e.prev = &l.head
	e.next = l.head.next
	l.head.next.prev = e
	l.head.next = e
	l.len++
}

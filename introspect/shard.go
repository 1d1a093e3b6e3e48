package introspect

import (
	"sync"
	"time"
)

// shard is one part of a Cache: a map from token hash to entry, an LRU list
// through the entries, and the calls in flight for its keys, all under one
// lock. Every operation is O(1).
type shard struct {
	mu      sync.Mutex
	limit   int
	entries map[cacheKey]*entry
	calls   map[cacheKey]*call
	// head is the sentinel of a circular doubly linked list: head.next is
	// the most recently used entry, head.prev the least.
	head entry
}

// entry is one cached answer. resp is never modified after it is stored.
type entry struct {
	key        cacheKey
	resp       *Response
	expires    time.Time
	prev, next *entry
}

func (s *shard) init(limit int) {
	s.limit = limit
	s.entries = make(map[cacheKey]*entry)
	s.calls = make(map[cacheKey]*call)
	s.head.prev, s.head.next = &s.head, &s.head
}

// lookup returns the live answer for k and marks it most recently used, or
// drops an expired one and returns nil. The caller holds s.mu.
func (s *shard) lookup(k *cacheKey, now time.Time) *Response {
	e := s.entries[*k]
	if e == nil {
		return nil
	}
	if !now.Before(e.expires) {
		s.remove(e)
		return nil
	}
	if s.head.next != e {
		s.unlink(e)
		s.pushFront(e)
	}
	return e.resp
}

// add stores an answer, replacing any for the same key and evicting the
// least recently used entry when the shard is full. The caller holds s.mu.
func (s *shard) add(k cacheKey, resp *Response, expires time.Time) {
	if e := s.entries[k]; e != nil {
		e.resp, e.expires = resp, expires
		s.unlink(e)
		s.pushFront(e)
		return
	}
	for len(s.entries) >= s.limit && s.head.prev != &s.head {
		s.remove(s.head.prev)
	}
	e := &entry{key: k, resp: resp, expires: expires}
	s.entries[k] = e
	s.pushFront(e)
}

func (s *shard) remove(e *entry) {
	s.unlink(e)
	delete(s.entries, e.key)
}

func (s *shard) unlink(e *entry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (s *shard) pushFront(e *entry) {
	e.prev = &s.head
	e.next = s.head.next
	s.head.next.prev = e
	s.head.next = e
}

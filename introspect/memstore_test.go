package introspect

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

func key(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }

func TestMemoryStoreGetPutDelete(t *testing.T) {
	clock := newClock()
	s := NewMemoryStore(MemoryStoreOptions{Now: clock.Now})
	ctx := context.Background()

	_, ok, err := s.Get(ctx, key("a"))
	require.NoError(t, err)
	assert.False(t, ok, "nothing stored yet")

	in := &Response{Active: true, Scope: "read", Audience: []string{"api"}, Extra: map[string]json.RawMessage{"x": []byte(`"v"`)}}
	require.NoError(t, s.Put(ctx, key("a"), in, clock.Now().Add(time.Minute)))
	// Changing what was put changes nothing stored.
	in.Scope = "admin"
	in.Audience[0] = "other"
	in.Extra["x"][1] = 'Z'

	got, ok, err := s.Get(ctx, key("a"))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, &Response{Active: true, Scope: "read", Audience: []string{"api"}, Extra: map[string]json.RawMessage{"x": []byte(`"v"`)}}, got)
	// Nor does changing what Get returned.
	got.Scope = "admin"
	got.Audience[0] = "other"
	again, _, _ := s.Get(ctx, key("a"))
	assert.NotSame(t, got, again)
	assert.Equal(t, "read", again.Scope)
	assert.Equal(t, []string{"api"}, again.Audience)

	// Lives until expires, never longer.
	clock.Advance(time.Minute - time.Nanosecond)
	_, ok, _ = s.Get(ctx, key("a"))
	assert.True(t, ok)
	clock.Advance(time.Nanosecond)
	_, ok, _ = s.Get(ctx, key("a"))
	assert.False(t, ok, "expired at expires")
	a, i := s.Len()
	assert.Equal(t, 0, a+i, "the expired answer was dropped when looked up")

	// An inactive answer, replaced by an active one, then deleted.
	require.NoError(t, s.Put(ctx, key("b"), &Response{Active: false}, clock.Now().Add(time.Second)))
	got, ok, _ = s.Get(ctx, key("b"))
	require.True(t, ok)
	assert.Equal(t, &Response{}, got)
	require.NoError(t, s.Put(ctx, key("b"), &Response{Active: true, Subject: "u"}, clock.Now().Add(time.Second)))
	a, i = s.Len()
	assert.Equal(t, [2]int{1, 0}, [2]int{a, i}, "the active answer replaced the inactive one")
	require.NoError(t, s.Delete(ctx, key("b")))
	require.NoError(t, s.Delete(ctx, key("never stored")))
	_, ok, _ = s.Get(ctx, key("b"))
	assert.False(t, ok)

	// An expiry already passed stores nothing and removes what was there.
	require.NoError(t, s.Put(ctx, key("c"), &Response{Active: true}, clock.Now().Add(time.Minute)))
	require.NoError(t, s.Put(ctx, key("c"), &Response{Active: true}, clock.Now()))
	_, ok, _ = s.Get(ctx, key("c"))
	assert.False(t, ok)

	// An inactive answer that carries more than "inactive" keeps it.
	require.NoError(t, s.Put(ctx, key("d"), &Response{Active: false, Subject: "u"}, clock.Now().Add(time.Second)))
	got, _, _ = s.Get(ctx, key("d"))
	assert.Equal(t, &Response{Subject: "u"}, got)

	err = s.Put(ctx, key("e"), nil, clock.Now().Add(time.Second))
	assert.ErrorIs(t, err, errNilResponse)
	assert.ErrorIs(t, err, token.ErrUnavailable, "every Store error matches token.ErrUnavailable")
}

func TestMemoryStoreZeroValue(t *testing.T) {
	var s MemoryStore
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, key("a"), &Response{Active: true}, time.Now().Add(time.Minute)))
	r, ok, err := s.Get(ctx, key("a"))
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, r.Active)
	assert.Len(t, s.shards, maxShards, "the zero value has the default budgets")
}

// The two budgets are separate: filling one, in either order, evicts only
// from that one, least recently used first.
func TestMemoryStoreSeparateBudgets(t *testing.T) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	s := NewMemoryStore(MemoryStoreOptions{MaxEntries: 3, MaxInactiveEntries: 2})
	for _, tok := range []string{"a1", "a2", "a3"} {
		require.NoError(t, s.Put(ctx, key(tok), &Response{Active: true, Subject: tok}, exp))
	}
	_, _, _ = s.Get(ctx, key("a1")) // a2 is now the least recently used active answer
	for i := range 100 {
		require.NoError(t, s.Put(ctx, key(fmt.Sprint("junk", i)), &Response{}, exp))
	}
	a, i := s.Len()
	assert.Equal(t, [2]int{3, 2}, [2]int{a, i})
	for _, tok := range []string{"a1", "a2", "a3"} {
		r, ok, _ := s.Get(ctx, key(tok))
		require.True(t, ok, "%s was pushed out by inactive answers", tok)
		assert.Equal(t, tok, r.Subject)
	}
	for _, tok := range []string{"junk98", "junk99"} {
		_, ok, _ := s.Get(ctx, key(tok))
		assert.True(t, ok, "the most recent inactive answers are kept")
	}
	_, _, _ = s.Get(ctx, key("a1"))
	_, _, _ = s.Get(ctx, key("a3"))
	require.NoError(t, s.Put(ctx, key("a4"), &Response{Active: true}, exp))
	_, ok, _ := s.Get(ctx, key("a2"))
	assert.False(t, ok, "a new active answer evicts the least recently used active one")
	a, i = s.Len()
	assert.Equal(t, [2]int{3, 2}, [2]int{a, i}, "and no inactive one")
}

func TestMemoryStoreNegativeBoundsFailClosed(t *testing.T) {
	for _, opts := range []MemoryStoreOptions{{MaxEntries: -1}, {MaxInactiveEntries: -1}} {
		s := NewMemoryStore(opts)
		ctx := context.Background()
		_, _, err := s.Get(ctx, key("a"))
		assert.ErrorIs(t, err, token.ErrUnavailable)
		assert.Contains(t, err.Error(), "MemoryStoreOptions.Max")
		assert.ErrorIs(t, s.Put(ctx, key("a"), &Response{Active: true}, time.Now().Add(time.Hour)), token.ErrUnavailable)
		assert.ErrorIs(t, s.Delete(ctx, key("a")), token.ErrUnavailable)
	}
}

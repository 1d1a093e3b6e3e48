package token_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// maxReplayEntryBytes is what the documentation promises a live entry of a
// MemoryReplayStore costs at most, averaged over a full store: its SHA-256
// and expiry in a table of twice as many slots as the bound.
const maxReplayEntryBytes = 128

// TestMemoryReplayStoreMemoryPerEntry measures the heap a store of many
// live entries holds, so that MaxEntries times the documented cost bounds
// what the default store can take (DefaultReplayEntries entries, some 6.4
// MB), whatever the length of the identifiers.
func TestMemoryReplayStoreMemoryPerEntry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	const n = token.DefaultReplayEntries
	long := string(make([]byte, 200)) // identifiers are hashed, not kept
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := &token.MemoryReplayStore{Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := range n {
		if err := s.Use(ctx, long+strconv.Itoa(i), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.Len() != n {
		t.Fatalf("%d entries, want %d", s.Len(), n)
	}
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per live entry, %.1f MB for %d", per, per*n/1e6, n)
	if per > maxReplayEntryBytes {
		t.Fatalf("%.0f bytes per live entry; the documented bound is %d", per, maxReplayEntryBytes)
	}
	// The store is full: one more is refused, not a live one forgotten.
	if err := s.Use(ctx, "one more", now.Add(time.Minute)); err == nil {
		t.Fatal("a full store took another entry")
	}
	runtime.KeepAlive(s)
}

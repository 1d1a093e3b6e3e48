package token

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// checkReplayTable fails t unless tab keeps the invariants its lookups rely
// on: every entry is reachable from its home slot without passing an empty
// slot, used counts the slots in use, and each block's earliest deadline
// (and the table's) is not after any deadline held there.
func checkReplayTable(t *testing.T, tab *replayTable) {
	t.Helper()
	n := len(tab.slots)
	used := 0
	for p := range tab.slots {
		s := &tab.slots[p]
		if s.until == 0 {
			continue
		}
		used++
		if s.until < tab.earliest[p/replayBlock] || s.until < tab.next {
			t.Fatalf("slot %d expires at %d, before its block's earliest %d or the table's %d", p, s.until, tab.earliest[p/replayBlock], tab.next)
		}
		for i := tab.home(&s.digest); i != p; i = (i + 1) % n {
			if tab.slots[i].until == 0 {
				t.Fatalf("slot %d is not reachable from its home: slot %d on the way is empty", p, i)
			}
		}
	}
	if used != tab.used {
		t.Fatalf("used is %d; %d slots are in use", tab.used, used)
	}
}

// TestReplayTableMatchesModel drives tables of several limits with random
// keys, deadlines and clock steps, and checks every answer against a plain
// map: an identifier is refused exactly while it is live, a new one is
// refused as full exactly when limit live ones are held, and an expired one
// is new again. A third of the keys share one of eight placement hashes, so
// long runs of used slots form, wrap around the end of the table and are
// taken apart by sweeps.
func TestReplayTableMatchesModel(t *testing.T) {
	for _, limit := range []int{1, 3, 24, 40, 200} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(limit), 20))
			var tab replayTable
			model := map[replayDigest]uint64{}
			pool := make([]replayDigest, 4*limit+8)
			for k := range pool {
				pool[k] = replayDigest{rng.Uint64(), rng.Uint64(), rng.Uint64()}
				if k%3 == 0 {
					pool[k][0] = uint64(k % 8) // shares its placement with others
				}
			}
			now := encodeDeadline(time.Unix(1_800_000_000, 0))
			for step := range 30_000 {
				now += uint64(rng.IntN(4))
				d := pool[rng.IntN(len(pool))]
				until := now + uint64(rng.IntN(60)) // 0: expired on arrival
				live := 0
				for _, u := range model {
					if u > now {
						live++
					}
				}
				want := replayNew
				switch u, seen := model[d]; {
				case seen && u > now:
					want = replayUsed
				case until <= now:
				case live >= limit:
					want = replayFull
				default:
					model[d] = until
					live++
				}
				if got := tab.use(&d, now, until, limit); got != want {
					t.Fatalf("step %d: outcome %d, want %d (live %d of %d)", step, got, want, live, limit)
				}
				if got := tab.live(now); got != live {
					t.Fatalf("step %d: %d live entries, want %d", step, got, live)
				}
				if step%7 == 0 {
					checkReplayTable(t, &tab)
				}
			}
			checkReplayTable(t, &tab)
			if len(tab.slots) > maxReplaySlots(limit) {
				t.Fatalf("%d slots for a limit of %d; at most %d", len(tab.slots), limit, maxReplaySlots(limit))
			}
		})
	}
}

// Keys whose digests place them on the same slot are told apart by the
// whole digest: neither makes the other look used, and each is refused the
// second time.
func TestReplayTablePlacementCollision(t *testing.T) {
	var tab replayTable
	now := encodeDeadline(time.Unix(1_800_000_000, 0))
	a := replayDigest{7, 1, 3}
	b := replayDigest{7, 1, 4} // same placement, one bit apart at the end
	if tab.home(&a) != tab.home(&b) {
		t.Fatal("the test needs two digests placed on one slot")
	}
	for _, d := range []*replayDigest{&a, &b} {
		if got := tab.use(d, now, now+10, 10); got != replayNew {
			t.Fatalf("digest %v: outcome %d, want new", *d, got)
		}
	}
	for _, d := range []*replayDigest{&a, &b} {
		if got := tab.use(d, now, now+10, 10); got != replayUsed {
			t.Fatalf("digest %v again: outcome %d, want used", *d, got)
		}
	}
}

// A store held full of live entries answers a new key with one look at the
// table's earliest deadline, not a sweep, until something expires; then the
// sweep frees exactly what expired.
func TestReplayTableFullUntilExpiry(t *testing.T) {
	var tab replayTable
	now := encodeDeadline(time.Unix(1_800_000_000, 0))
	const limit = 100
	for k := range limit {
		d := replayDigest{uint64(k), 1, 1}
		if got := tab.use(&d, now, now+100+uint64(k), limit); got != replayNew {
			t.Fatalf("entry %d: outcome %d", k, got)
		}
	}
	extra := replayDigest{math.MaxUint64, 2, 2}
	if got := tab.use(&extra, now+99, now+500, limit); got != replayFull {
		t.Fatalf("a full table: outcome %d, want full", got)
	}
	// Entries 0 and 1 expire at now+100 and now+101.
	if got := tab.use(&extra, now+101, now+500, limit); got != replayNew {
		t.Fatalf("after two expired: outcome %d, want new", got)
	}
	// The new entry took an expired entry's slot on its probe path, or a
	// sweep cleared the two and it took a free one, as the seed placed it:
	// either way 99 entries are live and none was forgotten early.
	if live := tab.live(now + 101); live != limit-1 {
		t.Fatalf("%d live entries after two expired and one was added, want %d", live, limit-1)
	}
	if tab.used > limit {
		t.Fatalf("used %d slots, more than the limit %d", tab.used, limit)
	}
	for k := 2; k < limit; k++ {
		d := replayDigest{uint64(k), 1, 1}
		if got := tab.use(&d, now+101, now+500, limit); got != replayUsed {
			t.Fatalf("entry %d, still live, was forgotten: outcome %d", k, got)
		}
	}
	checkReplayTable(t, &tab)
}

// Removing an expired entry shifts the entries after it back, some across
// the start of a block; a shifted entry that expires before the rest of its
// new block must still be swept there once it expires.
func TestReplayTableShiftAcrossBlocks(t *testing.T) {
	var tab replayTable
	now := encodeDeadline(time.Unix(1_800_000_000, 0))
	const limit = 200
	// One run of 200 slots from a common home, over several blocks, whose
	// deadlines fall along it, so that every entry shifted back into the
	// previous block expires before all that was there. The first expires
	// first of all.
	for k := range limit {
		d := replayDigest{42, uint64(k), 0}
		until := now + 1000 - uint64(k)
		if k == 0 {
			until = now + 1
		}
		if got := tab.use(&d, now, until, limit); got != replayNew {
			t.Fatalf("entry %d: outcome %d", k, got)
		}
	}
	checkReplayTable(t, &tab)
	late := replayDigest{43, 0, 0}
	if got := tab.use(&late, now+1, now+5000, limit); got != replayNew {
		t.Fatalf("after the first expired: outcome %d, want new", got)
	}
	checkReplayTable(t, &tab)
	// Now all but the newest expire; a full table must find every one.
	now += 1000
	for k := range limit - 1 {
		d := replayDigest{44, uint64(k), 0}
		if got := tab.use(&d, now, now+10, limit); got != replayNew {
			t.Fatalf("new entry %d after the rest expired: outcome %d, want new", k, got)
		}
	}
	checkReplayTable(t, &tab)
	if got := tab.live(now); got != limit {
		t.Fatalf("%d live, want %d", got, limit)
	}
}

// A bound larger than memory could hold means as many as it does: the
// store works, and its size arithmetic does not wrap.
func TestMemoryReplayStoreHugeBound(t *testing.T) {
	for _, limit := range []int{math.MaxInt, math.MaxInt / 2, 1 << 62, maxReplayEntries + 1} {
		s := &MemoryReplayStore{MaxEntries: limit, Now: func() time.Time { return testNow }}
		ctx := context.Background()
		done := make(chan error, 1)
		go func() {
			for i := range 500 {
				if err := s.Use(ctx, fmt.Sprint("k", i), testNow.Add(time.Minute)); err != nil {
					done <- err
					return
				}
			}
			done <- s.Use(ctx, "k0", testNow.Add(time.Minute))
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrReplay) {
				t.Errorf("MaxEntries %d: replaying the first key gave %v; want ErrReplay", limit, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("MaxEntries %d: 500 uses did not finish", limit)
		}
	}
}

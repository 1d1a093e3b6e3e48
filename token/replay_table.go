package token

import (
	"hash/maphash"
	"math"
	"math/bits"
)

// replayDigest is the first 192 bits of the SHA-256 of a replay key, as
// three little-endian words: finding two keys that share them takes some
// 2^96 hashes, as far out of reach as a collision of the whole hash, and a
// slot of 32 bytes never straddles two cache lines.
type replayDigest [3]uint64

// replaySlot is one slot of a replayTable: a key's digest and the deadline
// (as encodeDeadline gives it) until which the key is remembered. A slot
// whose until is 0 is empty; one whose until is not after now holds an
// expired entry, which lookups pass over and insertions reuse. It is 32
// bytes, and the table's slots start on a 32-byte boundary, as Go aligns
// allocations of that size class.
type replaySlot struct {
	digest replayDigest
	until  uint64
}

// replayBlock is how many consecutive slots share one entry of
// replayTable.earliest.
const replayBlock = 64

// minReplaySlots is the size of a new table.
const minReplaySlots = replayBlock

// replayTable is a MemoryReplayStore's memory: an open-addressing hash table
// with linear probing, whose entries expire in place. It holds no pointers.
//
// An entry's place comes from its digest through a hash keyed with seed, so
// that chosen keys cannot crowd one stretch of the table; whether two keys
// are the same is decided on the whole digest.
//
// Expired entries are not removed as time passes: a lookup passes over
// them and an insertion reuses the first on its way. They are swept out
// when the table fills up (used reaches three quarters of the slots or the
// caller's limit). The sweep visits only the blocks of replayBlock slots
// whose earliest deadline has passed, and removes each expired entry by
// shifting the entries after it back towards their home slots, so no
// marker of a removed entry is left behind. After a sweep, used counts live
// entries only, which is what the limit is checked against; a sweep that
// finds nothing expired is skipped in O(1) through the table's earliest
// deadline.
type replayTable struct {
	slots    []replaySlot
	earliest []uint64 // per block: no entry in it expires before this
	next     uint64   // no entry in the table expires before this
	used     int      // slots that are not empty, live or expired
	seed     maphash.Seed
}

// replayOutcome is what replayTable.use found.
type replayOutcome int

const (
	replayNew  replayOutcome = iota // recorded now, or expired on arrival
	replayUsed                      // recorded before and still live
	replayFull                      // new, but limit live entries are held
)

// use looks d up at time now and records it until the deadline until,
// unless it is live already, until is not after now (nothing to remember),
// or limit live entries are held.
func (t *replayTable) use(d *replayDigest, now, until uint64, limit int) replayOutcome {
	limit = min(limit, maxReplayEntries)
	if t.slots == nil {
		t.seed = maphash.MakeSeed()
		t.resize(min(minReplaySlots, maxReplaySlots(limit)))
	}
	reuse := -1
	i := t.home(d)
	for {
		s := &t.slots[i]
		if s.until == 0 {
			break
		}
		if s.until > now {
			if s.digest == *d {
				return replayUsed
			}
		} else if reuse < 0 {
			reuse = i
		}
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	if until <= now {
		return replayNew
	}
	if reuse >= 0 {
		// An expired entry's slot: used is unchanged, and the new entry
		// is on d's probe path, before the first empty slot.
		t.put(reuse, d, until)
		return replayNew
	}
	if t.used >= limit || t.used >= t.fill() {
		t.sweep(now)
		if n := maxReplaySlots(limit); t.used >= len(t.slots)/2 && len(t.slots) < n {
			t.resize(min(2*len(t.slots), n))
		}
		if t.used >= limit {
			return replayFull
		}
		i = t.free(d)
	}
	if t.used >= len(t.slots)-1 {
		// Not reached with the sizes above, which keep half the table
		// empty; a table with no empty slot would make every probe spin.
		return replayFull
	}
	t.used++
	t.put(i, d, until)
	return replayNew
}

// maxReplayEntries caps the live entries a table holds whatever limit it
// is given (some 17 GB of slots): a larger limit means "as many as memory
// allows", and must not make the arithmetic on the table's size wrap,
// even where int has 32 bits.
const maxReplayEntries = 1 << 28

// maxReplaySlots is the size of the table for limit entries: twice as many
// slots, so that a full table is half empty and probes stay short, rounded
// up to whole blocks.
func maxReplaySlots(limit int) int {
	n := max(2*min(limit, maxReplayEntries), minReplaySlots)
	return (n + replayBlock - 1) / replayBlock * replayBlock
}

// fill is how many slots may be used before a sweep: three quarters.
func (t *replayTable) fill() int { return len(t.slots) - len(t.slots)/4 }

// home is the slot where d's probe path starts.
func (t *replayTable) home(d *replayDigest) int {
	h := maphash.Comparable(t.seed, d[0])
	// h scaled to [0, len(slots)): the high word of h times the length.
	hi, _ := bits.Mul64(h, uint64(len(t.slots)))
	return int(hi)
}

// free returns the first slot on d's probe path that is empty or holds an
// expired entry.
func (t *replayTable) free(d *replayDigest) int {
	i := t.home(d)
	for t.slots[i].until != 0 {
		if i++; i == len(t.slots) {
			i = 0
		}
	}
	return i
}

// put stores d until the deadline until in slot i.
func (t *replayTable) put(i int, d *replayDigest, until uint64) {
	t.slots[i] = replaySlot{digest: *d, until: until}
	b := i / replayBlock
	t.earliest[b] = min(t.earliest[b], until)
	t.next = min(t.next, until)
}

// sweep removes every entry that has expired at now, so that used counts
// live entries only.
func (t *replayTable) sweep(now uint64) {
	if now < t.next {
		return // nothing has expired since the last sweep
	}
	// Removing an entry can shift a later one back into a block already
	// swept in this pass (across the end of the table, into block 0);
	// that lowers the block's earliest deadline, and the next pass sweeps
	// it.
	for {
		swept := false
		for b, e := range t.earliest {
			if e <= now {
				t.sweepBlock(b, now)
				swept = true
			}
		}
		if !swept {
			break
		}
	}
	t.next = math.MaxUint64
	for _, e := range t.earliest {
		t.next = min(t.next, e)
	}
}

// sweepBlock removes the expired entries of block b and sets its earliest
// deadline from the live ones left in it.
func (t *replayTable) sweepBlock(b int, now uint64) {
	lo := b * replayBlock
	hi := min(lo+replayBlock, len(t.slots))
	for i := lo; i < hi; {
		if u := t.slots[i].until; u != 0 && u <= now {
			// The entry that shifts into slot i, if any, is looked at
			// next.
			t.remove(i)
			continue
		}
		i++
	}
	e := uint64(math.MaxUint64)
	for i := lo; i < hi; i++ {
		if u := t.slots[i].until; u != 0 {
			e = min(e, u)
		}
	}
	t.earliest[b] = e
}

// remove empties slot i, then shifts back each later entry of the run of
// used slots that may sit at the freed slot (its home is not between the
// freed slot and itself), so that every entry stays reachable from its home
// without passing an empty slot (Knuth's Algorithm R for linear probing).
func (t *replayTable) remove(i int) {
	t.used--
	n := len(t.slots)
	j := i
	for {
		if j++; j == n {
			j = 0
		}
		if t.slots[j].until == 0 {
			break
		}
		h := t.home(&t.slots[j].digest)
		var stays bool // h is in the cyclic interval (i, j]
		if i <= j {
			stays = i < h && h <= j
		} else {
			stays = i < h || h <= j
		}
		if stays {
			continue
		}
		t.slots[i] = t.slots[j]
		b := i / replayBlock
		t.earliest[b] = min(t.earliest[b], t.slots[i].until)
		i = j
	}
	t.slots[i] = replaySlot{}
}

// resize moves the entries, expired ones dropped only if a sweep has run,
// into a table of n slots.
func (t *replayTable) resize(n int) {
	old := t.slots
	t.slots = make([]replaySlot, n)
	t.earliest = make([]uint64, (n+replayBlock-1)/replayBlock)
	for b := range t.earliest {
		t.earliest[b] = math.MaxUint64
	}
	t.next = math.MaxUint64
	for k := range old {
		if s := &old[k]; s.until != 0 {
			t.put(t.free(&s.digest), &s.digest, s.until)
		}
	}
}

// live counts the entries that have not expired at now.
func (t *replayTable) live(now uint64) int {
	n := 0
	for k := range t.slots {
		if t.slots[k].until > now {
			n++
		}
	}
	return n
}

package strictjson

import "hash/maphash"

// Index finds the top-level members of an object by name, in about one
// probe of a table, however many members the object has. ParseObjectSpans
// fills it as it checks the document for duplicate names: the check needs
// the same table, so the index costs next to nothing beyond it.
//
// An object of at most 32 members is indexed in the Index itself, with no
// allocation; a larger one in a table of four bytes a slot, at most half
// full. The zero Index indexes nothing, and Find on it scans the members.
type Index struct {
	seed  maphash.Seed
	small [64]uint8
	large []uint32
	// lengths has bit n%64 set for each member name of n bytes, and every
	// bit once a name holds escapes: most names a reader looks up are
	// absent, and most absent ones have a length no member has, so they
	// are answered without hashing.
	lengths uint64
	built   bool
}

// reset empties ix for a new document.
func (ix *Index) reset() {
	clear(ix.small[:])
	ix.large, ix.lengths, ix.built = nil, 0, false
}

// addLength notes a member name of raw bytes between its quotes; esc says
// they hold escapes, which make its length unknown until unescaped.
func (ix *Index) addLength(raw []byte, esc bool) {
	if esc {
		ix.lengths = ^uint64(0)
		return
	}
	ix.lengths |= 1 << (uint(len(raw)) % 64)
}

// Find returns the member of spans named name, exactly (no case folding),
// and whether there is one. spans are the members ParseObjectSpans read
// from data (or a string copy of it) and indexed in ix; with an ix that was
// not filled for them, such as the zero Index, Find compares name with
// each member's in turn.
func Find[T Text](ix *Index, spans []Span, data T, name string) (Span, bool) {
	if ix == nil || !ix.built {
		for _, sp := range spans {
			if SpanNameIs(sp, data, name) {
				return sp, true
			}
		}
		return Span{}, false
	}
	if ix.lengths&(1<<(uint(len(name))%64)) == 0 {
		return Span{}, false
	}
	h := hashLookup(ix.seed, name)
	if ix.large != nil {
		return find(ix.large, h, spans, data, name)
	}
	return find(ix.small[:], h, spans, data, name)
}

// find probes table from h's slot: a name present is met before the first
// empty slot.
func find[S slot, T Text](table []S, h uint32, spans []Span, data T, name string) (Span, bool) {
	mask := uint32(len(table) - 1)
	i := h & mask
	for range table {
		o := table[i]
		if o == 0 || int(o) > len(spans) {
			return Span{}, false
		}
		if sp := spans[o-1]; SpanNameIs(sp, data, name) {
			return sp, true
		}
		i = (i + 1) & mask
	}
	return Span{}, false
}

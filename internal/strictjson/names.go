package strictjson

import (
	"encoding/binary"
	"hash/maphash"
)

// Duplicate member names are found by a seeded hash of each name folded as
// encoding/json folds names to match struct fields, so that the check costs
// one hash per name and one integer comparison per pair of names however
// alike the names are (long, equal-length, namespaced claims included), and
// only a hash that matches costs a comparison of the names themselves. The
// seed is random per document, so a hostile one cannot make its names
// collide.

// inlineNames is how many names an object's nameSet holds on the stack;
// past it the set moves to a table of hashes on the heap, so that an object
// of thousands of members stays linear.
const inlineNames = 32

// nameRef is one member name seen in an object: the hash of its folded
// form and where its raw bytes lie in the document.
type nameRef struct {
	hash       uint64
	start, end int32
	escaped    bool
}

// nameSet holds the names of one object.
type nameSet struct {
	inline [inlineNames]nameRef
	count  int
	// Past inlineNames: an open-addressing table of the names' hashes,
	// folded to 32 bits (never 0, which marks an empty slot), at most half
	// full. It keeps no positions, so it costs four bytes a slot; a match
	// in it, which for distinct names happens about once in four billion
	// pairs, is settled by comparing the name with every earlier one.
	table []uint32
	n     int
}

// add records n, whose unescaped form is name, and reports whether the
// object already has a name that folds to the same bytes; s reads the
// object again from objStart when the hashes cannot tell.
func (ns *nameSet) add(n nameRef, name []byte, s *scanner, objStart int) (dup bool) {
	if ns.table == nil {
		for i := range ns.inline[:ns.count] {
			if ns.inline[i].hash == n.hash && foldEqual(ns.inline[i].name(s.data), name) {
				return true
			}
		}
		if ns.count < inlineNames {
			ns.inline[ns.count] = n
			ns.count++
			return false
		}
		ns.table = make([]uint32, 8*inlineNames)
		for _, r := range ns.inline {
			ns.place(short(r.hash))
		}
		ns.n = inlineNames
	}
	f := short(n.hash)
	mask := uint32(len(ns.table) - 1)
	for i := f & mask; ns.table[i] != 0; i = (i + 1) & mask {
		if ns.table[i] == f {
			if s.nameBefore(objStart, int(n.start)-1, name) {
				return true
			}
			break
		}
	}
	if 2*(ns.n+1) > len(ns.table) {
		old := ns.table
		ns.table = make([]uint32, 2*len(old))
		for _, g := range old {
			if g != 0 {
				ns.place(g)
			}
		}
	}
	ns.place(f)
	ns.n++
	return false
}

// short folds a name hash to 32 bits, never 0.
func short(h uint64) uint32 { return (uint32(h>>32) ^ uint32(h)) | 1 }

// place puts f in the table, which has room.
func (ns *nameSet) place(f uint32) {
	mask := uint32(len(ns.table) - 1)
	i := f & mask
	for ns.table[i] != 0 {
		i = (i + 1) & mask
	}
	ns.table[i] = f
}

// nameBefore reports whether the object beginning at objStart has, before
// the member name at nameAt, a member whose name folds like name. Those
// members were read once already, so it only reads them again.
func (s *scanner) nameBefore(objStart, nameAt int, name []byte) bool {
	sc := scanner{data: s.data, pos: objStart + 1, depth: s.depth, maxDepth: s.maxDepth, seed: s.seed}
	for {
		sc.skipSpace()
		if sc.pos >= nameAt || sc.pos >= len(sc.data) || sc.data[sc.pos] != '"' {
			return false
		}
		raw, esc, _, err := sc.str()
		if err != nil {
			return false
		}
		other := raw
		if esc {
			other = unescape(raw)
		}
		if foldEqual(other, name) {
			return true
		}
		sc.skipSpace()
		sc.pos++ // ':'
		sc.skipSpace()
		if sc.value() != nil {
			return false
		}
		sc.skipSpace()
		sc.pos++ // ',' or '}'
	}
}

// name returns the name's unescaped bytes; it allocates only for a name
// with escapes, and is called only when two hashes match.
func (r nameRef) name(data []byte) []byte {
	raw := data[r.start:r.end]
	if r.escaped {
		return unescape(raw)
	}
	return raw
}

// foldChunk is how many folded bytes foldHash collects on its stack before
// handing them to the hash.
const foldChunk = 128

// foldHash returns the seeded hash of name folded as AppendFold folds it.
// plain says name is ASCII without escapes, which folds eight bytes at a
// time; any other name is folded rune by rune. It allocates nothing for a
// plain name, nor for another of up to foldChunk folded bytes.
func foldHash(seed maphash.Seed, name []byte, plain bool) uint64 {
	var buf [foldChunk]byte
	if !plain {
		return maphash.Bytes(seed, AppendFold(buf[:0], name))
	}
	if len(name) <= foldChunk {
		return maphash.Bytes(seed, foldASCII(buf[:0], name))
	}
	var h maphash.Hash
	h.SetSeed(seed)
	for len(name) > 0 {
		n := min(len(name), foldChunk)
		_, _ = h.Write(foldASCII(buf[:0], name[:n]))
		name = name[n:]
	}
	return h.Sum64()
}

// foldASCII appends name, which is ASCII, with its lower-case letters made
// upper case, as AppendFold does, eight bytes at a time.
func foldASCII(dst, name []byte) []byte {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for len(name) >= 8 {
		w := binary.LittleEndian.Uint64(name)
		// A byte's high bit in ge is set when it is >= 'a', in gt when it
		// is > 'z' (the bytes are ASCII, so no carry crosses a byte).
		ge := w + ones*(0x80-'a')
		gt := w + ones*(0x80-'z'-1)
		lower := ge &^ gt & highs
		dst = binary.LittleEndian.AppendUint64(dst, w-lower>>2)
		name = name[8:]
	}
	for _, c := range name {
		dst = append(dst, upperASCII(c))
	}
	return dst
}

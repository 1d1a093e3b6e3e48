package strictjson

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Duplicate member names are found by a seeded hash of each name's fold key
// (see foldKeyRune): names that encoding/json would match to the same
// struct field have the same key, so the check costs one hash per name and
// one integer comparison per pair of names that meet, however alike the
// names are (long, equal-length, namespaced claims included); only a hash
// that matches costs a comparison of the names themselves. The seed is
// random per document, so a hostile one cannot plan its names to collide.
//
// An object's names are kept, in order, on one stack that every object
// shares, passed down the scanner's calls rather than held in a field (see
// scanner.object). While an object has at most smallObject names, a new one
// is compared with each earlier one's hash; past that, a table of open
// addressing finds the earlier names with the same hash in about one probe.
// The top-level object always uses a table, from its first name: it becomes
// the document's Index, so the duplicate check and the index are built at
// once.

// inlineNames is how many names the scanner holds on the stack before its
// name stack moves to the heap.
const inlineNames = 32

// smallObject is how many names an object compares pairwise before it
// gets a table: a pairwise check costs less than a table up to about
// this size, and this bounds it to smallObject comparisons a name.
const smallObject = 16

// nameRef is one member name read: the low 32 bits of its hash, and the
// offset in the document of its opening quote, where it can be read again
// when two hashes match.
type nameRef struct {
	hash uint32
	at   int32
}

// slot is the type of a name table's slots: the ordinal of a name in its
// object (its index in the object's names, plus one), zero when empty.
type slot interface{ ~uint8 | ~uint32 }

// insert puts the name at offset at, of hash h and ordinal len(names)+1,
// into table (which has room), unless a name of names already there folds
// to the same key; it reports whether one does.
func insert[T slot](s *scanner, table []T, names []nameRef, h uint32, at int) (dup bool) {
	mask := uint32(len(table) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		o := table[i]
		if o == 0 {
			table[i] = T(len(names) + 1)
			return false
		}
		if r := names[o-1]; r.hash == h && s.sameName(int(r.at), at) {
			return true
		}
	}
}

// tablePool keeps the name tables of objects of many members that ended,
// cleared, for later objects of the document to reuse: a document of many
// such objects, one after the other, allocates one table, not one each.
type tablePool struct {
	spare [][]uint32
}

// regrow returns a table of at least 2*want slots (a power of two) holding
// names, each at its ordinal, and hands old, if any, back to p.
func (p *tablePool) regrow(old []uint32, names []nameRef, want int) []uint32 {
	size := 1 << bits.Len(uint(2*want-1))
	table := p.acquire(size)
	mask := uint32(size - 1)
	for n, r := range names {
		i := r.hash & mask
		for table[i] != 0 {
			i = (i + 1) & mask
		}
		table[i] = uint32(n + 1)
	}
	p.release(old)
	return table
}

// acquire returns an empty table of size slots, one an earlier object
// handed back if there is one of that size.
func (p *tablePool) acquire(size int) []uint32 {
	for i, t := range p.spare {
		if len(t) == size {
			p.spare = append(p.spare[:i], p.spare[i+1:]...)
			return t
		}
	}
	return make([]uint32, size)
}

// release clears table, if any, and keeps it for a later object. Clearing
// costs what filling it did: a table is at most four slots a name.
func (p *tablePool) release(table []uint32) {
	if table != nil {
		clear(table)
		p.spare = append(p.spare, table)
	}
}

// estimate guesses how many members the object beginning at objStart will
// have, n of them read by now: as many as the rest of the document holds
// at the rate so far, an eighth more, and between two and eight times n.
// A collected object's storage grows to it, so that an object of many
// members is copied once or twice, not at every doubling.
func (s *scanner) estimate(objStart, n int) int {
	n = max(n, 1)
	est := n
	if read := s.pos - objStart; read > 0 {
		est = int(int64(n) * int64(len(s.data)-objStart) / int64(read))
	}
	est += est / 8
	return min(max(est, 2*n), 8*n)
}

// sameName reports whether the member names whose opening quotes are at a
// and b fold to the same key. It runs only when their hashes match, which
// for names that differ happens about once in four billion comparisons.
func (s *scanner) sameName(a, b int) bool {
	return foldEqual(s.nameAt(a), s.nameAt(b))
}

// nameAt returns the unescaped member name whose opening quote is at.
func (s *scanner) nameAt(at int) []byte {
	sc := scanner{data: s.data, pos: at}
	raw, esc, _, err := sc.str()
	if err != nil {
		return nil // not reached: the scanner read this name once already
	}
	return nameOf(raw, esc)
}

// nameOf returns a name from its raw bytes: unescaped, when esc says it
// holds escapes.
func nameOf(raw []byte, esc bool) []byte {
	if esc {
		return unescape(raw)
	}
	return raw
}

// foldKeyRune maps a rune to its part of a name's fold key: encoding/json's
// folding (foldRune), then ASCII letters to lower case. Two names fold
// alike exactly when their keys are equal; and a key in lower case is, for
// the lower-case ASCII names that nearly every claim has, the name itself,
// so hashing it needs no copy.
func foldKeyRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	f := unicode.ToUpper(unicode.ToLower(r))
	if 'A' <= f && f <= 'Z' {
		return f + 'a' - 'A'
	}
	return f
}

// foldChunk is how many key bytes the hashing of a name that is not its
// own key collects on its stack at a time.
const foldChunk = 128

// hashName returns the hash of the fold key of the member name raw (its
// bytes between the quotes), with seed. esc says raw holds escapes, plain
// that it is ASCII without escapes.
func hashName(seed maphash.Seed, raw []byte, esc, plain bool) uint32 {
	if plain {
		if !hasUpperASCII(raw) {
			return uint32(maphash.Bytes(seed, raw))
		}
		if len(raw) <= foldChunk {
			var buf [foldChunk]byte
			return uint32(maphash.Bytes(seed, lowerASCII(buf[:0], raw)))
		}
	}
	return hashKey(seed, raw, esc)
}

// hashLookup is hashName for a name looked up (a Go string, without JSON
// escapes): equal to hashName of every member name that folds alike.
func hashLookup(seed maphash.Seed, name string) uint32 {
	if isLowerKey(name) {
		return uint32(maphash.String(seed, name))
	}
	return hashKey(seed, name, false)
}

// hashKey hashes the fold key of raw, unescaping it first when esc says it
// holds escapes, a chunk of key at a time, without allocating.
func hashKey[T Text](seed maphash.Seed, raw T, esc bool) uint32 {
	var (
		buf [foldChunk + utf8.UTFMax]byte
		h   maphash.Hash
	)
	key, streamed := buf[:0], false
	for i := 0; i < len(raw); {
		var r rune
		if c := raw[i]; c < utf8.RuneSelf && (c != '\\' || !esc) {
			r = rune(c)
			i++
		} else if c != '\\' {
			var n int
			r, n = decodeRune(raw[i:])
			i += n
		} else {
			r, i = unescapeAt(raw, i)
		}
		key = utf8.AppendRune(key, foldKeyRune(r))
		if len(key) >= foldChunk {
			if !streamed {
				h.SetSeed(seed)
				streamed = true
			}
			_, _ = h.Write(key)
			key = key[:0]
		}
	}
	if !streamed {
		return uint32(maphash.Bytes(seed, key))
	}
	_, _ = h.Write(key)
	return uint32(h.Sum64())
}

// decodeRune is utf8.DecodeRune for either kind of Text. The conversion
// of at most four bytes to a string that does not escape costs no
// allocation.
func decodeRune[T Text](b T) (rune, int) {
	return utf8.DecodeRuneInString(string(b[:min(len(b), utf8.UTFMax)]))
}

// unescapeAt decodes the escape at raw[i] (a backslash), of a string the
// scanner checked, and returns its rune and the offset after it.
func unescapeAt[T Text](raw T, i int) (rune, int) {
	if i+1 >= len(raw) {
		return utf8.RuneError, len(raw)
	}
	if e := simpleEscape[raw[i+1]]; e != 0 {
		return rune(e), i + 2
	}
	if raw[i+1] != 'u' {
		return utf8.RuneError, i + 2
	}
	r, _ := hex4(raw, i+2)
	i += 6
	if utf16.IsSurrogate(r) {
		r2, _ := hex4(raw, i+2)
		r = utf16.DecodeRune(r, r2)
		i += 6
	}
	return r, min(i, len(raw))
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// upperMask has the high bit set in each byte of w, which is ASCII, that
// is an upper-case letter. A byte's high bit in ge is set when it is >= 'A',
// in gt when it is > 'Z'; no carry crosses a byte, as every byte is < 0x80.
func upperMask(w uint64) uint64 {
	ge := w + ones*(0x80-'A')
	gt := w + ones*(0x80-'Z'-1)
	return ge &^ gt & highs
}

// hasUpperASCII reports whether name, which is ASCII, holds an upper-case
// letter, eight bytes at a time.
func hasUpperASCII(name []byte) bool {
	for len(name) >= 8 {
		if upperMask(binary.LittleEndian.Uint64(name)) != 0 {
			return true
		}
		name = name[8:]
	}
	for _, c := range name {
		if c-'A' < 26 {
			return true
		}
	}
	return false
}

// isLowerKey reports whether name is its own fold key: ASCII without an
// upper-case letter.
func isLowerKey(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || c-'A' < 26 {
			return false
		}
	}
	return true
}

// lowerASCII appends name, which is ASCII, with its upper-case letters
// made lower case (its fold key), eight bytes at a time.
func lowerASCII(dst, name []byte) []byte {
	for len(name) >= 8 {
		w := binary.LittleEndian.Uint64(name)
		dst = binary.LittleEndian.AppendUint64(dst, w|upperMask(w)>>2)
		name = name[8:]
	}
	for _, c := range name {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// foldRune is the folding encoding/json applies when it matches object names
// to struct fields: ASCII letters by case, other runes through lower then upper.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	return unicode.ToUpper(unicode.ToLower(r))
}

// upperASCII is foldRune for an ASCII byte, small enough to inline.
func upperASCII(c byte) byte {
	if c-'a' < 26 {
		return c - ('a' - 'A')
	}
	return c
}

func foldEqual(a, b []byte) bool {
	for len(a) > 0 && len(b) > 0 {
		if a[0] < utf8.RuneSelf && b[0] < utf8.RuneSelf {
			if upperASCII(a[0]) != upperASCII(b[0]) {
				return false
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) == 0 && len(b) == 0
}

// AppendFold appends name folded as encoding/json folds object member names
// to match struct fields case-insensitively (ASCII letters to upper case,
// other runes through lower then upper case). Two names that encoding/json
// would match to the same field fold to the same bytes.
func AppendFold(dst, name []byte) []byte {
	for len(name) > 0 {
		if c := name[0]; c < utf8.RuneSelf {
			dst = append(dst, byte(foldRune(rune(c))))
			name = name[1:]
			continue
		}
		r, n := utf8.DecodeRune(name)
		dst = utf8.AppendRune(dst, foldRune(r))
		name = name[n:]
	}
	return dst
}

package strictjson

// The scanner as it stood before its duplicate check and the top-level
// index became one table, kept to test the new one against: both must give
// the same answers (accepted or refused, the same members) on any input.

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

const oldInlineNames = 32

// oldParseObjectSpans is ParseObjectSpans as it was.
func oldParseObjectSpans(data []byte, maxDepth int, dst []Span) ([]Span, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	s := oldScanner{data: data, maxDepth: maxDepth}
	s.skipSpace()
	if s.pos >= len(data) {
		return dst, s.fail("empty document")
	}
	if data[s.pos] != '{' {
		if err := s.value(); err != nil {
			return dst, err
		}
		return dst, ErrNotObject
	}
	dst, err := s.object(dst, true)
	if err != nil {
		return dst, err
	}
	s.skipSpace()
	if s.pos != len(data) {
		return dst, s.fail("data after the top-level value")
	}
	return dst, nil
}

type oldScanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	// seed keys the hash of folded member names, chosen at the first member
	// name, so no document can plan collisions of its names.
	seed maphash.Seed
}

func (s *oldScanner) fail(msg string) error { return &SyntaxError{Offset: s.pos, Msg: msg} }

func (s *oldScanner) skipSpace() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return
	}
	s.skipSpaceSlow()
}

func (s *oldScanner) skipSpaceSlow() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *oldScanner) value() error {
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of data")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		_, err := s.object(nil, false)
		return err
	case c == '[':
		return s.array()
	case c == '"':
		_, _, _, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

func (s *oldScanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.fail("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// number is the one rule for numbers (lexical.go), unchanged by the
// restructuring this file is the reference for.
func (s *oldScanner) number() error {
	end, msg := numberEnd(s.data, s.pos)
	s.pos = end
	if msg != "" {
		return s.fail(msg)
	}
	return nil
}

func (s *oldScanner) str() (raw []byte, escaped, nonASCII bool, err error) {
	d := s.data
	p := s.pos + 1
	start := p
	for {
		// Most bytes of a string are printable ASCII: skip them eight at a
		// time while no byte of the word needs a look, then one at a time.
		for p+8 <= len(d) && lookMask(binary.LittleEndian.Uint64(d[p:])) == 0 {
			p += 8
		}
		for p < len(d) && strPlain[d[p]] {
			p++
		}
		if p >= len(d) {
			s.pos = p
			return nil, false, false, s.fail("unterminated string")
		}
		c := d[p]
		switch {
		case c == '"':
			s.pos = p + 1
			return d[start:p], escaped, nonASCII, nil
		case c == '\\':
			escaped = true
			if p+1 >= len(d) {
				s.pos = p
				return nil, false, false, s.fail("unterminated escape")
			}
			switch d[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				r, ok := hex4(d, p+2)
				if !ok {
					s.pos = p
					return nil, false, false, s.fail("invalid \\u escape")
				}
				p += 6
				if utf16.IsSurrogate(r) {
					if r >= 0xDC00 || p+1 >= len(d) || d[p] != '\\' || d[p+1] != 'u' {
						s.pos = p
						return nil, false, false, s.fail("lone surrogate in \\u escape")
					}
					r2, ok := hex4(d, p+2)
					if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
						s.pos = p
						return nil, false, false, s.fail("lone surrogate in \\u escape")
					}
					p += 6
				}
			default:
				s.pos = p
				return nil, false, false, s.fail("invalid escape")
			}
		case c < 0x20:
			s.pos = p
			return nil, false, false, s.fail("control character in string")
		default:
			r, n := utf8.DecodeRune(d[p:])
			if r == utf8.RuneError && n <= 1 {
				s.pos = p
				return nil, false, false, s.fail("invalid UTF-8 in string")
			}
			nonASCII = true
			p += n
		}
	}
}

func (s *oldScanner) array() error {
	s.depth++
	if s.depth > s.maxDepth {
		return s.fail(fmt.Sprintf("nesting deeper than %d", s.maxDepth))
	}
	s.pos++ // [
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.skipSpace()
		if err := s.value(); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return s.fail("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.fail("expected ',' or ']' in array")
		}
	}
}

func (s *oldScanner) object(dst []Span, collect bool) ([]Span, error) {
	s.depth++
	if s.depth > s.maxDepth {
		return dst, s.fail(fmt.Sprintf("nesting deeper than %d", s.maxDepth))
	}
	objStart := s.pos
	s.pos++ // {
	var (
		names oldNameSet
		// nameBuf holds an escaped name unescaped, so that a document of
		// escaped names costs no allocation per name.
		nameBuf [128]byte
	)
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return dst, nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return dst, s.fail("expected a member name")
		}
		nameAt := s.pos
		raw, esc, nonASCII, err := s.str()
		if err != nil {
			return dst, err
		}
		name := raw
		if esc {
			name = appendUnescaped(nameBuf[:0], raw)
		}
		// Duplicate and case-fold duplicate detection.
		if s.seed == (maphash.Seed{}) {
			s.seed = maphash.MakeSeed()
		}
		n := oldNameRef{
			hash:  oldFoldHash(s.seed, name, !esc && !nonASCII),
			start: int32(nameAt + 1), end: int32(nameAt + 1 + len(raw)), escaped: esc,
		}
		if names.add(n, name, s, objStart) {
			s.pos = nameAt
			return dst, s.fail(fmt.Sprintf("duplicate member name %q", excerpt.Of(name)))
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return dst, s.fail("expected ':' after a member name")
		}
		s.pos++
		s.skipSpace()
		valStart := s.pos
		if err := s.value(); err != nil {
			return dst, err
		}
		if collect {
			dst = append(dst, Span{
				NameStart: int32(nameAt + 1), NameEnd: int32(nameAt + 1 + len(raw)),
				ValueStart: int32(valStart), ValueEnd: int32(s.pos), Escaped: esc,
			})
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return dst, s.fail("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return dst, nil
		default:
			return dst, s.fail("expected ',' or '}' in object")
		}
	}
}

type oldNameRef struct {
	hash       uint64
	start, end int32
	escaped    bool
}

type oldNameSet struct {
	inline [oldInlineNames]oldNameRef
	count  int
	// Past oldInlineNames: an open-addressing table of the names' hashes,
	// folded to 32 bits (never 0, which marks an empty slot), at most half
	// full. It keeps no positions, so it costs four bytes a slot; a match
	// in it, which for distinct names happens about once in four billion
	// pairs, is settled by comparing the name with every earlier one.
	table []uint32
	n     int
}

func (ns *oldNameSet) add(n oldNameRef, name []byte, s *oldScanner, objStart int) (dup bool) {
	if ns.table == nil {
		for i := range ns.inline[:ns.count] {
			if ns.inline[i].hash == n.hash && foldEqual(ns.inline[i].name(s.data), name) {
				return true
			}
		}
		if ns.count < oldInlineNames {
			ns.inline[ns.count] = n
			ns.count++
			return false
		}
		ns.table = make([]uint32, 8*oldInlineNames)
		for _, r := range ns.inline {
			ns.place(oldShort(r.hash))
		}
		ns.n = oldInlineNames
	}
	f := oldShort(n.hash)
	mask := uint32(len(ns.table) - 1)
	for i := f & mask; ns.table[i] != 0; i = (i + 1) & mask {
		if ns.table[i] == f {
			if s.oldNameBefore(objStart, int(n.start)-1, name) {
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

func oldShort(h uint64) uint32 { return (uint32(h>>32) ^ uint32(h)) | 1 }

func (ns *oldNameSet) place(f uint32) {
	mask := uint32(len(ns.table) - 1)
	i := f & mask
	for ns.table[i] != 0 {
		i = (i + 1) & mask
	}
	ns.table[i] = f
}

func (s *oldScanner) oldNameBefore(objStart, nameAt int, name []byte) bool {
	sc := oldScanner{data: s.data, pos: objStart + 1, depth: s.depth, maxDepth: s.maxDepth, seed: s.seed}
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

func (r oldNameRef) name(data []byte) []byte {
	raw := data[r.start:r.end]
	if r.escaped {
		return unescape(raw)
	}
	return raw
}

func oldFoldHash(seed maphash.Seed, name []byte, plain bool) uint64 {
	var buf [foldChunk]byte
	if !plain {
		return maphash.Bytes(seed, AppendFold(buf[:0], name))
	}
	if len(name) <= foldChunk {
		return maphash.Bytes(seed, oldFoldASCII(buf[:0], name))
	}
	var h maphash.Hash
	h.SetSeed(seed)
	for len(name) > 0 {
		n := min(len(name), foldChunk)
		_, _ = h.Write(oldFoldASCII(buf[:0], name[:n]))
		name = name[n:]
	}
	return h.Sum64()
}

func oldFoldASCII(dst, name []byte) []byte {
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

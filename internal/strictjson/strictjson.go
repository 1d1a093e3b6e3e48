// Package strictjson checks and indexes JSON documents that come from
// untrusted tokens, more strictly than encoding/json does.
//
// A document is accepted only if it is exactly one JSON value (RFC 8259) with
// valid UTF-8, no lone surrogate escapes, nesting no deeper than a bound, and no
// object holding two member names that are equal, or equal under the
// case-folding encoding/json uses to match struct fields. That last rule is
// what makes it safe to hand an accepted document to encoding/json afterwards:
// "ISS" can never shadow "iss", and a later duplicate can never win.
//
// The scanner does not build a tree. ParseObject returns the top-level members
// as slices of the input, so typed fields are read with a handful of
// allocations and everything else stays raw until someone asks for it.
// ParseObjectSpans returns them as offsets and can index them by name
// (Index, Find) with the same table that checks them for duplicates.
//
// Its cost grows with the size of a document, not with its shape: each name
// is hashed once, with a seed chosen per document so that no document can
// plan its names to collide, and nesting costs a few instructions a level.
//
// The value readers that report ok (String, StringEqual, Number, Bool,
// Strings) read one raw value; given text that is not one whole value of
// their type, from the scanner or not, they report ok false rather than a
// wrong value. IsNull and Kind only classify text the scanner checked (Kind
// calls any text it does not recognise "a number").
package strictjson

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// DefaultMaxDepth bounds nesting when the caller passes zero. Real tokens nest
// three or four levels (an address, a provider's namespaced claims).
const DefaultMaxDepth = 32

// Member is one member of a JSON object: its name, unescaped, and its value as
// the raw bytes of the input.
type Member struct {
	Name  []byte
	Value []byte
}

// Checked returns m's value as Checked text: a Member comes from
// ParseObject, or from the Spans of a document ParseObjectSpans checked.
func (m Member) Checked() Checked[[]byte] { return Checked[[]byte]{m.Value} }

// SyntaxError says where and why a document was refused.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// ErrNotObject is returned by ParseObject when the document is valid JSON but
// not an object.
var ErrNotObject = errors.New("JSON value is not an object")

type scanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	// seed keys the hash of member names (see names.go), chosen at the
	// first member name, so that no document can plan collisions of its
	// names; seeded says it was.
	seed   maphash.Seed
	seeded bool
}

// Span locates one top-level member of an object by offsets into the
// document: the raw bytes of its name between the quotes, and its value.
// Unlike a Member it holds no pointers, so an array of Spans costs a third
// of the memory of the same Members and nothing for the garbage collector
// to trace. Escaped reports whether the raw name holds escapes; its
// unescaped form is then String(data[NameStart-1 : NameEnd+1]).
//
// A Span is read with the generic functions SpanValue, SpanName, SpanRawName
// and SpanNameIs, not with methods: a method cannot take the document as
// either a string or a byte slice, and the package has one style, generic
// functions over Text, for everything that reads a document.
type Span struct {
	NameStart, NameEnd   int32
	ValueStart, ValueEnd int32
	Escaped              bool
}

// SpanValue returns sp's raw value in data: the document ParseObjectSpans
// read, or a string copy of it, whose substrings cost no copy.
func SpanValue[T Text](sp Span, data T) T { return data[sp.ValueStart:sp.ValueEnd] }

// SpanChecked returns sp's raw value in data, as SpanValue does, as Checked
// text: data is the document ParseObjectSpans checked, or a copy of it.
func SpanChecked[T Text](sp Span, data T) Checked[T] {
	return Checked[T]{data[sp.ValueStart:sp.ValueEnd]}
}

// SpanRawName returns sp's name as it stands between the quotes in data,
// escapes included.
func SpanRawName[T Text](sp Span, data T) T { return data[sp.NameStart:sp.NameEnd] }

// SpanName returns sp's name, unescaped, from data (the document or a string
// copy of it). A name without escapes is a part of data, not a copy.
func SpanName[T Text](sp Span, data T) T {
	if sp.Escaped {
		return T(unescape(data[sp.NameStart:sp.NameEnd]))
	}
	return data[sp.NameStart:sp.NameEnd]
}

// AppendSpanName appends sp's name, unescaped, to dst: into a buffer on the
// caller's stack, reading an escaped name costs no allocation.
func AppendSpanName[T Text](dst []byte, sp Span, data T) []byte {
	return appendUnescaped(dst, data[sp.NameStart:sp.NameEnd])
}

// SpanNameIs reports whether sp's unescaped name in data is name, without
// allocating unless the name holds escapes.
func SpanNameIs[T Text](sp Span, data T, name string) bool {
	if !sp.Escaped {
		return int(sp.NameEnd-sp.NameStart) == len(name) && string(data[sp.NameStart:sp.NameEnd]) == name
	}
	return string(unescape(data[sp.NameStart:sp.NameEnd])) == name
}

// maxSpanDocument is the largest document ParseObjectSpans indexes: offsets
// are int32.
const maxSpanDocument = 1<<31 - 1

// ParseObjectSpans checks data exactly as ParseObject does and returns the
// top-level members as Spans, stored in dst's storage from its start (what
// dst held is not kept: the index and the duplicate check number members
// from the first). When ix is not nil it also indexes them by name in ix,
// for Find; the duplicate check and the index are one table, so indexing
// costs next to nothing beyond the check.
func ParseObjectSpans(data []byte, maxDepth int, dst []Span, ix *Index) ([]Span, error) {
	return ParseObjectSpansKnown(data, maxDepth, dst, ix, nil)
}

// Known is values a caller has seen ParseObjectSpans accept before, each
// as the whole value of the top-level member Name (a name without
// escapes), in a document parsed with the same maxDepth. A document that
// holds one of them at that place again has it accepted as it was, without
// a second reading: an array, an object or a string ends where its own
// bytes say, and is valid or not by them and the depth it starts at, so
// the scanner would read it to the same end with the same verdict. Other
// values (numbers and literals) are ignored, since one can be the start of
// another ("1" of "12"). Values that did not come from such a parse make
// ParseObjectSpansKnown accept what it should refuse.
type Known struct {
	Name   string
	Values []string
}

// match returns the length of the value of k.Values that rest starts
// with, or 0.
func (k *Known) match(rest []byte) int {
	for _, v := range k.Values {
		if len(v) == 0 || len(v) > len(rest) {
			continue
		}
		if c := v[0]; (c == '[' || c == '{' || c == '"') && string(rest[:len(v)]) == v {
			return len(v)
		}
	}
	return 0
}

// ParseObjectSpansKnown is ParseObjectSpans that takes the values in
// known, when not nil, as checked already where they occur as the value of
// the top-level member known.Name (see Known).
func ParseObjectSpansKnown(data []byte, maxDepth int, dst []Span, ix *Index, known *Known) ([]Span, error) {
	dst = dst[:0]
	if len(data) > maxSpanDocument {
		return dst, &SyntaxError{Offset: maxSpanDocument, Msg: "document too large to index"}
	}
	// Without an index to fill, the top-level object's names still go
	// into one: it is how an object of up to 32 members is checked for
	// duplicates without allocating.
	var own Index
	if ix == nil {
		ix = &own
	}
	ix.reset()
	s := newScanner(data, maxDepth)
	s.skipSpace()
	if s.pos >= len(data) {
		return dst, s.fail("empty document")
	}
	var (
		tables tablePool
		names  [inlineNames]nameRef
	)
	if data[s.pos] != '{' {
		if err := s.value(&tables, names[:0]); err != nil {
			return dst, err
		}
		return dst, ErrNotObject
	}
	dst, err := s.object(dst, true, ix, &tables, names[:0], known)
	if err != nil {
		return dst, err
	}
	s.skipSpace()
	if s.pos != len(data) {
		return dst, s.fail("data after the top-level value")
	}
	ix.seed, ix.built = s.seed, s.seeded
	return dst, nil
}

// newScanner returns a scanner of data; maxDepth zero means
// DefaultMaxDepth.
func newScanner(data []byte, maxDepth int) scanner {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	return scanner{data: data, maxDepth: maxDepth}
}

func (s *scanner) fail(msg string) error { return &SyntaxError{Offset: s.pos, Msg: msg} }

// ParseObject checks that data is one strict JSON object and appends its
// top-level members to dst, which it returns. maxDepth zero means
// DefaultMaxDepth.
func ParseObject(data []byte, maxDepth int, dst []Member) ([]Member, error) {
	// The scanner records members only as offsets (Spans), never as slices
	// of data: a scanner that stored slices of data would make every caller's
	// document escape to the heap, including the token pipeline's, which
	// decodes into a buffer on its stack. The Members are built afterwards.
	var buf [16]Span
	spans, err := ParseObjectSpans(data, maxDepth, buf[:0], nil)
	if err != nil {
		return dst, err
	}
	for _, sp := range spans {
		dst = append(dst, Member{Name: SpanName(sp, data), Value: SpanValue(sp, data)})
	}
	return dst, nil
}

// Valid reports whether data is one strict JSON value (of any kind).
func Valid(data []byte, maxDepth int) error {
	_, err := Check(data, maxDepth)
	return err
}

// Check checks data as Valid does and, when it is one strict JSON value,
// returns it as Checked text, to read with Elements.
func Check(data []byte, maxDepth int) (Checked[[]byte], error) {
	s := newScanner(data, maxDepth)
	s.skipSpace()
	var (
		tables tablePool
		names  [inlineNames]nameRef
	)
	if err := s.value(&tables, names[:0]); err != nil {
		return Checked[[]byte]{}, err
	}
	s.skipSpace()
	if s.pos != len(data) {
		return Checked[[]byte]{}, s.fail("data after the top-level value")
	}
	return Checked[[]byte]{data}, nil
}

// skipSpace skips JSON whitespace. Tokens from issuers rarely hold any, so
// the first test, inlined, usually ends it.
func (s *scanner) skipSpace() {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return
	}
	s.skipSpaceSlow()
}

func (s *scanner) skipSpaceSlow() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value scans one value. names are the names of the objects the value is
// in, which an object inside it adds to for as long as it lasts; tables
// lends name tables.
func (s *scanner) value(tables *tablePool, names []nameRef) error {
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of data")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		_, err := s.object(nil, false, nil, tables, names, nil)
		return err
	case c == '[':
		return s.array(tables, names)
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

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.fail("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) number() error {
	end, msg := numberEnd(s.data, s.pos)
	s.pos = end
	if msg != "" {
		return s.fail(msg)
	}
	return nil
}

// member scans a member's value as value does, reading the two kinds that
// most members have, a string of plain ASCII and a number, without the
// detour through value's dispatch.
func (s *scanner) member(tables *tablePool, names []nameRef) error {
	if s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case c == '"':
			if end := plainEnd(s.data, s.pos+1); end >= 0 {
				s.pos = end + 1
				return nil
			}
		case c >= '0' && c <= '9' || c == '-':
			return s.number()
		}
	}
	return s.value(tables, names)
}

// plainEnd returns the offset of the closing quote of the string whose
// body starts at p, when the body is plain printable ASCII without
// escapes, as nearly every member name and string value is; otherwise,
// and near the end of d, -1, and str reads the string.
func plainEnd(d []byte, p int) int {
	for p+8 <= len(d) {
		if m := lookMask(binary.LittleEndian.Uint64(d[p:])); m != 0 {
			p += trailingBytes(m)
			if d[p] == '"' {
				return p
			}
			return -1
		}
		p += 8
	}
	return -1
}

// str scans a string starting at the opening quote. It returns the raw bytes
// between the quotes, whether they hold escapes, and whether they hold bytes
// outside ASCII.
func (s *scanner) str() (raw []byte, escaped, nonASCII bool, err error) {
	d := s.data
	p := s.pos + 1
	start := p
	for {
		// Most bytes of a string are printable ASCII: skip them eight at a
		// time while no byte of the word needs a look, then straight to
		// the first that does; one at a time only near the end of data.
		for p+8 <= len(d) {
			if m := lookMask(binary.LittleEndian.Uint64(d[p:])); m != 0 {
				p += trailingBytes(m)
				break
			}
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
			end, msg := escapeEnd(d, p)
			if msg != "" {
				s.pos = end
				return nil, false, false, s.fail(msg)
			}
			p = end
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

// lookMask has the high bit set in the first byte of w (in memory order,
// read little-endian) that is a control character, '"', '\\' or outside
// ASCII, if any (the classic "has a byte less than n" and "has a zero
// byte" word tricks). Bytes after that one may be marked too, whether or
// not they need a look, by the borrows it causes; the bytes before it
// cause none, so the lowest mark is exact.
func lookMask(w uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	return ((w - ones*0x20) | (quote - ones) | (backslash - ones) | w) & highs
}

// trailingBytes is how many bytes of a word, in memory order, come before
// the first that lookMask marks in m, which is not zero.
func trailingBytes(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// strPlain marks the bytes a string holds as they are: printable ASCII
// other than '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func hex4[T Text](d T, p int) (rune, bool) {
	if p+4 > len(d) {
		return 0, false
	}
	var r rune
	for i := p; i < p+4; i++ {
		c := d[i]
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (s *scanner) array(tables *tablePool, names []nameRef) error {
	// Arrays directly inside this one are entered and left in this loop,
	// not by a call each: nested counts them. The loop keeps the position
	// and depth in locals, written back to s only around calls, so that an
	// array nested to the depth bound costs a few instructions a level.
	d, p, depth, nested := s.data, s.pos, s.depth, 0
	for {
		// At '[': enter the array.
		depth++
		if depth > s.maxDepth {
			s.pos, s.depth = p, depth
			return s.fail(fmt.Sprintf("nesting deeper than %d", s.maxDepth))
		}
		if p++; p < len(d) && d[p] <= ' ' {
			p = skipWhite(d, p)
		}
		closing := p < len(d) && d[p] == ']'
		for {
			if closing {
				p++
				depth--
				if nested == 0 {
					s.pos, s.depth = p, depth
					return nil
				}
				nested--
			} else {
				if p < len(d) && d[p] == '[' {
					nested++
					break
				}
				s.pos, s.depth = p, depth
				if err := s.member(tables, names); err != nil {
					return err
				}
				p = s.pos
			}
			// After an element, or an array that ended: a comma and the
			// next element, or the end of the array.
			if p < len(d) && d[p] <= ' ' {
				p = skipWhite(d, p)
			}
			if p >= len(d) {
				s.pos, s.depth = p, depth
				return s.fail("unterminated array")
			}
			switch d[p] {
			case ',':
				if p++; p < len(d) && d[p] <= ' ' {
					p = skipWhite(d, p)
				}
				closing = false
			case ']':
				closing = true
			default:
				s.pos, s.depth = p, depth
				return s.fail("expected ',' or ']' in array")
			}
		}
	}
}

// object scans an object from its opening brace. With collect, its members
// are appended to dst as Spans, and indexed in ix when ix is not nil. Its
// names go on names, after those of the objects it is in; tables lends it
// a name table if it has many members. A member named known.Name (when
// known is not nil) whose value starts with one of known.Values takes that
// value as checked (see Known).
//
// The scanner keeps no slice of data anywhere but in its own data field,
// and hands out only offsets: storing slices of data (or appending through
// s) would make the document of every caller escape to the heap, the token
// pipeline's stack buffer included. For the same reason the names and the
// tables are not fields of the scanner: escape analysis does not tell one
// field from another, and appending to a field through s would send the
// scanner's data to the heap with the names.
func (s *scanner) object(dst []Span, collect bool, ix *Index, tables *tablePool, names []nameRef, known *Known) ([]Span, error) {
	s.depth++
	if s.depth > s.maxDepth {
		return dst, s.fail(fmt.Sprintf("nesting deeper than %d", s.maxDepth))
	}
	objStart := s.pos
	s.pos++ // {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return dst, nil
	}
	if !s.seeded {
		s.seed, s.seeded = maphash.MakeSeed(), true
	}
	// The object's names are names[base:]; past smallObject of them, a
	// table finds a name's equals (ix's, for an indexed object).
	base := len(names)
	var table []uint32
	// The loop keeps the position in p, written back to s around the calls
	// that read it, so that the common member costs few loads and stores.
	d, p := s.data, s.pos
	for {
		if p < len(d) && d[p] <= ' ' {
			p = skipWhite(d, p)
		}
		if p >= len(d) || d[p] != '"' {
			s.pos = p
			return dst, s.fail("expected a member name")
		}
		nameAt := p
		var (
			raw           []byte
			esc, nonASCII bool
		)
		if end := plainEnd(d, p+1); end >= 0 {
			raw, p = d[p+1:end], end+1
		} else {
			var err error
			s.pos = p
			if raw, esc, nonASCII, err = s.str(); err != nil {
				return dst, err
			}
			p = s.pos
		}
		h := hashName(s.seed, raw, esc, !esc && !nonASCII)
		own := names[base:]
		var dup bool
		switch {
		case ix != nil:
			ix.addLength(raw, esc)
			if len(own) == len(ix.small)/2 || (ix.large != nil && 2*(len(own)+1) > len(ix.large)) {
				s.pos = p
				ix.large = tables.regrow(ix.large, own, s.estimate(objStart, len(own)))
			}
			if ix.large != nil {
				dup = insert(s, ix.large, own, h, nameAt)
			} else {
				dup = insert(s, ix.small[:], own, h, nameAt)
			}
		case len(own) < smallObject:
			for _, r := range own {
				if r.hash == h && s.sameName(int(r.at), nameAt) {
					dup = true
					break
				}
			}
		default:
			if 2*(len(own)+1) > len(table) {
				table = tables.regrow(table, own, 2*len(own))
			}
			dup = insert(s, table, own, h, nameAt)
		}
		if dup {
			s.pos = nameAt
			return dst, s.fail(fmt.Sprintf("duplicate member name %q", excerpt.Of(nameOf(raw, esc))))
		}
		if len(names) == cap(names) && collect {
			s.pos = p
			names = slices.Grow(names, s.estimate(objStart, len(own))-len(own))
		}
		names = append(names, nameRef{hash: h, at: int32(nameAt)})
		if p < len(d) && d[p] <= ' ' {
			p = skipWhite(d, p)
		}
		if p >= len(d) || d[p] != ':' {
			s.pos = p
			return dst, s.fail("expected ':' after a member name")
		}
		if p++; p < len(d) && d[p] <= ' ' {
			p = skipWhite(d, p)
		}
		valStart := p
		if known != nil && !esc && string(raw) == known.Name {
			if n := known.match(d[p:]); n > 0 {
				p += n
				goto read
			}
		}
		if p < len(d) && d[p] == '"' {
			if end := plainEnd(d, p+1); end >= 0 {
				p = end + 1
				goto read
			}
		}
		s.pos = p
		if err := s.member(tables, names); err != nil {
			return dst, err
		}
		p = s.pos
	read:
		if collect {
			if len(dst) == cap(dst) {
				s.pos = p
				dst = slices.Grow(dst, s.estimate(objStart, len(own)+1)-len(own))
			}
			dst = append(dst, Span{
				NameStart: int32(nameAt + 1), NameEnd: int32(nameAt + 1 + len(raw)),
				ValueStart: int32(valStart), ValueEnd: int32(p), Escaped: esc,
			})
		}
		if p < len(d) && d[p] <= ' ' {
			p = skipWhite(d, p)
		}
		if p >= len(d) {
			s.pos = p
			return dst, s.fail("unterminated object")
		}
		switch d[p] {
		case ',':
			p++
		case '}':
			s.pos = p + 1
			s.depth--
			tables.release(table)
			return dst, nil
		default:
			s.pos = p
			return dst, s.fail("expected ',' or '}' in object")
		}
	}
}

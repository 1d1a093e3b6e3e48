package strictjson

import (
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// Locate returns the raw value of the first top-level member of the object
// in data whose name, unescaped, is name; found is false when the object
// has no such member.
//
// Locate is for choosing which work to do first, never for deciding
// whether a document is good: it follows only the structure it must step
// over (where each string ends, which bracket closes a nested value, where
// a number or literal stops) and checks nothing else, so it reads
// documents that ParseObjectSpans refuses and may find a value in them. On
// every document ParseObjectSpans accepts it reports ok and finds exactly
// the value ParseObjectSpans reads for that member, or none when there is
// none. ok is false when data, by that structure, is not an object: then
// ParseObjectSpans refuses it too.
//
// It stops at the member it finds, hashes no name, and steps over a
// nested value by counting its brackets, so it costs a fraction of
// ParseObjectSpans. It allocates nothing.
func Locate(data []byte, name string) (value []byte, found, ok bool) {
	i := skipWhite(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false, false
	}
	i = skipWhite(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil, false, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, false, false
		}
		end, esc := stringEnd(data, i+1)
		if end >= len(data) {
			return nil, false, false
		}
		// Only a name of the same length or with escapes can match.
		match := (esc || end-i-1 == len(name)) && rawNameIs(data[i+1:end], esc, name)
		i = skipWhite(data, end+1)
		if i >= len(data) || data[i] != ':' {
			return nil, false, false
		}
		start := skipWhite(data, i+1)
		end = valueEnd(data, start)
		if end < 0 {
			return nil, false, false
		}
		if match {
			return data[start:end], true, true
		}
		i = skipWhite(data, end)
		switch {
		case i < len(data) && data[i] == ',':
			i = skipWhite(data, i+1)
		case i < len(data) && data[i] == '}':
			return nil, false, true
		default:
			return nil, false, false
		}
	}
}

// rawNameIs reports whether the name between quotes raw, holding escapes
// when esc is set, unescapes to name. It compares as it unescapes, so a
// name that differs early costs little whatever its length; a bad escape
// matches nothing.
func rawNameIs(raw []byte, esc bool, name string) bool {
	if !esc {
		return string(raw) == name
	}
	j := 0
	for i := 0; i < len(raw); {
		if c := raw[i]; c != '\\' {
			if j >= len(name) || name[j] != c {
				return false
			}
			i, j = i+1, j+1
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			// \n, \" and the like stand for one byte.
			if e := simpleEscape[raw[i+1]]; e == 0 || j >= len(name) || name[j] != e {
				return false
			}
			i, j = i+2, j+1
			continue
		}
		// A \u escape: one hex4 read, and the checked path for the
		// surrogate pairs beyond the Basic Multilingual Plane.
		r, ok := hex4(raw, i+2)
		if !ok {
			return false
		}
		end := i + 6
		if utf16.IsSurrogate(r) {
			var msg string
			if end, msg = escapeEnd(raw, i); msg != "" {
				return false
			}
			r, _ = unescapeAt(raw, i)
		}
		if r < utf8.RuneSelf {
			if j >= len(name) || name[j] != byte(r) {
				return false
			}
			i, j = end, j+1
			continue
		}
		var enc [utf8.UTFMax]byte
		n := utf8.EncodeRune(enc[:], r)
		if len(name)-j < n || string(enc[:n]) != name[j:j+n] {
			return false
		}
		i, j = end, j+n
	}
	return j == len(name)
}

// valueEnd returns the offset just after the value that starts at d[i], by
// its structure alone, or -1 when none does.
func valueEnd(d []byte, i int) int {
	if i >= len(d) {
		return -1
	}
	switch d[i] {
	case '"':
		if end := closingQuote(d, i+1); end < len(d) {
			return end + 1
		}
		return -1
	case '{', '[':
		return nestedEnd(d, i)
	}
	// A number or a literal: it runs to the next delimiter.
	start := i
	for i < len(d) && !valueStop[d[i]] {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// valueStop marks the bytes that end a number or a literal.
var valueStop = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true, ':': true, '"': true, '{': true, '[': true}

// nestClass sorts the bytes nestedEnd stops at: 1 for a quote, 2 for an
// opening bracket and 3 for a closing one.
var nestClass = [256]uint8{'"': 1, '{': 2, '[': 2, '}': 3, ']': 3}

// nestedEnd returns the offset just after the array or object that opens
// at d[i], counting brackets and stepping over strings, or -1 when it is
// not closed. Which kind of bracket closes which is not checked.
//
// Eight bytes without a quote are taken at once when they cannot close the
// value: fewer closing brackets among them than the depth. Deep nesting,
// long numbers and runs of commas and digits so cost a few operations per
// word rather than a branch per byte.
func nestedEnd(d []byte, i int) int {
	const (
		ones   = 0x0101010101010101
		spaces = ones * 0x20 // '[' | 0x20 is '{' and ']' | 0x20 is '}'
	)
	depth := 0
	for i < len(d) {
		if i+8 <= len(d) {
			w := load64(d, i)
			if zeroBytes(w^(ones*'"')) == 0 {
				f := w | spaces
				closes := bits.OnesCount64(zeroBytes(f ^ (ones * '}')))
				if closes < depth {
					depth += bits.OnesCount64(zeroBytes(f^(ones*'{'))) - closes
					i += 8
					continue
				}
			}
		}
		// These eight bytes a byte at a time (a string may run past them).
		for stop := min(i+8, len(d)); i < stop; i++ {
			switch nestClass[d[i]] {
			case 1:
				end, _ := stringEnd(d, i+1)
				if end >= len(d) {
					return -1
				}
				i = end
			case 2:
				depth++
			case 3:
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	}
	return -1
}

// zeroBytes returns w with the high bit set in exactly the bytes that are
// zero and every other bit clear (no borrow crosses bytes, unlike the
// quicker test that only finds the first).
func zeroBytes(w uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((w&low7 + low7) | w | low7)
}

// stringEnd is closingQuoteEsc, reading the short strings most names and
// many values are a byte at a time before the word-at-a-time search is set
// up.
func stringEnd(d []byte, i int) (end int, esc bool) {
	for n := min(len(d), i+24); i < n; i++ {
		if c := d[i]; c == '"' {
			return i, esc
		} else if c == '\\' {
			esc = true
			i++
		}
	}
	return stringEndLong(d, i, esc)
}

// stringEndLong is stringEnd past the first bytes.
func stringEndLong(d []byte, i int, esc bool) (int, bool) {
	if i >= len(d) {
		return len(d), esc
	}
	end, more := closingQuoteEsc(d, i)
	return end, esc || more
}

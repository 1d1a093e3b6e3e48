package strictjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The lexical rules of JSON strings and numbers (RFC 8259 §6, §7), written
// once for the scanner, which reads a document, and for the value readers,
// which must not trust that the text they are given was read by it.

// escapeEnd checks the escape at d[p], a backslash, and returns the offset
// just after it; or, when it is not a valid escape, the offset of the fault
// and a sentence saying what it is. A \u escape of a high surrogate must be
// followed by one of a low surrogate; a low surrogate alone is refused.
func escapeEnd[T Text](d T, p int) (end int, msg string) {
	if p+1 >= len(d) {
		return p, "unterminated escape"
	}
	switch d[p+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return p + 2, ""
	case 'u':
	default:
		return p, "invalid escape"
	}
	r, ok := hex4(d, p+2)
	if !ok {
		return p, "invalid \\u escape"
	}
	p += 6
	if !utf16.IsSurrogate(r) {
		return p, ""
	}
	if r >= 0xDC00 || p+1 >= len(d) || d[p] != '\\' || d[p+1] != 'u' {
		return p, "lone surrogate in \\u escape"
	}
	if r2, ok := hex4(d, p+2); !ok || r2 < 0xDC00 || r2 > 0xDFFF {
		return p, "lone surrogate in \\u escape"
	}
	return p + 6, ""
}

// numberEnd returns the offset just after the number that starts at d[p];
// or, when none does, the offset of the fault and what it is.
func numberEnd[T Text](d T, p int) (end int, msg string) {
	if p < len(d) && d[p] == '-' {
		p++
	}
	switch {
	case p < len(d) && d[p] == '0':
		p++
	case p < len(d) && d[p] >= '1' && d[p] <= '9':
		p = digitsEnd(d, p)
	default:
		return p, "invalid number"
	}
	if p < len(d) && d[p] == '.' {
		if q := digitsEnd(d, p+1); q > p+1 {
			p = q
		} else {
			return q, "invalid number: no digits after the decimal point"
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		if q := digitsEnd(d, p); q > p {
			p = q
		} else {
			return q, "invalid number: no digits in the exponent"
		}
	}
	return p, ""
}

func digitsEnd[T Text](d T, p int) int {
	for p < len(d) && d[p] >= '0' && d[p] <= '9' {
		p++
	}
	return p
}

// load64 reads eight bytes of b from i on, little-endian; the compiler
// makes it one load for a string as for a byte slice.
func load64[T Text](b T, i int) uint64 {
	b = b[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// checkBody reports whether body is the text between the quotes of a valid
// JSON string (no bare quote, backslash or control character, valid
// escapes, valid UTF-8), and whether it holds escapes. A body of plain
// ASCII, which is nearly every one, is checked eight bytes at a time.
func checkBody[T Text](body T) (escaped, ok bool) {
	for i := 0; i < len(body); {
		if i+8 <= len(body) {
			m := lookMask(load64(body, i))
			if m == 0 {
				i += 8
				continue
			}
			i += trailingBytes(m)
		}
		switch c := body[i]; {
		case strPlain[c]:
			i++
		case c == '\\':
			end, msg := escapeEnd(body, i)
			if msg != "" {
				return false, false
			}
			escaped, i = true, end
		case c < utf8.RuneSelf: // a control character or a bare quote
			return false, false
		default:
			r, n := decodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				return false, false
			}
			i += n
		}
	}
	return escaped, true
}

// closingQuote returns the offset in d of the quote that closes the string
// whose body starts at i, stepping over escapes, or len(d) if none does. It
// skips eight bytes at a time while none is a quote or a backslash.
func closingQuote[T Text](d T, i int) int {
	end, _ := closingQuoteEsc(d, i)
	return end
}

// closingQuoteEsc is closingQuote, and also reports whether the string
// holds an escape.
func closingQuoteEsc[T Text](d T, i int) (end int, esc bool) {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for i < len(d) {
		if i+8 <= len(d) {
			w := load64(d, i)
			q, b := w^(ones*'"'), w^(ones*'\\')
			// The lowest byte marked is exactly the first quote or
			// backslash (the "has a zero byte" trick).
			m := ((q-ones)&^q | (b-ones)&^b) & highs
			if m == 0 {
				i += 8
				continue
			}
			i += trailingBytes(m)
		}
		switch d[i] {
		case '"':
			return i, esc
		case '\\':
			i += 2
			esc = true
		default:
			i++
		}
	}
	return len(d), esc
}

package strictjson

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text is a JSON text, or a piece of one: a string or a byte slice. The
// value helpers below take either, so that a caller holding a document as a
// string (the token pipeline keeps one string copy of the decoded claims)
// reads its values as substrings, without a copy each, and a caller holding
// bytes (a JSON response body, a json.RawMessage) needs no conversion.
type Text interface{ ~string | ~[]byte }

// Checked is JSON text the scanner has accepted: a whole document that
// passed Check, a member's value from ParseObject or ParseObjectSpans, or an
// element of such a value. Functions that only find the structure of a
// value and do not check it again, such as Elements, take a Checked so that
// unchecked input cannot reach them; the type says what a comment used to.
//
// Only this package makes a Checked from text: Check, SpanChecked,
// Member.Checked and Elements. It holds the text itself, not a copy, and
// costs nothing to make or to read: Text gives the text back.
type Checked[T Text] struct{ text T }

// Text returns the checked JSON text, to read with the other value
// functions (String, Number, Kind, ...) or to keep.
func (c Checked[T]) Text() T { return c.text }

// simpleEscape maps the letter after a backslash to the byte it stands for,
// for every escape but \u; zero for the rest.
var simpleEscape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unescape decodes the body of a string the scanner has already checked.
func unescape[T Text](raw T) []byte {
	return appendUnescaped(make([]byte, 0, len(raw)), raw)
}

// appendUnescaped appends raw, unescaped, to out: into a buffer on the
// caller's stack, it costs no allocation.
func appendUnescaped[T Text](out []byte, raw T) []byte {
	for i := 0; i < len(raw); {
		if c := raw[i]; c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		var r rune
		r, i = unescapeAt(raw, i)
		out = utf8.AppendRune(out, r)
	}
	return out
}

// stringBody returns the body of value, the text between its quotes, when
// value is one whole JSON string, and whether that body holds escapes.
func stringBody[T Text](value T) (body T, escaped, ok bool) {
	n := len(value)
	if n < 2 || value[0] != '"' || value[n-1] != '"' {
		return body, false, false
	}
	body = value[1 : n-1]
	escaped, ok = checkBody(body)
	return body, escaped, ok
}

// String decodes a raw JSON value that must be a string. ok is false when
// value is not one whole, valid JSON string: of another JSON type, or text
// no JSON scanner would accept (a bare quote or control character inside,
// a bad escape, invalid UTF-8). It never gives a wrong value, whatever the
// input; on a value from ParseObject, ParseObjectSpans or Check, the check
// that makes it so costs about as much as finding whether it holds
// escapes, which it must do anyway. When value is a Go string and the JSON
// string holds no escapes, the result is a substring of value: no copy is
// made.
func String[T Text](value T) (s string, ok bool) {
	body, escaped, ok := stringBody(value)
	if !ok {
		return "", false
	}
	if escaped {
		return string(unescape(body)), true
	}
	return string(body), true
}

// AppendString appends the string value decodes to, as String reads it,
// to dst: into a buffer on the caller's stack it costs no allocation. ok
// is false, and dst is returned unchanged, when value is not one whole,
// valid JSON string.
func AppendString[T Text](dst []byte, value T) (_ []byte, ok bool) {
	body, escaped, ok := stringBody(value)
	if !ok {
		return dst, false
	}
	if escaped {
		return appendUnescaped(dst, body), true
	}
	return append(dst, body...), true
}

// StringEqual reports whether value is a JSON string, as String reads it,
// that decodes to want, without allocating when it holds no escapes.
func StringEqual[T Text](value T, want string) bool {
	body, escaped, ok := stringBody(value)
	if !ok {
		return false
	}
	if escaped {
		return string(unescape(body)) == want
	}
	return string(body) == want
}

// Number parses a raw JSON value that must be a number. ok is false when
// value is not one JSON number (RFC 8259 §6): of another JSON type, or a
// form strconv reads but JSON does not, such as "0x10", "1_000" or "Inf".
func Number[T Text](value T) (f float64, ok bool) {
	if len(value) == 0 || !(value[0] == '-' || (value[0] >= '0' && value[0] <= '9')) {
		return 0, false
	}
	// Fast path: a plain non-negative integer of up to 15 digits is exact in a float64.
	if len(value) <= 15 {
		var n int64
		plain := true
		for i := 0; i < len(value); i++ {
			c := value[i]
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain && (value[0] != '0' || len(value) == 1) {
			return float64(n), true
		}
	}
	if end, msg := numberEnd(value, 0); msg != "" || end != len(value) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(value), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// Bool parses a raw JSON value that must be true or false.
func Bool[T Text](value T) (b bool, ok bool) {
	switch string(value) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// IsNull reports whether a raw JSON value is null.
func IsNull[T Text](value T) bool { return string(value) == "null" }

// Kind names the JSON type of a raw value, for error messages.
func Kind[T Text](value T) string {
	if len(value) == 0 {
		return "nothing"
	}
	switch c := value[0]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}

// Elements appends the raw elements of a JSON array value to dst. ok is
// false when the value is not an array. Elements only finds the commas
// between elements (outside strings, at the array's own level); it does not
// check the elements again, which is why it takes Checked text, and its
// elements are Checked in turn. Should unchecked text reach it (only this
// package can make such a Checked), it gives ok false or wrong elements,
// never a panic.
func Elements[T Text](checked Checked[T], dst []Checked[T]) (elems []Checked[T], ok bool) {
	value := checked.text
	n := len(value)
	if n < 2 || value[0] != '[' || value[n-1] != ']' {
		return dst, false
	}
	start := skipWhite(value, 1)
	if start == n-1 {
		return dst, true // []
	}
	depth := 0
	// At the array's own level, an element is one value: content, then
	// nothing but white space before the comma ("[1 2]" is refused).
	saw, gap := false, false
	for i := start; i < n-1; i++ {
		if depth == 0 {
			switch c := value[i]; {
			case isWhite(c):
				gap = saw
				continue
			case c == ',':
				saw, gap = false, false
			case gap:
				return dst, false
			default:
				saw = true
			}
		}
		switch value[i] {
		case '"':
			// Skip the string: find its closing quote, stepping over escapes.
			if i = closingQuote(value[:n-1], i+1); i >= n-1 {
				return dst, false
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth < 0 {
				return dst, false
			}
		case ',':
			if depth == 0 {
				e := trimWhite(value[start:i])
				if len(e) == 0 {
					return dst, false
				}
				dst = append(dst, Checked[T]{e})
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return dst, false
	}
	last := trimWhite(value[start : n-1])
	if len(last) == 0 {
		return dst, false // a trailing comma, or nothing between commas
	}
	return append(dst, Checked[T]{last}), true
}

func isWhite(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWhite[T Text](b T, i int) int {
	for i < len(b) && isWhite(b[i]) {
		i++
	}
	return i
}

func trimWhite[T Text](b T) T {
	i, j := 0, len(b)
	for i < j && isWhite(b[i]) {
		i++
	}
	for j > i && isWhite(b[j-1]) {
		j--
	}
	return b[i:j]
}

// Strings reads checked, an array of strings, into dst (over what dst
// held) and returns it: the common shape of aud and amr, read in one pass
// that finds each element's end and a second that slices it, instead of
// Elements and then String on each element. Strings without escapes are
// substrings of checked's text, so a typical array costs one allocation,
// of the exact size, and none when dst has room. ok is false when checked
// is not an array or one of its elements is not a string (Elements then
// tells which); dst is then returned empty.
func Strings(checked Checked[string], dst []string) (_ []string, ok bool) {
	v := checked.text
	n := len(v)
	if n < 2 || v[0] != '[' || v[n-1] != ']' {
		return dst[:0], false
	}
	// First pass: the shape, how many elements, and where the first
	// rememberedStrings of them start and end, so that the second pass
	// reads those without scanning them again.
	var (
		bounds  [rememberedStrings][2]int
		escaped uint64 // bit k: element k holds an escape
	)
	count := 0
	for i := skipWhite(v, 1); i < n-1; {
		if v[i] != '"' {
			return dst[:0], false
		}
		end, esc := closingQuoteEsc(v[:n-1], i+1)
		if end >= n-1 {
			return dst[:0], false
		}
		if count < rememberedStrings {
			bounds[count] = [2]int{i + 1, end}
			if esc {
				escaped |= 1 << count
			}
		}
		count++
		i = skipWhite(v, end+1)
		if i == n-1 {
			break
		}
		if v[i] != ',' {
			return dst[:0], false
		}
		if i = skipWhite(v, i+1); i >= n-1 {
			return dst[:0], false // a trailing comma
		}
	}
	if cap(dst) < count {
		dst = make([]string, 0, count)
	}
	dst = dst[:0]
	for k := range min(count, rememberedStrings) {
		body := v[bounds[k][0]:bounds[k][1]]
		if escaped&(1<<k) != 0 {
			body = string(unescape(body))
		}
		dst = append(dst, body)
	}
	if count <= rememberedStrings {
		return dst, true
	}
	// Second pass, past the remembered elements: the shape is known to be
	// right.
	for i := skipWhite(v, skipWhite(v, bounds[rememberedStrings-1][1]+1)+1); len(dst) < count; {
		end := closingQuote(v[:n-1], i+1)
		body := v[i+1 : end]
		if strings.IndexByte(body, '\\') >= 0 {
			body = string(unescape(body))
		}
		dst = append(dst, body)
		i = skipWhite(v, skipWhite(v, end+1)+1)
	}
	return dst, true
}

// rememberedStrings is how many elements Strings reads in one pass: their
// bounds, kept on the stack, cost 1 KB of it.
const rememberedStrings = 64

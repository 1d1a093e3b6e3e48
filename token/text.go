package token

import (
	"bytes"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// textView turns JSON string values found in buf into Go strings without a
// copy each: str is one string copy of buf, made once, and a value that holds
// no escapes becomes a substring of str.
//
// Why: a token's header and claims carry a dozen strings (alg, kid, typ, iss,
// sub, jti, each audience, ...). Converting each with string(b) costs one
// allocation apiece on every verification; one copy of the whole decoded
// text costs one allocation in all. The strings keep str alive, which is the
// size of the decoded token, no more.
//
// This is done without package unsafe: the offset of a value inside buf is
// derived from capacities, and confirmed by comparing element addresses, so
// a value that does not lie in buf is simply copied.
type textView struct {
	buf []byte
	str string // string(buf), or "" when no copy was made
}

func newTextView(buf []byte) textView {
	return textView{buf: buf, str: string(buf)}
}

// sub returns body (a subslice of buf) as a string, sharing str's memory
// when it can.
func (t textView) sub(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	if len(t.str) == len(t.buf) {
		off := cap(t.buf) - cap(body)
		if off >= 0 && off+len(body) <= len(t.buf) && &t.buf[off] == &body[0] {
			return t.str[off : off+len(body)]
		}
	}
	return string(body)
}

// String decodes a raw JSON value that must be a string; ok is false when it
// is of another type. The value must have passed strict parsing.
func (t textView) String(value []byte) (string, bool) {
	if len(value) < 2 || value[0] != '"' {
		return "", false
	}
	body := value[1 : len(value)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		return strictjson.String(value)
	}
	return t.sub(body), true
}

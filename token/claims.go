package token

import (
	"encoding/json"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/recent"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// MaxClaimsDepth bounds how deeply claims may nest. Real tokens nest three or
// four levels; a hostile one gains nothing from more.
const MaxClaimsDepth = 16

// Claims are the registered claims of RFC 7519 §4.1, typed, with every other
// claim of the token reachable by name or by decoding into a struct.
//
// A zero time means the claim was absent. A claim of the wrong JSON type is
// an error when the claims are parsed, never a silent zero value.
type Claims struct {
	Issuer    string    // iss
	Subject   string    // sub
	Audience  []string  // aud, a single string or an array of strings
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf
	IssuedAt  time.Time // iat
	ID        string    // jti

	// text is the claims set as the token carried it, decoded from
	// base64url: one string that the string fields share (a claim without
	// escapes is a substring of it, no copy) and that spans index.
	text  string
	spans []strictjson.Span // the members, as offsets into text
	// index finds a member by name in about one probe, for Has, RawJSON,
	// the Get methods and requirements, however many members the token
	// has. (The validators, which read some thirty claims per token, most
	// of them absent, walk the members once with All instead.) The parser
	// builds it with the table that checks the names for duplicates, so it
	// costs no pass of its own; its hash is seeded per claims set, so no
	// token can choose names that crowd it.
	index strictjson.Index
}

// ParseClaims reads a JSON claims set strictly: one object, member names
// compared exactly, duplicates (and names equal but for case) refused, invalid
// UTF-8 refused, nesting bounded by MaxClaimsDepth, and the registered claims
// of the right JSON types. Errors match ErrMalformed or ErrInvalidClaim.
// Introspection responses (RFC 7662) share these members and this parser.
// The returned Claims keep a copy of data.
func ParseClaims(data []byte) (*Claims, error) {
	c := &Claims{}
	if _, err := c.parse(data, string(data), make([]strictjson.Span, 0, 16), nil, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// parse reads the claims in data, of which text is a string copy that the
// Claims keep (data is not kept: the pipeline decodes into a buffer it
// reuses). Members are appended to spans and audiences to aud, so that the
// verification pipeline can supply storage it has already allocated;
// strings are substrings of text.
//
// The members are kept as strictjson.Spans (offsets) rather than Members
// (slices): a Span is 20 bytes without pointers where a Member is 48 bytes
// of pointers, so the storage the pipeline allocates with each token is a
// third the size and nothing the garbage collector has to trace. Allocation
// volume is most of the pipeline's cost beyond the signature.
//
// auds, when not nil, are the Verifier's remembered aud arrays (see
// audMemos): an aud that is one of them is neither scanned nor read again.
// newAud is an aud long enough to remember that was read afresh, for the
// caller to store once the token is accepted.
func (c *Claims) parse(data []byte, text string, spans []strictjson.Span, aud []string, auds *audMemos) (newAud strictjson.Checked[string], err error) {
	c.text = text
	var (
		memos audMemoHits
		vals  [recent.Len]string
		known *strictjson.Known
	)
	if n := auds.load(data, &memos, &vals); n > 0 {
		known = &strictjson.Known{Name: "aud", Values: vals[:n]}
	}
	c.spans, err = strictjson.ParseObjectSpansKnown(data, MaxClaimsDepth, spans, &c.index, known)
	if err != nil {
		c.spans = nil
		return newAud, malformedClaims(err)
	}
	// One pass reads the registered claims; the index was built with the
	// duplicate check.
	for _, sp := range c.spans {
		name := text[sp.NameStart:sp.NameEnd]
		if sp.Escaped {
			var buf [32]byte
			name = registeredName(strictjson.AppendSpanName(buf[:0], sp, text))
		}
		// Every registered claim name has three letters: one length test
		// spares the other members the switch.
		if len(name) != 3 {
			continue
		}
		value := strictjson.SpanValue(sp, text)
		switch name {
		case "iss":
			c.Issuer, err = stringClaim("iss", value)
		case "sub":
			c.Subject, err = stringClaim("sub", value)
		case "jti":
			c.ID, err = stringClaim("jti", value)
		case "aud":
			if e := memos.find(value); e != nil {
				c.Audience = slices.Clip(append(aud[:0], e.list...))
				continue
			}
			c.Audience, err = stringsClaim("aud", strictjson.SpanChecked(sp, text), aud)
			if auds != nil && len(value) >= minMemoAudience && len(c.Audience) > 1 {
				newAud = strictjson.SpanChecked(sp, text)
			}
		case "exp":
			c.ExpiresAt, err = timeClaim("exp", value)
		case "nbf":
			c.NotBefore, err = timeClaim("nbf", value)
		case "iat":
			c.IssuedAt, err = timeClaim("iat", value)
		}
		if err != nil {
			return newAud, err
		}
	}
	return newAud, nil
}

// malformedClaims is the refusal of claims that are not a strict JSON
// object, whether the parser or the issuer lookup found it; err is the
// parser's error, if any.
func malformedClaims(err error) *ValidationError {
	return &ValidationError{Kind: ErrMalformed, Claim: "claims", Reason: "the claims are not a strict JSON object", Err: err}
}

// registeredName returns the registered claim name that name spells, or ""
// (an escaped name is unescaped into a buffer, and this keeps it there).
func registeredName(name []byte) string {
	switch string(name) {
	case "iss":
		return "iss"
	case "sub":
		return "sub"
	case "jti":
		return "jti"
	case "aud":
		return "aud"
	case "exp":
		return "exp"
	case "nbf":
		return "nbf"
	case "iat":
		return "iat"
	}
	return ""
}

func stringClaim(name, value string) (string, error) {
	s, ok := strictjson.String(value)
	if !ok {
		return "", Errorf(ErrInvalidClaim, name, "must be a string; found %s", strictjson.Kind(value))
	}
	return s, nil
}

// stringsClaim reads a string or an array of strings, appending to dst.
func stringsClaim(name string, checked strictjson.Checked[string], dst []string) ([]string, error) {
	value := checked.Text()
	if s, ok := strictjson.String(value); ok {
		dst = append(dst[:0], s)
		return dst[:1:1], nil
	}
	if out, ok := strictjson.Strings(checked, dst); ok {
		if out == nil {
			out = []string{}
		}
		return out[:len(out):len(out)], nil
	}
	// Not an array of strings: find what to say.
	var buf [8]strictjson.Checked[string]
	elems, ok := strictjson.Elements(checked, buf[:0])
	if !ok {
		return nil, Errorf(ErrInvalidClaim, name, "must be a string or an array of strings; found %s", strictjson.Kind(value))
	}
	for i, e := range elems {
		if _, ok := strictjson.String(e.Text()); !ok {
			return nil, Errorf(ErrInvalidClaim, name, "must be a string or an array of strings; element %d is %s", i, strictjson.Kind(e.Text()))
		}
	}
	// Strings and Elements disagree about an array of strings: a fault of
	// this module, refused rather than read one way or the other.
	return nil, Errorf(ErrInvalidClaim, name, "must be a string or an array of strings")
}

// maxNumericDate is the year 9999; later values are refused rather than
// overflowing time.Time arithmetic.
const maxNumericDate = 253402300799

// timeClaim reads a NumericDate. A refusal quotes the value in its Detail
// only, which a client is not shown: the claims may not be verified yet.
func timeClaim(name, value string) (time.Time, error) {
	f, ok := strictjson.Number(value)
	if !ok {
		if strictjson.Kind(value) == "a number" {
			return time.Time{}, Errorf(ErrInvalidClaim, name, "must be a time between 1970 and 9999").WithDetail("found %s", excerpt.Of(value))
		}
		return time.Time{}, Errorf(ErrInvalidClaim, name, "must be a number of seconds since the epoch; found %s", strictjson.Kind(value))
	}
	if f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return time.Time{}, Errorf(ErrInvalidClaim, name, "must be a time between 1970 and 9999").WithDetail("found %s", excerpt.Of(value))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// members returns the members as strictjson.Members, for the paths that
// need them whole (Decode), over data, a byte copy of the claims; the
// pipeline keeps only their offsets.
func (c *Claims) members(data []byte) []strictjson.Member {
	out := make([]strictjson.Member, len(c.spans))
	for i, sp := range c.spans {
		out[i] = strictjson.Member{Name: strictjson.SpanName(sp, data), Value: strictjson.SpanValue(sp, data)}
	}
	return out
}

// member returns the raw value of the claim name.
func (c *Claims) member(name string) (string, bool) {
	v, ok := c.checkedMember(name)
	return v.Text(), ok
}

// checkedMember returns the raw value of the claim name as the checked JSON
// text it is, for the readers that need that (Elements).
func (c *Claims) checkedMember(name string) (strictjson.Checked[string], bool) {
	if c == nil {
		return strictjson.Checked[string]{}, false
	}
	sp, ok := strictjson.Find(&c.index, c.spans, c.text, name)
	if !ok {
		return strictjson.Checked[string]{}, false
	}
	return strictjson.SpanChecked(sp, c.text), true
}

// Has reports whether the token carries the named claim (even as null).
func (c *Claims) Has(name string) bool {
	_, ok := c.member(name)
	return ok
}

// Get returns a copy of the raw JSON of the named claim, and whether it is
// present. RawJSON returns the same text without a copy.
func (c *Claims) Get(name string) (json.RawMessage, bool) {
	v, ok := c.member(name)
	if !ok {
		return nil, false
	}
	return json.RawMessage(v), true
}

// RawJSON returns the raw JSON text of the named claim (a string value
// keeps its quotes and escapes), and whether it is present. It shares the
// claims' memory, so it costs no copy: a validator reading many claims on
// every request uses it rather than Get.
func (c *Claims) RawJSON(name string) (string, bool) {
	return c.member(name)
}

// GetString returns a string claim. ok is false when the claim is absent; an
// error matching ErrInvalidClaim says it is not a string.
func (c *Claims) GetString(name string) (s string, ok bool, err error) {
	v, present := c.member(name)
	if !present {
		return "", false, nil
	}
	s, err = stringClaim(name, v)
	return s, err == nil, err
}

// GetStrings returns a claim that is a string or an array of strings (as aud
// and several provider claims are). ok is false when the claim is absent.
func (c *Claims) GetStrings(name string) (list []string, ok bool, err error) {
	v, present := c.checkedMember(name)
	if !present {
		return nil, false, nil
	}
	list, err = stringsClaim(name, v, nil)
	return list, err == nil, err
}

// GetTime returns a NumericDate claim (seconds since the epoch) such as
// auth_time. ok is false when the claim is absent.
func (c *Claims) GetTime(name string) (t time.Time, ok bool, err error) {
	v, present := c.member(name)
	if !present {
		return time.Time{}, false, nil
	}
	t, err = timeClaim(name, v)
	return t, err == nil, err
}

// GetBool returns a boolean claim such as email_verified. ok is false when
// the claim is absent.
func (c *Claims) GetBool(name string) (b bool, ok bool, err error) {
	v, present := c.member(name)
	if !present {
		return false, false, nil
	}
	b, isBool := strictjson.Bool(v)
	if !isBool {
		return false, false, Errorf(ErrInvalidClaim, name, "must be true or false; found %s", strictjson.Kind(v))
	}
	return b, true, nil
}

// All returns an iterator over the claims in token order: each claim's
// name, unescaped, and its raw JSON text, as RawJSON gives it (a string
// keeps its quotes and escapes; null is "null"). It reads what parsing
// already found, so it costs no lookup and no copy of a value, and is the
// cheap way to read many claims at once: a reader that wants a dozen
// claims, most of them usually absent, walks the members once and switches
// on each name, where a dozen RawJSON calls would each look a name up.
//
// A name is a part of the claims' text and costs nothing, except a name
// written with escapes (such as "\u0061mr" for amr), which must be
// unescaped to be compared: the walk unescapes all such names into one
// buffer, so that many of them cost one allocation, not one each (and one
// more for each such name longer than 128 bytes, unescaped on its way). The
// values were checked when the claims were parsed, so each is one whole
// JSON value, and the names are unique.
//
// A nil or zero Claims yields nothing.
func (c *Claims) All() iter.Seq2[string, string] {
	return func(yield func(name, raw string) bool) {
		if c == nil {
			return
		}
		var escaped strings.Builder // the unescaped names, one buffer for the walk
		for i, sp := range c.spans {
			name := c.text[sp.NameStart:sp.NameEnd]
			if sp.Escaped {
				name = c.unescapedName(&escaped, i)
			}
			if !yield(name, c.text[sp.ValueStart:sp.ValueEnd]) {
				return
			}
		}
	}
}

// unescapedName returns the name of member i, which holds escapes,
// unescaped into b. The first call sizes b for every escaped name from i
// on (a name is never longer unescaped), so that a claims set of many such
// names costs one allocation, not one per name; b only grows, so the names
// already returned stay valid.
func (c *Claims) unescapedName(b *strings.Builder, i int) string {
	if b.Cap() == 0 {
		n := 0
		for _, sp := range c.spans[i:] {
			if sp.Escaped {
				n += int(sp.NameEnd - sp.NameStart)
			}
		}
		b.Grow(n)
	}
	var buf [128]byte // longer names, rare, are unescaped on the heap
	start := b.Len()
	b.Write(strictjson.AppendSpanName(buf[:0], c.spans[i], c.text))
	return b.String()[start:]
}

// Names returns the names of every claim, in token order.
func (c *Claims) Names() []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.spans))
	for i, sp := range c.spans {
		out[i] = strictjson.SpanName(sp, c.text)
	}
	return out
}

// JSON returns a copy of the claims set as the token carried it.
func (c *Claims) JSON() []byte {
	if c == nil || c.text == "" {
		return nil
	}
	return []byte(c.text)
}

package token

import (
	"encoding/json"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// MaxKeyIDLength bounds the kid a token may name. Real kids are thumbprints or
// short identifiers; a longer one is refused before any key lookup.
const MaxKeyIDLength = 256

// Header is a token's JOSE header. Only the members below are interpreted;
// keys carried in the header (jwk, jku, x5u, x5c) are never used.
type Header struct {
	Algorithm   string   // alg
	KeyID       string   // kid
	Type        string   // typ
	ContentType string   // cty
	Critical    []string // crit

	text  string            // the header as the token carried it, decoded
	spans []strictjson.Span // the members, as offsets into text
}

// Get returns a copy of the raw JSON of a header member, and whether it is
// present.
func (h *Header) Get(name string) (json.RawMessage, bool) {
	v, ok := h.member(name)
	if !ok {
		return nil, false
	}
	return json.RawMessage(v), true
}

func (h *Header) member(name string) (string, bool) {
	if h == nil {
		return "", false
	}
	for _, sp := range h.spans {
		if strictjson.SpanNameIs(sp, h.text, name) {
			return strictjson.SpanValue(sp, h.text), true
		}
	}
	return "", false
}

// JSON returns a copy of the header as the token carried it.
func (h *Header) JSON() []byte {
	if h == nil || h.text == "" {
		return nil
	}
	return []byte(h.text)
}

// registeredHeader lists the header parameters of RFC 7515 and RFC 7516,
// which crit must never name (RFC 7515 §4.1.11).
func registeredHeader(name string) bool {
	switch name {
	case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
		"enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c":
		return true
	}
	return false
}

// maxHeaderDepth bounds nesting in a header: an object (a jwk) inside the
// header object, and arrays (x5c, crit) inside that, are as deep as
// registered parameters go.
const maxHeaderDepth = 4

// parseHeader reads the header strictly and applies the rules that need no
// key: member types, kid bounds, JWE and unencoded-payload markers, and crit.
// The members are appended to dst (so the caller can supply the storage),
// and string fields are substrings of text, a string copy of data that the
// Header keeps (data is not kept).
func parseHeader(h *Header, data []byte, text string, understood []string, dst []strictjson.Span) *ValidationError {
	h.text = text
	var err error
	h.spans, err = strictjson.ParseObjectSpans(data, maxHeaderDepth, dst, nil)
	if err != nil {
		return &ValidationError{Kind: ErrMalformed, Claim: "header", Reason: "the header is not a strict JSON object", Err: err}
	}
	var critRaw strictjson.Checked[string]
	hasCrit := false
	for _, sp := range h.spans {
		var ok = true
		name, value := strictjson.SpanName(sp, text), strictjson.SpanValue(sp, text)
		switch name {
		case "alg":
			h.Algorithm, ok = strictjson.String(value)
		case "kid":
			h.KeyID, ok = strictjson.String(value)
			if ok && h.KeyID == "" {
				return Errorf(ErrMalformed, "header.kid", "kid is empty; it must name a key or be left out")
			}
			if ok && len(h.KeyID) > MaxKeyIDLength {
				return Errorf(ErrMalformed, "header.kid", "kid is %d bytes long; at most %d are accepted", len(h.KeyID), MaxKeyIDLength)
			}
		case "typ":
			h.Type, ok = strictjson.String(value)
		case "cty":
			h.ContentType, ok = strictjson.String(value)
		case "crit":
			critRaw, hasCrit = strictjson.SpanChecked(sp, text), true
		case "enc":
			return Errorf(ErrMalformed, "header.enc", "the header names a content encryption (enc): the token is a JWE; only signed tokens are accepted")
		case "zip":
			return Errorf(ErrMalformed, "header.zip", "compressed payloads (zip) are not accepted")
		case "b64":
			return Errorf(ErrCritical, "header.b64", "unencoded payloads (RFC 7797 b64) are not accepted")
		}
		if !ok {
			return Errorf(ErrMalformed, "header."+name, "must be a string; found %s", strictjson.Kind(value))
		}
	}
	if h.Algorithm == "" {
		return Errorf(ErrMalformed, "header.alg", "the header has no alg")
	}
	// "jwt", "JWT" and "application/jwt" all mean a nested token.
	if MediaTypeIs(h.ContentType, "JWT") {
		return Errorf(ErrMalformed, "header.cty", "nested tokens (cty JWT) are not accepted")
	}
	if hasCrit {
		return parseCrit(h, critRaw, understood)
	}
	return nil
}

// MediaTypeIs reports whether v, the value of a typ or cty header
// parameter, names the media type name (given without "application/"):
// media types compare case-insensitively, and RFC 7515 §4.1.9 lets the
// "application/" prefix be left out, so "at+jwt", "AT+JWT" and
// "application/at+jwt" all name "at+jwt". Both validators classify typ with
// it.
func MediaTypeIs(v, name string) bool {
	const prefix = "application/"
	if len(v) > len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
		v = v[len(prefix):]
	}
	return strings.EqualFold(v, name)
}

// parseCrit applies RFC 7515 §4.1.11: crit is a non-empty array of distinct
// names, none of them registered, each present in the header, and each one
// this verifier understands. A name from the token is quoted in Detail
// only: nothing has vouched for the header yet.
func parseCrit(h *Header, raw strictjson.Checked[string], understood []string) *ValidationError {
	elems, ok := strictjson.Elements(raw, nil)
	if !ok || len(elems) == 0 {
		return Errorf(ErrCritical, "header.crit", "crit must be a non-empty array of names; found %s", strictjson.Kind(raw.Text()))
	}
	for _, e := range elems {
		name, ok := strictjson.String(e.Text())
		if !ok || name == "" {
			return Errorf(ErrCritical, "header.crit", "crit must hold only non-empty names")
		}
		for _, prev := range h.Critical {
			if prev == name {
				return Errorf(ErrCritical, "header.crit", "crit names a parameter twice").WithDetail("%q", excerpt.Of(name))
			}
		}
		if registeredHeader(name) {
			return Errorf(ErrCritical, "header.crit", "crit names the registered parameter %q, which it must not", name)
		}
		if _, present := h.member(name); !present {
			return Errorf(ErrCritical, "header.crit", "crit names a parameter the header does not carry").WithDetail("%q", excerpt.Of(name))
		}
		known := false
		for _, u := range understood {
			if u == name {
				known = true
			}
		}
		if !known {
			return Errorf(ErrCritical, "header.crit", "the header requires an extension this validator does not understand").WithDetail("the extension is %q", excerpt.Of(name))
		}
		h.Critical = append(h.Critical, name)
	}
	return nil
}

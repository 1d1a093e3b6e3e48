package token

import (
	"encoding/base64"
	"strings"
)

// DefaultMaxTokenSize is the largest token the pipeline reads when the
// configuration sets no bound: 16 KiB, far above any real token and small
// enough that hostile input costs little.
const DefaultMaxTokenSize = 16 << 10

// strictB64 decodes canonical unpadded base64url: the padding bits of the last
// character must be zero, so each byte string has exactly one encoding.
var strictB64 = base64.RawURLEncoding.Strict()

// segments are the three parts of a compact JWS.
type segments struct {
	header, payload, signature string
	signingInput               string // header + "." + payload
}

// splitCompact splits a compact JWS into exactly three segments, each made
// only of the base64url alphabet. Everything else (JWE's five segments, the
// JSON serialization, whitespace, padding) is refused before any decoding.
func splitCompact(raw string) (segments, *ValidationError) {
	if raw == "" {
		return segments{}, Errorf(ErrMalformed, "", "the token is empty")
	}
	if raw[0] == '{' {
		return segments{}, Errorf(ErrMalformed, "", "the token is in the JWS JSON serialization; only the compact serialization is accepted")
	}
	first := strings.IndexByte(raw, '.')
	if first < 0 {
		return segments{}, Errorf(ErrMalformed, "", "the token is not a JWT: it has no '.' separators")
	}
	second := first + 1 + strings.IndexByte(raw[first+1:], '.')
	if second == first {
		return segments{}, Errorf(ErrMalformed, "", "the token has 2 segments; a signed JWT has 3")
	}
	if rest := strings.Count(raw[second+1:], "."); rest != 0 {
		if rest == 2 {
			return segments{}, Errorf(ErrMalformed, "", "the token has 5 segments: it is encrypted (JWE); only signed tokens (JWS) are accepted")
		}
		return segments{}, Errorf(ErrMalformed, "", "the token has %d segments; a signed JWT has 3", rest+3)
	}
	s := segments{
		header:       raw[:first],
		payload:      raw[first+1 : second],
		signature:    raw[second+1:],
		signingInput: raw[:second],
	}
	if s.header == "" || s.payload == "" {
		return segments{}, Errorf(ErrMalformed, "", "the token has an empty header or payload segment")
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; !isB64URL(c) && c != '.' {
			return segments{}, Errorf(ErrMalformed, "", "the token holds a character outside the base64url alphabet at offset %d", i)
		}
	}
	return s, nil
}

func isB64URL(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
}

// decodeParts decodes the header and the payload strictly into one buffer:
// hdr is its start and payload follows directly, so hdr[:len(hdr)+len(payload)]
// is the whole buffer.
func decodeParts(s segments) (hdr, payload []byte, verr *ValidationError) {
	hn := strictB64.DecodedLen(len(s.header))
	buf := make([]byte, hn+strictB64.DecodedLen(len(s.payload)))
	n, err := strictB64.Decode(buf, []byte(s.header))
	if err != nil {
		return nil, nil, Errorf(ErrMalformed, "", "the header is not canonical unpadded base64url")
	}
	m, err := strictB64.Decode(buf[n:], []byte(s.payload))
	if err != nil {
		return nil, nil, Errorf(ErrMalformed, "", "the payload is not canonical unpadded base64url")
	}
	return buf[:n], buf[n : n+m], nil
}

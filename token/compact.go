package token

import (
	"encoding/base64"
	"strings"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// DefaultMaxTokenSize is the largest token the pipeline reads when the
// configuration leaves MaxTokenSize at zero: 16 KiB, far above any real token
// and small enough that hostile input costs little.
const DefaultMaxTokenSize = settings.DefaultMaxTokenSize

// strictB64 decodes canonical unpadded base64url: the padding bits of the last
// character must be zero, so each byte string has exactly one encoding.
var strictB64 = base64.RawURLEncoding.Strict()

// segments are the three parts of a compact JWS.
type segments struct {
	header, payload, signature string
	signingInput               string // header + "." + payload
}

// splitCompact splits a compact JWS into exactly three segments. Everything
// else (JWE's five segments, the JSON serialization, line breaks) is refused
// before any decoding; the strict decoding that follows (decodeParts,
// decodeSignature) refuses every other byte outside the base64url alphabet,
// padding included, and every non-canonical encoding.
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
	// All three segments are decoded next (decodeParts, decodeSignature),
	// before anything is interpreted, by a strict decoder that refuses every
	// byte outside the alphabet except CR and LF, which it would skip. So
	// refuse those two here, with a vectorised search, rather than looking
	// up every byte twice.
	if strings.IndexByte(raw, '\n') >= 0 || strings.IndexByte(raw, '\r') >= 0 {
		return segments{}, Errorf(ErrMalformed, "", "the token holds a line break")
	}
	return s, nil
}

// b64URLAlphabet marks the bytes of the base64url alphabet.
var b64URLAlphabet = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = true
	}
	return t
}()

func isB64URL(c byte) bool { return b64URLAlphabet[c] }

// decodeScratchSize is the size of the stack buffer the pipeline decodes a
// token's header and claims into; a token whose header and claims decode to
// more (rare: real ones are well under a kilobyte) gets a heap buffer.
const decodeScratchSize = 2048

// decodeParts decodes the header and the payload strictly into one buffer,
// scratch when they fit in it: hdr is its start and payload follows
// directly, so hdr[:len(hdr)+len(payload)] is the whole of it.
func decodeParts(s segments, scratch []byte) (hdr, payload []byte, verr *ValidationError) {
	hn := strictB64.DecodedLen(len(s.header))
	buf := scratch
	if n := hn + strictB64.DecodedLen(len(s.payload)); n > len(scratch) {
		buf = make([]byte, n)
	}
	n, err := strictB64.Decode(buf, []byte(s.header))
	if err != nil {
		return nil, nil, segmentError("header", s.header, 0)
	}
	m, err := strictB64.Decode(buf[n:], []byte(s.payload))
	if err != nil {
		return nil, nil, segmentError("payload", s.payload, len(s.header)+1)
	}
	return buf[:n], buf[n : n+m], nil
}

// segmentError says why a segment (starting at offset in the token) does
// not decode: a byte outside the alphabet, or a non-canonical encoding.
func segmentError(what, seg string, offset int) *ValidationError {
	for i := 0; i < len(seg); i++ {
		if !isB64URL(seg[i]) {
			return Errorf(ErrMalformed, "", "the token holds a character outside the base64url alphabet at offset %d", offset+i)
		}
	}
	return Errorf(ErrMalformed, "", "the %s is not canonical unpadded base64url", what)
}

// decodeSignature decodes the signature segment into buf. A signature that
// does not fit buf (longer than any key's signature) is checked for form
// only, and returned as nil: the caller refuses it with ErrSignature once it
// knows the key.
func decodeSignature(s segments, buf []byte) ([]byte, *ValidationError) {
	if strictB64.DecodedLen(len(s.signature)) > len(buf) {
		for i := 0; i < len(s.signature); i++ {
			if !isB64URL(s.signature[i]) {
				return nil, segmentError("signature", s.signature, len(s.signingInput)+1)
			}
		}
		return nil, nil
	}
	n, err := strictB64.Decode(buf, []byte(s.signature))
	if err != nil {
		return nil, segmentError("signature", s.signature, len(s.signingInput)+1)
	}
	return buf[:n], nil
}

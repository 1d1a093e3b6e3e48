package token

import (
	"encoding/binary"
	"strings"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// DefaultMaxTokenSize is the largest token the pipeline reads when the
// configuration leaves MaxTokenSize at zero: 16 KiB, far above any real token
// and small enough that hostile input costs little.
const DefaultMaxTokenSize = settings.DefaultMaxTokenSize

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
	// byte outside the alphabet, CR and LF included; a line break is refused
	// here first, with a vectorised search, so that the refusal can say so.
	if strings.IndexByte(raw, '\n') >= 0 || strings.IndexByte(raw, '\r') >= 0 {
		return segments{}, Errorf(ErrMalformed, "", "the token holds a line break")
	}
	return s, nil
}

// b64URLValue maps each byte of the base64url alphabet to its six bits, and
// every other byte to 0xFF.
var b64URLValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = byte(i)
	}
	return t
}()

func isB64URL(c byte) bool { return b64URLValue[c] != 0xFF }

// b64URLQuad holds, for each of the four positions of a character in a
// group of four, its six bits already shifted into place in the group's
// 24, so that a group decodes with four lookups ORed together; every byte
// outside the alphabet maps to a value with bits above the 24, which one
// test of the OR finds.
var b64URLQuad = func() (t [4][256]uint32) {
	for i, v := range b64URLValue {
		for pos := range 4 {
			if v == 0xFF {
				t[pos][i] = 0xFF000000
			} else {
				t[pos][i] = uint32(v) << (18 - 6*pos)
			}
		}
	}
	return t
}()

// b64DecodedLen is how many bytes n characters of unpadded base64 decode
// to (rounded down for a length no encoding has).
func b64DecodedLen(n int) int { return n/4*3 + n%4*6/8 }

// decodeB64URL decodes src, canonical unpadded base64url, into dst, which
// holds at least b64DecodedLen(len(src)) bytes, and returns how many it
// wrote. It reports false for a byte outside the alphabet (padding, CR and
// LF included), a length no encoding has, or a last character whose unused
// bits are not zero: each byte string has exactly one encoding. It is what
// encoding/base64's RawURLEncoding.Strict() accepts (that one also skips
// CR and LF), decoding eight characters at a time with one table lookup
// each, a few times faster on the pipeline's hot path.
func decodeB64URL(dst []byte, src string) (int, bool) {
	t, q := &b64URLValue, &b64URLQuad
	n := 0
	// Eight characters make six bytes, written as eight: while two more
	// bytes fit in dst, there is no need to split the word. Slicing eight
	// characters first spares a bounds check per character.
	for len(src) >= 8 && len(dst)-n >= 8 {
		s := src[:8]
		hi := q[0][s[0]] | q[1][s[1]] | q[2][s[2]] | q[3][s[3]]
		lo := q[0][s[4]] | q[1][s[5]] | q[2][s[6]] | q[3][s[7]]
		if (hi|lo)&0xFF000000 != 0 {
			return n, false
		}
		binary.BigEndian.PutUint64(dst[n:], uint64(hi)<<40|uint64(lo)<<16)
		n += 6
		src = src[8:]
	}
	for len(src) >= 4 {
		s := src[:4]
		a, b, c, d := t[s[0]], t[s[1]], t[s[2]], t[s[3]]
		if (a|b|c|d)&0xC0 != 0 {
			return n, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		out := dst[n : n+3]
		out[0], out[1], out[2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
		src = src[4:]
	}
	switch len(src) {
	case 1:
		return n, false
	case 2:
		a, b := t[src[0]], t[src[1]]
		if (a|b)&0xC0 != 0 || b&0x0F != 0 {
			return n, false
		}
		dst[n] = a<<2 | b>>4
		n++
	case 3:
		a, b, c := t[src[0]], t[src[1]], t[src[2]]
		if (a|b|c)&0xC0 != 0 || c&0x03 != 0 {
			return n, false
		}
		dst[n], dst[n+1] = a<<2|b>>4, b<<4|c>>2
		n += 2
	}
	return n, true
}

// decodeScratchSize is the size of the stack buffer the pipeline decodes a
// token's header and claims into, with room after them for a copy of the
// signing input to hash; a token that needs more (one over a kilobyte or
// so) gets a buffer its Verifier lends (see decodeBuffers).
const decodeScratchSize = 2048

// decodeParts decodes the header and the payload strictly into one buffer,
// scratch when they fit in it: hdr is its start and payload follows
// directly, so hdr[:len(hdr)+len(payload)] is the whole of it.
func decodeParts(s segments, scratch []byte) (hdr, payload []byte, verr *ValidationError) {
	hn := b64DecodedLen(len(s.header))
	buf := scratch
	if n := hn + b64DecodedLen(len(s.payload)); n > len(scratch) {
		buf = make([]byte, n)
	}
	n, ok := decodeB64URL(buf, s.header)
	if !ok {
		return nil, nil, segmentError("header", s.header, 0)
	}
	m, ok := decodeB64URL(buf[n:], s.payload)
	if !ok {
		return nil, nil, segmentError("payload", s.payload, len(s.header)+1)
	}
	return buf[:n], buf[n : n+m], nil
}

// decodePayload decodes the payload alone, as decodeParts does, for a
// token whose header segment is already known to decode (see headerMemos).
func decodePayload(s segments, scratch []byte) ([]byte, *ValidationError) {
	buf := scratch
	if n := b64DecodedLen(len(s.payload)); n > len(scratch) {
		buf = make([]byte, n)
	}
	m, ok := decodeB64URL(buf, s.payload)
	if !ok {
		return nil, segmentError("payload", s.payload, len(s.header)+1)
	}
	return buf[:m], nil
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
	if b64DecodedLen(len(s.signature)) > len(buf) {
		for i := 0; i < len(s.signature); i++ {
			if !isB64URL(s.signature[i]) {
				return nil, segmentError("signature", s.signature, len(s.signingInput)+1)
			}
		}
		return nil, nil
	}
	n, ok := decodeB64URL(buf, s.signature)
	if !ok {
		return nil, segmentError("signature", s.signature, len(s.signingInput)+1)
	}
	return buf[:n], nil
}

package token

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"io"

	"filippo.io/edwards25519"
)

// crypto/ed25519 decodes the public key's point from its 32 bytes on every
// Verify: a square root in the field, about a thirteenth of a verification.
// A Key verifies many tokens with one public key, so it decodes the point
// once, when the key is made, and verifies with it the way ed25519.Verify
// does (RFC 8032 §5.1.7, with the same checks in the same order, so that
// it accepts exactly the signatures ed25519.Verify accepts): S below the
// group order, then [S]B = R + [k]A, with k the SHA-512 of R, A and the
// message, compared by R's encoding. FuzzEd25519Verify holds the two
// against each other.

// ed25519Point is an Ed25519 public key with its point decoded and
// negated, ready for verification. It never changes once made.
type ed25519Point struct {
	pub    [ed25519.PublicKeySize]byte // the key's encoding, hashed into k
	minusA edwards25519.Point
}

// newEd25519Point decodes pub's point. It returns nil when pub is not the
// encoding of a point on the curve: such a key verifies nothing, as
// ed25519.Verify would find.
func newEd25519Point(pub ed25519.PublicKey) *ed25519Point {
	if len(pub) != ed25519.PublicKeySize {
		return nil
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil
	}
	p := new(ed25519Point)
	copy(p.pub[:], pub)
	p.minusA.Negate(a)
	return p
}

// verify reports whether sig is p's Ed25519 signature of message, as
// ed25519.Verify(p's key, message, sig) does.
//
// scratch, which may be nil, is memory the caller lends to copy R, the key
// and the message into, to hash them in one call; without enough of it a
// buffer on the stack serves, or the message is hashed as it streams.
func (p *ed25519Point) verify(message string, sig, scratch []byte) bool {
	if p == nil || len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return false
	}
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	var digest [sha512.Size]byte
	if 64+len(message) <= len(scratch) {
		b := append(append(append(scratch[:0], sig[:32]...), p.pub[:]...), message...)
		digest = sha512.Sum512(b)
	} else if len(message) <= stackSigningInput {
		// R, A and the message in one buffer on the stack: one call of
		// the hash, and no allocation.
		var buf [64 + stackSigningInput]byte
		n := copy(buf[:], sig[:32])
		n += copy(buf[n:], p.pub[:])
		n += copy(buf[n:], message)
		digest = sha512.Sum512(buf[:n])
	} else {
		h := sha512.New()
		h.Write(sig[:32])
		h.Write(p.pub[:])
		_, _ = io.WriteString(h, message)
		h.Sum(digest[:0])
	}
	k, err := new(edwards25519.Scalar).SetUniformBytes(digest[:])
	if err != nil {
		return false // not reached: any 64 bytes are a uniform scalar
	}
	// [S]B = R + [k]A  <=>  [k](-A) + [S]B = R
	var r edwards25519.Point
	r.VarTimeDoubleScalarBaseMult(k, &p.minusA, s)
	return bytes.Equal(sig[:32], r.Bytes())
}

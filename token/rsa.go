package token

import (
	"bytes"
	"crypto"
	"crypto/rsa"

	"filippo.io/bigmod"
)

// crypto/rsa builds the Montgomery form of a public key's modulus (the
// modulus, its R² and its inverse) on every rsa.VerifyPKCS1v15, and offers
// no way to keep it: for a 2048-bit key that is about a third of an RS256
// verification. A Key therefore prepares its modulus once, with
// filippo.io/bigmod (the upstream of the standard library's own
// crypto/internal/fips140/bigmod), and verifies PKCS #1 v1.5 signatures as
// crypto/rsa does: the same checks of the key, the same refusal of a
// signature of another length or not below the modulus, the same public
// operation, and the message compared byte for byte with the one encoding
// of the digest RFC 8017 §9.2 allows. PSS signatures, and every signature
// in FIPS 140-3 mode or a Go+BoringCrypto build (see prepared_std.go), are
// left to crypto/rsa.

// rsaPublic is an RSA public key prepared for verification.
type rsaPublic struct {
	n *bigmod.Modulus
	e uint
}

// newRSAPublic prepares pub, or returns nil for a key crypto/rsa itself
// would refuse (NewPublicKey refuses those too). NewPublicKey does not
// prepare keys where a certified module must check them (preparedRSA).
func newRSAPublic(pub *rsa.PublicKey) *rsaPublic {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.N.Bit(0) == 0 ||
		pub.N.BitLen() < 1024 || pub.N.BitLen() > MaxRSABits || pub.E < 2 || pub.E&1 == 0 || pub.E > 1<<31-1 {
		return nil
	}
	n, err := bigmod.NewModulus(pub.N.Bytes())
	if err != nil {
		return nil
	}
	return &rsaPublic{n: n, e: uint(pub.E)}
}

// digestInfo is the DER prefix of the DigestInfo that RFC 8017 §9.2 puts
// before a digest of each hash the JWS RSA algorithms use.
func digestInfo(h crypto.Hash) []byte {
	switch h {
	case crypto.SHA256:
		return []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	case crypto.SHA384:
		return []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	case crypto.SHA512:
		return []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
	}
	return nil
}

// verifyPKCS1v15 reports whether sig is k's RSASSA-PKCS1-v1_5 signature of
// hashed, a digest made with h, as rsa.VerifyPKCS1v15(k's key, h, hashed,
// sig) == nil says.
func (k *rsaPublic) verifyPKCS1v15(h crypto.Hash, hashed, sig []byte) bool {
	prefix := digestInfo(h)
	size := k.n.Size()
	// RFC 8017 §8.2.2: a signature of another length than the modulus is
	// invalid; and the encoding needs room for at least eight bytes of
	// padding.
	if prefix == nil || len(hashed) != h.Size() || len(sig) != size || size < len(prefix)+len(hashed)+11 {
		return false
	}
	s, err := bigmod.NewNat().SetBytes(sig, k.n) // refuses s ≥ n
	if err != nil {
		return false
	}
	em := bigmod.NewNat().ExpShortVarTime(s, k.e, k.n).Bytes(k.n)
	// EM = 0x00 || 0x01 || PS (0xff bytes) || 0x00 || DigestInfo || H,
	// built whole and compared whole, as crypto/rsa does.
	var buf [MaxRSABits / 8]byte
	want := buf[:size]
	want[1] = 1
	t := size - len(prefix) - len(hashed)
	for i := 2; i < t-1; i++ {
		want[i] = 0xff
	}
	copy(want[t:], prefix)
	copy(want[t+len(prefix):], hashed)
	return bytes.Equal(em, want)
}

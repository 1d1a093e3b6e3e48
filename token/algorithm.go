package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"io"
	"math/big"
)

// The JWS algorithms tokenguard verifies (RFC 7518 §3, RFC 8037).
const (
	RS256 = "RS256"
	RS384 = "RS384"
	RS512 = "RS512"
	PS256 = "PS256"
	PS384 = "PS384"
	PS512 = "PS512"
	ES256 = "ES256"
	ES384 = "ES384"
	ES512 = "ES512"
	EdDSA = "EdDSA"
	HS256 = "HS256"
	HS384 = "HS384"
	HS512 = "HS512"
)

// DefaultAlgorithms is the allow-list used when a configuration names none:
// every asymmetric algorithm tokenguard supports. HMAC is never on it; "none"
// is never accepted at all.
func DefaultAlgorithms() []string {
	return []string{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
}

// algorithm describes how one JWS alg verifies.
type algorithm struct {
	name  string
	hash  crypto.Hash // zero for EdDSA, which signs the message itself
	kind  keyKind
	curve elliptic.Curve // for ECDSA
}

type keyKind uint8

const (
	kindRSA keyKind = iota + 1
	kindRSAPSS
	kindEC
	kindEd25519
	kindHMAC
)

// lookupAlgorithm returns the description of a supported algorithm. The switch
// compares whole names exactly, so "none", "None", "RS256 " and the like fall
// through to false.
func lookupAlgorithm(name string) (algorithm, bool) {
	switch name {
	case RS256:
		return algorithm{name, crypto.SHA256, kindRSA, nil}, true
	case RS384:
		return algorithm{name, crypto.SHA384, kindRSA, nil}, true
	case RS512:
		return algorithm{name, crypto.SHA512, kindRSA, nil}, true
	case PS256:
		return algorithm{name, crypto.SHA256, kindRSAPSS, nil}, true
	case PS384:
		return algorithm{name, crypto.SHA384, kindRSAPSS, nil}, true
	case PS512:
		return algorithm{name, crypto.SHA512, kindRSAPSS, nil}, true
	case ES256:
		return algorithm{name, crypto.SHA256, kindEC, elliptic.P256()}, true
	case ES384:
		return algorithm{name, crypto.SHA384, kindEC, elliptic.P384()}, true
	case ES512:
		return algorithm{name, crypto.SHA512, kindEC, elliptic.P521()}, true
	case EdDSA:
		return algorithm{name, 0, kindEd25519, nil}, true
	case HS256:
		return algorithm{name, crypto.SHA256, kindHMAC, nil}, true
	case HS384:
		return algorithm{name, crypto.SHA384, kindHMAC, nil}, true
	case HS512:
		return algorithm{name, crypto.SHA512, kindHMAC, nil}, true
	}
	return algorithm{}, false
}

// HashFor returns the hash function of a JWS algorithm, as OIDC's at_hash and
// c_hash need it. EdDSA with Ed25519 uses SHA-512 for those hashes (OpenID
// Connect Core errata). ok is false for an unknown algorithm.
func HashFor(alg string) (crypto.Hash, bool) {
	a, ok := lookupAlgorithm(alg)
	if !ok {
		return 0, false
	}
	if a.kind == kindEd25519 {
		return crypto.SHA512, true
	}
	return a.hash, true
}

// digest hashes msg with h into out and returns the hash. out lives in the
// caller's frame, so no allocation is needed.
//
// The hash functions take bytes and msg is a string: it is copied, whole,
// into scratch (the caller's, when it is long enough) or a buffer on the
// stack, since a heap copy of every signing input plus its garbage
// collection was a measurable part of the pipeline's cost beyond the
// signature, and hashing one flat buffer is faster than streaming pieces.
// A longer one is hashed through a buffer in pieces (digestLong).
func digest(h crypto.Hash, msg string, out *[sha512.Size]byte, scratch []byte) []byte {
	if len(msg) <= len(scratch) {
		return sum(h, append(scratch[:0], msg...), out)
	}
	if len(msg) <= stackSigningInput {
		var stack [stackSigningInput]byte
		return sum(h, append(stack[:0], msg...), out)
	}
	return digestLong(h, msg, out)
}

// sum hashes b with h, one of SHA-256, SHA-384 and SHA-512, into out.
func sum(h crypto.Hash, b []byte, out *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(b)
		return append(out[:0], d[:]...)
	case crypto.SHA384:
		d := sha512.Sum384(b)
		return append(out[:0], d[:]...)
	default:
		*out = sha512.Sum512(b)
		return out[:]
	}
}

// digestLong is digest for a signing input longer than its stack buffer:
// the input goes to the hash in pieces through a buffer of its own (which
// escapes, through the hash.Hash interface), instead of as one heap copy
// as long as the token.
func digestLong(h crypto.Hash, msg string, out *[sha512.Size]byte) []byte {
	var hh hash.Hash
	switch h {
	case crypto.SHA256:
		hh = sha256.New()
	case crypto.SHA384:
		hh = sha512.New384()
	default:
		hh = sha512.New()
	}
	var buf [512]byte
	for len(msg) > 0 {
		n := copy(buf[:], msg)
		hh.Write(buf[:n])
		msg = msg[n:]
	}
	// Sum appends through the interface, which would make out escape and
	// cost every verification an allocation: copy instead.
	return out[:copy(out[:], hh.Sum(nil))]
}

// verifySignature checks sig over signingInput with key, which the caller has
// already checked fits alg. It returns false for any invalid signature,
// including malformed encodings. scratch, which may be nil, is memory the
// caller lends for a copy of the signing input (see digest).
//
// It works on the standard library's key types held by the Key, converted
// once when the key set was built. Each key type has its own function so
// that the compiler's escape analysis treats them apart: the digest and the
// signing input stay on the stack for RSA and Ed25519 even though ECDSA's
// verification lets its digest escape.
func verifySignature(alg algorithm, key *Key, signingInput string, sig, scratch []byte) bool {
	switch alg.kind {
	case kindRSA, kindRSAPSS:
		pub, ok := key.public.(*rsa.PublicKey)
		return ok && verifyRSA(alg, pub, key.rsa, signingInput, sig, scratch)
	case kindEC:
		pub, ok := key.public.(*ecdsa.PublicKey)
		return ok && verifyEC(alg, pub, signingInput, sig, scratch)
	case kindEd25519:
		if key.kind != kindEd25519 {
			return false
		}
		if key.ed == nil {
			// Not prepared (FIPS 140-3 mode), or a key that is no
			// point, which ed25519.Verify refuses too.
			pub, ok := key.public.(ed25519.PublicKey)
			return ok && ed25519.Verify(pub, []byte(signingInput), sig)
		}
		return key.ed.verify(signingInput, sig, scratch)
	case kindHMAC:
		return key.kind == kindHMAC && len(key.secret) > 0 && verifyHMAC(alg.hash, key.secret, signingInput, sig)
	}
	return false
}

// verifyRSA verifies with pub, or with prepared, its modulus prepared once
// (see rsaPublic), when there is one.
func verifyRSA(alg algorithm, pub *rsa.PublicKey, prepared *rsaPublic, signingInput string, sig, scratch []byte) bool {
	if alg.kind == kindRSAPSS {
		return verifyPSS(alg, pub, signingInput, sig, scratch)
	}
	var d [sha512.Size]byte
	hashed := digest(alg.hash, signingInput, &d, scratch)
	if prepared != nil {
		return prepared.verifyPKCS1v15(alg.hash, hashed, sig)
	}
	return rsa.VerifyPKCS1v15(pub, alg.hash, hashed, sig) == nil
}

// verifyPSS is apart from verifyRSA because rsa.VerifyPSS lets its digest
// escape, which would move the digest buffer to the heap for PKCS #1 v1.5 too.
func verifyPSS(alg algorithm, pub *rsa.PublicKey, signingInput string, sig, scratch []byte) bool {
	var d [sha512.Size]byte
	// RFC 7518 §3.5: the salt is as long as the hash.
	return rsa.VerifyPSS(pub, alg.hash, digest(alg.hash, signingInput, &d, scratch), sig,
		&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
}

func verifyEC(alg algorithm, pub *ecdsa.PublicKey, signingInput string, sig, scratch []byte) bool {
	var d [sha512.Size]byte
	return verifyECDSA(pub, digest(alg.hash, signingInput, &d, scratch), sig)
}

// stackSigningInput bounds the signing input that digest and Ed25519's
// verification copy to the stack when the caller lends no scratch long
// enough; longer ones are hashed as they stream.
const stackSigningInput = 4096

// verifyHMAC is apart from verifySignature because hash.Hash.Write takes
// its argument through an interface, which would make the compiler copy the
// signing input for every algorithm if it were inline.
func verifyHMAC(h crypto.Hash, secret []byte, signingInput string, sig []byte) bool {
	mac := hmac.New(h.New, secret)
	io.WriteString(mac, signingInput)
	return hmac.Equal(mac.Sum(nil), sig)
}

// verifyECDSA checks a JWS ECDSA signature: R and S as fixed-length
// big-endian integers, concatenated (RFC 7518 §3.4), never DER.
//
// The signature must be exactly twice the curve's byte length, and R and S
// must each lie in [1, N-1]: a signature of zeros, or with R or S equal to
// zero or to N, is refused here before any curve arithmetic, whatever the
// crypto library would do (CVE-2022-21449 accepted r = s = 0).
//
// It then re-encodes R and S as the ASN.1 DER that ecdsa.VerifyASN1 takes,
// in one small buffer. That is cheaper than ecdsa.Verify, which takes
// *big.Int values and encodes them to DER itself with several allocations.
func verifyECDSA(pub *ecdsa.PublicKey, hash, sig []byte) bool {
	params := pub.Curve.Params()
	n := (params.BitSize + 7) / 8
	if len(sig) != 2*n {
		return false
	}
	r, s := sig[:n], sig[n:]
	if !inScalarRange(r, params.N) || !inScalarRange(s, params.N) {
		return false
	}
	// SEQUENCE { INTEGER r, INTEGER s }: at most 2 × (2 + 1 + 66) bytes of
	// content for P-521, so the length of the sequence may need the long
	// form (0x81 len); an integer's never does.
	der := make([]byte, 0, 3+2*(3+n))
	var body [2 * (3 + 66)]byte
	content := appendDERInteger(appendDERInteger(body[:0], r), s)
	der = append(der, 0x30)
	if len(content) >= 0x80 {
		der = append(der, 0x81)
	}
	der = append(der, byte(len(content)))
	der = append(der, content...)
	return ecdsa.VerifyASN1(pub, hash, der)
}

// inScalarRange reports whether the big-endian integer b is in [1, n-1].
func inScalarRange(b []byte, n *big.Int) bool {
	nonZero := false
	for _, c := range b {
		if c != 0 {
			nonZero = true
			break
		}
	}
	if !nonZero {
		return false
	}
	var nb [66]byte
	if len(b) > len(nb) || n.BitLen() > 8*len(b) {
		return false
	}
	n.FillBytes(nb[:len(b)])
	return bytes.Compare(b, nb[:len(b)]) < 0
}

// appendDERInteger appends b, a non-negative big-endian integer, as a
// minimal DER INTEGER.
func appendDERInteger(dst, b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	pad := len(b) > 0 && b[0]&0x80 != 0
	l := len(b)
	if pad {
		l++
	}
	dst = append(dst, 0x02, byte(l))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

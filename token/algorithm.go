package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
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

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	default:
		d := sha512.Sum512(msg)
		return d[:]
	}
}

// verifySignature checks sig over signingInput with key, which the caller has
// already checked fits alg. It returns false for any invalid signature,
// including malformed encodings.
func verifySignature(alg algorithm, key *Key, signingInput, sig []byte) bool {
	switch alg.kind {
	case kindRSA:
		pub := key.public.(*rsa.PublicKey)
		return rsa.VerifyPKCS1v15(pub, alg.hash, digest(alg.hash, signingInput), sig) == nil
	case kindRSAPSS:
		pub := key.public.(*rsa.PublicKey)
		// RFC 7518 §3.5: the salt is as long as the hash.
		return rsa.VerifyPSS(pub, alg.hash, digest(alg.hash, signingInput), sig,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case kindEC:
		pub := key.public.(*ecdsa.PublicKey)
		// RFC 7518 §3.4: R and S as fixed-length big-endian integers, not DER.
		n := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return false
		}
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		// ecdsa.Verify refuses zero and out-of-range values of r and s.
		return ecdsa.Verify(pub, digest(alg.hash, signingInput), r, s)
	case kindEd25519:
		pub := key.public.(ed25519.PublicKey)
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, signingInput, sig)
	case kindHMAC:
		mac := hmac.New(alg.hash.New, key.secret)
		mac.Write(signingInput)
		return hmac.Equal(mac.Sum(nil), sig)
	}
	return false
}

// Package jwssign makes JWS signatures (RFC 7515) with a crypto.Signer: the
// one piece of signing code tokenguard has, shared by the clients that sign
// proofs of possession and by package tokentest, which mints tokens.
package jwssign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"encoding/asn1"
	"fmt"
	"math/big"
)

// Family is the kind of key an algorithm signs with.
type Family uint8

// The key families of the supported algorithms.
const (
	RSA Family = iota + 1
	PSS
	EC
	Ed25519
)

// Algorithm describes how one JWS algorithm signs.
type Algorithm struct {
	Family Family
	Hash   crypto.Hash    // zero for EdDSA
	Curve  elliptic.Curve // for ECDSA
}

// Lookup returns how alg signs, for the asymmetric algorithms of RFC 7518
// and RFC 8037.
func Lookup(alg string) (Algorithm, bool) {
	switch alg {
	case "RS256":
		return Algorithm{RSA, crypto.SHA256, nil}, true
	case "RS384":
		return Algorithm{RSA, crypto.SHA384, nil}, true
	case "RS512":
		return Algorithm{RSA, crypto.SHA512, nil}, true
	case "PS256":
		return Algorithm{PSS, crypto.SHA256, nil}, true
	case "PS384":
		return Algorithm{PSS, crypto.SHA384, nil}, true
	case "PS512":
		return Algorithm{PSS, crypto.SHA512, nil}, true
	case "ES256":
		return Algorithm{EC, crypto.SHA256, elliptic.P256()}, true
	case "ES384":
		return Algorithm{EC, crypto.SHA384, elliptic.P384()}, true
	case "ES512":
		return Algorithm{EC, crypto.SHA512, elliptic.P521()}, true
	case "EdDSA":
		return Algorithm{Ed25519, 0, nil}, true
	}
	return Algorithm{}, false
}

// Sign signs input with signer the way alg does (RFC 7518 §3, RFC 8037):
// PKCS #1 v1.5, PSS with a salt as long as the hash, ECDSA as the
// fixed-size big-endian R||S, or Ed25519 over the input itself. It refuses a
// key that does not fit alg, an ECDSA key on another curve included.
func Sign(alg string, signer crypto.Signer, input []byte) ([]byte, error) {
	a, ok := Lookup(alg)
	if !ok {
		return nil, fmt.Errorf("algorithm %q is not supported", alg)
	}
	var digest []byte
	if a.Hash != 0 {
		h := a.Hash.New()
		h.Write(input)
		digest = h.Sum(nil)
	}
	pub := signer.Public()
	switch a.Family {
	case RSA:
		if _, ok := pub.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%s needs an RSA key, not %T", alg, pub)
		}
		return signer.Sign(rand.Reader, digest, a.Hash)
	case PSS:
		if _, ok := pub.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%s needs an RSA key, not %T", alg, pub)
		}
		return signer.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.Hash})
	case EC:
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an ECDSA key, not %T", alg, pub)
		}
		if ec.Curve != a.Curve {
			return nil, fmt.Errorf("%s needs an ECDSA key on %s, not on %s", alg, a.Curve.Params().Name, ec.Curve.Params().Name)
		}
		der, err := signer.Sign(rand.Reader, digest, a.Hash)
		if err != nil {
			return nil, err
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("the ECDSA signer returned a signature that is not ASN.1 DER")
		}
		n := (ec.Curve.Params().BitSize + 7) / 8
		if rs.R.Sign() < 0 || rs.S.Sign() < 0 || rs.R.BitLen() > 8*n || rs.S.BitLen() > 8*n {
			return nil, fmt.Errorf("the ECDSA signer returned R or S out of range")
		}
		sig := make([]byte, 2*n)
		rs.R.FillBytes(sig[:n])
		rs.S.FillBytes(sig[n:])
		return sig, nil
	case Ed25519:
		if _, ok := pub.(ed25519.PublicKey); !ok {
			return nil, fmt.Errorf("%s needs an Ed25519 key, not %T", alg, pub)
		}
		return signer.Sign(rand.Reader, input, crypto.Hash(0))
	}
	return nil, fmt.Errorf("algorithm %q is not supported", alg)
}

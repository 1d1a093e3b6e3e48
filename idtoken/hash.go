package idtoken

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"

	"github.com/tokenguard/tokenguard/token"
)

// tokenHash computes an at_hash or c_hash value (OIDC Core §3.1.3.6 and
// §3.3.2.11): hash the ASCII octets of value with the hash of the ID token's
// JWS algorithm, keep the left half, and base64url-encode it without padding.
// RS256, PS256 and ES256 use SHA-256, the 384 and 512 variants SHA-384 and
// SHA-512, and EdDSA (Ed25519) SHA-512, as the OpenID Foundation resolved
// for Ed25519 (OIDC Core errata set 2). ok is false for an algorithm with no
// defined hash.
func tokenHash(alg, value string) (hash string, ok bool) {
	h, ok := token.HashFor(alg)
	if !ok {
		return "", false
	}
	var sum []byte
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256([]byte(value))
		sum = d[:]
	case crypto.SHA384:
		d := sha512.Sum384([]byte(value))
		sum = d[:]
	case crypto.SHA512:
		d := sha512.Sum512([]byte(value))
		sum = d[:]
	default:
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), true
}

// checkTokenHash compares the token's claim (at_hash or c_hash) with the hash
// of value, in constant time. claimed is the claim's value and present
// whether the token carried it.
func checkTokenHash(claim, what, alg, value, claimed string, present bool) error {
	if value == "" {
		return token.Errorf(token.ErrTokenHash, claim, "the %s to check %s against is empty", what, claim)
	}
	if !present {
		return token.Errorf(token.ErrTokenHash, claim, "the token has no %s; it is required to bind the %s to the ID token", claim, what)
	}
	want, ok := tokenHash(alg, value)
	if !ok {
		return token.Errorf(token.ErrTokenHash, claim, "no %s is defined for algorithm %q", claim, alg)
	}
	if subtle.ConstantTimeCompare([]byte(claimed), []byte(want)) != 1 {
		return token.Errorf(token.ErrTokenHash, claim, "%s does not match the %s given (hash of %s)", claim, what, alg)
	}
	return nil
}

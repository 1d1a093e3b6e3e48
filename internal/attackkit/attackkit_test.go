package attackkit_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/attackkit"
)

var enc = base64.RawURLEncoding

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCompactAndReplaceSig(t *testing.T) {
	raw := attackkit.Compact([]byte(`{"alg":"none"}`), []byte(`{}`), "")
	if raw != "eyJhbGciOiJub25lIn0.e30." {
		t.Fatalf("Compact = %q", raw)
	}
	if got := attackkit.ReplaceSig(raw, "c2ln"); got != "eyJhbGciOiJub25lIn0.e30.c2ln" {
		t.Fatalf("ReplaceSig = %q", got)
	}
	if got := attackkit.ReplaceSig("a.b.c2ln", ""); got != "a.b." {
		t.Fatalf("ReplaceSig to empty = %q", got)
	}
}

// The flipped segment decodes to the same bytes leniently, not strictly,
// for both lengths that leave padding bits; a segment without padding bits
// is returned as it is.
func TestFlipPaddingBit(t *testing.T) {
	for _, data := range []string{"a", "ab", "abcd", `{"alg":"RS256","kid":"k"}`} {
		seg := enc.EncodeToString([]byte(data))
		flipped := attackkit.FlipPaddingBit(seg)
		if flipped == seg {
			t.Fatalf("%q: nothing flipped", seg)
		}
		if got, err := enc.DecodeString(flipped); err != nil || string(got) != data {
			t.Fatalf("%q: lenient decoding gave %q, %v; want %q", flipped, got, err, data)
		}
		if _, err := enc.Strict().DecodeString(flipped); err == nil {
			t.Fatalf("%q: strict decoding accepted it", flipped)
		}
	}
	if got := attackkit.FlipPaddingBit("YWJj"); got != "YWJj" {
		t.Fatalf("a segment of 4 characters was changed to %q", got)
	}
}

// HS256 is the HMAC-SHA256 of the signing input, keyed with each public
// key encoding, and the encodings are of the key given.
func TestHS256WithPublicKeySecrets(t *testing.T) {
	pub := &rsaKey(t).PublicKey
	secrets, err := attackkit.PublicKeySecrets(pub)
	if err != nil {
		t.Fatal(err)
	}
	pkixPEM, _ := pem.Decode(secrets["PKIX PEM"])
	pkcs1PEM, _ := pem.Decode(secrets["PKCS1 PEM"])
	if pkixPEM == nil || pkixPEM.Type != "PUBLIC KEY" || !bytes.Equal(pkixPEM.Bytes, secrets["PKIX DER"]) ||
		pkcs1PEM == nil || pkcs1PEM.Type != "RSA PUBLIC KEY" || !bytes.Equal(pkcs1PEM.Bytes, secrets["PKCS1 DER"]) {
		t.Fatal("the PEM secrets are not the DER ones in the right blocks")
	}
	if k, err := x509.ParsePKIXPublicKey(secrets["PKIX DER"]); err != nil || !pub.Equal(k) {
		t.Fatalf("PKIX DER is not the key: %v", err)
	}
	if k, err := x509.ParsePKCS1PublicKey(secrets["PKCS1 DER"]); err != nil || !pub.Equal(k) {
		t.Fatalf("PKCS1 DER is not the key: %v", err)
	}
	if !bytes.Equal(secrets["modulus"], pub.N.Bytes()) {
		t.Fatal("modulus is not N")
	}
	for name, secret := range secrets {
		raw := attackkit.HS256([]byte(`{"alg":"HS256"}`), []byte(`{"sub":"x"}`), secret)
		dot := strings.LastIndexByte(raw, '.')
		sig, err := enc.DecodeString(raw[dot+1:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sig, hmacSHA256(secret, raw[:dot])) || raw[:dot] != "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0" {
			t.Fatalf("%s: %q is not HS256 of the input with that secret", name, raw)
		}
	}
}

func hmacSHA256(key []byte, msg string) []byte {
	// RFC 2104 by hand, so the test does not repeat the code it checks.
	const block = 64
	if len(key) > block {
		k := sha256.Sum256(key)
		key = k[:]
	}
	ipad, opad := make([]byte, block), make([]byte, block)
	copy(ipad, key)
	copy(opad, key)
	for i := range block {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	inner := sha256.Sum256(append(ipad, msg...))
	outer := sha256.Sum256(append(opad, inner[:]...))
	return outer[:]
}

// ECDSADER is the DER form crypto/ecdsa verifies, of the same R and S.
func TestECDSADER(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("input"))
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := attackkit.ECDSADER(append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...))
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&key.PublicKey, h[:], der) {
		t.Fatal("the DER signature does not verify")
	}
	for _, bad := range [][]byte{nil, make([]byte, 63)} {
		if _, err := attackkit.ECDSADER(bad); err == nil {
			t.Fatalf("a signature of %d bytes was encoded", len(bad))
		}
	}
}

// The attacker's JWK and certificate carry the attacker's public key.
func TestRSAJWKAndSelfSignedX5C(t *testing.T) {
	key := rsaKey(t)
	jwk := attackkit.RSAJWK(&key.PublicKey, "attacker")
	n, _ := enc.DecodeString(jwk["n"].(string))
	e, _ := enc.DecodeString(jwk["e"].(string))
	if jwk["kty"] != "RSA" || jwk["kid"] != "attacker" ||
		new(big.Int).SetBytes(n).Cmp(key.N) != 0 || new(big.Int).SetBytes(e).Int64() != int64(key.E) {
		t.Fatalf("JWK %v is not the key", jwk)
	}

	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	x5c, err := attackkit.SelfSignedX5C(key, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(x5c)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Fatalf("not self-signed: %v", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) || cert.Subject.CommonName != "attacker" || !cert.NotAfter.Equal(now.Add(time.Hour)) {
		t.Fatalf("certificate for %v, %q, until %v", cert.PublicKey, cert.Subject.CommonName, cert.NotAfter)
	}
}

// The JSON serializations and the nested arrays are valid JSON of the
// expected shape.
func TestJSONForms(t *testing.T) {
	var general struct {
		Payload    string
		Signatures []struct{ Protected, Signature string }
	}
	if err := json.Unmarshal([]byte(attackkit.JWSJSONGeneral("h", "p", "s")), &general); err != nil {
		t.Fatal(err)
	}
	if general.Payload != "p" || len(general.Signatures) != 1 || general.Signatures[0].Protected != "h" || general.Signatures[0].Signature != "s" {
		t.Fatalf("general serialization %+v", general)
	}
	var flat struct{ Payload, Protected, Signature string }
	if err := json.Unmarshal([]byte(attackkit.JWSJSONFlattened("h", "p", "s")), &flat); err != nil {
		t.Fatal(err)
	}
	if flat.Payload != "p" || flat.Protected != "h" || flat.Signature != "s" {
		t.Fatalf("flattened serialization %+v", flat)
	}
	if got := attackkit.Nested(3); got != "[[[]]]" {
		t.Fatalf("Nested(3) = %q", got)
	}
	if !json.Valid([]byte(attackkit.Nested(200))) {
		t.Fatal("Nested(200) is not JSON")
	}
}

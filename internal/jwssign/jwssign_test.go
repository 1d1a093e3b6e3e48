package jwssign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

// A signature made here verifies as R||S, and a
// key that does not fit the algorithm is refused rather than used.
func TestSignVerifiesAndRefusesWrongCurve(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign("ES384", k, []byte("x")); err == nil {
		t.Fatal("ES384 with a P-256 key: no error")
	}
	if _, err := Sign("HS256", k, []byte("x")); err == nil {
		t.Fatal("HS256: no error")
	}
	sig, err := Sign("ES256", k, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != 64 {
		t.Fatalf("ES256 signature of %d bytes; want 64", len(sig))
	}
	sum := sha256.Sum256([]byte("x"))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&k.PublicKey, sum[:], r, s) {
		t.Fatal("the ES256 signature does not verify")
	}
}

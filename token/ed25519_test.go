package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

// rfc8032Test1 is TEST 1 of RFC 8032 §7.1: the empty message.
var rfc8032Test1 = struct{ pub, sig string }{
	pub: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
}

func TestEd25519VerifiesAsTheStandardLibrary(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := newEd25519Point(pub)
	for _, msg := range []string{"", "eyJhbGciOiJFZERTQSJ9.e30", strings.Repeat("m", stackSigningInput), strings.Repeat("m", stackSigningInput+1), strings.Repeat("long", 4000)} {
		sig := ed25519.Sign(priv, []byte(msg))
		if !verifyEveryWay(t, p, msg, sig) {
			t.Errorf("a good signature of a %d-byte message was refused", len(msg))
		}
		bad := append([]byte(nil), sig...)
		bad[5] ^= 1
		if verifyEveryWay(t, p, msg, bad) {
			t.Errorf("a changed R verified for a %d-byte message", len(msg))
		}
		if len(msg) > 0 && verifyEveryWay(t, p, msg[1:], sig) {
			t.Errorf("the signature verified another message")
		}
	}
	// RFC 8032's own test vector.
	vpub, vsig := decodeHexT(t, rfc8032Test1.pub), decodeHexT(t, rfc8032Test1.sig)
	if !verifyEveryWay(t, newEd25519Point(vpub), "", vsig) {
		t.Error("RFC 8032 TEST 1 refused")
	}
	// S not below the group order (S + L), which ed25519.Verify refuses:
	// signature malleability.
	sig := ed25519.Sign(priv, []byte("x"))
	malleable := append([]byte(nil), sig...)
	addL(malleable[32:])
	if ed25519.Verify(pub, []byte("x"), malleable) || verifyEveryWay(t, p, "x", malleable) {
		t.Error("S + L verified")
	}
	// The top three bits of S set, a short signature, a key that is not a
	// point, a nil point.
	high := append([]byte(nil), sig...)
	high[63] |= 0x80
	if verifyEveryWay(t, p, "x", high) || verifyEveryWay(t, p, "x", sig[:63]) {
		t.Error("a malformed signature verified")
	}
	var notPoint ed25519.PublicKey = make([]byte, 32)
	notPoint[0] = 2 // y = 2 is not on the curve
	if newEd25519Point(notPoint) != nil || verifyEveryWay(t, (*ed25519Point)(nil), "x", sig) {
		t.Error("a key that is not a point verified, or was decoded")
	}
}

// verifyEveryWay verifies sig of msg with p as the pipeline may: with no
// scratch (the stack, or the message streamed), and with scratch long
// enough to hold R, the key and msg. The ways must agree.
func verifyEveryWay(t *testing.T, p *ed25519Point, msg string, sig []byte) bool {
	t.Helper()
	streamed := p.verify(msg, sig, nil)
	scratch := make([]byte, 64+len(msg))
	for i := range scratch {
		scratch[i] = 0xA5
	}
	if flat := p.verify(msg, sig, scratch); flat != streamed {
		t.Fatalf("verified with scratch: %v; without: %v (%d-byte message)", flat, streamed, len(msg))
	}
	return streamed
}

// addL adds the group order L to the little-endian scalar s in place.
func addL(s []byte) {
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	carry := 0
	for i := range 32 {
		v := int(s[i]) + int(l[i]) + carry
		s[i], carry = byte(v), v>>8
	}
}

func decodeHexT(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzEd25519Verify holds the verification with a point decoded once
// against ed25519.Verify, on keys, messages and signatures the fuzzer
// changes at will: they must agree on every input.
func FuzzEd25519Verify(f *testing.F) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	for _, msg := range []string{"", "a", "eyJhbGciOiJFZERTQSJ9.e30"} {
		f.Add([]byte(pub), msg, ed25519.Sign(priv, []byte(msg)))
	}
	f.Add(decodeHexT(f, rfc8032Test1.pub), "", decodeHexT(f, rfc8032Test1.sig))
	f.Fuzz(func(t *testing.T, key []byte, msg string, sig []byte) {
		if len(key) != ed25519.PublicKeySize {
			return // ed25519.Verify panics; NewPublicKey refuses such keys
		}
		want := ed25519.Verify(key, []byte(msg), sig)
		if got := verifyEveryWay(t, newEd25519Point(key), msg, sig); got != want {
			t.Fatalf("verify = %v; ed25519.Verify says %v (key %x, sig %x, %d-byte message)", got, want, key, sig, len(msg))
		}
	})
}

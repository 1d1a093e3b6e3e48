package benchkit_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/internal/benchkit"
)

// signed is a compact JWS of alg with the claims {"sub":sub}.
func signed(t *testing.T, alg string, priv crypto.Signer, sub string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(`{"alg":"`+alg+`"}`)) + "." + enc.EncodeToString([]byte(`{"sub":"`+sub+`"}`))
	h := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	case *ecdsa.PrivateKey:
		var r, s interface{ FillBytes([]byte) []byte }
		r, s, err = ecdsa.Sign(rand.Reader, k, h[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func TestBaseline(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		alg  string
		priv crypto.Signer
	}{{"RS256", rsaKey}, {"ES256", ecKey}, {"EdDSA", edKey}} {
		t.Run(c.alg, func(t *testing.T) {
			tok := signed(t, c.alg, c.priv, "s")
			verify := benchkit.Baseline(t, c.alg, c.priv.Public(), tok)
			if err := verify(); err != nil {
				t.Fatalf("the token's own signature: %v", err)
			}

			// the signature of another message does not verify
			other := signed(t, c.alg, c.priv, "t")
			forged := tok[:strings.LastIndexByte(tok, '.')] + other[strings.LastIndexByte(other, '.'):]
			f, err := benchkit.NewBaseline(c.alg, c.priv.Public(), forged)
			if err != nil {
				t.Fatal(err)
			}
			if f() == nil {
				t.Fatal("a signature of another message verified")
			}
			// a signature that is not base64url, or short, fails without a panic
			for _, sig := range []string{"!!!!", "AAAA", ""} {
				f, err := benchkit.NewBaseline(c.alg, c.priv.Public(), tok[:strings.LastIndexByte(tok, '.')+1]+sig)
				if err != nil {
					t.Fatal(err)
				}
				if f() == nil {
					t.Fatalf("signature %q verified", sig)
				}
			}
		})
	}

	tok := signed(t, "RS256", rsaKey, "s")
	for _, c := range []struct {
		name string
		alg  string
		pub  crypto.PublicKey
		tok  string
	}{
		{"unknown alg", "PS256", rsaKey.Public(), tok},
		{"RSA alg, EC key", "RS256", ecKey.Public(), tok},
		{"ES256 on a P-384 key", "ES256", p384.Public(), tok},
		{"EdDSA alg, RSA key", "EdDSA", rsaKey.Public(), tok},
		{"two segments", "RS256", rsaKey.Public(), tok[:strings.LastIndexByte(tok, '.')]},
		{"four segments", "RS256", rsaKey.Public(), tok + ".x"},
	} {
		if _, err := benchkit.NewBaseline(c.alg, c.pub, c.tok); err == nil {
			t.Errorf("%s: NewBaseline accepted it", c.name)
		}
	}
}

func TestBaselineErrorIsErrBaseline(t *testing.T) {
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok := signed(t, "EdDSA", edKey, "s")
	zero := tok[:strings.LastIndexByte(tok, '.')+1] + base64.RawURLEncoding.EncodeToString(make([]byte, ed25519.SignatureSize))
	f, err := benchkit.NewBaseline("EdDSA", edKey.Public(), zero)
	if err != nil {
		t.Fatal(err)
	}
	if err := f(); !errors.Is(err, benchkit.ErrBaseline) {
		t.Fatalf("error %v, want ErrBaseline", err)
	}
}

// TestRingBaseline shows that a ring baseline verifies its tokens in turn,
// from start, and wraps around: the one token whose signature was changed
// fails exactly when its turn comes.
func TestRingBaseline(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{signed(t, "EdDSA", priv, "a"), signed(t, "EdDSA", priv, "b"), signed(t, "EdDSA", priv, "c")}
	// Swap c's signature for a's: a well-formed signature that does not verify.
	tokens[2] = tokens[2][:strings.LastIndexByte(tokens[2], '.')] + tokens[0][strings.LastIndexByte(tokens[0], '.'):]
	ring := benchkit.NewRing(tokens)
	ring.Next() // the baseline starts where the ring is: at token 1
	next := ring.Baseline(t, "EdDSA", pub)
	for i, wantFail := range []bool{false, true, false, false, true} { // tokens 1, 2, 0, 1, 2
		err := next()
		if failed := errors.Is(err, benchkit.ErrBaseline); failed != wantFail {
			t.Fatalf("call %d: error %v; want a failure: %v", i, err, wantFail)
		}
	}
}

// TestRing shows a ring's turn order and parallel minting in index order.
func TestRing(t *testing.T) {
	tokens := benchkit.MintTokens(5, func(i int) string { return string(rune('a' + i)) })
	if strings.Join(tokens, "") != "abcde" {
		t.Fatalf("MintTokens = %q", tokens)
	}
	r := benchkit.NewRing(tokens[:3])
	var got []string
	for range 4 {
		got = append(got, r.Next())
	}
	if strings.Join(got, "") != "abca" {
		t.Fatalf("Next gave %q", got)
	}
}

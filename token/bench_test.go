package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"
)

// The benchmarks in this file come in pairs, per algorithm:
//
//   - BenchmarkBaseline<Alg> is the unavoidable cost of a token: base64url
//     decoding of its signature and the bare crypto verification of the same
//     token with the same key (rsa.VerifyPKCS1v15 of SHA-256 of the signing
//     input, ecdsa.Verify, ed25519.Verify).
//   - BenchmarkVerify<Alg> is Verifier.Verify on the same token with a warm,
//     in-memory key source.
//
// Their ratio is the overhead of the pipeline (issue 9 targets at most 1.15x
// for RS256 and 1.10x for ES256 and EdDSA, and at most 30 allocations; the
// validators add their own claim checks on top). Compare with
//
//	go test -run '^$' -bench . -count 6 ./token/ > /tmp/bench-token.txt
//	benchstat /tmp/bench-token.txt

// benchClaims is a realistic access token's claims set (Auth0-style, with an
// audience array, scopes and permissions): about 600 bytes of JSON.
func benchClaims() obj {
	return obj{
		"iss":                       testIssuer,
		"sub":                       "auth0|64b0c9a5f1e2d3c4b5a69788",
		"aud":                       []string{"https://api.example.com/appointments", "https://issuer.example.com/userinfo"},
		"iat":                       testNow.Add(-time.Minute).Unix(),
		"exp":                       testNow.Add(time.Hour).Unix(),
		"azp":                       "kbyuFDidLLm280LIwVFiazOqjO3ty8KH",
		"scope":                     "openid profile email read:appointments write:appointments",
		"jti":                       "3d6ea6b3-2b1c-4d5e-9f8a-7b6c5d4e3f2a",
		"client_id":                 "kbyuFDidLLm280LIwVFiazOqjO3ty8KH",
		"permissions":               []string{"read:appointments", "write:appointments"},
		"https://example.com/roles": []string{"clinician"},
		"gty":                       "authorization_code",
	}
}

type benchCase struct {
	tok string
	key *Key
	v   *Verifier
}

func newBenchCase(b *testing.B, alg, kid string, priv any, pub crypto.PublicKey) benchCase {
	b.Helper()
	key := mustKey(b, KeyParams{ID: kid, Algorithm: alg, Use: "sig"}, pub)
	v := newTestVerifier(b, mustSet(b, key), nil)
	tok := sign(b, alg, priv, obj{"typ": "at+jwt", "kid": kid}, benchClaims())
	if _, err := v.Verify(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	return benchCase{tok: tok, key: key, v: v}
}

func splitForBaseline(tok string) (input, sig string) {
	dot := strings.LastIndexByte(tok, '.')
	return tok[:dot], tok[dot+1:]
}

// runBoth runs f serially and from every core.
func runBoth(b *testing.B, f func() error) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := f(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchVerify(b *testing.B, c benchCase) {
	ctx := context.Background()
	runBoth(b, func() error {
		_, err := c.v.Verify(ctx, c.tok)
		return err
	})
}

var errBaseline = Errorf(ErrSignature, "", "baseline verification failed")

func BenchmarkBaselineRS256(b *testing.B) {
	k := testKeys()
	c := newBenchCase(b, RS256, "rsa", k.rsa, &k.rsa.PublicKey)
	pub := c.key.Public().(*rsa.PublicKey)
	input, sigSeg := splitForBaseline(c.tok)
	runBoth(b, func() error {
		sig, err := base64.RawURLEncoding.DecodeString(sigSeg)
		if err != nil {
			return err
		}
		h := sha256.Sum256([]byte(input))
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	})
}

func BenchmarkVerifyRS256(b *testing.B) {
	k := testKeys()
	benchVerify(b, newBenchCase(b, RS256, "rsa", k.rsa, &k.rsa.PublicKey))
}

func BenchmarkBaselineES256(b *testing.B) {
	k := testKeys()
	c := newBenchCase(b, ES256, "ec", k.ec256, &k.ec256.PublicKey)
	pub := c.key.Public().(*ecdsa.PublicKey)
	input, sigSeg := splitForBaseline(c.tok)
	runBoth(b, func() error {
		sig, err := base64.RawURLEncoding.DecodeString(sigSeg)
		if err != nil {
			return err
		}
		h := sha256.Sum256([]byte(input))
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, h[:], r, s) {
			return errBaseline
		}
		return nil
	})
}

func BenchmarkVerifyES256(b *testing.B) {
	k := testKeys()
	benchVerify(b, newBenchCase(b, ES256, "ec", k.ec256, &k.ec256.PublicKey))
}

func BenchmarkBaselineEdDSA(b *testing.B) {
	k := testKeys()
	c := newBenchCase(b, EdDSA, "ed", k.ed, k.ed.Public())
	pub := c.key.Public().(ed25519.PublicKey)
	input, sigSeg := splitForBaseline(c.tok)
	runBoth(b, func() error {
		sig, err := base64.RawURLEncoding.DecodeString(sigSeg)
		if err != nil {
			return err
		}
		if !ed25519.Verify(pub, []byte(input), sig) {
			return errBaseline
		}
		return nil
	})
}

func BenchmarkVerifyEdDSA(b *testing.B) {
	k := testKeys()
	benchVerify(b, newBenchCase(b, EdDSA, "ed", k.ed, k.ed.Public()))
}

package benchkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// ErrBaseline is what a baseline returns when the signature does not verify.
var ErrBaseline = errors.New("benchkit: baseline verification failed")

// NewBaseline returns the least work any validator must do for tok, signed
// with alg by the private half of pub: decode the signature from base64url
// and verify it with the crypto package, which includes hashing the signing
// input (rsa.VerifyPKCS1v15 of its SHA-256 for RS256, ecdsa.Verify with R
// and S read as big integers for ES256, ed25519.Verify for EdDSA). The
// signing input is found once, here; each call of the returned function does
// the rest and returns nil when the signature verifies.
//
// It returns an error for any other algorithm, for a key that does not fit
// alg, and for a tok that is not header.payload.signature.
func NewBaseline(alg string, pub crypto.PublicKey, tok string) (func() error, error) {
	dot := strings.LastIndexByte(tok, '.')
	if dot < 0 || strings.Count(tok, ".") != 2 {
		return nil, fmt.Errorf("benchkit: baseline needs a compact JWS (header.payload.signature), got %d segments", strings.Count(tok, ".")+1)
	}
	input, sigSeg := tok[:dot], tok[dot+1:]
	decode := func() ([]byte, error) { return base64.RawURLEncoding.DecodeString(sigSeg) }
	switch alg {
	case "RS256":
		pub, ok := pub.(*rsa.PublicKey)
		if !ok {
			break
		}
		return func() error {
			sig, err := decode()
			if err != nil {
				return err
			}
			h := sha256.Sum256([]byte(input))
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
		}, nil
	case "ES256":
		pub, ok := pub.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			break
		}
		return func() error {
			sig, err := decode()
			if err != nil {
				return err
			}
			if len(sig) != 64 {
				return fmt.Errorf("%w: ES256 signature of %d bytes, want 64", ErrBaseline, len(sig))
			}
			h := sha256.Sum256([]byte(input))
			r := new(big.Int).SetBytes(sig[:32])
			s := new(big.Int).SetBytes(sig[32:])
			if !ecdsa.Verify(pub, h[:], r, s) {
				return ErrBaseline
			}
			return nil
		}, nil
	case "EdDSA":
		pub, ok := pub.(ed25519.PublicKey)
		if !ok {
			break
		}
		return func() error {
			sig, err := decode()
			if err != nil {
				return err
			}
			if !ed25519.Verify(pub, []byte(input), sig) {
				return ErrBaseline
			}
			return nil
		}, nil
	default:
		return nil, fmt.Errorf("benchkit: no baseline for alg %q (want RS256, ES256 or EdDSA)", alg)
	}
	return nil, fmt.Errorf("benchkit: no %s baseline for a %T key", alg, pub)
}

// Baseline is NewBaseline for a benchmark's setup: it stops tb if there is
// no baseline for alg and pub or if tok's signature does not verify with it,
// so a benchmark never times a baseline that fails.
func Baseline(tb testing.TB, alg string, pub crypto.PublicKey, tok string) func() error {
	tb.Helper()
	f, err := NewBaseline(alg, pub, tok)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f(); err != nil {
		tb.Fatalf("benchkit: %s baseline of the benchmark token: %v", alg, err)
	}
	return f
}

package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

// This file holds what the tests share: keys (generated once per test binary,
// because RSA key generation is slow), a signer that builds compact JWS with
// the standard library only, and a static key source.

const testIssuer = "https://issuer.example.com/"

// testNow is the fixed clock of every test.
var testNow = time.Unix(1_700_000_000, 0).UTC()

func fixedClock() time.Time { return testNow }

type testKeyring struct {
	rsa, rsaOther     *rsa.PrivateKey
	rsa1024           *rsa.PrivateKey
	ec256, ec256Other *ecdsa.PrivateKey
	ec384, ec521      *ecdsa.PrivateKey
	ed, edOther       ed25519.PrivateKey
	hmac              []byte
}

var testKeys = sync.OnceValue(func() *testKeyring {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var k testKeyring
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec256Other, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.ec521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, k.edOther, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	k.hmac = make([]byte, 64)
	_, err = rand.Read(k.hmac)
	must(err)
	return &k
})

// b64 encodes as JWS does: base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rawSignature signs input with key as alg prescribes and returns the raw
// (not yet base64url-encoded) JWS signature. key is a crypto.Signer or, for
// HMAC, a []byte secret.
func rawSignature(tb testing.TB, alg string, key any, input []byte) []byte {
	tb.Helper()
	a, ok := lookupAlgorithm(alg)
	if !ok {
		tb.Fatalf("rawSignature: unknown alg %q", alg)
	}
	var h []byte
	if a.hash != 0 {
		hh := a.hash.New()
		hh.Write(input)
		h = hh.Sum(nil)
	}
	switch a.kind {
	case kindRSA:
		sig, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), a.hash, h)
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	case kindRSAPSS:
		sig, err := rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), a.hash, h,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	case kindEC:
		priv := key.(*ecdsa.PrivateKey)
		r, s, err := ecdsa.Sign(rand.Reader, priv, h)
		if err != nil {
			tb.Fatal(err)
		}
		n := (priv.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*n)
		r.FillBytes(sig[:n])
		s.FillBytes(sig[n:])
		return sig
	case kindEd25519:
		return ed25519.Sign(key.(ed25519.PrivateKey), input)
	case kindHMAC:
		secret, ok := key.([]byte)
		if !ok {
			tb.Fatalf("rawSignature: HMAC needs a []byte secret, got %T", key)
		}
		m := hmac.New(a.hash.New, secret)
		m.Write(input)
		return m.Sum(nil)
	}
	tb.Fatalf("rawSignature: no signer for %q", alg)
	return nil
}

// signRaw signs exactly the given header and payload bytes.
func signRaw(tb testing.TB, alg string, key any, header, payload string) string {
	tb.Helper()
	input := b64([]byte(header)) + "." + b64([]byte(payload))
	return input + "." + b64(rawSignature(tb, alg, key, []byte(input)))
}

// obj is a JSON object for headers and claims; json.Marshal sorts its keys.
type obj map[string]any

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// validClaims are claims that pass the pipeline at testNow.
func validClaims() obj {
	return obj{
		"iss": testIssuer,
		"sub": "user-42",
		"aud": "client-1",
		"exp": testNow.Add(time.Hour).Unix(),
		"iat": testNow.Add(-time.Minute).Unix(),
		"jti": "id-1",
	}
}

// with returns a copy of o with the given members set; a nil value removes
// the member.
func (o obj) with(kv ...any) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// sign makes a compact JWS. header gets alg set when it has none.
func sign(tb testing.TB, alg string, key any, header, claims obj) string {
	tb.Helper()
	h := header.with()
	if _, ok := h["alg"]; !ok {
		h["alg"] = alg
	}
	return signRaw(tb, alg, key, mustJSON(tb, h), mustJSON(tb, claims))
}

// staticSource is a KeySource over a fixed set, as jwks.Static is.
type staticSource struct{ set *KeySet }

func (s staticSource) Keys(context.Context, string) (*KeySet, error) { return s.set, nil }

// errSource is a KeySource that always fails.
type errSource struct{ err error }

func (s errSource) Keys(context.Context, string) (*KeySet, error) { return nil, s.err }

func mustKey(tb testing.TB, p KeyParams, pub crypto.PublicKey) *Key {
	tb.Helper()
	k, err := NewPublicKey(p, pub)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustSet(tb testing.TB, keys ...*Key) *KeySet {
	tb.Helper()
	s, err := NewKeySet(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// standardSet holds one key of every asymmetric kind, each with a kid.
func standardSet(tb testing.TB) *KeySet {
	k := testKeys()
	return mustSet(tb,
		mustKey(tb, KeyParams{ID: "rsa"}, &k.rsa.PublicKey),
		mustKey(tb, KeyParams{ID: "ec256"}, &k.ec256.PublicKey),
		mustKey(tb, KeyParams{ID: "ec384"}, &k.ec384.PublicKey),
		mustKey(tb, KeyParams{ID: "ec521"}, &k.ec521.PublicKey),
		mustKey(tb, KeyParams{ID: "ed"}, k.ed.Public()),
	)
}

func newTestVerifier(tb testing.TB, set *KeySet, edit func(*VerifierConfig)) *Verifier {
	tb.Helper()
	cfg := VerifierConfig{Issuer: testIssuer, Keys: staticSource{set}, Now: fixedClock}
	if edit != nil {
		edit(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// sentinels lists every sentinel, so a test can check that an error matches
// exactly the one it expects.
var sentinels = []error{
	ErrMalformed, ErrTooLarge, ErrUnsupportedAlgorithm, ErrKeyMismatch, ErrCritical,
	ErrKeyNotFound, ErrSignature, ErrExpired, ErrNotYetValid, ErrIssuedInFuture,
	ErrIssuer, ErrAudience, ErrAuthorizedParty, ErrTokenType, ErrMissingClaim,
	ErrInvalidClaim, ErrNonce, ErrTokenHash, ErrAuthTime, ErrACR,
	ErrInsufficientScope, ErrInactive, ErrUnavailable, ErrReplay, ErrSubject, ErrTokenRefused,
}

// assertRefused checks that err is a *ValidationError of kind want about
// claim, and matches no other sentinel.
func assertRefused(tb testing.TB, err, want error, claim string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("accepted; want %v", want)
	}
	if !errors.Is(err, want) {
		tb.Fatalf("error %q does not match %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			tb.Errorf("error %q also matches %v", err, s)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("error %q is %T, not a *ValidationError", err, err)
	}
	if ve.Kind != want {
		tb.Errorf("Kind = %v; want %v", ve.Kind, want)
	}
	if ve.Claim != claim {
		tb.Errorf("Claim = %q; want %q (error %q)", ve.Claim, claim, err)
	}
	if ve.Reason == "" {
		tb.Errorf("error %q has no reason", err)
	}
}

package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/internal/jose"
)

func TestNewPublicKeyRefusals(t *testing.T) {
	k := testKeys()
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 an off-curve point can only be built from raw coordinates
	offCurve := &ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)}
	huge := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), MaxRSABits+7), E: 65537}
	huge.N.Add(huge.N, big.NewInt(1))
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
	}{
		{"RSA 1024", &k.rsa1024.PublicKey},
		{"RSA 1024 private", k.rsa1024},
		{"RSA over the maximum size", huge},
		{"RSA exponent 1", &rsa.PublicKey{N: k.rsa.N, E: 1}},
		{"RSA even exponent", &rsa.PublicKey{N: k.rsa.N, E: 65536}},
		{"RSA nil modulus", &rsa.PublicKey{E: 65537}},
		{"nil RSA key", (*rsa.PublicKey)(nil)},
		{"EC P-224", &p224.PublicKey},
		{"EC point not on the curve", offCurve},
		{"EC without coordinates", &ecdsa.PublicKey{Curve: elliptic.P256()}},
		{"nil EC key", (*ecdsa.PublicKey)(nil)},
		{"Ed25519 short", ed25519.PublicKey(make([]byte, 31))},
		{"Ed25519 long", ed25519.PublicKey(make([]byte, 33))},
		{"a byte slice", []byte("secret")},
		{"nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if key, err := NewPublicKey(KeyParams{ID: "x"}, tc.pub); err == nil {
				t.Fatalf("accepted: %+v", key)
			}
		})
	}
}

func TestNewPublicKeyAccepts(t *testing.T) {
	k := testKeys()
	for _, tc := range []struct {
		name string
		in   crypto.PublicKey
		want crypto.PublicKey
	}{
		{"RSA", &k.rsa.PublicKey, &k.rsa.PublicKey},
		{"RSA private reduced to public", k.rsa, &k.rsa.PublicKey},
		{"EC P-256", &k.ec256.PublicKey, &k.ec256.PublicKey},
		{"EC P-521 private", k.ec521, &k.ec521.PublicKey},
		{"Ed25519", k.ed.Public(), k.ed.Public()},
		{"Ed25519 private", k.ed, k.ed.Public()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := []string{"verify"}
			key, err := NewPublicKey(KeyParams{ID: "id", Algorithm: "X", Use: "sig", Operations: ops}, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			ops[0] = "changed"
			if key.ID() != "id" || key.Algorithm() != "X" || key.Symmetric() || key.ops[0] != "verify" {
				t.Errorf("key = %+v", key)
			}
			if !tc.want.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Errorf("Public() = %T, not the public key", key.Public())
			}
			if _, isPriv := key.Public().(crypto.Signer); isPriv {
				t.Error("Public() returned a private key")
			}
		})
	}
}

func TestNewSymmetricKey(t *testing.T) {
	secret := []byte(strings.Repeat("s", 64))
	for _, tc := range []struct {
		name   string
		alg    string
		secret []byte
		ok     bool
	}{
		{"HS256", HS256, secret[:32], true},
		{"HS384", HS384, secret[:48], true},
		{"HS512", HS512, secret, true},
		{"no alg", "", secret, false},
		{"asymmetric alg", RS256, secret, false},
		{"none", "none", secret, false},
		{"HS256 short secret", HS256, secret[:31], false},
		{"HS512 short secret", HS512, secret[:63], false},
		{"empty secret", HS256, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := NewSymmetricKey(KeyParams{ID: "h", Algorithm: tc.alg}, tc.secret)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v; want ok %v", err, tc.ok)
			}
			if err == nil && (!key.Symmetric() || key.Public() != nil) {
				t.Errorf("key = %+v", key)
			}
		})
	}
	// The secret is copied: changing the caller's slice changes nothing.
	s := []byte(strings.Repeat("a", 32))
	key, err := NewSymmetricKey(KeyParams{Algorithm: HS256}, s)
	if err != nil {
		t.Fatal(err)
	}
	s[0] = 'b'
	if key.secret[0] != 'a' {
		t.Error("NewSymmetricKey kept the caller's slice")
	}
}

func b64Int(x *big.Int) string { return b64(x.Bytes()) }

func rsaJWK(pub *rsa.PublicKey, extra string) string {
	return `{"kty":"RSA","n":"` + b64Int(pub.N) + `","e":"` + b64Int(big.NewInt(int64(pub.E))) + `"` + extra + `}`
}

func ecJWK(pub *ecdsa.PublicKey, crv, extra string) string {
	p, err := pub.Bytes() // 0x04, then x and y, each of the curve's size
	if err != nil {
		panic(err)
	}
	n := (len(p) - 1) / 2
	return `{"kty":"EC","crv":"` + crv + `","x":"` + b64(p[1:1+n]) +
		`","y":"` + b64(p[1+n:]) + `"` + extra + `}`
}

func TestParseKey(t *testing.T) {
	k := testKeys()
	edJWK := `{"kty":"OKP","crv":"Ed25519","x":"` + b64(k.ed.Public().(ed25519.PublicKey)) + `"`
	for _, tc := range []struct {
		name, jwk string
		ok        bool
		check     func(t *testing.T, key *Key)
	}{
		{"RSA", rsaJWK(&k.rsa.PublicKey, `,"kid":"r","alg":"RS256","use":"sig","key_ops":["verify"]`), true, func(t *testing.T, key *Key) {
			if key.ID() != "r" || key.Algorithm() != RS256 || key.use != "sig" || len(key.ops) != 1 || !k.rsa.PublicKey.Equal(key.Public()) {
				t.Errorf("key = %+v", key)
			}
		}},
		{"RSA private JWK keeps only the public half", rsaJWK(&k.rsa.PublicKey, `,"d":"`+b64Int(k.rsa.D)+`","p":"`+b64Int(k.rsa.Primes[0])+`","q":"`+b64Int(k.rsa.Primes[1])+`"`), true, func(t *testing.T, key *Key) {
			if _, ok := key.Public().(*rsa.PublicKey); !ok {
				t.Errorf("Public() = %T", key.Public())
			}
		}},
		{"EC P-256", ecJWK(&k.ec256.PublicKey, "P-256", `,"kid":"e"`), true, func(t *testing.T, key *Key) {
			if key.curve != elliptic.P256() || !k.ec256.PublicKey.Equal(key.Public()) {
				t.Errorf("key = %+v", key)
			}
		}},
		{"EC P-384", ecJWK(&k.ec384.PublicKey, "P-384", ""), true, nil},
		{"EC P-521", ecJWK(&k.ec521.PublicKey, "P-521", ""), true, nil},
		{"Ed25519", edJWK + `}`, true, func(t *testing.T, key *Key) {
			if !k.ed.Public().(ed25519.PublicKey).Equal(key.Public()) {
				t.Errorf("key = %+v", key)
			}
		}},
		{"oct with alg", `{"kty":"oct","alg":"HS256","k":"` + b64(k.hmac[:32]) + `"}`, true, func(t *testing.T, key *Key) {
			if !key.Symmetric() {
				t.Error("not symmetric")
			}
		}},
		{"oct without alg", `{"kty":"oct","k":"` + b64(k.hmac[:32]) + `"}`, false, nil},
		{"oct too short", `{"kty":"oct","alg":"HS256","k":"` + b64(k.hmac[:16]) + `"}`, false, nil},
		{"RSA 1024", rsaJWK(&k.rsa1024.PublicKey, ""), false, nil},
		{"EC point off the curve", `{"kty":"EC","crv":"P-256","x":"` + b64(make([]byte, 32)) + `","y":"` + b64(make([]byte, 32)) + `"}`, false, nil},
		{"EC curve mismatch", ecJWK(&k.ec384.PublicKey, "P-256", ""), false, nil},
		{"secp256k1", `{"kty":"EC","crv":"secp256k1","x":"` + b64(make([]byte, 32)) + `","y":"` + b64(make([]byte, 32)) + `"}`, false, nil},
		{"X25519", `{"kty":"OKP","crv":"X25519","x":"` + b64(make([]byte, 32)) + `"}`, false, nil},
		{"unknown kty", `{"kty":"XYZ"}`, false, nil},
		{"no kty", `{"n":"AQAB","e":"AQAB"}`, false, nil},
		{"duplicate member", rsaJWK(&k.rsa.PublicKey, `,"kid":"a","kid":"b"`), false, nil},
		{"case-folded duplicate member", rsaJWK(&k.rsa.PublicKey, `,"N":"AQAB"`), false, nil},
		{"not JSON", `{"kty":`, false, nil},
		{"array", `[]`, false, nil},
		{"empty", ``, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := ParseKey([]byte(tc.jwk))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseKey err = %v; want ok %v", err, tc.ok)
			}
			if err == nil && tc.check != nil {
				tc.check(t, key)
			}
		})
	}
}

func TestKeyEqual(t *testing.T) {
	k := testKeys()
	a := mustKey(t, KeyParams{ID: "a", Use: "sig", Operations: []string{"verify"}}, &k.rsa.PublicKey)
	same := mustKey(t, KeyParams{ID: "a", Use: "sig", Operations: []string{"verify"}}, &rsa.PublicKey{N: new(big.Int).Set(k.rsa.N), E: k.rsa.E})
	if !a.Equal(same) || !a.Equal(a) {
		t.Error("equal keys differ")
	}
	for name, other := range map[string]*Key{
		"other kid":    mustKey(t, KeyParams{ID: "b", Use: "sig", Operations: []string{"verify"}}, &k.rsa.PublicKey),
		"other use":    mustKey(t, KeyParams{ID: "a", Operations: []string{"verify"}}, &k.rsa.PublicKey),
		"other ops":    mustKey(t, KeyParams{ID: "a", Use: "sig", Operations: []string{"sign"}}, &k.rsa.PublicKey),
		"other alg":    mustKey(t, KeyParams{ID: "a", Algorithm: RS256, Use: "sig", Operations: []string{"verify"}}, &k.rsa.PublicKey),
		"other key":    mustKey(t, KeyParams{ID: "a", Use: "sig", Operations: []string{"verify"}}, &k.rsaOther.PublicKey),
		"other type":   mustKey(t, KeyParams{ID: "a", Use: "sig", Operations: []string{"verify"}}, &k.ec256.PublicKey),
		"nil":          nil,
		"Ed25519 type": mustKey(t, KeyParams{ID: "a"}, k.ed.Public()),
	} {
		if a.Equal(other) {
			t.Errorf("%s: keys are equal", name)
		}
	}
	h1, _ := NewSymmetricKey(KeyParams{Algorithm: HS256}, k.hmac[:32])
	h2, _ := NewSymmetricKey(KeyParams{Algorithm: HS256}, k.hmac[:32])
	h3, _ := NewSymmetricKey(KeyParams{Algorithm: HS256}, k.hmac[1:33])
	if !h1.Equal(h2) || h1.Equal(h3) {
		t.Error("symmetric key equality is wrong")
	}
	var nilKey *Key
	if !nilKey.Equal(nil) || nilKey.Equal(a) {
		t.Error("nil key equality is wrong")
	}
}

func TestHashFor(t *testing.T) {
	for alg, want := range map[string]crypto.Hash{
		RS256: crypto.SHA256, PS384: crypto.SHA384, ES512: crypto.SHA512, HS256: crypto.SHA256,
		EdDSA: crypto.SHA512, // OIDC Core errata: Ed25519 hashes with SHA-512
	} {
		if got, ok := HashFor(alg); !ok || got != want {
			t.Errorf("HashFor(%s) = %v %v; want %v", alg, got, ok, want)
		}
	}
	for _, alg := range []string{"none", "", "rs256", "ES256K"} {
		if _, ok := HashFor(alg); ok {
			t.Errorf("HashFor(%q) is ok", alg)
		}
	}
	if len(DefaultAlgorithms()) != 10 {
		t.Errorf("DefaultAlgorithms() = %v", DefaultAlgorithms())
	}
	for _, a := range DefaultAlgorithms() {
		if strings.HasPrefix(a, "HS") || strings.EqualFold(a, "none") {
			t.Errorf("DefaultAlgorithms() includes %s", a)
		}
	}
	// The list is the caller's to change.
	DefaultAlgorithms()[0] = "none"
	if DefaultAlgorithms()[0] != RS256 {
		t.Error("DefaultAlgorithms shares its slice")
	}
}

func TestParseKeySet(t *testing.T) {
	k := testKeys()
	rsaPub, _ := jose.MarshalPublic("rsa", RS256, &k.rsa.PublicKey)
	ecPub, _ := jose.MarshalPublic("ec", ES256, &k.ec256.PublicKey)
	edPub, _ := jose.MarshalPublic("ed", EdDSA, k.ed.Public())
	doc := `{"keys":[` + strings.Join([]string{
		string(rsaPub),
		string(ecPub),
		string(edPub),
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"enc","use":"enc"`),                           // 3: encryption key
		rsaJWK(&k.rsa1024.PublicKey, `,"kid":"small"`),                                      // 4: too small
		`{"kty":"EC","crv":"secp256k1","kid":"k1","x":"AA","y":"AA"}`,                       // 5: unknown curve
		`{"kty":"oct","alg":"HS256","kid":"hs","k":"` + b64(k.hmac[:32]) + `"}`,             // 6: symmetric
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"rsa"`),                                       // 7: same kid and type as 0
		`{"kty":"PQC","kid":"future"}`,                                                      // 8: unknown kty
		`"not a key"`,                                                                       // 9
		`{"kty":"RSA","kid":"nothing else"}`,                                                // 10: no modulus
		ecJWK(&k.ec256Other.PublicKey, "P-256", `,"kid":"rsa"`),                             // 11: same kid, other type
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"ops","key_ops":["encrypt"]`),                 // 12: never verifies
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"unknown-alg","alg":"RSA-OAEP","x5t":"x"`),    // 13: an encryption alg
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"wrong-alg","alg":"ES256"`),                   // 14: alg for another key type
		rsaJWK(&k.rsaOther.PublicKey, `,"kid":"ok-ops","alg":"PS256","key_ops":["verify"]`), // 15: kept
	}, ",") + `],"other":{"ignored":true}}`
	set, err := ParseKeySet([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, key := range set.Keys() {
		ids = append(ids, key.ID())
	}
	if got := strings.Join(ids, ","); got != "rsa,ec,ed,rsa,ok-ops" {
		t.Errorf("kept keys %s", got)
	}
	if set.Len() != 5 || len(set.Lookup("rsa")) != 2 || len(set.Lookup("nope")) != 0 {
		t.Errorf("Len %d, Lookup(rsa) %d", set.Len(), len(set.Lookup("rsa")))
	}
	var skipped []int
	for _, s := range set.Skipped() {
		if s.Reason == "" {
			t.Errorf("skipped key %d has no reason", s.Index)
		}
		skipped = append(skipped, s.Index)
	}
	if got, _ := json.Marshal(skipped); string(got) != "[3,4,5,6,7,8,9,10,12,13,14]" {
		t.Errorf("skipped %s", got)
	}
	if s := set.Skipped(); s[0].KeyID != "enc" || s[1].KeyID != "small" {
		t.Errorf("skipped kids %+v", s[:2])
	}
	// Keys and Skipped return copies.
	set.Keys()[0] = nil
	set.Skipped()[0].Index = 99
	if set.Keys()[0] == nil || set.Skipped()[0].Index != 3 {
		t.Error("Keys or Skipped expose the set's own slices")
	}

	for _, tc := range []struct {
		name, doc string
		want      error
	}{
		{"not JSON", `{"keys":[`, ErrMalformed},
		{"no keys member", `{"Keys":[]}`, ErrMalformed},
		{"keys not an array", `{"keys":{}}`, ErrMalformed},
		{"keys null", `{"keys":null}`, ErrMalformed},
		{"duplicate keys member", `{"keys":[],"keys":[` + string(rsaPub) + `]}`, ErrMalformed},
		{"case-folded keys member", `{"keys":[],"KEYS":[]}`, ErrMalformed},
		// One ambiguous key makes the document ambiguous: which kid would the
		// issuer mean?
		{"duplicate member inside a key", `{"keys":[` + rsaJWK(&k.rsa.PublicKey, `,"kid":"a","kid":"b"`) + `]}`, ErrMalformed},
		{"an array", `[` + string(rsaPub) + `]`, ErrMalformed},
		{"a single JWK", string(rsaPub), ErrMalformed},
		{"too many keys", `{"keys":[` + strings.Repeat(`{},`, MaxKeySetKeys) + `{}]}`, ErrTooLarge},
		{"nested too deep", `{"keys":[],"x":` + nest(10) + `}`, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseKeySet([]byte(tc.doc))
			if s != nil {
				t.Error("returned a set with the error")
			}
			assertRefused(t, err, tc.want, "keys")
		})
	}
	if s, err := ParseKeySet([]byte(`{"keys":[]}`)); err != nil || s.Len() != 0 {
		t.Errorf("empty key set: %v %v", s, err)
	}
}

func TestNewKeySet(t *testing.T) {
	k := testKeys()
	a := mustKey(t, KeyParams{ID: "a"}, &k.rsa.PublicKey)
	a2 := mustKey(t, KeyParams{ID: "a"}, &k.rsaOther.PublicKey)
	aEC := mustKey(t, KeyParams{ID: "a"}, &k.ec256.PublicKey)
	aEC384 := mustKey(t, KeyParams{ID: "a"}, &k.ec384.PublicKey)
	if _, err := NewKeySet(a, a2); err == nil {
		t.Error("two RSA keys with one kid accepted")
	}
	if _, err := NewKeySet(a, nil); err == nil {
		t.Error("nil key accepted")
	}
	s, err := NewKeySet(a, aEC, aEC384)
	if err != nil {
		t.Fatalf("keys of different types sharing a kid: %v", err)
	}
	if len(s.Lookup("a")) != 3 || !s.Contains(a) || s.Contains(a2) || s.Contains(nil) {
		t.Error("Lookup or Contains wrong")
	}
	// Contains is about identity: an equal key is not the key.
	copyOfA := mustKey(t, KeyParams{ID: "a"}, &k.rsa.PublicKey)
	if !a.Equal(copyOfA) || s.Contains(copyOfA) {
		t.Error("Contains matched an equal but different key")
	}
	var nilSet *KeySet
	if nilSet.Len() != 0 || nilSet.Keys() != nil || nilSet.Lookup("a") != nil || nilSet.Skipped() != nil || nilSet.Contains(a) {
		t.Error("nil set is not empty")
	}
}

func TestValidationError(t *testing.T) {
	cause := errors.New("connection reset")
	e := &ValidationError{Kind: ErrUnavailable, Claim: "keys", Reason: "JWKS fetch failed", Err: cause}
	if got := e.Error(); got != "validation unavailable (keys): JWKS fetch failed: connection reset" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, ErrUnavailable) || !errors.Is(e, cause) || errors.Is(e, ErrMalformed) {
		t.Error("errors.Is does not see the kind and the cause")
	}
	wrapped := errorsJoin("validate", e)
	var ve *ValidationError
	if !errors.As(wrapped, &ve) || ve != e {
		t.Error("errors.As does not find a wrapped *ValidationError")
	}
	if got := Errorf(ErrExpired, "exp", "expired %d s ago", 5).Error(); got != "token expired (exp): expired 5 s ago" {
		t.Errorf("Errorf = %q", got)
	}
	if got := (&ValidationError{}).Error(); got != "invalid token" {
		t.Errorf("zero ValidationError = %q", got)
	}
}

func errorsJoin(msg string, err error) error { return &wrapErr{msg, err} }

type wrapErr struct {
	msg string
	err error
}

func (w *wrapErr) Error() string { return w.msg + ": " + w.err.Error() }
func (w *wrapErr) Unwrap() error { return w.err }

// TestUsableAgreesWithFits checks ParseKeySet's rule (usable) and the
// pipeline's (fits) are one rule: a key ParseKeySet skips fits no
// algorithm, and a key it keeps fits at least one.
func TestUsableAgreesWithFits(t *testing.T) {
	k := testKeys()
	all := append(DefaultAlgorithms(), HS256, HS384, HS512)
	for _, tc := range []struct {
		name   string
		params KeyParams
		usable bool
	}{
		{"plain", KeyParams{ID: "a"}, true},
		{"use sig", KeyParams{ID: "a", Use: "sig"}, true},
		{"use enc", KeyParams{ID: "a", Use: "enc"}, false},
		{"key_ops verify", KeyParams{ID: "a", Operations: []string{"sign", "verify"}}, true},
		{"key_ops encrypt", KeyParams{ID: "a", Operations: []string{"encrypt"}}, false},
		{"alg fits", KeyParams{ID: "a", Algorithm: RS256}, true},
		{"alg of another type", KeyParams{ID: "a", Algorithm: ES256}, false},
		{"alg not a signature", KeyParams{ID: "a", Algorithm: "RSA-OAEP"}, false},
	} {
		key := mustKey(t, tc.params, &k.rsa.PublicKey)
		err := key.usable()
		if (err == nil) != tc.usable {
			t.Errorf("%s: usable() = %v; want usable %v", tc.name, err, tc.usable)
		}
		fitsSome := false
		for _, name := range all {
			a, _ := lookupAlgorithm(name)
			fitsSome = fitsSome || key.fitsAlg(a)
		}
		if fitsSome != tc.usable {
			t.Errorf("%s: fits some algorithm = %v, but usable = %v", tc.name, fitsSome, err)
		}
	}
}

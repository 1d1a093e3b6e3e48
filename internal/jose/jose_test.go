package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
)

var keys = sync.OnceValue(func() (k struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestMarshalPublicRoundTrip(t *testing.T) {
	k := keys()
	for _, tc := range []struct {
		name, alg string
		in        crypto.PublicKey
		want      interface{ Equal(crypto.PublicKey) bool }
		kty       string
	}{
		{"RSA", "RS256", &k.rsa.PublicKey, &k.rsa.PublicKey, "RSA"},
		{"RSA private", "PS256", k.rsa, &k.rsa.PublicKey, "RSA"},
		{"EC", "ES256", &k.ec.PublicKey, &k.ec.PublicKey, "EC"},
		{"EC private", "", k.ec, &k.ec.PublicKey, "EC"},
		{"Ed25519", "EdDSA", k.ed.Public(), k.ed.Public().(ed25519.PublicKey), "OKP"},
		{"Ed25519 private", "EdDSA", k.ed, k.ed.Public().(ed25519.PublicKey), "OKP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := MarshalPublic("kid-1", tc.alg, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				t.Fatal(err)
			}
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := m[private]; ok {
					t.Errorf("the JWK carries the private member %q", private)
				}
			}
			if m["kid"] != "kid-1" || m["use"] != "sig" || m["kty"] != tc.kty {
				t.Errorf("JWK = %s", doc)
			}
			if _, has := m["alg"]; has != (tc.alg != "") || (has && m["alg"] != tc.alg) {
				t.Errorf("alg in %s; want %q", doc, tc.alg)
			}
			j, err := ParseKey(doc)
			if err != nil {
				t.Fatal(err)
			}
			if j.KeyID != "kid-1" || j.Algorithm != tc.alg || j.Use != "sig" || j.KeyType != tc.kty || j.Secret != nil {
				t.Errorf("ParseKey = %+v", j)
			}
			if !tc.want.Equal(j.Public) {
				t.Errorf("round trip gave another key: %T", j.Public)
			}
		})
	}
	if _, err := MarshalPublic("k", "", nil); err == nil {
		t.Error("MarshalPublic(nil) succeeded")
	}
	if _, err := MarshalPublic("k", "", "not a key"); err == nil {
		t.Error("MarshalPublic(string) succeeded")
	}
}

func TestParseKey(t *testing.T) {
	k := keys()
	rsaPriv := `{"kty":"RSA","kid":"r","key_ops":["sign","verify"],"n":"` + enc(k.rsa.N.Bytes()) + `","e":"AQAB","d":"` + enc(k.rsa.D.Bytes()) +
		`","p":"` + enc(k.rsa.Primes[0].Bytes()) + `","q":"` + enc(k.rsa.Primes[1].Bytes()) + `"}`
	j, err := ParseKey([]byte(rsaPriv))
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := j.Public.(*rsa.PublicKey); !ok || !pub.Equal(&k.rsa.PublicKey) {
		t.Errorf("a private RSA JWK gave %T; want its *rsa.PublicKey", j.Public)
	}
	if len(j.Ops) != 2 || j.Ops[0] != "sign" || j.Ops[1] != "verify" {
		t.Errorf("Ops = %v", j.Ops)
	}

	secret := []byte("0123456789abcdef0123456789abcdef")
	j, err = ParseKey([]byte(`{"kty":"oct","alg":"HS256","k":"` + enc(secret) + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(j.Secret) != string(secret) || j.Public != nil || j.KeyType != "oct" {
		t.Errorf("oct key = %+v", j)
	}

	for name, doc := range map[string]string{
		"X25519":          `{"kty":"OKP","crv":"X25519","x":"` + enc(make([]byte, 32)) + `"}`,
		"unknown kty":     `{"kty":"nope"}`,
		"no kty":          `{"kid":"x"}`,
		"RSA without n":   `{"kty":"RSA","e":"AQAB"}`,
		"EC without y":    `{"kty":"EC","crv":"P-256","x":"` + enc(make([]byte, 32)) + `"}`,
		"unknown curve":   `{"kty":"EC","crv":"P-192","x":"AA","y":"AA"}`,
		"not JSON":        `{`,
		"bad base64 in n": `{"kty":"RSA","n":"!!!","e":"AQAB"}`,
		"empty":           ``,
	} {
		if j, err := ParseKey([]byte(doc)); err == nil {
			t.Errorf("%s: ParseKey accepted %s as %+v", name, doc, j)
		}
	}
}

// TestThumbprint checks RFC 7638 independently: SHA-256 over the required
// members in lexicographic order, without whitespace.
func TestThumbprint(t *testing.T) {
	k := keys()
	pad := func(x *big.Int) string { return enc(x.FillBytes(make([]byte, 32))) }
	for name, tc := range map[string]struct {
		key       crypto.PublicKey
		canonical string
	}{
		"RSA":     {&k.rsa.PublicKey, `{"e":"AQAB","kty":"RSA","n":"` + enc(k.rsa.N.Bytes()) + `"}`},
		"EC":      {&k.ec.PublicKey, `{"crv":"P-256","kty":"EC","x":"` + pad(k.ec.X) + `","y":"` + pad(k.ec.Y) + `"}`},
		"Ed25519": {k.ed.Public(), `{"crv":"Ed25519","kty":"OKP","x":"` + enc(k.ed.Public().(ed25519.PublicKey)) + `"}`},
	} {
		got, err := Thumbprint(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(tc.canonical))
		if want := enc(sum[:]); got != want {
			t.Errorf("%s: Thumbprint = %s; want %s", name, got, want)
		}
	}
	if _, err := Thumbprint("not a key"); err == nil {
		t.Error("Thumbprint of a string succeeded")
	}
}

package accesstoken_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// fuzzClientKey is the fixed DPoP key of FuzzValidateProof's client.
var fuzzClientKey = ed25519.NewKeyFromSeed([]byte("tokenguard DPoP fuzz client key."))

// FuzzValidateProof feeds arbitrary proofs, methods and URIs with a
// DPoP-bound token to ValidateProof. Whatever the input: no panic, every
// error matches exactly one sentinel, and an accepted proof was signed by
// the client's key for this method and URI.
func FuzzValidateProof(f *testing.F) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	key, err := token.NewPublicKey(token.KeyParams{ID: "k1", Algorithm: token.EdDSA}, exampleKey.Public())
	if err != nil {
		f.Fatal(err)
	}
	set, err := token.NewKeySet(key)
	if err != nil {
		f.Fatal(err)
	}
	client, err := token.NewPublicKey(token.KeyParams{}, fuzzClientKey.Public())
	if err != nil {
		f.Fatal(err)
	}
	jkt, err := client.Thumbprint()
	if err != nil {
		f.Fatal(err)
	}
	const api = "https://api.example.com"
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.example.com/", Audience: api, Keys: jwks.Static(set),
		Now: func() time.Time { return now },
		// Every input may be the same good proof again: remember none.
		DPoP: accesstoken.DPoPConfig{ReplayStore: forgetful{}},
	})
	if err != nil {
		f.Fatal(err)
	}
	tok := exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}, map[string]any{
		"iss": "https://tenant.example.com/", "sub": "s", "aud": api, "client_id": "c",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": "t1", "cnf": map[string]string{"jkt": jkt},
	})
	sum := sha256.Sum256([]byte(tok))
	jwk := json.RawMessage(`{"kty":"OKP","crv":"Ed25519","x":"` + base64.RawURLEncoding.EncodeToString(fuzzClientKey.Public().(ed25519.PublicKey)) + `"}`)
	proof := func(header, claims map[string]any) string {
		h, _ := json.Marshal(header)
		c, _ := json.Marshal(claims)
		input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
		return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(fuzzClientKey, []byte(input)))
	}
	hdr := map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": jwk}
	claims := map[string]any{"jti": "j1", "htm": "GET", "htu": api + "/x", "iat": now.Unix(), "ath": base64.RawURLEncoding.EncodeToString(sum[:])}
	good := proof(hdr, claims)
	if _, err := v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: good, Method: "GET", URI: api + "/x"}); err != nil {
		f.Fatalf("the seed proof: %v", err)
	}
	f.Add(good, "GET", api+"/x?q")
	f.Add(proof(hdr, claims), "GET", "HTTPS://API.example.com:443/./x")
	f.Add(proof(map[string]any{"typ": "dpop+jwt", "alg": "none", "jwk": jwk}, claims), "GET", api+"/x")
	f.Add(proof(hdr, map[string]any{"htm": "GET", "htu": api + "/x?y", "iat": "x"}), "POST", "/x")
	f.Add(proof(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}}, claims), "GET", api+"/x")
	f.Add(tok, "GET", api+"/x")
	f.Add("", "", "")
	f.Add("a.b.c", "GET", "https://[::1]:99999/%zz/../..")

	f.Fuzz(func(t *testing.T, p, method, uri string) {
		at, err := v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: p, Method: method, URI: uri})
		if err != nil {
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %q matches %d sentinels", err, n)
			}
			if at != nil {
				t.Fatal("a Token with an error")
			}
			return
		}
		if p == "" || at.Confirmation.JKT != jkt {
			t.Fatalf("accepted without a proof of the bound key: %q", p)
		}
	})
}

// forgetful is a ReplayStore that remembers nothing.
type forgetful struct{}

func (forgetful) Use(context.Context, string, time.Time) error { return nil }

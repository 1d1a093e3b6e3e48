package accesstoken_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// FuzzValidate feeds arbitrary strings to a validator that reads both JWTs
// (an Ed25519 key, fast to verify) and opaque tokens (a fake introspector
// that knows one token). Whatever the input: no panic, every error matches
// exactly one sentinel, and whatever is accepted names the API in aud.
func FuzzValidate(f *testing.F) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	key, err := token.NewPublicKey(token.KeyParams{ID: "k1", Algorithm: token.EdDSA}, exampleKey.Public())
	if err != nil {
		f.Fatal(err)
	}
	set, err := token.NewKeySet(key)
	if err != nil {
		f.Fatal(err)
	}
	const api = "https://api.example.com"
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		if tok == "opaque-ok" {
			return &introspect.Response{Active: true, Audience: []string{api}, Scope: "read", ExpiresAt: now.Add(time.Hour)}, nil
		}
		return &introspect.Response{Active: false}, nil
	})
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.example.com/", Audience: api,
		Keys: jwks.Static(set), Introspector: fake,
		Now: func() time.Time { return now }, CacheSize: 16,
	})
	if err != nil {
		f.Fatal(err)
	}

	claims := map[string]any{
		"iss": "https://tenant.example.com/", "sub": "s", "aud": api, "azp": "c",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "read write",
		"permissions": []string{"p"},
	}
	good := exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}, claims)
	f.Add(good)
	f.Add(exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1"}, map[string]any{"iss": "https://tenant.example.com/", "aud": api, "exp": 1e10, "nonce": "n"}))
	f.Add(exampleJWT(map[string]any{"alg": "none"}, claims))
	f.Add(exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "crit": []string{"x"}, "x": 1}, claims))
	f.Add(exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1"}, map[string]any{"iss": "https://tenant.example.com/", "aud": []any{api, 1}, "exp": "x"}))
	f.Add(good[:len(good)-2])
	f.Add(good + "=")
	f.Add("opaque-ok")
	f.Add("opaque-unknown")
	f.Add("ya29.a0AfH6SMBx")
	f.Add(`{"payload":"e30","signatures":[]}`)
	f.Add("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d")
	f.Add("eyJ9.e30.")
	f.Add("")
	f.Add(".")
	f.Add("..")
	f.Add(strings.Repeat("[", 64))

	f.Fuzz(func(t *testing.T, raw string) {
		at, err := v.Validate(context.Background(), raw)
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
			var ve *token.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %q is not a *token.ValidationError", err)
			}
			if at != nil {
				t.Fatal("a Token with an error")
			}
			return
		}
		if !slices.Contains(at.Audience, api) {
			t.Fatalf("accepted a token for %q", at.Audience)
		}
		if at.Raw != raw {
			t.Fatal("Raw differs from the input")
		}
	})
}

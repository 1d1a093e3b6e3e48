package accesstoken

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// BenchmarkFromJWT measures this package's own work on a verified JWT (the
// rules that tell an access token from other tokens, the client, scopes,
// permissions and cnf), without the shared pipeline: a token typed at+jwt
// as benchClaims makes it, the same token typed "JWT", which the generic
// rules must tell from an ID token by its claims, and an Auth0 access
// token.
func BenchmarkFromJWT(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, tc := range []struct {
		name string
		opts []tokentest.Option
		mint []tokentest.MintOption
	}{
		{"at+jwt", nil, []tokentest.MintOption{tokentest.AtJWT()}},
		{"JWT", nil, nil},
		{"Auth0", []tokentest.Option{tokentest.WithProvider(tokentest.Auth0)}, nil},
	} {
		iss := tokentest.NewIssuer(b, append([]tokentest.Option{tokentest.WithClock(clock)}, tc.opts...)...)
		v, err := NewValidator(Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(), Now: clock, CacheSize: -1})
		if err != nil {
			b.Fatal(err)
		}
		claims := tokentest.Claims{
			"scope":                     "openid profile email read:appointments write:appointments",
			"permissions":               []string{"read:appointments", "write:appointments"},
			"https://example.com/roles": []string{"clinician"},
			"gty":                       "authorization_code",
		}
		raw := iss.AccessToken(claims, tc.mint...)
		verified, err := v.verifier.Verify(context.Background(), raw)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var t Token
				if err := v.fromJWT(verified, &t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBeforeSignature measures this package's own checks before the
// signature (checkBeforeSignature), on claims the pipeline parsed: a token
// for this API, which passes, and one for another API, refused with its
// error built, as a client sending a token meant for another API costs on
// every call.
func BenchmarkBeforeSignature(b *testing.B) {
	iss := tokentest.NewIssuer(b)
	v, err := NewValidator(Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(), CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		aud  []string
		want error
	}{
		{"this-api", []string{iss.Audience()}, nil},
		{"another-api", []string{"https://another-api.example.com/v1"}, token.ErrAudience},
	} {
		raw := iss.AccessToken(tokentest.Claims{"aud": tc.aud, "scope": "read:appointments"}, tokentest.AtJWT())
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
		if err != nil {
			b.Fatal(err)
		}
		c, err := token.ParseClaims(payload)
		if err != nil {
			b.Fatal(err)
		}
		h := &token.Header{Algorithm: "RS256", Type: "at+jwt"}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.checkBeforeSignature(h, c); (err == nil) != (tc.want == nil) {
					b.Fatalf("%v; want %v", err, tc.want)
				}
			}
		})
	}
}

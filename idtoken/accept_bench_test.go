package idtoken

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// BenchmarkAccept measures the validator's own work on a verified token (the
// typed claims and the ID token rules), without the shared pipeline.
func BenchmarkAccept(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iss := tokentest.NewIssuer(b, tokentest.WithClock(func() time.Time { return now }))
	v, err := NewValidator(Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(), Now: func() time.Time { return now }, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	raw := iss.IDToken(tokentest.Claims{"nonce": "n-0S6_WzA2Mj", "sid": "08a5019c-17e1-4977-8f42-65a12843ea02"})
	verified, err := v.verifier.Verify(context.Background(), raw)
	if err != nil {
		b.Fatal(err)
	}
	c := checks{nonce: "n-0S6_WzA2Mj", hasNonce: true}
	b.ReportAllocs()
	for b.Loop() {
		t := new(Token)
		if err := v.accept(verified, t); err != nil {
			b.Fatal(err)
		}
		if err := c.run(t, now, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBeforeSignature measures the validator's own checks before the
// signature (checkBeforeSignature), on claims the pipeline parsed: a token
// for this client, which passes, and one for another client, refused with
// its error built, as a client resending a token meant for another
// application costs on every call.
func BenchmarkBeforeSignature(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iss := tokentest.NewIssuer(b, tokentest.WithClock(func() time.Time { return now }))
	v, err := NewValidator(Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(), Now: func() time.Time { return now }, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
		want   error
	}{
		{"this-client", tokentest.Claims{"nonce": "n-0S6_WzA2Mj"}, nil},
		{"another-client", tokentest.Claims{"nonce": "n-0S6_WzA2Mj", "aud": "https://another-client.example.com/app"}, token.ErrAudience},
	} {
		raw := iss.IDToken(tc.claims)
		parts := strings.Split(raw, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			b.Fatal(err)
		}
		c, err := token.ParseClaims(payload)
		if err != nil {
			b.Fatal(err)
		}
		h := &token.Header{Algorithm: "RS256"}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.checkBeforeSignature(h, c); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
					b.Fatalf("%v; want %v", err, tc.want)
				}
			}
		})
	}
}

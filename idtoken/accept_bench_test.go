package idtoken

import (
	"context"
	"testing"
	"time"

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

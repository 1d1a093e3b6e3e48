package idtoken

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// A costly ID token on a validator with several issuers is checked with
// the keys of the issuer it names, and then for that issuer's client ID.
func TestCostlyIDTokenWithSeveralIssuers(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := tokentest.WithClock(func() time.Time { return now })
	iss := tokentest.NewIssuer(t, clock)
	other := tokentest.NewIssuer(t, clock)
	v, err := NewValidator(Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(),
		Issuers: []Issuer{{Issuer: other.URL(), Keys: other.KeySource(), ClientID: "other-client"}},
		Now:     func() time.Time { return now }, CacheSize: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := v.Validate(ctx, other.IDToken(attackkit.AddMembers(tokentest.Claims{"aud": "other-client"}, 1200)))
	if err != nil {
		t.Fatalf("the second issuer's costly ID token: %v", err)
	}
	if got.Issuer != other.URL() {
		t.Errorf("issuer %q; want %q", got.Issuer, other.URL())
	}
	if _, err := v.Validate(ctx, other.IDToken(attackkit.AddMembers(tokentest.Claims{"aud": iss.ClientID()}, 1200))); !errors.Is(err, token.ErrAudience) {
		t.Errorf("a costly ID token for the first issuer's client ID from the second: %v; want ErrAudience", err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged := other.IDToken(attackkit.AddMembers(tokentest.Claims{"aud": "other-client", "exp": now.Add(-time.Hour).Unix()}, 1200), tokentest.WithSigningKey(forger))
	if _, err := v.Validate(ctx, forged); !errors.Is(err, token.ErrSignature) {
		t.Errorf("a forged, expired costly ID token: %v; want ErrSignature, before the claims are read", err)
	}
}

package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// countingSource counts Keys calls.
type countingSource struct {
	set   *KeySet
	calls atomic.Int64
}

func (s *countingSource) Keys(context.Context, string) (*KeySet, error) {
	s.calls.Add(1)
	return s.set, nil
}

const otherIssuer = "https://other.example.com/"

func TestVerifierRoutesByExactIssuer(t *testing.T) {
	k := testKeys()
	// Both issuers publish kid "k1", each its own key.
	a := &countingSource{set: mustSet(t, mustKey(t, KeyParams{ID: "k1"}, &k.ec256.PublicKey))}
	b := &countingSource{set: mustSet(t, mustKey(t, KeyParams{ID: "k1"}, &k.ec256Other.PublicKey))}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: a, Issuers: map[string]KeySource{otherIssuer: b}, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hdr := obj{"kid": "k1"}

	got, err := v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims()))
	if err != nil || got.Keys != a {
		t.Fatalf("issuer A's token with A's key: %v (source %p)", err, got)
	}
	got, err = v.Verify(ctx, sign(t, ES256, k.ec256Other, hdr, validClaims().with("iss", otherIssuer)))
	if err != nil || got.Keys != b {
		t.Fatalf("issuer B's token with B's key: %v", err)
	}

	// A token claiming issuer A, signed with B's key (same kid): only A's
	// keys are tried, so it is refused.
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256Other, hdr, validClaims()))
	assertRefused(t, err, ErrSignature, "")
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", otherIssuer)))
	assertRefused(t, err, ErrSignature, "")

	a.calls.Store(0)
	b.calls.Store(0)
	for _, iss := range []string{
		"https://unknown.example.com/", strings.TrimSuffix(testIssuer, "/"), strings.ToUpper(otherIssuer), otherIssuer + " ", "",
	} {
		_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", iss)))
		assertRefused(t, err, ErrIssuer, "iss")
	}
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", nil)))
	assertRefused(t, err, ErrMissingClaim, "iss")
	if a.calls.Load()+b.calls.Load() != 0 {
		t.Fatalf("an untrusted issuer reached a key source (%d, %d calls)", a.calls.Load(), b.calls.Load())
	}
}

func TestVerifierAsksIssuerKeysOnlyForOtherIssuers(t *testing.T) {
	k := testKeys()
	static := &countingSource{set: mustSet(t, mustKey(t, KeyParams{ID: "k1"}, &k.ec256.PublicKey))}
	tenant := &countingSource{set: mustSet(t, mustKey(t, KeyParams{ID: "k1"}, &k.ec256Other.PublicKey))}
	var asked atomic.Int64
	dynamic := IssuerKeySourceFunc(func(_ context.Context, c *Claims) (KeySource, error) {
		asked.Add(1)
		switch c.Issuer {
		case otherIssuer:
			return tenant, nil
		case "https://down.example/":
			return nil, errors.New("connection refused")
		case "https://nil.example/":
			return nil, nil
		}
		return nil, Errorf(ErrIssuer, "iss", "not trusted")
	})
	v, err := NewVerifier(VerifierConfig{Issuers: map[string]KeySource{testIssuer: static}, IssuerKeys: dynamic, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hdr := obj{"kid": "k1"}
	if _, err := v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims())); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 0 {
		t.Fatal("a static issuer must not reach the run-time source")
	}
	got, err := v.Verify(ctx, sign(t, ES256, k.ec256Other, hdr, validClaims().with("iss", otherIssuer)))
	if err != nil || got.Keys != tenant {
		t.Fatalf("run-time issuer: %v", err)
	}
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", otherIssuer)))
	assertRefused(t, err, ErrSignature, "")
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", "https://nope.example/")))
	assertRefused(t, err, ErrIssuer, "iss")
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", "https://down.example/")))
	assertRefused(t, err, ErrUnavailable, "iss")
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", "https://nil.example/")))
	assertRefused(t, err, ErrUnavailable, "iss")
	_, err = v.Verify(ctx, sign(t, ES256, k.ec256, hdr, validClaims().with("iss", nil)))
	assertRefused(t, err, ErrMissingClaim, "iss")
}

func TestVerifierIssuerConfig(t *testing.T) {
	src := staticSource{standardSet(t)}
	for name, cfg := range map[string]VerifierConfig{
		"nothing":                {},
		"keys without issuer":    {Keys: src},
		"issuer without keys":    {Issuer: testIssuer},
		"empty issuer in map":    {Issuers: map[string]KeySource{"": src}},
		"nil source in map":      {Issuers: map[string]KeySource{testIssuer: nil}},
		"twice, different keys":  {Issuer: testIssuer, Keys: src, Issuers: map[string]KeySource{testIssuer: staticSource{}}},
		"placeholder":            {Issuer: "https://login.microsoftonline.com/{tenantid}/v2.0", Keys: src},
		"placeholder in map":     {Issuers: map[string]KeySource{"https://login.microsoftonline.com/{tenantid}/v2.0": src}},
		"white space":            {Issuer: testIssuer + " ", Keys: src},
		"only a run-time source": {IssuerKeys: IssuerKeySourceFunc(nil)},
	} {
		_, err := NewVerifier(cfg)
		if name == "only a run-time source" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err := NewVerifier(VerifierConfig{Issuer: "https://login.microsoftonline.com/{tenantid}/v2.0", Keys: src})
	if err == nil || !strings.Contains(err.Error(), "Templates") {
		t.Errorf("the placeholder error should point to templates: %v", err)
	}
}

func TestVerifierNamesTrustedIssuersWhenRefusing(t *testing.T) {
	src := staticSource{standardSet(t)}
	issuers := map[string]KeySource{}
	for i := range 10 {
		issuers[fmt.Sprintf("https://tenant-%d.example/", i)] = src
	}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: src, Issuers: issuers, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), sign(t, ES256, testKeys().ec256, obj{"kid": "ec256"}, validClaims().with("iss", "https://x.example/")))
	assertRefused(t, err, ErrIssuer, "iss")
	if msg := err.Error(); !strings.Contains(msg, "one of \""+testIssuer+"\"") || !strings.Contains(msg, "and 8 more") {
		t.Errorf("message %q should name the primary issuer and count the rest", msg)
	}
}

package idtoken

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// A long aud array the Validator accepted is remembered for the client ID
// it was checked for, and for nothing else: the same array is checked
// again for another issuer's client ID, and an array one audience longer
// is checked in full.
func TestRememberedAudiencesStayPerClient(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := tokentest.WithClock(func() time.Time { return now })
	iss := tokentest.NewIssuer(t, clock)
	other := tokentest.NewIssuer(t, clock)
	trusted := make([]string, 20)
	for i := range trusted {
		trusted[i] = fmt.Sprintf("https://api.example.com/resource/%03d", i)
	}
	v, err := NewValidator(Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(), TrustedAudiences: trusted,
		Issuers: []Issuer{{Issuer: other.URL(), Keys: other.KeySource(), ClientID: "other-client"}},
		Now:     func() time.Time { return now }, CacheSize: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	aud := append([]string{iss.ClientID()}, trusted...)
	first, err := v.Validate(ctx, iss.IDToken(tokentest.Claims{"aud": aud, "azp": iss.ClientID()}))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := first.claims.RawJSON("aud")
	if !v.auds.approved(iss.ClientID(), text) {
		t.Fatal("an accepted token's long aud was not remembered")
	}

	// Remembered, the same array still passes, and reads the same.
	again, err := v.Validate(ctx, iss.IDToken(tokentest.Claims{"aud": aud, "azp": iss.ClientID(), "sub": "another"}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Audience, aud) {
		t.Fatalf("Audience %q; want %q", again.Audience, aud)
	}

	for name, tc := range map[string]struct {
		raw  string
		want error
	}{
		// The array approved for this client does not name the other
		// issuer's client ID.
		"another issuer's client": {other.IDToken(tokentest.Claims{"aud": aud, "azp": "other-client"}), token.ErrAudience},
		"one audience more":       {iss.IDToken(tokentest.Claims{"aud": append(aud[:len(aud):len(aud)], "https://untrusted.example"), "azp": iss.ClientID()}), token.ErrAudience},
		"the client ID left out":  {iss.IDToken(tokentest.Claims{"aud": trusted, "azp": iss.ClientID()}), token.ErrAudience},
	} {
		if _, err := v.Validate(ctx, tc.raw); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v; want %v", name, err, tc.want)
		}
	}

	// A remembered approval is what lets a token pass without the
	// lookups: one planted for the other client shows through.
	v.auds.remember("other-client", text)
	if _, err := v.Validate(ctx, other.IDToken(tokentest.Claims{"aud": aud, "azp": "other-client"})); err != nil {
		t.Fatalf("a planted approval was not used: %v", err)
	}
}

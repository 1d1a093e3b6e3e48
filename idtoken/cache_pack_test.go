package idtoken

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// A cache hit hands out the same Token as the validation that filled the
// cache, field for field, whatever claims the token carries: the packed
// entry loses nothing.
func TestCacheHitEqualsMiss(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }))
	long := strings.Repeat("é", 300) // a length over one byte's worth
	full := tokentest.Claims{
		"aud": []string{iss.ClientID(), "https://api.example.com"}, "azp": iss.ClientID(),
		"jti": "id-1", "nbf": now.Add(-time.Minute).Unix(), "nonce": "n-1", "acr": "urn:mace:incommon:iap:silver",
		"amr": []string{"pwd", "mfa", "otp"}, "sid": "s-1", "auth_time": 1748779000.25,
		"name": long, "given_name": "Jane", "family_name": "Doe", "middle_name": "Q", "nickname": "jd",
		"preferred_username": "jane", "profile": "https://example.com/jane", "picture": "https://example.com/jane.png",
		"website": "https://jane.example", "email": "jane@example.com", "email_verified": true, "gender": "female",
		"birthdate": "1990-01-01", "zoneinfo": "Europe/Paris", "locale": "fr-FR", "phone_number": "+33 1 23 45 67 89",
		"phone_number_verified": true, "updated_at": "2025-05-31T10:00:00.123456789Z",
		"address": map[string]any{"formatted": "1 rue X\n75001 Paris", "street_address": "1 rue X", "locality": "Paris",
			"region": "IDF", "postal_code": "75001", "country": "FR"},
	}
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
	}{
		{"every claim", full},
		{"defaults", tokentest.Claims{}},
		{"empty amr, empty address", tokentest.Claims{"amr": []string{}, "address": map[string]any{}}},
		{"nothing optional", tokentest.Claims{"name": nil, "given_name": nil, "family_name": nil, "nickname": nil,
			"email": nil, "email_verified": nil, "picture": nil, "locale": nil, "updated_at": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewValidator(Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(),
				TrustedAudiences: []string{"https://api.example.com"}, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			raw := iss.IDToken(tc.claims)
			miss, err := v.Validate(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			hit, err := v.Validate(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if !hit.fromCache {
				t.Fatal("the second validation was not a cache hit")
			}
			want, got := *miss, *hit
			want.claims, got.fromCache = nil, false
			if !reflect.DeepEqual(want, got) {
				t.Errorf("cache hit:\n%+v\nfirst validation:\n%+v", got, want)
			}
			if (miss.AMR == nil) != (hit.AMR == nil) || (miss.Address == nil) != (hit.Address == nil) {
				t.Error("an absent AMR or address reads differently from an empty one after a hit")
			}
		})
	}
}

// A hit's Audience and AMR share one allocation; appending to one never
// writes into the other.
func TestCacheHitListsAreSeparate(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }))
	v, err := NewValidator(Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	raw := iss.IDToken(tokentest.Claims{"amr": []string{"pwd"}})
	for range 2 {
		tok, err := v.Validate(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		_ = append(tok.Audience, "appended")
		if tok.AMR[0] != "pwd" {
			t.Fatalf("appending to Audience changed AMR to %q", tok.AMR)
		}
	}
}

// unpack reads only what pack wrote; anything else (which the cache never
// holds) is refused, never a panic or an allocation sized by the input.
func TestUnpackRefusesDamage(t *testing.T) {
	tok := &Token{Issuer: "https://issuer.example", Subject: "s", Audience: []string{"a", "b"}, AMR: []string{"pwd"},
		ExpiresAt: time.Unix(1_800_000_000, 0).UTC(), StandardClaims: StandardClaims{Address: &Address{Country: "FR"}}, alg: "RS256"}
	packed := pack(tok, "kid-1")
	got, ok := unpack(packed, "raw")
	if !ok || got.Subject != "s" || got.Address.Country != "FR" || len(got.Audience) != 2 || got.AMR[0] != "pwd" || got.Raw != "raw" {
		t.Fatalf("round trip: %+v, %v", got, ok)
	}
	if packedKid(packed) != "kid-1" {
		t.Fatalf("kid %q", packedKid(packed))
	}
	for n := range len(packed) {
		if _, ok := unpack(packed[:n], "raw"); ok {
			t.Errorf("a packed entry cut to %d of %d bytes was read", n, len(packed))
		}
	}
	// kid, flags, five zero times, then counts: one beyond the entry, and
	// two whose sum wraps around to a small number.
	for _, counts := range []string{"\xff\xff\xff\xff\x0f\x01", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x02"} {
		damaged := "\x00\x00\x00\x00\x00\x00\x00" + counts + strings.Repeat("\x00", 40)
		if _, ok := unpack(damaged, "raw"); ok {
			t.Errorf("counts %q beyond the entry were accepted", counts)
		}
	}
}

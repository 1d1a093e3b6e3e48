package idtoken

import (
	"context"
	"encoding/binary"
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
// writes into the other, whichever it is.
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
		amr := append(tok.AMR[:0], "otp")
		_ = append(amr, "appended")
		if len(tok.Audience) != 1 || tok.Audience[0] != iss.ClientID() {
			t.Fatalf("writing to AMR changed Audience to %q", tok.Audience)
		}
	}
}

// pack and unpack agree on every field, whatever its value: times before
// 1970 and far after it, with and without nanoseconds; strings whose length
// takes one, two or three bytes; more list values than a hit's Token has
// room for; an empty but present AMR and address.
func TestPackRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 20_000)
	// Every string differs from every other, so a value read into the
	// wrong field shows.
	full := &Token{
		Issuer: "https://issuer.example", Subject: strings.Repeat("s", 128), ID: "jti", Nonce: "nonce", ACR: "acr",
		AuthorizedParty: "azp", SessionID: "sid", alg: "ES256",
		Audience:  []string{"aud1", "", long, "aud4"},
		AMR:       []string{"pwd", "mfa"},
		ExpiresAt: time.Unix(253402300799, 0).UTC(), IssuedAt: time.Unix(1_800_000_000, 999_999_999).UTC(),
		NotBefore: time.Unix(0, 1).UTC(), AuthTime: time.Unix(1_800_000_000, 250_000_000).UTC(),
		StandardClaims: StandardClaims{
			Name: long, GivenName: "given", FamilyName: "family", MiddleName: "middle", Nickname: "nick",
			PreferredUsername: "preferred", Profile: "profile", Picture: "picture", Website: "website", Email: "email",
			EmailVerified: true, Gender: "gender", Birthdate: "birthdate", Zoneinfo: "zoneinfo", Locale: "locale",
			PhoneNumber: "phone", PhoneNumberVerified: true,
			Address: &Address{Formatted: "formatted", StreetAddress: "street", Locality: "locality", Region: "region",
				PostalCode: "postal", Country: "country"},
			UpdatedAt: time.Date(-1, 12, 31, 23, 0, 0, 5, time.UTC),
		},
	}
	for _, tc := range []struct {
		name string
		tok  *Token
	}{
		{"every field", full},
		{"nothing", &Token{}},
		{"empty amr and address", &Token{AMR: []string{}, StandardClaims: StandardClaims{Address: &Address{}}}},
		{"one of each list", &Token{Audience: []string{"c"}, AMR: []string{"pwd"}, ExpiresAt: time.Unix(-62135596799, 0).UTC()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := unpack(pack(tc.tok), "raw")
			if !ok {
				t.Fatal("unpack refused what pack made")
			}
			want := *tc.tok
			want.Raw, want.fromCache = "raw", true
			if !reflect.DeepEqual(&want, got) {
				t.Errorf("unpacked:\n%+v\npacked:\n%+v", got, &want)
			}
		})
	}
}

// unpack reads only what pack wrote; anything else (which the cache never
// holds) is refused, never a panic or an allocation sized by the input.
func TestUnpackRefusesDamage(t *testing.T) {
	tok := &Token{Issuer: "https://issuer.example", Subject: "s", Audience: []string{"a", "b"}, AMR: []string{"pwd"},
		ExpiresAt: time.Unix(1_800_000_000, 5).UTC(), StandardClaims: StandardClaims{Address: &Address{Country: "FR"}}, alg: "RS256"}
	packed := pack(tok)
	got, ok := unpack(packed, "raw")
	if !ok || got.Subject != "s" || got.Address.Country != "FR" || len(got.Audience) != 2 || got.AMR[0] != "pwd" || got.Raw != "raw" {
		t.Fatalf("round trip: %+v, %v", got, ok)
	}
	for n := range len(packed) {
		if _, ok := unpack(packed[:n], "raw"); ok {
			t.Errorf("a packed entry cut to %d of %d bytes was read", n, len(packed))
		}
	}
	if _, ok := unpack(packed+"\x00", "raw"); ok {
		t.Error("a packed entry with a byte too many was read")
	}
	mask := func(m uint64) string { return string(binary.LittleEndian.AppendUint64(nil, m)) }
	for name, damaged := range map[string]string{
		// No times or strings, then counts: one beyond the entry, two
		// whose sum overflows, a uvarint of more than 63 bits.
		"count beyond the entry":    mask(maskAMR) + "\xff\xff\xff\xff\x0f\x01" + strings.Repeat("\x00", 40),
		"counts that overflow":      mask(maskAMR) + "\xff\xff\xff\xff\xff\xff\xff\xff\x7f\xff\xff\xff\xff\xff\xff\xff\xff\x7f" + strings.Repeat("\x00", 40),
		"uvarint too long":          mask(maskAMR) + strings.Repeat("\xff", 10) + "\x01\x00",
		"amr values, amr absent":    mask(0) + "\x00\x01\x01x",
		"unknown mask bit":          mask(1<<63) + "\x00\x00",
		"address field, no address": mask(1<<packedStrings) + "\x00\x00\x01x",
		"nanoseconds of a second":   mask(1<<shiftTimes|1<<shiftNanos) + strings.Repeat("\x00", 8) + "\x00\xca\x9a\x3b" + "\x00\x00",
		"nanoseconds flagged, zero": mask(1<<shiftTimes|1<<shiftNanos) + strings.Repeat("\x00", 12) + "\x00\x00",
		"string past the end":       mask(1) + "\x00\x00\x05abc",
	} {
		if _, ok := unpack(damaged, "raw"); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzUnpack reads arbitrary bytes as a packed entry: never a panic, and
// what unpack accepts packs and unpacks again to the same Token.
func FuzzUnpack(f *testing.F) {
	f.Add(pack(&Token{Issuer: "i", Subject: "s", Audience: []string{"a"}, AMR: []string{}, ExpiresAt: time.Unix(1_800_000_000, 5).UTC(),
		StandardClaims: StandardClaims{Address: &Address{Country: "FR"}, Name: strings.Repeat("n", 200)}}))
	f.Add(pack(&Token{}))
	f.Fuzz(func(t *testing.T, packed string) {
		tok, ok := unpack(packed, "raw")
		if !ok {
			return
		}
		again, ok := unpack(pack(tok), "raw")
		if !ok || !reflect.DeepEqual(tok, again) {
			t.Fatalf("accepted %q as %+v, which packs back as %+v", packed, tok, again)
		}
	})
}

// BenchmarkUnpack reads back a typical ID token's entry, as a hit does.
func BenchmarkUnpack(b *testing.B) {
	tok := &Token{Issuer: "https://tenant.example.com/", Subject: "auth0|5f7c8ec7c33c6c004bbafe82",
		Audience: []string{"client-abc"}, ExpiresAt: time.Unix(1_800_003_600, 0).UTC(), IssuedAt: time.Unix(1_800_000_000, 0).UTC(),
		AuthTime: time.Unix(1_799_999_000, 0).UTC(), Nonce: "n-0S6_WzA2Mj", SessionID: "08a5019c-17e1-4977-8f42-65a12843ea02", alg: "RS256",
		StandardClaims: StandardClaims{Name: "Jane Doe", Nickname: "jane", Picture: "https://example.com/jane.png",
			Email: "jane@example.com", EmailVerified: true, UpdatedAt: time.Unix(1_799_000_000, 123_000_000).UTC()}}
	packed := pack(tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := unpack(packed, "raw"); !ok {
			b.Fatal("refused")
		}
	}
}

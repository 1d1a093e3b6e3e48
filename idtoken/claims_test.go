package idtoken_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestTypedClaims checks that every claim of OIDC Core §2 and §5.1 lands in
// its own field, including strings with JSON escapes.
func TestTypedClaims(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{
		"sub":                   "auth0|5f7c8ec7c33c6c004bbafe82",
		"aud":                   []string{f.iss.ClientID(), trustedAud},
		"azp":                   f.iss.ClientID(),
		"auth_time":             at(-10 * time.Minute),
		"nonce":                 "n-0S6_WzA2Mj",
		"acr":                   "urn:mace:incommon:iap:silver",
		"amr":                   []string{"pwd", "mfa"},
		"sid":                   "08a5019c-17e1-4977-8f42-65a12843ea02",
		"name":                  `Jane "JD" Doe`,
		"given_name":            "Zoë",
		"family_name":           "Doe\u2028",
		"middle_name":           "Q",
		"nickname":              "jd",
		"preferred_username":    "j.doe",
		"profile":               "https://example.com/jane",
		"picture":               "https://example.com/jane.png",
		"website":               "https://jane.example",
		"email":                 "jane@example.com",
		"email_verified":        true,
		"gender":                "female",
		"birthdate":             "0000-10-31",
		"zoneinfo":              "Europe/Paris",
		"locale":                "fr-CA",
		"phone_number":          "+1 (425) 555-1212",
		"phone_number_verified": true,
		"address": map[string]any{
			"formatted":      "1 Main St\nAnytown",
			"street_address": "1 Main St",
			"locality":       "Anytown",
			"region":         "CA",
			"postal_code":    "90210",
			"country":        "US",
			"extra":          42, // not an address field: ignored
		},
		"updated_at":                at(-24 * time.Hour),
		"https://example.com/roles": []string{"admin"},
	})
	v := f.validator(t, trust)
	got := expect(t, v, raw, nil)
	want := idtoken.Token{
		Issuer:          f.iss.URL(),
		Subject:         "auth0|5f7c8ec7c33c6c004bbafe82",
		Audience:        []string{f.iss.ClientID(), trustedAud},
		ExpiresAt:       t0.Add(time.Hour),
		IssuedAt:        t0,
		AuthTime:        t0.Add(-10 * time.Minute),
		Nonce:           "n-0S6_WzA2Mj",
		ACR:             "urn:mace:incommon:iap:silver",
		AMR:             []string{"pwd", "mfa"},
		AuthorizedParty: f.iss.ClientID(),
		SessionID:       "08a5019c-17e1-4977-8f42-65a12843ea02",
		StandardClaims: idtoken.StandardClaims{
			Name:                `Jane "JD" Doe`,
			GivenName:           "Zoë",
			FamilyName:          "Doe\u2028",
			MiddleName:          "Q",
			Nickname:            "jd",
			PreferredUsername:   "j.doe",
			Profile:             "https://example.com/jane",
			Picture:             "https://example.com/jane.png",
			Website:             "https://jane.example",
			Email:               "jane@example.com",
			EmailVerified:       true,
			Gender:              "female",
			Birthdate:           "0000-10-31",
			Zoneinfo:            "Europe/Paris",
			Locale:              "fr-CA",
			PhoneNumber:         "+1 (425) 555-1212",
			PhoneNumberVerified: true,
			Address: &idtoken.Address{
				Formatted: "1 Main St\nAnytown", StreetAddress: "1 Main St", Locality: "Anytown",
				Region: "CA", PostalCode: "90210", Country: "US",
			},
			UpdatedAt: t0.Add(-24 * time.Hour),
		},
		Raw: raw,
	}
	// Compare the exported fields only.
	gv, wv := reflect.ValueOf(*got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		if !gv.Type().Field(i).IsExported() {
			continue
		}
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(time.Time); ok {
			if !gt.Equal(w.(time.Time)) {
				t.Errorf("%s = %v; want %v", name, g, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v; want %#v", name, g, w)
		}
	}
	if got.Algorithm() != "RS256" {
		t.Errorf("Algorithm() = %q", got.Algorithm())
	}

	var mine struct {
		Roles []string `json:"https://example.com/roles"`
		Sub   string   `json:"sub"`
	}
	if err := got.Claims(&mine); err != nil {
		t.Fatal(err)
	}
	if len(mine.Roles) != 1 || mine.Roles[0] != "admin" || mine.Sub != got.Subject {
		t.Errorf("Claims decoded %+v", mine)
	}
	var wrong struct {
		Roles string `json:"https://example.com/roles"`
	}
	if err := got.Claims(&wrong); !errors.Is(err, token.ErrInvalidClaim) {
		t.Errorf("Claims into a field of the wrong type: %v; want ErrInvalidClaim", err)
	}
}

// TestAbsentClaimsAreZero checks that a minimal ID token yields zero values.
func TestAbsentClaimsAreZero(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.Sign(nil, tokentest.Claims{
		"iss": f.iss.URL(), "sub": "u1", "aud": f.iss.ClientID(), "iat": at(0), "exp": at(time.Hour),
	})
	got := expect(t, f.validator(t, nil), raw, nil)
	if got.Name != "" || got.Email != "" || got.EmailVerified || got.Address != nil || !got.AuthTime.IsZero() ||
		!got.UpdatedAt.IsZero() || got.AMR != nil || got.Nonce != "" || got.AuthorizedParty != "" {
		t.Errorf("absent claims read as %+v", got)
	}
}

func TestUpdatedAtString(t *testing.T) {
	f := newFixture(t)
	got := expect(t, f.validator(t, nil), f.iss.IDToken(tokentest.Claims{"updated_at": "2024-05-01T12:34:56.789Z"}), nil)
	if want := time.Date(2024, 5, 1, 12, 34, 56, 789e6, time.UTC); !got.UpdatedAt.Equal(want) {
		t.Errorf("UpdatedAt = %v; want %v", got.UpdatedAt, want)
	}
}

// TestClaimsOnZeroToken checks a Token not made by a Validator decodes
// nothing and fails with no error, as accesstoken.Token's does: a handler's
// test may build one by hand.
func TestClaimsOnZeroToken(t *testing.T) {
	var m map[string]any
	var nilToken *idtoken.Token
	for _, tok := range []*idtoken.Token{new(idtoken.Token), nilToken} {
		if err := tok.Claims(&m); err != nil || m != nil {
			t.Fatalf("Claims on %p: %v, %v; want nothing decoded and no error", tok, err, m)
		}
	}
}

// TestSharedFieldsFilled checks the fields Token shares with
// accesstoken.Token (nbf and jti among them) are filled.
func TestSharedFieldsFilled(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, nil)
	raw := f.iss.IDToken(tokentest.Claims{"nbf": at(-time.Minute), "jti": "id-123"})
	got := expect(t, v, raw, nil)
	if got.ID != "id-123" || !got.NotBefore.Equal(time.Unix(at(-time.Minute), 0)) {
		t.Errorf("ID, NotBefore = %q, %v; want id-123 and a minute ago", got.ID, got.NotBefore)
	}
	if got.Issuer != f.iss.URL() || got.Raw != raw {
		t.Errorf("Issuer, Raw = %q, %q", got.Issuer, got.Raw)
	}
	// A second call is served by the cache and reads the same.
	if again := expect(t, v, raw, nil); again.ID != got.ID || !again.NotBefore.Equal(got.NotBefore) {
		t.Errorf("cached Token differs: %+v", again)
	}
}

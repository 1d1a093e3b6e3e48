package accesstoken_test

import (
	"errors"
	"testing"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestAtJWTHeldToTheProfile: a JWT that declares RFC 9068's profile by
// its typ is held to the claims of §2.2 that every issuer typing its
// tokens "at+jwt" sends (iat, jti; aud as every token), also without
// Config.StrictRFC9068; sub and client_id stay optional there (Duende
// IdentityServer leaves sub out of client-credentials tokens, Keycloak
// names the client in azp). A token not typed at+jwt is not held to the
// profile.
func TestAtJWTHeldToTheProfile(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t)
	omit := func(names ...string) tokentest.Claims {
		c := tokentest.Claims{}
		for _, n := range names {
			c[n] = tokentest.Omit
		}
		return c
	}
	typ := func(v string) tokentest.MintOption { return tokentest.WithHeader("typ", v) }
	noTyp := tokentest.WithHeader("typ", tokentest.Omit)

	tests := []struct {
		name   string
		claims tokentest.Claims
		opt    tokentest.MintOption
		want   error
		claim  string
	}{
		{"at+jwt, every claim", nil, tokentest.AtJWT(), nil, ""},
		{"at+jwt, no iat", omit("iat"), tokentest.AtJWT(), token.ErrMissingClaim, "iat"},
		{"application/at+jwt, no iat", omit("iat"), typ("application/at+jwt"), token.ErrMissingClaim, "iat"},
		{"AT+JWT, no iat", omit("iat"), typ("AT+JWT"), token.ErrMissingClaim, "iat"},
		{"at+jwt, no jti", omit("jti"), tokentest.AtJWT(), token.ErrMissingClaim, "jti"},
		{"at+jwt, no iat nor jti", omit("iat", "jti"), tokentest.AtJWT(), token.ErrMissingClaim, "iat"},
		{"at+jwt, no aud", omit("aud"), tokentest.AtJWT(), token.ErrMissingClaim, "aud"},
		{"at+jwt, no sub (client credentials)", omit("sub"), tokentest.AtJWT(), nil, ""},
		{"at+jwt, azp but no client_id", omit("client_id"), tokentest.AtJWT(), nil, ""},
		{"at+jwt, no client at all", omit("client_id", "azp"), tokentest.AtJWT(), token.ErrTokenType, "client_id"},
		{"JWT, no iat", omit("iat"), typ("JWT"), nil, ""},
		{"JWT, no jti", omit("jti"), typ("JWT"), nil, ""},
		{"untyped, no iat nor jti", omit("iat", "jti"), noTyp, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validate(v, f.iss.AccessToken(tc.claims, tc.opt))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			requireKind(t, err, tc.want)
			var ve *token.ValidationError
			if errors.As(err, &ve) && ve.Claim != tc.claim {
				t.Errorf("claim %q, want %q (%v)", ve.Claim, tc.claim, err)
			}
		})
	}
}

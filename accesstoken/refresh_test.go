package accesstoken_test

import (
	"testing"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestRefreshTokensNeverPass sends, through the introspection endpoint,
// answers shaped as real servers give them for refresh tokens and for
// access tokens, to validators with and without
// Config.AllowIntrospectionWithoutAudience. A refresh token is refused
// whatever the configuration; an access token the server calls one is
// accepted when the configuration allows its (missing) audience.
func TestRefreshTokensNeverPass(t *testing.T) {
	f := newFixture(t)
	client := f.client(t)
	strict := f.validator(t, func(c *accesstoken.Config) { c.Introspector = client })
	lax := f.validator(t, func(c *accesstoken.Config) {
		c.Introspector = client
		c.AllowIntrospectionWithoutAudience = true
	})
	noAud := tokentest.Claims{"aud": tokentest.Omit}
	api := f.iss.Audience()

	tests := []struct {
		name       string
		raw        func() string
		wantStrict error // without AllowIntrospectionWithoutAudience
		wantLax    error // with it
	}{
		// Refresh tokens. The first two rows are what panva's oidc-provider
		// 8.8.1 answers, as seen on loopback: for a refresh token
		// {active, sub, client_id, exp, iat, iss, scope}, for an access
		// token the same with token_type "Bearer".
		{"panva oidc-provider refresh token (no aud, no token_type)",
			func() string { return f.iss.RefreshToken(nil) }, token.ErrTokenType, token.ErrTokenType},
		{"panva refresh token with sid and a resource scope",
			func() string {
				return f.iss.RefreshToken(tokentest.Claims{"sid": "s-1", "scope": "openid offline_access read:appointments"})
			}, token.ErrTokenType, token.ErrTokenType},
		{"refresh token typed refresh_token",
			func() string { return f.iss.RefreshToken(tokentest.Claims{"token_type": "refresh_token"}) }, token.ErrTokenType, token.ErrTokenType},
		{"refresh token typed refresh_token, with our aud",
			func() string { return f.iss.RefreshToken(tokentest.Claims{"token_type": "refresh_token", "aud": api}) }, token.ErrTokenType, token.ErrTokenType},
		{"Ory Hydra refresh token (token_use), with our aud",
			func() string {
				return f.iss.RefreshToken(tokentest.Claims{"token_use": "refresh_token", "token_type": "Bearer", "aud": []string{api}})
			}, token.ErrTokenType, token.ErrTokenType},
		{"Ory Hydra refresh token without aud",
			func() string { return f.iss.RefreshToken(tokentest.Claims{"token_use": "refresh_token"}) }, token.ErrTokenType, token.ErrTokenType},
		{"Keycloak refresh token (typ Refresh), aud the realm",
			func() string {
				return f.iss.RefreshToken(tokentest.Claims{"typ": "Refresh", "aud": f.iss.URL(), "azp": f.iss.ClientID()})
			}, token.ErrTokenType, token.ErrTokenType},
		{"Keycloak refresh token, with our aud",
			func() string { return f.iss.RefreshToken(tokentest.Claims{"typ": "Refresh", "aud": api}) }, token.ErrTokenType, token.ErrTokenType},
		{"Keycloak offline token",
			func() string { return f.iss.RefreshToken(tokentest.Claims{"typ": "Offline", "aud": api}) }, token.ErrTokenType, token.ErrTokenType},
		{"Keycloak ID token introspected",
			func() string { return f.iss.OpaqueToken(tokentest.Claims{"typ": "ID", "token_type": tokentest.Omit}) }, token.ErrTokenType, token.ErrTokenType},
		{"refresh token claiming Bearer in typ but refresh in token_type",
			func() string {
				return f.iss.RefreshToken(tokentest.Claims{"typ": "Bearer", "token_type": "refresh_token", "aud": api})
			},
			token.ErrTokenType, token.ErrTokenType},

		// Access tokens.
		{"access token, aud and token_type Bearer",
			func() string { return f.iss.OpaqueToken(nil) }, nil, nil},
		{"access token with aud but no token_type",
			func() string { return f.iss.OpaqueToken(tokentest.Claims{"token_type": tokentest.Omit}) }, nil, nil},
		{"panva access token without a resource: token_type Bearer, no aud",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"scope": "openid"}))
			}, token.ErrAudience, nil},
		{"panva client-credentials token, no aud",
			func() string { return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"sub": tokentest.Omit})) }, token.ErrAudience, nil},
		{"older panva: token_type access_token, no aud",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"token_type": "access_token"}))
			}, token.ErrAudience, nil},
		{"older panva: token_type client_credentials, no aud",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"token_type": "client_credentials"}))
			}, token.ErrAudience, nil},
		{"Ory Hydra access token (token_use access_token)",
			func() string { return f.iss.OpaqueToken(tokentest.Claims{"token_use": "access_token"}) }, nil, nil},
		{"Ory Hydra access token without aud or token_type",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"token_use": "access_token", "token_type": tokentest.Omit}))
			},
			token.ErrAudience, nil},
		{"Keycloak access token (typ Bearer)",
			func() string { return f.iss.OpaqueToken(tokentest.Claims{"typ": "Bearer"}) }, nil, nil},
		{"Keycloak access token without aud or token_type",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"typ": "Bearer", "token_type": tokentest.Omit}))
			},
			token.ErrAudience, nil},
		{"no aud and no type at all",
			func() string {
				return f.iss.OpaqueToken(mergeClaims(noAud, tokentest.Claims{"token_type": tokentest.Omit}))
			}, token.ErrTokenType, token.ErrTokenType},

		// Answers that say it in the wrong JSON type are unusable.
		{"token_use a number",
			func() string { return f.iss.OpaqueToken(tokentest.Claims{"token_use": 1}) }, token.ErrUnavailable, token.ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw()
			for _, c := range []struct {
				name string
				v    *accesstoken.Validator
				want error
			}{{"default", strict, tc.wantStrict}, {"AllowIntrospectionWithoutAudience", lax, tc.wantLax}} {
				_, err := validate(c.v, raw)
				if c.want == nil {
					if err != nil {
						t.Errorf("%s: refused: %v", c.name, err)
					}
					continue
				}
				requireKind(t, err, c.want)
			}
		})
	}
}

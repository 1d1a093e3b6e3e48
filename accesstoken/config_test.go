package accesstoken_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

func TestNewValidatorConfig(t *testing.T) {
	keys := jwks.Static(nil)
	fake := &fakeIntrospector{resp: activeAnswer()}
	tests := []struct {
		name    string
		cfg     accesstoken.Config
		mention string // "" means the config is accepted
	}{
		{name: "JWT only", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys}},
		{name: "opaque only", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Introspector: fake}},
		{name: "both, introspecting JWTs", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, Introspector: fake, IntrospectJWTs: true}},
		{name: "Audiences only", cfg: accesstoken.Config{Issuer: testIssuer, Audiences: []string{testAPI, "b"}, Keys: keys}},
		{name: "no issuer", cfg: accesstoken.Config{Audience: testAPI, Keys: keys}, mention: "Issuer"},
		{name: "no audience", cfg: accesstoken.Config{Issuer: testIssuer, Keys: keys}, mention: "Audience"},
		{name: "empty entry in Audiences", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Audiences: []string{""}, Keys: keys}, mention: "Audiences[0]"},
		{name: "neither Keys nor Introspector", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI}, mention: "Introspector"},
		{name: "IntrospectJWTs without Introspector", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, IntrospectJWTs: true}, mention: "IntrospectJWTs"},
		{name: "IntrospectJWTs without Keys", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Introspector: fake, IntrospectJWTs: true}, mention: "IntrospectJWTs"},
		{name: "StrictRFC9068 without Keys", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Introspector: fake, StrictRFC9068: true}, mention: "StrictRFC9068"},
		{name: "negative MaxTokenSize", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, MaxTokenSize: -1}, mention: "MaxTokenSize"},
		{name: "unknown algorithm", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, Algorithms: []string{"RS256", "none"}}, mention: "none"},
		{name: "empty algorithm list", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, Algorithms: []string{}}, mention: "Algorithms"},
		// Several issuers.
		{name: "Issuers only", cfg: accesstoken.Config{Audience: testAPI, Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys}}}},
		{name: "Issuers with their own audiences", cfg: accesstoken.Config{Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys, Audiences: []string{"a"}}}}},
		{name: "run-time issuers", cfg: accesstoken.Config{Audience: testAPI, IssuerKeys: token.IssuerKeySourceFunc(nil)}},
		{name: "Cognito app clients instead of an audience", cfg: accesstoken.Config{Issuer: testIssuer, Keys: keys, Provider: accesstoken.Cognito, AppClientIDs: []string{"app"}}},
		{name: "a template as the issuer", cfg: accesstoken.Config{Issuer: "https://login.microsoftonline.com/{tenantid}/v2.0", Audience: testAPI, Keys: keys}, mention: "Templates"},
		{name: "an issuer without its audience", cfg: accesstoken.Config{Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys}}}, mention: "Audience"},
		{name: "an issuer without keys", cfg: accesstoken.Config{Audience: testAPI, Issuers: []accesstoken.Issuer{{Issuer: testIssuer}}}, mention: "Issuers[0].Keys"},
		{name: "an issuer without a name", cfg: accesstoken.Config{Audience: testAPI, Issuers: []accesstoken.Issuer{{Keys: keys}}}, mention: "Issuers[0].Issuer"},
		{name: "an issuer twice", cfg: accesstoken.Config{Audience: testAPI, Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys}, {Issuer: testIssuer, Keys: keys}}}, mention: "twice"},
		{name: "Config.Issuer again in Issuers", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys}}}, mention: "again"},
		{name: "an empty audience of an issuer", cfg: accesstoken.Config{Issuers: []accesstoken.Issuer{{Issuer: testIssuer, Keys: keys, Audiences: []string{""}}}}, mention: "Audiences[0]"},
		{name: "Keys without Issuer", cfg: accesstoken.Config{Audience: testAPI, Keys: keys, IssuerKeys: token.IssuerKeySourceFunc(nil)}, mention: "Issuer"},
		{name: "Introspector without Issuer", cfg: accesstoken.Config{Audience: testAPI, Introspector: fake, IssuerKeys: token.IssuerKeySourceFunc(nil)}, mention: "Issuer"},
		{name: "AppClientIDs for another provider", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, AppClientIDs: []string{"app"}}, mention: "Cognito"},
		{name: "an empty app client", cfg: accesstoken.Config{Issuer: testIssuer, Keys: keys, Provider: accesstoken.Cognito, AppClientIDs: []string{""}}, mention: "AppClientIDs[0]"},
		{name: "an unknown provider", cfg: accesstoken.Config{Issuer: testIssuer, Audience: testAPI, Keys: keys, Provider: 99}, mention: "Provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := accesstoken.NewValidator(tt.cfg)
			if tt.mention == "" {
				require.NoError(t, err)
				require.NotNil(t, v)
				return
			}
			require.Error(t, err)
			assert.Nil(t, v)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
}

func TestZeroValidatorRefuses(t *testing.T) {
	var zero accesstoken.Validator
	_, err := zero.Validate(context.Background(), "abc")
	requireKind(t, err, token.ErrUnavailable)
	var nilV *accesstoken.Validator
	_, err = nilV.Validate(context.Background(), "abc")
	requireKind(t, err, token.ErrUnavailable)
}

func TestZeroTokenClaims(t *testing.T) {
	var at accesstoken.Token
	var m map[string]any
	require.NoError(t, at.Claims(&m))
	assert.Nil(t, m)
	assert.False(t, at.HasScope(""))
	assert.True(t, at.HasAllScopes())

	var nilToken *accesstoken.Token
	assert.False(t, nilToken.HasScope("read"))
	assert.False(t, nilToken.HasAllScopes())
	assert.False(t, nilToken.HasPermission("read"))
	require.NoError(t, nilToken.Claims(&m))
}

func TestMaxTokenSize(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.AccessToken(nil)
	v := f.validator(t, func(c *accesstoken.Config) { c.MaxTokenSize = len(raw) })
	_, err := validate(v, raw)
	require.NoError(t, err)
	v = f.validator(t, func(c *accesstoken.Config) { c.MaxTokenSize = len(raw) - 1 })
	_, err = validate(v, raw)
	requireKind(t, err, token.ErrTooLarge)
}

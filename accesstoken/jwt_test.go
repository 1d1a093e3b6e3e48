package accesstoken_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestValidJWTAccessToken(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t)
	raw := f.iss.AccessToken(tokentest.Claims{
		"scope":       "openid read:appointments write:appointments",
		"permissions": []string{"read:appointments"},
	})
	at, err := validate(v, raw)
	require.NoError(t, err)
	assert.Equal(t, f.iss.Subject(), at.Subject)
	assert.Equal(t, f.iss.URL(), at.Issuer)
	assert.Equal(t, []string{f.iss.Audience()}, at.Audience)
	assert.Equal(t, []string{"openid", "read:appointments", "write:appointments"}, at.Scopes)
	assert.Equal(t, []string{"read:appointments"}, at.Permissions)
	assert.Equal(t, f.iss.ClientID(), at.ClientID)
	assert.Equal(t, epoch.Add(time.Hour), at.ExpiresAt)
	assert.Equal(t, epoch, at.IssuedAt)
	assert.True(t, at.NotBefore.IsZero())
	assert.NotEmpty(t, at.ID)
	assert.False(t, at.Opaque)
	assert.Equal(t, raw, at.Raw)
	assert.True(t, at.HasScope("read:appointments"))
	assert.False(t, at.HasScope("read"))
	assert.True(t, at.HasAllScopes("read:appointments", "write:appointments"))
	assert.False(t, at.HasAllScopes("read:appointments", "admin"))
	assert.True(t, at.HasPermission("read:appointments"))
	assert.False(t, at.HasPermission("write:appointments"))

	var mine struct {
		Scope string `json:"scope"`
		AZP   string `json:"azp"`
	}
	require.NoError(t, at.Claims(&mine))
	assert.Equal(t, "openid read:appointments write:appointments", mine.Scope)
	assert.Equal(t, f.iss.ClientID(), mine.AZP)
	var wrong struct {
		Scope int `json:"scope"`
	}
	requireKind(t, at.Claims(&wrong), token.ErrInvalidClaim)
}

// TestJWTRules has one row per rule of the JWT path, each with the exact
// sentinel a user can rely on.
func TestJWTRules(t *testing.T) {
	f := newFixture(t)
	other := "https://other-api.example"
	second := "https://api.example/v2"
	strict := func(c *accesstoken.Config) { c.StrictRFC9068 = true }
	both := func(c *accesstoken.Config) { c.Audiences = []string{second} }
	past := epoch.Add(-2 * time.Hour).Unix()

	tests := []struct {
		name   string
		claims tokentest.Claims
		opts   []tokentest.MintOption
		config func(*accesstoken.Config)
		want   error // nil: accepted
	}{
		{name: "defaults", want: nil},

		// iss
		{name: "iss other issuer", claims: tokentest.Claims{"iss": "https://evil.example"}, want: token.ErrIssuer},
		{name: "iss with trailing slash", claims: tokentest.Claims{"iss": f.iss.URL() + "/"}, want: token.ErrIssuer},
		{name: "iss different case", claims: tokentest.Claims{"iss": "HTTP://127.0.0.1"}, want: token.ErrIssuer},
		{name: "iss missing", claims: tokentest.Claims{"iss": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "iss a number", claims: tokentest.Claims{"iss": 7}, want: token.ErrInvalidClaim},

		// aud
		{name: "aud string naming the API", claims: tokentest.Claims{"aud": f.iss.Audience()}},
		{name: "aud array including the API", claims: tokentest.Claims{"aud": []string{other, f.iss.Audience(), "https://tenant/userinfo"}}},
		{name: "aud another API", claims: tokentest.Claims{"aud": other}, want: token.ErrAudience},
		{name: "aud array without the API", claims: tokentest.Claims{"aud": []string{other, "https://tenant/userinfo"}}, want: token.ErrAudience},
		{name: "aud empty array", claims: tokentest.Claims{"aud": []string{}}, want: token.ErrAudience},
		{name: "aud API with trailing slash", claims: tokentest.Claims{"aud": f.iss.Audience() + "/"}, want: token.ErrAudience},
		{name: "aud missing", claims: tokentest.Claims{"aud": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "aud a number", claims: tokentest.Claims{"aud": 1}, want: token.ErrInvalidClaim},
		{name: "aud array holding a number", claims: tokentest.Claims{"aud": []any{f.iss.Audience(), 1}}, want: token.ErrInvalidClaim},
		{name: "aud second configured identifier", claims: tokentest.Claims{"aud": second}, config: both},
		{name: "aud first of two configured identifiers", config: both},
		{name: "only Audiences configured", claims: tokentest.Claims{"aud": second},
			config: func(c *accesstoken.Config) { c.Audience = ""; c.Audiences = []string{second} }},

		// times
		{name: "exp missing", claims: tokentest.Claims{"exp": tokentest.Omit}, want: token.ErrMissingClaim},
		{name: "exp passed", claims: tokentest.Claims{"exp": past}, want: token.ErrExpired},
		{name: "exp passed within leeway", claims: tokentest.Claims{"exp": epoch.Add(-30 * time.Second).Unix(), "iat": past}},
		{name: "exp passed, no leeway", claims: tokentest.Claims{"exp": epoch.Add(-30 * time.Second).Unix(), "iat": past},
			config: func(c *accesstoken.Config) { c.Leeway = -1 }, want: token.ErrExpired},
		{name: "exp a string", claims: tokentest.Claims{"exp": "tomorrow"}, want: token.ErrInvalidClaim},
		{name: "nbf in the future", claims: tokentest.Claims{"nbf": epoch.Add(time.Hour).Unix()}, want: token.ErrNotYetValid},
		{name: "nbf within leeway", claims: tokentest.Claims{"nbf": epoch.Add(30 * time.Second).Unix()}},
		{name: "nbf passed", claims: tokentest.Claims{"nbf": epoch.Add(-time.Minute).Unix()}},
		{name: "iat in the future", claims: tokentest.Claims{"iat": epoch.Add(time.Hour).Unix()}, want: token.ErrIssuedInFuture},
		{name: "iat missing is fine by default", claims: tokentest.Claims{"iat": tokentest.Omit}},

		// typ
		{name: "typ at+jwt", opts: []tokentest.MintOption{tokentest.AtJWT()}},
		{name: "typ application/at+jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "application/at+jwt")}},
		{name: "typ AT+JWT", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "AT+JWT")}},
		{name: "typ Application/At+Jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "Application/At+Jwt")}},
		{name: "typ JWT", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "JWT")}},
		{name: "typ jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "jwt")}},
		{name: "typ application/jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "application/jwt")}},
		{name: "typ absent", opts: []tokentest.MintOption{tokentest.WithHeader("typ", tokentest.Omit)}},
		{name: "typ empty", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "")}, want: token.ErrTokenType},
		{name: "typ id_token+jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "id_token+jwt")}, want: token.ErrTokenType},
		{name: "typ dpop+jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "dpop+jwt")}, want: token.ErrTokenType},
		{name: "typ logout+jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "logout+jwt")}, want: token.ErrTokenType},
		{name: "typ at+jwt with spaces", opts: []tokentest.MintOption{tokentest.WithHeader("typ", " at+jwt")}, want: token.ErrTokenType},
		{name: "typ application/", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "application/")}, want: token.ErrTokenType},
		{name: "typ JOSE", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "JOSE")}, want: token.ErrTokenType},
		{name: "typ a number", opts: []tokentest.MintOption{tokentest.WithHeader("typ", 1)}, want: token.ErrMalformed},

		// StrictRFC9068
		{name: "strict: at+jwt with every claim", claims: tokentest.Claims{"scope": "read"},
			opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict},
		{name: "strict: application/at+jwt", opts: []tokentest.MintOption{tokentest.WithHeader("typ", "application/at+jwt")}, config: strict},
		{name: "strict: typ JWT", config: strict, want: token.ErrTokenType},
		{name: "strict: typ absent", opts: []tokentest.MintOption{tokentest.WithHeader("typ", tokentest.Omit)}, config: strict, want: token.ErrTokenType},
		{name: "strict: no aud", claims: tokentest.Claims{"aud": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no sub", claims: tokentest.Claims{"sub": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no client_id", claims: tokentest.Claims{"client_id": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no iat", claims: tokentest.Claims{"iat": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no jti", claims: tokentest.Claims{"jti": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no exp", claims: tokentest.Claims{"exp": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "strict: no iss", claims: tokentest.Claims{"iss": tokentest.Omit}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrMissingClaim},
		{name: "not strict: no sub, jti or client_id (azp names the client)",
			claims: tokentest.Claims{"sub": tokentest.Omit, "jti": tokentest.Omit, "client_id": tokentest.Omit, "scope": "read"}},

		// ID token claims and the client
		{name: "nonce", claims: tokentest.Claims{"nonce": "n-0S6_WzA2Mj"}, want: token.ErrTokenType},
		{name: "at_hash", opts: []tokentest.MintOption{tokentest.WithAccessTokenHash("some-access-token")}, want: token.ErrTokenType},
		{name: "c_hash", opts: []tokentest.MintOption{tokentest.WithCodeHash("some-code")}, want: token.ErrTokenType},
		{name: "nonce in strict mode", claims: tokentest.Claims{"nonce": "n"}, opts: []tokentest.MintOption{tokentest.AtJWT()}, config: strict, want: token.ErrTokenType},
		{name: "Keycloak ID token (typ claim ID)", claims: tokentest.Claims{"typ": "ID"}, want: token.ErrTokenType},
		{name: "Keycloak access token (typ claim Bearer)", claims: tokentest.Claims{"typ": "Bearer"}},
		{name: "Keycloak refresh token (typ claim Refresh)", claims: tokentest.Claims{"typ": "Refresh"}, want: token.ErrTokenType},
		{name: "Keycloak offline token (typ claim Offline)", claims: tokentest.Claims{"typ": "Offline"}, want: token.ErrTokenType},
		{name: "Keycloak logout token (typ claim Logout)", claims: tokentest.Claims{"typ": "Logout"}, want: token.ErrTokenType},
		{name: "token_use refresh_token", claims: tokentest.Claims{"token_use": "refresh_token"}, want: token.ErrTokenType},
		{name: "Cognito ID token (token_use id)", claims: tokentest.Claims{"token_use": "id"}, want: token.ErrTokenType},
		{name: "Cognito access token (token_use access)", claims: tokentest.Claims{"token_use": "access"}},
		{name: "no client named", claims: tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit}, want: token.ErrTokenType},
		{name: "empty client_id and azp", claims: tokentest.Claims{"client_id": "", "azp": ""}, want: token.ErrTokenType},
		{name: "empty client_id, azp names the client", claims: tokentest.Claims{"client_id": ""}},
		{name: "client only in azp", claims: tokentest.Claims{"client_id": tokentest.Omit, "scope": "read"}},
		{name: "client only in azp, granting nothing", claims: tokentest.Claims{"client_id": tokentest.Omit}, want: token.ErrTokenType},
		{name: "client only in azp, Auth0 machine-to-machine (gty)", claims: tokentest.Claims{"client_id": tokentest.Omit, "gty": "client-credentials"}},
		{name: "client only in azp, Entra ID app-only (azpacr)", claims: tokentest.Claims{"client_id": tokentest.Omit, "azpacr": "1"}},
		{name: "client only in client_id", claims: tokentest.Claims{"azp": tokentest.Omit}},
		{name: "client only in cid (Okta)", claims: tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit, "cid": "0oa1"}},
		{name: "client only in appid (Entra ID v1)", claims: tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit, "appid": "app"}},
		// Addressed to its own client as well as to this API: ZITADEL's
		// access tokens are, and carry nothing about the login; its ID
		// tokens are too, and tell of the login (amr, auth_time).
		{name: "aud names the token's own client and this API", claims: tokentest.Claims{"aud": []string{f.iss.Audience(), f.iss.ClientID()}}},
		{name: "aud names the token's own client and this API, with login claims", claims: tokentest.Claims{
			"aud": []string{f.iss.Audience(), f.iss.ClientID()}, "amr": []string{"pwd"}, "auth_time": epoch.Unix()}, want: token.ErrTokenType},
		{name: "aud names the token's own client and this API, with login claims and a scope", claims: tokentest.Claims{
			"aud": []string{f.iss.Audience(), f.iss.ClientID()}, "auth_time": epoch.Unix(), "scope": "read"}},
		{name: "aud names the token's own client, which this API accepts", claims: tokentest.Claims{"aud": []string{f.iss.Audience(), f.iss.ClientID()}, "scope": "read"},
			config: func(c *accesstoken.Config) { c.Audiences = []string{f.iss.ClientID()} }, want: token.ErrTokenType},
		{name: "aud names the token's own client, typed at+jwt", claims: tokentest.Claims{"aud": []string{f.iss.Audience(), f.iss.ClientID()}},
			opts: []tokentest.MintOption{tokentest.AtJWT()}},
		{name: "aud names the token's own client (cid)", claims: tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit, "cid": f.iss.Audience()}, want: token.ErrTokenType},
		{name: "azp differs from client_id", claims: tokentest.Claims{"azp": "someone-else"}, want: token.ErrInvalidClaim},
		{name: "client_id a number", claims: tokentest.Claims{"client_id": 42}, want: token.ErrInvalidClaim},
		{name: "azp an array", claims: tokentest.Claims{"azp": []string{"a"}}, want: token.ErrInvalidClaim},
		{name: "cid a number", claims: tokentest.Claims{"cid": 1}, want: token.ErrInvalidClaim},

		// scopes and permissions of the wrong type
		{name: "scope a number", claims: tokentest.Claims{"scope": 1}, want: token.ErrInvalidClaim},
		{name: "scope an array", claims: tokentest.Claims{"scope": []string{"read"}}, want: token.ErrInvalidClaim},
		{name: "scope null", claims: tokentest.Claims{"scope": nil}, want: token.ErrInvalidClaim},
		{name: "scp a number", claims: tokentest.Claims{"scp": 1}, want: token.ErrInvalidClaim},
		{name: "scp an object", claims: tokentest.Claims{"scp": map[string]any{"read": true}}, want: token.ErrInvalidClaim},
		{name: "scp array holding a number", claims: tokentest.Claims{"scp": []any{"read", 2}}, want: token.ErrInvalidClaim},
		{name: "scp wrong even beside a good scope", claims: tokentest.Claims{"scope": "read", "scp": 2}, want: token.ErrInvalidClaim},
		{name: "permissions a string", claims: tokentest.Claims{"permissions": "read"}, want: token.ErrInvalidClaim},
		{name: "permissions array holding null", claims: tokentest.Claims{"permissions": []any{"read", nil}}, want: token.ErrInvalidClaim},
		{name: "sub a number", claims: tokentest.Claims{"sub": 1}, want: token.ErrInvalidClaim},
		{name: "jti an object", claims: tokentest.Claims{"jti": map[string]any{}}, want: token.ErrInvalidClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*accesstoken.Config)
			if tt.config != nil {
				edits = append(edits, tt.config)
			}
			v := f.validator(t, edits...)
			raw := f.iss.AccessToken(tt.claims, tt.opts...)
			require.NotEmpty(t, raw)
			at, err := validate(v, raw)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, at)
				return
			}
			requireKind(t, err, tt.want)
			assert.Nil(t, at)
		})
	}
}

func TestScopeShapes(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t)
	tests := []struct {
		name        string
		claims      tokentest.Claims
		scopes      []string
		permissions []string
	}{
		{name: "no scope", claims: nil, scopes: nil},
		{name: "empty scope", claims: tokentest.Claims{"scope": ""}, scopes: nil},
		{name: "scope string", claims: tokentest.Claims{"scope": "read write"}, scopes: []string{"read", "write"}},
		{name: "scope with extra spaces", claims: tokentest.Claims{"scope": "  read   write "}, scopes: []string{"read", "write"}},
		{name: "scope of spaces", claims: tokentest.Claims{"scope": "   "}, scopes: nil},
		{name: "one scope", claims: tokentest.Claims{"scope": "read"}, scopes: []string{"read"}},
		{name: "scope split only at spaces (RFC 6749)", claims: tokentest.Claims{"scope": "a\tb c"}, scopes: []string{"a\tb", "c"}},
		{name: "scp array (Okta)", claims: tokentest.Claims{"scp": []string{"read", "write"}}, scopes: []string{"read", "write"}},
		{name: "scp string (Entra ID)", claims: tokentest.Claims{"scp": "User.Read Mail.Read"}, scopes: []string{"User.Read", "Mail.Read"}},
		{name: "scp empty array", claims: tokentest.Claims{"scp": []string{}}, scopes: nil},
		{name: "scope wins over scp", claims: tokentest.Claims{"scope": "a", "scp": []string{"b"}}, scopes: []string{"a"}},
		{name: "permissions", claims: tokentest.Claims{"permissions": []string{"read:x", "write:x"}}, permissions: []string{"read:x", "write:x"}},
		{name: "empty permissions", claims: tokentest.Claims{"permissions": []string{}}, permissions: nil},
		{name: "escaped scope", claims: tokentest.Claims{"scope": "caf\u00e9 <b>"}, scopes: []string{"café", "<b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := validate(v, f.iss.AccessToken(tt.claims))
			require.NoError(t, err)
			assert.Equal(t, tt.scopes, at.Scopes)
			assert.Equal(t, tt.permissions, at.Permissions)
		})
	}
}

func TestClientIDSources(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t)
	tests := []struct {
		claims tokentest.Claims
		want   string
	}{
		{tokentest.Claims{}, f.iss.ClientID()},
		{tokentest.Claims{"client_id": tokentest.Omit, "azp": "from-azp", "scope": "read"}, "from-azp"},
		{tokentest.Claims{"client_id": "from-client-id", "azp": tokentest.Omit, "cid": "ignored"}, "from-client-id"},
		{tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit, "cid": "0oa-okta"}, "0oa-okta"},
		{tokentest.Claims{"client_id": tokentest.Omit, "azp": tokentest.Omit, "appid": "entra-app"}, "entra-app"},
	}
	for _, tt := range tests {
		at, err := validate(v, f.iss.AccessToken(tt.claims))
		require.NoError(t, err)
		assert.Equal(t, tt.want, at.ClientID)
	}
}

// TestWrongTypeCostsNoKeyLookup: typ is checked before the key source is
// asked, so tokens of the wrong kind cannot make a remote key source
// refetch.
func TestWrongTypeCostsNoKeyLookup(t *testing.T) {
	f := newFixture(t)
	keys := &countingKeys{inner: f.iss.KeySource()}
	v := f.validator(t, func(c *accesstoken.Config) { c.Keys = keys; c.StrictRFC9068 = true })
	for _, typ := range []any{"JWT", "id_token+jwt", "dpop+jwt", tokentest.Omit} {
		_, err := validate(v, f.iss.AccessToken(nil, tokentest.WithHeader("typ", typ), tokentest.WithKeyID("unknown-kid")))
		requireKind(t, err, token.ErrTokenType)
	}
	assert.Zero(t, keys.calls.Load())
	_, err := validate(v, f.iss.AccessToken(nil, tokentest.AtJWT()))
	require.NoError(t, err)
	assert.EqualValues(t, 1, keys.calls.Load())
}

// An API that accepts many audiences checks a token's aud in one lookup
// per audience: a token naming one of fifty accepted audiences among a
// hundred others passes, one naming none of them is refused.
func TestManyAcceptedAudiences(t *testing.T) {
	f := newFixture(t)
	accepted := make([]string, 50)
	for i := range accepted {
		accepted[i] = fmt.Sprintf("https://api.example.com/resource/%03d", i)
	}
	v := f.validator(t, func(c *accesstoken.Config) { c.Audience, c.Audiences = "", accepted })
	others := make([]string, 100)
	for i := range others {
		others[i] = fmt.Sprintf("https://other.example.com/resource/%03d", i)
	}
	with := append(append(others[:50:50], accepted[37]), others[50:]...)
	at, err := validate(v, f.iss.AccessToken(tokentest.Claims{"aud": with}))
	require.NoError(t, err)
	assert.Equal(t, with, at.Audience)
	_, err = validate(v, f.iss.AccessToken(tokentest.Claims{"aud": others}))
	requireKind(t, err, token.ErrAudience)
	_, err = validate(v, f.iss.AccessToken(tokentest.Claims{"aud": "https://api.example.com/resource/050"}))
	requireKind(t, err, token.ErrAudience)
}

package accesstoken_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

const (
	testIssuer = "https://tenant.example.com/"
	testAPI    = "https://api.example.com"
	opaqueTok  = "2YotnFZFEjr1zCsicMWpAA"
)

// activeAnswer is a complete, acceptable introspection answer.
func activeAnswer() *introspect.Response {
	return &introspect.Response{
		Active:    true,
		Scope:     "read:appointments openid",
		ClientID:  "client-1",
		Username:  "jane",
		TokenType: "Bearer",
		ExpiresAt: epoch.Add(time.Hour),
		IssuedAt:  epoch.Add(-time.Minute),
		Subject:   "user-42",
		Audience:  []string{testAPI},
		Issuer:    testIssuer,
		ID:        "jti-1",
	}
}

// opaqueValidator validates opaque tokens only, through fake.
func opaqueValidator(t testing.TB, fake introspect.Introspector, edit ...func(*accesstoken.Config)) *accesstoken.Validator {
	t.Helper()
	cfg := accesstoken.Config{
		Issuer:       testIssuer,
		Audience:     testAPI,
		Introspector: fake,
		Now:          newClock().Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	v, err := accesstoken.NewValidator(cfg)
	require.NoError(t, err)
	return v
}

func TestOpaqueValid(t *testing.T) {
	var seen string
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		seen = tok
		r := activeAnswer()
		r.Extra = map[string]json.RawMessage{
			"permissions":               json.RawMessage(`["read:appointments"]`),
			"https://example.com/roles": json.RawMessage(`["admin"]`),
		}
		return r, nil
	})
	v := opaqueValidator(t, fake)
	at, err := validate(v, opaqueTok)
	require.NoError(t, err)
	assert.Equal(t, opaqueTok, seen)
	assert.True(t, at.Opaque)
	assert.Equal(t, opaqueTok, at.Raw)
	assert.Equal(t, "user-42", at.Subject)
	assert.Equal(t, testIssuer, at.Issuer)
	assert.Equal(t, []string{testAPI}, at.Audience)
	assert.Equal(t, []string{"read:appointments", "openid"}, at.Scopes)
	assert.Equal(t, []string{"read:appointments"}, at.Permissions)
	assert.Equal(t, "client-1", at.ClientID)
	assert.Equal(t, epoch.Add(time.Hour), at.ExpiresAt)
	assert.Equal(t, epoch.Add(-time.Minute), at.IssuedAt)
	assert.Equal(t, "jti-1", at.ID)
	assert.True(t, at.HasScope("openid"))

	var mine struct {
		Active   bool     `json:"active"`
		Username string   `json:"username"`
		Roles    []string `json:"https://example.com/roles"`
	}
	require.NoError(t, at.Claims(&mine))
	assert.True(t, mine.Active)
	assert.Equal(t, "jane", mine.Username)
	assert.Equal(t, []string{"admin"}, mine.Roles)
}

// TestOpaqueRules has one row per rule of the introspection path.
func TestOpaqueRules(t *testing.T) {
	allowNoAud := func(c *accesstoken.Config) { c.AllowIntrospectionWithoutAudience = true }
	tests := []struct {
		name   string
		edit   func(r *introspect.Response)
		config func(*accesstoken.Config)
		want   error
	}{
		{name: "complete answer", edit: func(r *introspect.Response) {}},
		{name: "inactive", edit: func(r *introspect.Response) { *r = introspect.Response{Active: false} }, want: token.ErrInactive},

		{name: "token_type absent", edit: func(r *introspect.Response) { r.TokenType = "" }},
		{name: "token_type bearer", edit: func(r *introspect.Response) { r.TokenType = "bearer" }},
		{name: "token_type BEARER", edit: func(r *introspect.Response) { r.TokenType = "BEARER" }},
		{name: "token_type access_token", edit: func(r *introspect.Response) { r.TokenType = "access_token" }},
		{name: "token_type RFC 8693 access token", edit: func(r *introspect.Response) { r.TokenType = "urn:ietf:params:oauth:token-type:access_token" }},
		{name: "token_type refresh_token", edit: func(r *introspect.Response) { r.TokenType = "refresh_token" }, want: token.ErrTokenType},
		{name: "token_type RFC 8693 refresh token", edit: func(r *introspect.Response) { r.TokenType = "urn:ietf:params:oauth:token-type:refresh_token" }, want: token.ErrTokenType},
		{name: "token_type RFC 8693 ID token", edit: func(r *introspect.Response) { r.TokenType = "urn:ietf:params:oauth:token-type:id_token" }, want: token.ErrTokenType},
		{name: "token_type id_token", edit: func(r *introspect.Response) { r.TokenType = "id_token" }, want: token.ErrTokenType},
		// RFC 9449 §6.2: a DPoP-bound answer names its key in cnf.jkt.
		{name: "token_type DPoP without cnf", edit: func(r *introspect.Response) { r.TokenType = "DPoP" }, want: token.ErrUnavailable},
		// RFC 9449 §7.2: a DPoP-bound token presented as a bearer token.
		{name: "token_type DPoP as bearer", edit: func(r *introspect.Response) {
			r.TokenType = "DPoP"
			r.Extra = map[string]json.RawMessage{"cnf": json.RawMessage(`{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}`)}
		}, want: token.ErrSenderConstrained},
		{name: "cnf.jkt as bearer", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"cnf": json.RawMessage(`{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}`)}
		}, want: token.ErrSenderConstrained},
		// RFC 8705 §3.2: certificate-bound, and no certificate presented.
		{name: "cnf.x5t#S256 as bearer", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"cnf": json.RawMessage(`{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}`)}
		}, want: token.ErrSenderConstrained},
		{name: "cnf of an unchecked method", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"cnf": json.RawMessage(`{"kid":"client-key"}`)}
		}, want: token.ErrSenderConstrained},
		{name: "cnf not an object", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"cnf": json.RawMessage(`"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"`)}
		}, want: token.ErrUnavailable},
		{name: "token_type N_A", edit: func(r *introspect.Response) { r.TokenType = "N_A" }, want: token.ErrTokenType},
		{name: "token_type Bearer with a space", edit: func(r *introspect.Response) { r.TokenType = "Bearer " }, want: token.ErrTokenType},

		{name: "iss absent", edit: func(r *introspect.Response) { r.Issuer = "" }},
		{name: "iss other", edit: func(r *introspect.Response) { r.Issuer = "https://evil.example/" }, want: token.ErrIssuer},
		{name: "iss without trailing slash", edit: func(r *introspect.Response) { r.Issuer = strings.TrimSuffix(testIssuer, "/") }, want: token.ErrIssuer},

		{name: "aud other", edit: func(r *introspect.Response) { r.Audience = []string{"https://other.example"} }, want: token.ErrAudience},
		{name: "aud among others", edit: func(r *introspect.Response) { r.Audience = []string{"https://other.example", testAPI} }},
		{name: "aud absent", edit: func(r *introspect.Response) { r.Audience = nil }, want: token.ErrAudience},
		{name: "aud absent, allowed", edit: func(r *introspect.Response) { r.Audience = nil }, config: allowNoAud},
		{name: "aud other, absent allowed", edit: func(r *introspect.Response) { r.Audience = []string{"https://other.example"} }, config: allowNoAud, want: token.ErrAudience},

		{name: "exp absent", edit: func(r *introspect.Response) { r.ExpiresAt = time.Time{} }},
		{name: "exp passed", edit: func(r *introspect.Response) { r.ExpiresAt = epoch.Add(-time.Hour) }, want: token.ErrExpired},
		{name: "exp passed within leeway", edit: func(r *introspect.Response) { r.ExpiresAt = epoch.Add(-time.Second) }},
		{name: "nbf in the future", edit: func(r *introspect.Response) { r.NotBefore = epoch.Add(time.Hour) }, want: token.ErrNotYetValid},
		{name: "nbf passed", edit: func(r *introspect.Response) { r.NotBefore = epoch.Add(-time.Hour) }},
		{name: "iat in the future", edit: func(r *introspect.Response) { r.IssuedAt = epoch.Add(time.Hour) }, want: token.ErrIssuedInFuture},

		{name: "scp instead of scope", edit: func(r *introspect.Response) {
			r.Scope = ""
			r.Extra = map[string]json.RawMessage{"scp": json.RawMessage(`["read:appointments"]`)}
		}},
		{name: "scp of the wrong type", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"scp": json.RawMessage(`7`)}
		}, want: token.ErrUnavailable},
		{name: "permissions of the wrong type", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"permissions": json.RawMessage(`"read"`)}
		}, want: token.ErrUnavailable},
		{name: "permissions not JSON", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"permissions": json.RawMessage(`["read"`)}
		}, want: token.ErrUnavailable},
		{name: "azp differs from client_id", edit: func(r *introspect.Response) {
			r.Extra = map[string]json.RawMessage{"azp": json.RawMessage(`"other"`)}
		}, want: token.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := activeAnswer()
			tt.edit(r)
			fake := &fakeIntrospector{resp: r}
			var edits []func(*accesstoken.Config)
			if tt.config != nil {
				edits = append(edits, tt.config)
			}
			at, err := validate(opaqueValidator(t, fake, edits...), opaqueTok)
			assert.EqualValues(t, 1, fake.calls.Load())
			if tt.want == nil {
				require.NoError(t, err)
				require.True(t, at.Opaque)
				return
			}
			requireKind(t, err, tt.want)
			assert.Nil(t, at)
		})
	}
}

func TestOpaqueScopesFromExtra(t *testing.T) {
	r := activeAnswer()
	r.Scope = ""
	r.ClientID = ""
	r.Extra = map[string]json.RawMessage{
		"scp":         json.RawMessage(`"a b"`),
		"permissions": json.RawMessage(`["p1","p2"]`),
		"azp":         json.RawMessage(`"client-from-azp"`),
	}
	at, err := validate(opaqueValidator(t, &fakeIntrospector{resp: r}), opaqueTok)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, at.Scopes)
	assert.Equal(t, []string{"p1", "p2"}, at.Permissions)
	assert.Equal(t, "client-from-azp", at.ClientID)
}

func TestIntrospectorErrorsAreUnavailable(t *testing.T) {
	ctxDone, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		err  error
		ctx  context.Context
		also error // another error the chain must keep
	}{
		{name: "plain error", err: errors.New("connection refused")},
		{name: "already unavailable", err: token.Errorf(token.ErrUnavailable, "", "endpoint answered 503")},
		{name: "claims to be a verdict", err: token.Errorf(token.ErrExpired, "exp", "expired")},
		{name: "wrapped verdict", err: fmt.Errorf("wrapped: %w", token.Errorf(token.ErrInvalidClaim, "scope", "bad"))},
		{name: "context error", err: context.Canceled, ctx: ctxDone, also: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := opaqueValidator(t, &fakeIntrospector{err: tt.err})
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			at, err := v.Validate(ctx, opaqueTok)
			requireKind(t, err, token.ErrUnavailable)
			assert.Nil(t, at)
			if tt.also != nil {
				assert.ErrorIs(t, err, tt.also)
			}
		})
	}

	t.Run("nil answer without error", func(t *testing.T) {
		fake := introspect.IntrospectorFunc(func(context.Context, string) (*introspect.Response, error) { return nil, nil })
		_, err := validate(opaqueValidator(t, fake), opaqueTok)
		requireKind(t, err, token.ErrUnavailable)
	})
}

// TestOpaqueTokenSyntax checks which strings reach the introspector. The
// validator has no Keys, so a JOSE-shaped string is refused as the wrong
// kind of token as soon as it is recognised, and never sent.
func TestOpaqueTokenSyntax(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want error // nil: sent to the introspector
	}{
		{name: "base64url", raw: "abc-DEF_123"},
		{name: "b64token alphabet", raw: "a.b~c+d/e=="},
		{name: "one dot (Google-like)", raw: "ya29.a0AfH6SMBx"},
		{name: "prefixed, one dot (Ory-like)", raw: "ory_at_abc.def"},
		{name: "three dots", raw: "a.b.c.d"},
		{name: "JWS-shaped", raw: "abc.def.ghi", want: token.ErrTokenType},
		{name: "JWS-shaped, PASETO-like", raw: "v4.local.c29tZXRoaW5n", want: token.ErrTokenType},
		{name: "JOSE header, two segments", raw: "eyJhbGciOiJSUzI1NiJ9.e30", want: token.ErrTokenType},
		{name: "JOSE header, five segments", raw: "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", want: token.ErrTokenType},
		{name: "JSON serialization", raw: `{"payload":"e30"}`, want: token.ErrTokenType},
		{name: "empty", raw: "", want: token.ErrMalformed},
		{name: "space", raw: "abc def", want: token.ErrMalformed},
		{name: "Bearer prefix left on", raw: "Bearer abc", want: token.ErrMalformed},
		{name: "newline", raw: "abc\n", want: token.ErrMalformed},
		{name: "NUL", raw: "abc\x00", want: token.ErrMalformed},
		{name: "padding in the middle", raw: "ab=c", want: token.ErrMalformed},
		{name: "only padding", raw: "==", want: token.ErrMalformed},
		{name: "non-ASCII", raw: "tökén", want: token.ErrMalformed},
		{name: "too large", raw: strings.Repeat("a", token.DefaultMaxTokenSize+1), want: token.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeIntrospector{resp: activeAnswer()}
			_, err := validate(opaqueValidator(t, fake), tt.raw)
			if tt.want == nil {
				require.NoError(t, err)
				assert.EqualValues(t, 1, fake.calls.Load())
				return
			}
			requireKind(t, err, tt.want)
			assert.Zero(t, fake.calls.Load(), "a refused token must not be sent to the introspector")
		})
	}
}

func TestWhichPathATokenTakes(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIntrospector{resp: activeAnswer()}

	t.Run("opaque token without an introspector", func(t *testing.T) {
		v := f.validator(t)
		_, err := validate(v, f.iss.OpaqueToken(nil))
		requireKind(t, err, token.ErrMalformed)
		assert.Contains(t, err.Error(), "no Introspector")
	})
	t.Run("JWT without keys", func(t *testing.T) {
		v := f.validator(t, func(c *accesstoken.Config) { c.Keys = nil; c.Introspector = fake })
		_, err := validate(v, f.iss.AccessToken(nil))
		requireKind(t, err, token.ErrTokenType)
		assert.Contains(t, err.Error(), "no Keys")
		assert.Zero(t, fake.calls.Load())
	})
	t.Run("a JWT that fails is never introspected", func(t *testing.T) {
		v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = fake })
		bad := map[string]string{
			"expired":       f.iss.AccessToken(tokentest.Claims{"exp": epoch.Add(-time.Hour).Unix()}),
			"wrong aud":     f.iss.AccessToken(tokentest.Claims{"aud": "https://other"}),
			"ID token":      f.iss.IDToken(tokentest.Claims{"aud": f.iss.Audience()}),
			"bad signature": f.iss.AccessToken(nil)[:50] + f.iss.AccessToken(nil)[50:len(f.iss.AccessToken(nil))-4] + "AAAA",
			"JWE":           "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
			"JSON":          `{"payload":"e30","signatures":[]}`,
			"two segments":  "eyJhbGciOiJSUzI1NiJ9.e30",
		}
		for name, raw := range bad {
			_, err := validate(v, raw)
			require.Error(t, err, name)
		}
		assert.Zero(t, fake.calls.Load(), "no failed JWT may reach the introspector")
	})
}

// TestOpaqueThroughIntrospectionEndpoint runs the opaque path against the
// fake issuer's RFC 7662 endpoint, through introspect.Client.
func TestOpaqueThroughIntrospectionEndpoint(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = f.client(t) })
	ctx := context.Background()

	t.Run("opaque access token", func(t *testing.T) {
		raw := f.iss.OpaqueToken(tokentest.Claims{"scope": "read:appointments"})
		at, err := v.Validate(ctx, raw)
		require.NoError(t, err)
		assert.True(t, at.Opaque)
		assert.Equal(t, f.iss.Subject(), at.Subject)
		assert.Equal(t, f.iss.ClientID(), at.ClientID)
		assert.True(t, at.HasScope("read:appointments"))
	})
	t.Run("refresh token", func(t *testing.T) {
		_, err := v.Validate(ctx, f.iss.RefreshToken(nil))
		requireKind(t, err, token.ErrTokenType)
	})
	t.Run("refresh token typed refresh_token", func(t *testing.T) {
		_, err := v.Validate(ctx, f.iss.RefreshToken(tokentest.Claims{"token_type": "refresh_token"}))
		requireKind(t, err, token.ErrTokenType)
	})
	t.Run("revoked", func(t *testing.T) {
		raw := f.iss.OpaqueToken(nil)
		_, err := v.Validate(ctx, raw)
		require.NoError(t, err)
		f.iss.Revoke(raw)
		_, err = v.Validate(ctx, raw)
		requireKind(t, err, token.ErrInactive)
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := v.Validate(ctx, "never-issued-token")
		requireKind(t, err, token.ErrInactive)
	})
	t.Run("expired per the answer", func(t *testing.T) {
		_, err := v.Validate(ctx, f.iss.OpaqueToken(tokentest.Claims{"exp": epoch.Add(-time.Hour).Unix()}))
		requireKind(t, err, token.ErrExpired)
	})
	t.Run("endpoint failing", func(t *testing.T) {
		raw := f.iss.OpaqueToken(nil)
		for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusUnauthorized} {
			f.iss.FailIntrospection(status)
			_, err := v.Validate(ctx, raw)
			requireKind(t, err, token.ErrUnavailable)
		}
		f.iss.Heal()
		_, err := v.Validate(ctx, raw)
		require.NoError(t, err)
	})
}

// TestIntrospectJWTs checks the optional introspection of JWTs that passed.
func TestIntrospectJWTs(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) {
		c.Introspector = f.client(t)
		c.IntrospectJWTs = true
	})
	raw := f.iss.AccessToken(nil)
	_, err := validate(v, raw)
	require.NoError(t, err)
	before := f.iss.IntrospectionRequests()

	// A hit in the verified-token cache still asks.
	_, err = validate(v, raw)
	require.NoError(t, err)
	assert.Equal(t, before+1, f.iss.IntrospectionRequests())

	f.iss.Revoke(raw)
	_, err = validate(v, raw)
	requireKind(t, err, token.ErrInactive)

	f.iss.FailIntrospection(http.StatusBadGateway)
	_, err = validate(v, f.iss.AccessToken(nil))
	requireKind(t, err, token.ErrUnavailable)
	f.iss.Heal()

	// Off by default: revocation is not seen.
	plain := f.validator(t, func(c *accesstoken.Config) { c.Introspector = f.client(t) })
	n := f.iss.IntrospectionRequests()
	_, err = validate(plain, raw)
	require.NoError(t, err)
	assert.Equal(t, n, f.iss.IntrospectionRequests())
}

func TestIDTokenIsRefused(t *testing.T) {
	t.Run("distinct client and API", func(t *testing.T) {
		f := newFixture(t)
		v := f.validator(t)
		for name, raw := range map[string]string{
			"plain":      f.iss.IDToken(nil),
			"with azp":   f.iss.IDToken(tokentest.Claims{"azp": f.iss.ClientID()}),
			"with nonce": f.iss.IDToken(tokentest.Claims{"nonce": "n"}),
			"aud array of client and API, azp": f.iss.IDToken(tokentest.Claims{
				"aud": []string{f.iss.ClientID(), f.iss.Audience()}, "azp": f.iss.ClientID()}),
		} {
			_, err := validate(v, raw)
			requireKind(t, err, token.ErrTokenType)
			assert.NotContains(t, err.Error(), raw, name)
		}
	})

	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			// The worst case: the client ID is the API identifier, so the ID
			// token's aud names the API.
			f := newFixture(t, tokentest.WithAlgorithm(alg), tokentest.WithClientID("https://api.tokentest.example"),
				tokentest.WithAudience("https://api.tokentest.example"))
			v := f.validator(t)
			tests := map[string]string{
				"plain ID token (no nonce)":   f.iss.IDToken(nil),
				"ID token with azp":           f.iss.IDToken(tokentest.Claims{"azp": f.iss.ClientID()}),
				"ID token with nonce":         f.iss.IDToken(tokentest.Claims{"nonce": "n-0S6", "azp": f.iss.ClientID()}),
				"ID token with at_hash":       f.iss.IDToken(tokentest.Claims{"azp": f.iss.ClientID()}, tokentest.WithAccessTokenHash("at")),
				"ID token with c_hash":        f.iss.IDToken(tokentest.Claims{"azp": f.iss.ClientID()}, tokentest.WithCodeHash("code")),
				"ID token typed at+jwt":       f.iss.IDToken(tokentest.Claims{"nonce": "n", "client_id": "x"}, tokentest.AtJWT()),
				"ID token with scope":         f.iss.IDToken(tokentest.Claims{"scope": "openid", "nonce": "n"}),
				"ID token, aud array":         f.iss.IDToken(tokentest.Claims{"aud": []string{f.iss.ClientID()}}),
				"ID token with client_id":     f.iss.IDToken(tokentest.Claims{"client_id": f.iss.ClientID(), "at_hash": "x"}),
				"ID token typed id_token+jwt": f.iss.IDToken(tokentest.Claims{"client_id": "c"}, tokentest.WithHeader("typ", "id_token+jwt")),
			}
			for name, raw := range tests {
				_, err := validate(v, raw)
				requireKind(t, err, token.ErrTokenType)
				assert.NotContains(t, err.Error(), raw, name)
			}
			// With one identifier for client and API, only an access token
			// typed at+jwt can show it is not an ID token.
			_, err := validate(v, f.iss.AccessToken(nil, tokentest.AtJWT()))
			require.NoError(t, err)
			_, err = validate(v, f.iss.AccessToken(nil))
			requireKind(t, err, token.ErrTokenType)
		})
	}
}

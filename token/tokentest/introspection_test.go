package tokentest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// client returns an introspection client for iss with method.
func client(t *testing.T, iss *tokentest.Issuer, method introspect.AuthMethod) *introspect.Client {
	t.Helper()
	c, err := introspect.NewClient(introspect.Config{
		Endpoint:     iss.IntrospectionURL(),
		AuthMethod:   method,
		ClientID:     iss.IntrospectionClientID(),
		ClientSecret: iss.IntrospectionClientSecret(),
		HTTPClient:   iss.HTTPClient(),
	})
	require.NoError(t, err)
	return c
}

func TestIntrospectionAnswers(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	c := client(t, iss, introspect.AuthClientSecretBasic)

	opaque := iss.OpaqueToken(tokentest.Claims{"scope": "read:appointments", "username": "jane"})
	assert.False(t, token.LooksLikeJWS(opaque), "an opaque token is not JWS-shaped")
	assert.NotContains(t, opaque, ".")
	r, err := c.Introspect(ctx, opaque)
	require.NoError(t, err)
	assert.True(t, r.Active)
	assert.Equal(t, iss.URL(), r.Issuer)
	assert.Equal(t, iss.Subject(), r.Subject)
	assert.Equal(t, []string{iss.Audience()}, r.Audience)
	assert.Equal(t, iss.ClientID(), r.ClientID)
	assert.Equal(t, "Bearer", r.TokenType)
	assert.Equal(t, now.Unix(), r.IssuedAt.Unix())
	assert.Equal(t, now.Add(time.Hour).Unix(), r.ExpiresAt.Unix())
	assert.Equal(t, []string{"read:appointments"}, r.Scopes())
	assert.Equal(t, "jane", r.Username)

	refresh := iss.RefreshToken(nil)
	r, err = c.Introspect(ctx, refresh)
	require.NoError(t, err)
	assert.True(t, r.Active)
	assert.Empty(t, r.TokenType, "refresh tokens are answered as panva's oidc-provider does: no token_type")
	assert.Empty(t, r.Audience, "a refresh token has no audience")
	assert.Equal(t, "openid offline_access", r.Scope)
	assert.Equal(t, iss.Subject(), r.Subject)

	jwt := iss.AccessToken(tokentest.Claims{"scope": "write:appointments"})
	r, err = c.Introspect(ctx, jwt)
	require.NoError(t, err)
	assert.True(t, r.Active, "the endpoint knows the JWT access tokens it minted")
	assert.Equal(t, []string{"write:appointments"}, r.Scopes())
	assert.Equal(t, []string{iss.Audience()}, r.Audience)

	for name, tok := range map[string]string{
		"unknown":  "no-such-token",
		"ID token": iss.IDToken(nil),
		"Sign":     iss.Sign(nil, tokentest.Claims{"iss": iss.URL()}),
	} {
		r, err = c.Introspect(ctx, tok)
		require.NoError(t, err, name)
		assert.False(t, r.Active, name)
	}

	for _, tok := range []string{opaque, refresh, jwt} {
		iss.Revoke(tok)
		r, err = c.Introspect(ctx, tok)
		require.NoError(t, err)
		assert.False(t, r.Active, "revoked")
	}
	iss.Revoke("never-issued") // a no-op
}

func TestOpaqueTokenOverrides(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	raw := iss.OpaqueToken(tokentest.Claims{"aud": tokentest.Omit, "exp": 1, "active": "true", "permissions": []string{"read:x"}})
	body := postForm(t, iss, url.Values{"token": {raw}}, iss.IntrospectionClientID(), iss.IntrospectionClientSecret(), http.StatusOK)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	assert.NotContains(t, m, "aud")
	assert.Equal(t, float64(1), m["exp"], "the endpoint answers the members as given and does not judge exp")
	assert.Equal(t, "true", m["active"], "even active may be given the wrong type")
	assert.Equal(t, []any{"read:x"}, m["permissions"])
	assert.NotEqual(t, raw, iss.OpaqueToken(nil), "tokens are random")
}

// postForm posts form to the introspection endpoint with Basic credentials
// (when id is not empty), checks the status and returns the body.
func postForm(t *testing.T, iss *tokentest.Issuer, form url.Values, id, secret string, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, iss.IntrospectionURL(), strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := iss.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, want, resp.StatusCode, "body %s", body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return body
}

func TestIntrospectionClientAuthentication(t *testing.T) {
	const secret = "s3cr:t/+&= é%zz"
	iss := tokentest.NewIssuer(t, tokentest.WithIntrospectionCredentials("api:one", secret))
	tok := iss.OpaqueToken(nil)
	ctx := context.Background()

	for _, method := range []introspect.AuthMethod{introspect.AuthClientSecretBasic, introspect.AuthClientSecretPost} {
		r, err := client(t, iss, method).Introspect(ctx, tok)
		require.NoError(t, err, method)
		assert.True(t, r.Active, method)
	}

	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	escaped := basic(url.QueryEscape("api:one"), url.QueryEscape(secret))
	tests := []struct {
		name   string
		auth   string
		form   url.Values
		status int
	}{
		{"basic, escaped per RFC 6749", escaped, nil, http.StatusOK},
		{"post", "", url.Values{"client_id": {"api:one"}, "client_secret": {secret}}, http.StatusOK},
		{"no credentials", "", nil, http.StatusUnauthorized},
		{"wrong secret", basic("api%3Aone", "nope"), nil, http.StatusUnauthorized},
		{"wrong client", basic("other", url.QueryEscape(secret)), nil, http.StatusUnauthorized},
		{"secret not escaped", basic("api%3Aone", "s3cr:t/+&= é%zz"), nil, http.StatusUnauthorized},
		{"bearer instead of basic", "Bearer abc", nil, http.StatusUnauthorized},
		{"post with the wrong secret", "", url.Values{"client_id": {"api:one"}, "client_secret": {"nope"}}, http.StatusUnauthorized},
		{"post without client_secret", "", url.Values{"client_id": {"api:one"}}, http.StatusUnauthorized},
		{"both methods", escaped, url.Values{"client_id": {"api:one"}, "client_secret": {secret}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"token": {tok}}
			for k, v := range tt.form {
				form[k] = v
			}
			req, err := http.NewRequest(http.MethodPost, iss.IntrospectionURL(), strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := iss.HTTPClient().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			switch tt.status {
			case http.StatusOK:
				assert.Equal(t, true, body["active"])
			case http.StatusUnauthorized:
				assert.Equal(t, "invalid_client", body["error"])
				assert.Equal(t, `Basic realm="tokentest"`, resp.Header.Get("WWW-Authenticate"))
			default:
				assert.Equal(t, "invalid_request", body["error"])
			}
		})
	}

	wrong, err := introspect.NewClient(introspect.Config{
		Endpoint: iss.IntrospectionURL(), ClientID: "api:one", ClientSecret: "wrong", HTTPClient: iss.HTTPClient(),
	})
	require.NoError(t, err)
	_, err = wrong.Introspect(ctx, tok)
	assert.True(t, errors.Is(err, token.ErrUnavailable), "bad credentials are the server's configuration problem, not the token's: %v", err)
}

func TestIntrospectionBadRequests(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	id, secret := iss.IntrospectionClientID(), iss.IntrospectionClientSecret()
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
	}{
		{"missing token", "application/x-www-form-urlencoded", "", http.StatusBadRequest},
		{"JSON body", "application/json", `{"token":"x"}`, http.StatusBadRequest},
		{"no content type", "", "token=x", http.StatusBadRequest},
		{"bad form encoding", "application/x-www-form-urlencoded", "token=%zz", http.StatusBadRequest},
		{"body too large", "application/x-www-form-urlencoded", "token=" + strings.Repeat("a", 1<<20), http.StatusRequestEntityTooLarge},
		{"charset parameter", "application/x-www-form-urlencoded; charset=UTF-8", "token=x", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, iss.IntrospectionURL(), strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.SetBasicAuth(id, secret)
			resp, err := iss.HTTPClient().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		})
	}
}

func TestFailIntrospectionAndHeal(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	c := client(t, iss, introspect.AuthClientSecretBasic)
	tok := iss.OpaqueToken(nil)
	ctx := context.Background()

	iss.FailIntrospection(http.StatusInternalServerError)
	_, err := c.Introspect(ctx, tok)
	assert.True(t, errors.Is(err, token.ErrUnavailable), "%v", err)
	postForm(t, iss, url.Values{"token": {tok}}, "", "", http.StatusInternalServerError)

	iss.Heal()
	r, err := c.Introspect(ctx, tok)
	require.NoError(t, err)
	assert.True(t, r.Active)
	postForm(t, iss, url.Values{"token": {tok}}, "", "", http.StatusUnauthorized)
	assert.Equal(t, 4, iss.IntrospectionRequests(), "failed and refused requests count")
	assert.Equal(t, 0, iss.JWKSRequests())
}

func TestSlowIntrospection(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	iss.SlowIntrospection(time.Hour)
	c := client(t, iss, introspect.AuthClientSecretBasic)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the request is on the wire; the answer would take an hour.
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	_, err := c.Introspect(ctx, iss.OpaqueToken(nil))
	assert.True(t, errors.Is(err, token.ErrUnavailable), "%v", err)
	iss.Heal()
	r, err := c.Introspect(context.Background(), iss.OpaqueToken(nil))
	require.NoError(t, err)
	assert.True(t, r.Active)
}

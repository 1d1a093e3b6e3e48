package tokentest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// userinfoReq sends a UserInfo request with the bearer token at in the
// Authorization header, or in the form body when form is set.
func userinfoReq(t *testing.T, iss *tokentest.Issuer, at string, form bool) (*http.Response, []byte) {
	t.Helper()
	var req *http.Request
	var err error
	if form {
		req, err = http.NewRequest(http.MethodPost, iss.UserInfoURL(), strings.NewReader(url.Values{"access_token": {at}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, err = http.NewRequest(http.MethodGet, iss.UserInfoURL(), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+at)
	}
	resp, err := iss.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestUserInfoEndpoint(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	_, _, doc := get(t, iss, iss.DiscoveryURL())
	var d struct {
		UserInfo string `json:"userinfo_endpoint"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	assert.Equal(t, iss.UserInfoURL(), d.UserInfo)

	for _, form := range []bool{false, true} {
		for _, at := range []string{iss.AccessToken(nil), iss.OpaqueToken(nil)} {
			resp, body := userinfoReq(t, iss, at, form)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			var got map[string]any
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, iss.Subject(), got["sub"])
			assert.Equal(t, "Jane Doe", got["name"])
			assert.Equal(t, true, got["email_verified"])
			assert.NotContains(t, got, "iss", "a JSON answer needs no iss")
		}
	}
	// The token's own subject, not the issuer's default.
	resp, body := userinfoReq(t, iss, iss.AccessToken(tokentest.Claims{"sub": "auth0|other"}), false)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"sub":"auth0|other"`)
	assert.Equal(t, 3, iss.UserInfoRequests()-2, "every request counted")
}

func TestUserInfoEndpointRefusesTokens(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	revoked := iss.AccessToken(nil)
	iss.Revoke(revoked)
	for name, at := range map[string]string{
		"unknown":       "not-a-token-of-this-issuer",
		"revoked":       revoked,
		"refresh token": iss.RefreshToken(nil),
		"expired":       iss.OpaqueToken(tokentest.Claims{"exp": time.Now().Add(-time.Minute).Unix()}),
		"ID token":      iss.IDToken(nil),
	} {
		resp, _ := userinfoReq(t, iss, at, false)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`, name)
	}
	resp, err := iss.HTTPClient().Get(iss.UserInfoURL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="tokentest"`, resp.Header.Get("WWW-Authenticate"))
}

func TestUserInfoEndpointSwitches(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	at := iss.AccessToken(nil)

	iss.UserInfoSubject("auth0|someone-else")
	iss.SetUserInfo(tokentest.Claims{"name": tokentest.Omit, "https://example.com/roles": []string{"admin"}})
	_, body := userinfoReq(t, iss, at, false)
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	assert.Equal(t, "auth0|someone-else", got["sub"])
	assert.NotContains(t, got, "name")
	assert.Equal(t, []any{"admin"}, got["https://example.com/roles"])

	iss.UserInfoSubject("")
	iss.SetUserInfo(nil)
	iss.SignUserInfo(true)
	resp, body := userinfoReq(t, iss, at, false)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/jwt", resp.Header.Get("Content-Type"))
	header, claims := parts(t, string(body))
	assert.Equal(t, iss.KeyID(), header["kid"])
	assert.Equal(t, iss.URL(), claims["iss"])
	assert.Equal(t, iss.ClientID(), claims["aud"])
	assert.Equal(t, iss.Subject(), claims["sub"])
	_, err := verifier(t, iss).Verify(t.Context(), string(body))
	assert.ErrorContains(t, err, "exp", "a signed answer carries no exp by default")

	for status, code := range map[int]string{401: "invalid_token", 403: "insufficient_scope"} {
		iss.FailUserInfo(status)
		resp, _ := userinfoReq(t, iss, at, false)
		assert.Equal(t, status, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="`+code+`"`)
	}
	iss.FailUserInfo(503)
	resp, _ = userinfoReq(t, iss, at, false)
	assert.Equal(t, 503, resp.StatusCode)
	iss.Heal()
	iss.SlowUserInfo(300 * time.Millisecond)
	start := time.Now()
	resp, _ = userinfoReq(t, iss, at, false)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "SlowUserInfo delays the answer")
	iss.Heal()
	resp, _ = userinfoReq(t, iss, at, false)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

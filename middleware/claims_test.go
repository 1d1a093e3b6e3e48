package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// call sends raw to h and returns the status, the challenge and the body.
func call(t *testing.T, h http.Handler, raw string) (int, string, map[string]string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+raw)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body map[string]string
	if w.Code != http.StatusOK {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	}
	return w.Code, w.Header().Get("WWW-Authenticate"), body
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func TestRequireClaims(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2), tokentest.WithAudience("api://orders"))
	v, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss.URL(), Audience: "api://orders", Keys: iss.KeySource(), Provider: accesstoken.EntraID})
	require.NoError(t, err)
	mw := middleware.New(v, middleware.Options{Realm: "orders"})
	h := mw.RequireClaims(token.Claim("roles").Contains("Orders.Write"))(ok)

	status, _, _ := call(t, h, iss.AccessToken(tokentest.Claims{"roles": []string{"Orders.Read", "Orders.Write"}}))
	require.Equal(t, http.StatusOK, status)

	status, challenge, body := call(t, h, iss.AccessToken(tokentest.Claims{"roles": []string{"Orders.Read"}}))
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, challenge, `error="insufficient_scope"`)
	require.Equal(t, "insufficient_scope", body["error"])
	require.Contains(t, body["error_description"], `roles does not contain "Orders.Write"`)

	status, _, _ = call(t, h, iss.AccessToken(nil))
	require.Equal(t, http.StatusForbidden, status)
	status, _, _ = call(t, h, iss.IDToken(nil))
	require.Equal(t, http.StatusUnauthorized, status, "a bad token is still 401")

	status, _, _ = call(t, mw.RequireClaims()(ok), iss.AccessToken(nil))
	require.Equal(t, http.StatusOK, status, "no requirements is Handler")
}

func TestValidatorRequirementsAnswer403(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Okta), tokentest.WithAudience("api://default"))
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: "api://default", Keys: iss.KeySource(),
		Require: []token.Requirement{token.Claim("groups").Contains("Admins")},
		Check: func(_ context.Context, at *accesstoken.Token) error {
			if at.HasScope("banned") {
				return errors.New("banned")
			}
			return nil
		},
	})
	require.NoError(t, err)
	h := middleware.New(v, middleware.Options{}).Handler(ok)
	status, _, _ := call(t, h, iss.AccessToken(tokentest.Claims{"groups": []string{"Admins"}}))
	require.Equal(t, http.StatusOK, status)
	status, challenge, body := call(t, h, iss.AccessToken(tokentest.Claims{"groups": []string{"Everyone"}}))
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, challenge, `error="insufficient_scope"`)
	require.Contains(t, body["error_description"], "groups")
	status, _, body = call(t, h, iss.AccessToken(tokentest.Claims{"groups": []string{"Admins"}, "scp": []string{"banned"}}))
	require.Equal(t, http.StatusForbidden, status)
	require.NotContains(t, body["error_description"], "banned", "the check's own words go to the log only")
}

package middleware_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// realValidator is an *accesstoken.Validator for iss: JWTs checked with
// its in-memory keys, opaque tokens introspected at its endpoint (no
// cache, so each opaque request reaches it).
func realValidator(t testing.TB, iss *tokentest.Issuer, client *http.Client) *accesstoken.Validator {
	t.Helper()
	ic, err := introspect.NewClient(introspect.Config{
		Endpoint:     iss.IntrospectionURL(),
		ClientID:     iss.IntrospectionClientID(),
		ClientSecret: iss.IntrospectionClientSecret(),
		HTTPClient:   client,
		Timeout:      5 * time.Second,
	})
	require.NoError(t, err)
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:       iss.URL(),
		Audience:     iss.Audience(),
		Keys:         iss.KeySource(),
		Introspector: ic,
	})
	require.NoError(t, err)
	return v
}

// forger is an RSA key the issuer does not know, for forged signatures.
func forger(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return k
}

// TestIntegration runs the middleware in front of the real access token
// validator and a tokentest issuer, over loopback, and checks the answer
// to each kind of token a client might send.
func TestIntegration(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	v := realValidator(t, iss, nil)
	var _ middleware.Validator = v // *accesstoken.Validator satisfies the interface

	type seen struct {
		sub    string
		scopes []string
		opaque bool
	}
	got := make(chan seen, 1)
	mw := middleware.New(v, middleware.Options{Realm: "appointments"})
	srv := httptest.NewServer(mw.Require("read:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, ok := middleware.TokenFrom(r.Context())
		if assert.True(t, ok) {
			got <- seen{sub: at.Subject, scopes: at.Scopes, opaque: at.Opaque}
		}
	})))
	defer srv.Close()

	scope := tokentest.Claims{"scope": "read:appointments"}
	revoked := iss.OpaqueToken(scope)
	iss.Revoke(revoked)
	past := time.Now().Add(-2 * time.Hour)

	tests := []struct {
		name      string
		raw       string
		fail      int // FailIntrospection status during the request; 0 = healthy
		status    int
		descStart string // start of error_description
		opaque    bool
	}{
		{name: "JWT access token", raw: iss.AccessToken(scope), status: 200},
		{name: "RFC 9068 at+jwt", raw: iss.AccessToken(scope, tokentest.AtJWT()), status: 200},
		{name: "opaque access token", raw: iss.OpaqueToken(scope), status: 200, opaque: true},
		{name: "expired JWT", raw: iss.AccessToken(tokentest.Claims{"scope": "read:appointments",
			"iat": past.Unix(), "exp": past.Add(time.Hour).Unix()}), status: 401, descStart: "token expired (exp)"},
		{name: "forged signature", raw: iss.AccessToken(scope, tokentest.WithSigningKey(forger(t))),
			status: 401, descStart: "invalid signature"},
		{name: "ID token sent to the API", raw: iss.IDToken(nil), status: 401},
		{name: "wrong audience", raw: iss.AccessToken(tokentest.Claims{"scope": "read:appointments", "aud": "https://other.example"}),
			status: 401, descStart: "wrong audience"},
		{name: "revoked opaque token", raw: revoked, status: 401, descStart: "token inactive"},
		{name: "refresh token sent as access token", raw: iss.RefreshToken(nil), status: 401},
		{name: "missing scope", raw: iss.AccessToken(tokentest.Claims{"scope": "write:appointments"}), status: 403,
			descStart: "the access token lacks the scope read:appointments"},
		{name: "introspection down: 503, not 401", raw: iss.OpaqueToken(scope), fail: 500, status: 503,
			descStart: "the access token cannot be validated right now"},
		{name: "introspection rejecting our credentials: 503", raw: iss.OpaqueToken(scope), fail: 401, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fail != 0 {
				iss.FailIntrospection(tt.fail)
				defer iss.Heal()
			}
			a := send(t, srv, request{auth: []string{"Bearer " + tt.raw}})
			require.Equal(t, tt.status, a.status, "body %s", a.body)
			t.Logf("%d %s", a.status, a.body)
			assert.NotContains(t, a.body, tt.raw)
			assert.NotContains(t, a.header.Get("WWW-Authenticate"), tt.raw)
			for _, part := range strings.Split(tt.raw, ".") {
				if len(part) >= 8 {
					assert.NotContains(t, a.body, part, "no segment of the token in the answer")
				}
			}
			switch tt.status {
			case 200:
				s := <-got
				assert.Equal(t, iss.Subject(), s.sub)
				assert.Contains(t, s.scopes, "read:appointments")
				assert.Equal(t, tt.opaque, s.opaque)
				return
			case 401:
				assert.Equal(t, "invalid_token", a.json["error"])
				assert.True(t, strings.HasPrefix(a.header.Get("WWW-Authenticate"), `Bearer realm="appointments", error="invalid_token", error_description="`))
			case 403:
				assert.Equal(t, "insufficient_scope", a.json["error"])
				assert.Contains(t, a.header.Get("WWW-Authenticate"), `scope="read:appointments"`)
			case 503:
				assert.Equal(t, "5", a.header.Get("Retry-After"))
				assert.Empty(t, a.header.Get("WWW-Authenticate"))
			}
			assert.NotEmpty(t, a.json["error_description"])
			assert.True(t, strings.HasPrefix(a.json["error_description"], tt.descStart),
				"description %q, want it to start with %q", a.json["error_description"], tt.descStart)
		})
	}
}

// TestIntegrationDescriptionIsJSONSafe checks a refusal with a reason that
// quotes header values still produces valid JSON and a parseable header.
func TestIntegrationDescriptionIsJSONSafe(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	mw := middleware.New(realValidator(t, iss, nil), middleware.Options{Realm: "api"})
	srv := httptest.NewServer(mw.Handler(whoami))
	defer srv.Close()
	raw := iss.AccessToken(nil, tokentest.WithHeader("alg", "none\"\\\n"))
	a := send(t, srv, request{auth: []string{"Bearer " + raw}})
	require.Equal(t, 401, a.status)
	var body map[string]string
	require.NoError(t, json.Unmarshal([]byte(a.body), &body))
	h := a.header.Get("WWW-Authenticate")
	assert.NotContains(t, h, "\n")
	assert.True(t, strings.HasPrefix(h, `Bearer realm="api", error="invalid_token", error_description="`), h)
}

package tokentest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// dpopUserinfoReq sends a UserInfo GET with Authorization "scheme at" and
// the given DPoP headers.
func dpopUserinfoReq(t *testing.T, iss *tokentest.Issuer, scheme, at string, proofs ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, iss.UserInfoURL(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", scheme+" "+at)
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	resp, err := iss.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// The UserInfo endpoint answers a DPoP-bound token only with a valid proof
// of its key (RFC 9449 §7.1), and refuses it as a bearer token (§7.2).
func TestUserInfoDPoPBinding(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	key := iss.NewDPoPKey("ES256")
	other := iss.NewDPoPKey("ES256")
	at := iss.DPoPAccessToken(key, nil)
	uri := iss.UserInfoURL()
	good := func() string { return key.Proof(http.MethodGet, uri, at, nil) }

	resp, body := dpopUserinfoReq(t, iss, "DPoP", at, good())
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"sub":"`+iss.Subject()+`"`)

	replayed := good()
	resp, _ = dpopUserinfoReq(t, iss, "DPoP", at, replayed)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	for name, tc := range map[string]struct {
		scheme string
		proofs []string
		code   string
	}{
		"as a bearer token":   {"Bearer", nil, "invalid_token"},
		"bearer with a proof": {"Bearer", []string{good()}, "invalid_token"},
		"no proof":            {"DPoP", nil, "invalid_dpop_proof"},
		"two proofs":          {"DPoP", []string{good(), good()}, "invalid_dpop_proof"},
		"replayed proof":      {"DPoP", []string{replayed}, "invalid_dpop_proof"},
		"typ JWT":             {"DPoP", []string{key.Proof(http.MethodGet, uri, at, nil, tokentest.WithHeader("typ", "JWT"))}, "invalid_dpop_proof"},
		"signed by another":   {"DPoP", []string{key.Proof(http.MethodGet, uri, at, nil, tokentest.WithSigningKey(other.Signer()))}, "invalid_dpop_proof"},
		"htm POST":            {"DPoP", []string{key.Proof(http.MethodPost, uri, at, nil)}, "invalid_dpop_proof"},
		"htu elsewhere":       {"DPoP", []string{key.Proof(http.MethodGet, iss.URL()+"/other", at, nil)}, "invalid_dpop_proof"},
		"ath of another":      {"DPoP", []string{key.Proof(http.MethodGet, uri, "another-token", nil)}, "invalid_dpop_proof"},
		"no ath":              {"DPoP", []string{key.Proof(http.MethodGet, uri, "", nil)}, "invalid_dpop_proof"},
		"old iat":             {"DPoP", []string{key.Proof(http.MethodGet, uri, at, tokentest.Claims{"iat": 1})}, "invalid_dpop_proof"},
		"key of another":      {"DPoP", []string{other.Proof(http.MethodGet, uri, at, nil)}, "invalid_token"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := dpopUserinfoReq(t, iss, tc.scheme, at, tc.proofs...)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
			assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="`+tc.code+`"`)
		})
	}

	// An unbound token is not accepted with the DPoP scheme.
	plain := iss.AccessToken(nil)
	resp, _ = dpopUserinfoReq(t, iss, "DPoP", plain, key.Proof(http.MethodGet, uri, plain, nil))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `DPoP `)
}

// RequireUserInfoDPoPNonce: a proof without the nonce gets use_dpop_nonce
// and the nonce; one with it is answered.
func TestUserInfoDPoPNonce(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	key := iss.NewDPoPKey("ES256")
	at := iss.DPoPAccessToken(key, nil)
	iss.RequireUserInfoDPoPNonce("n-1")
	resp, _ := dpopUserinfoReq(t, iss, "DPoP", at, key.Proof(http.MethodGet, iss.UserInfoURL(), at, nil))
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`)
	assert.Equal(t, "n-1", resp.Header.Get("DPoP-Nonce"))
	resp, _ = dpopUserinfoReq(t, iss, "DPoP", at, key.Proof(http.MethodGet, iss.UserInfoURL(), at, tokentest.Claims{"nonce": "n-0"}))
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, body := dpopUserinfoReq(t, iss, "DPoP", at, key.Proof(http.MethodGet, iss.UserInfoURL(), at, tokentest.Claims{"nonce": "n-1"}))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	iss.RequireUserInfoDPoPNonce("")
	resp, _ = dpopUserinfoReq(t, iss, "DPoP", at, key.Proof(http.MethodGet, iss.UserInfoURL(), at, nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

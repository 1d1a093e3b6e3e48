package tokentest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// issuerOf fetches a discovery document and returns its issuer.
func issuerOf(t *testing.T, iss *tokentest.Issuer, url string) (int, string) {
	t.Helper()
	status, _, body := get(t, iss, url)
	if status != http.StatusOK {
		return status, ""
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Equal(t, iss.JWKSURL(), doc.JWKSURI)
	return status, doc.Issuer
}

func TestEveryProviderServesItsDiscoveryDocument(t *testing.T) {
	for _, p := range tokentest.Providers() {
		t.Run(p.String(), func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithProvider(p))
			status, got := issuerOf(t, iss, iss.DiscoveryURL())
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, iss.URL(), got)
			require.True(t, strings.HasPrefix(iss.DiscoveryURL(), strings.TrimSuffix(iss.URL(), "/")))
		})
	}
}

func TestEntraIDServesEveryTenantAndTheTemplate(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2))
	base := strings.TrimSuffix(iss.JWKSURL(), "/jwks.json")
	require.Equal(t, base+"/{tenantid}/v2.0", iss.IssuerTemplate())
	const tenant = "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"
	_, got := issuerOf(t, iss, base+"/"+tenant+"/v2.0/.well-known/openid-configuration")
	require.Equal(t, iss.IssuerFor(tenant), got)
	for _, common := range []string{"common", "organizations"} {
		_, got := issuerOf(t, iss, base+"/"+common+"/v2.0/.well-known/openid-configuration")
		require.Equal(t, iss.IssuerTemplate(), got, "the multi-tenant document publishes the template")
	}
	status, _ := issuerOf(t, iss, base+"/not%20a%20tenant/v2.0/.well-known/openid-configuration")
	require.Equal(t, http.StatusBadRequest, status)

	v1 := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv1))
	base = strings.TrimSuffix(v1.JWKSURL(), "/jwks.json")
	_, got = issuerOf(t, v1, base+"/"+tenant+"/.well-known/openid-configuration")
	require.Equal(t, base+"/"+tenant+"/", got)
	require.Equal(t, "", tokentest.NewIssuer(t).IssuerTemplate())
}

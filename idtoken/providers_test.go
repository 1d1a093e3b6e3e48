package idtoken_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// One test per row of the README's provider table, for ID tokens: the
// configuration the row gives, and tokens shaped as the provider issues
// them.

func discovered(t *testing.T, iss *tokentest.Issuer) *jwks.Remote {
	t.Helper()
	keys, err := jwks.FromIssuer(context.Background(), iss.URL(), jwks.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { keys.Close() })
	return keys
}

func newValidator(t *testing.T, cfg idtoken.Config) *idtoken.Validator {
	t.Helper()
	v, err := idtoken.NewValidator(cfg)
	require.NoError(t, err)
	return v
}

func TestProviderGoogleBothSpellings(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Google))
	keys := discovered(t, iss) // https://accounts.google.com
	v := newValidator(t, idtoken.Config{
		ClientID: iss.ClientID(),
		Issuers: []idtoken.Issuer{
			{Issuer: iss.URL(), Keys: keys},             // "https://accounts.google.com"
			{Issuer: iss.AlternateIssuer(), Keys: keys}, // "accounts.google.com"
		},
	})
	id := expect(t, v, iss.IDToken(nil), nil)
	require.Equal(t, iss.URL(), id.Issuer)
	id = expect(t, v, iss.IDToken(nil, tokentest.WithIssuer(iss.AlternateIssuer())), nil)
	require.Equal(t, iss.AlternateIssuer(), id.Issuer)
	require.True(t, id.EmailVerified)
	expect(t, v, iss.IDToken(nil, tokentest.WithIssuer("https://"+iss.AlternateIssuer())), token.ErrIssuer)
	expect(t, v, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}), token.ErrTokenType)
}

func TestProviderAuth0CustomDomainIDTokens(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Auth0))
	keys := discovered(t, iss)
	v := newValidator(t, idtoken.Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys,
		Issuers: []idtoken.Issuer{{Issuer: iss.AlternateIssuer(), Keys: keys}},
	})
	expect(t, v, iss.IDToken(nil), nil)
	expect(t, v, iss.IDToken(nil, tokentest.WithIssuer(iss.AlternateIssuer())), nil)
}

func TestProviderIDTokens(t *testing.T) {
	for _, p := range []tokentest.Provider{tokentest.Okta, tokentest.OktaOrg, tokentest.EntraIDv1, tokentest.EntraIDv2, tokentest.Keycloak, tokentest.Cognito} {
		t.Run(p.String(), func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithProvider(p))
			v := newValidator(t, idtoken.Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: discovered(t, iss)})
			id := expect(t, v, iss.IDToken(tokentest.Claims{"nonce": "n-1"}), nil, idtoken.WithNonce("n-1"))
			require.Equal(t, iss.Subject(), id.Subject)
			// The same provider's access token, even addressed to the
			// client, is refused.
			expect(t, v, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}), token.ErrTokenType)
		})
	}
}

func TestProviderZITADELIDTokens(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.ZITADEL))
	v := newValidator(t, idtoken.Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: discovered(t, iss),
		TrustedAudiences: []string{iss.ProjectID()}, // ZITADEL names the project in aud too
	})
	expect(t, v, iss.IDToken(nil), nil)
}

func TestProviderEntraIDMultiTenantIDTokens(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2))
	const customer = "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{Templates: []string{iss.IssuerTemplate()}, Tenants: []string{customer}})
	require.NoError(t, err)
	defer tenants.Close()
	v := newValidator(t, idtoken.Config{ClientID: iss.ClientID(), IssuerKeys: tenants})
	id := expect(t, v, iss.IDToken(nil, tokentest.ForTenant(customer)), nil)
	require.Equal(t, iss.IssuerFor(customer), id.Issuer)
	expect(t, v, iss.IDToken(nil), token.ErrIssuer) // the default tenant is not listed
	expect(t, v, iss.IDToken(tokentest.Claims{"tid": iss.TenantID()}, tokentest.ForTenant(customer)), token.ErrIssuer)
	require.Equal(t, 1, iss.DiscoveryRequests())
}

func TestSeveralProvidersEachWithItsClientID(t *testing.T) {
	google := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Google), tokentest.WithClientID("google-client"))
	okta := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Okta), tokentest.WithClientID("okta-client"))
	gk, ok := discovered(t, google), discovered(t, okta)
	v := newValidator(t, idtoken.Config{Issuers: []idtoken.Issuer{
		{Issuer: google.URL(), Keys: gk, ClientID: "google-client"},
		{Issuer: okta.URL(), Keys: ok, ClientID: "okta-client"},
	}})
	expect(t, v, google.IDToken(nil), nil)
	expect(t, v, okta.IDToken(nil), nil)
	// Each issuer's client only.
	expect(t, v, google.IDToken(tokentest.Claims{"aud": "okta-client", "azp": "okta-client"}), token.ErrAudience)

	// A token claiming Google as its issuer but signed by Okta's key is
	// looked for among Google's keys only, and the other issuer's key
	// source is not even asked. (Its aud names Google's client, so that the
	// audience rules, which run before any key lookup, let it reach one.)
	before := okta.JWKSRequests()
	expect(t, v, okta.IDToken(tokentest.Claims{"aud": "google-client", "azp": "google-client"}, tokentest.WithIssuer(google.URL())), token.ErrKeyNotFound)
	require.Equal(t, before, okta.JWKSRequests())
	expect(t, v, okta.IDToken(nil, tokentest.WithIssuer("https://unknown.example/")), token.ErrIssuer)
}

func TestIssuerConfigErrors(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	keys := iss.KeySource()
	for name, cfg := range map[string]idtoken.Config{
		"no issuer":            {ClientID: "c"},
		"issuer without keys":  {Issuer: iss.URL(), ClientID: "c"},
		"keys without issuer":  {Keys: keys, ClientID: "c"},
		"entry without issuer": {ClientID: "c", Issuers: []idtoken.Issuer{{Keys: keys}}},
		"entry without keys":   {ClientID: "c", Issuers: []idtoken.Issuer{{Issuer: iss.URL()}}},
		"entry twice":          {ClientID: "c", Issuers: []idtoken.Issuer{{Issuer: iss.URL(), Keys: keys}, {Issuer: iss.URL(), Keys: keys}}},
		"entry is Issuer":      {Issuer: iss.URL(), Keys: keys, ClientID: "c", Issuers: []idtoken.Issuer{{Issuer: iss.URL(), Keys: keys}}},
		"no client":            {Issuers: []idtoken.Issuer{{Issuer: iss.URL(), Keys: keys}}},
		"run time, no client":  {IssuerKeys: token.IssuerKeySourceFunc(nil)},
		"template as issuer":   {Issuer: "https://login.microsoftonline.com/{tenantid}/v2.0", Keys: keys, ClientID: "c"},
	} {
		_, err := idtoken.NewValidator(cfg)
		require.Error(t, err, name)
	}
}

package accesstoken_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// This file holds one test per row of the README's provider table: the
// configuration the row gives, and tokens shaped as that provider issues
// them (token/tokentest's WithProvider), accepted or refused as the row
// says.

// discovered returns the issuer's keys through its discovery document, as
// the README configures them.
func discovered(t *testing.T, iss *tokentest.Issuer) *jwks.Remote {
	t.Helper()
	keys, err := jwks.FromIssuer(context.Background(), iss.URL(), jwks.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { keys.Close() })
	return keys
}

func validator(t *testing.T, cfg accesstoken.Config) *accesstoken.Validator {
	t.Helper()
	v, err := accesstoken.NewValidator(cfg)
	require.NoError(t, err)
	return v
}

func accept(t *testing.T, v *accesstoken.Validator, raw string) *accesstoken.Token {
	t.Helper()
	at, err := v.Validate(context.Background(), raw)
	require.NoError(t, err)
	return at
}

func refuse(t *testing.T, v *accesstoken.Validator, raw string, want error) {
	t.Helper()
	_, err := v.Validate(context.Background(), raw)
	require.ErrorIs(t, err, want)
}

func TestProviderAuth0WithCustomDomain(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Auth0))
	keys := discovered(t, iss)
	v := validator(t, accesstoken.Config{
		Issuer:   iss.URL(), // https://tenant.eu.auth0.com/
		Audience: iss.Audience(),
		Keys:     keys,
		Issuers:  []accesstoken.Issuer{{Issuer: iss.AlternateIssuer(), Keys: keys}}, // https://login.example.com/
	})
	at := accept(t, v, iss.AccessToken(tokentest.Claims{"permissions": []string{"read:appointments"}}))
	require.Equal(t, iss.ClientID(), at.ClientID, "Auth0 names the client in azp")
	require.Equal(t, []string{"openid", "profile", "email"}, at.Scopes)
	require.True(t, at.HasPermission("read:appointments"))
	at = accept(t, v, iss.AccessToken(nil, tokentest.WithIssuer(iss.AlternateIssuer())))
	require.Equal(t, iss.AlternateIssuer(), at.Issuer)

	refuse(t, v, iss.IDToken(nil), token.ErrTokenType)
	refuse(t, v, iss.AccessToken(nil, tokentest.WithIssuer(iss.URL()+"x")), token.ErrIssuer)
}

func TestProviderOktaCustomAuthorizationServer(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Okta), tokentest.WithAudience("api://default"))
	v := validator(t, accesstoken.Config{
		Issuer:   iss.URL(), // https://example.okta.com/oauth2/default
		Audience: "api://default",
		Keys:     discovered(t, iss),
		Provider: accesstoken.Okta,
	})
	at := accept(t, v, iss.AccessToken(tokentest.Claims{"groups": []string{"Everyone", "Admins"}}))
	require.Equal(t, iss.ClientID(), at.ClientID, "Okta names the client in cid")
	require.Equal(t, []string{"openid", "profile", "email"}, at.Scopes, "scp as an array")
	// A single-app setup: the client asks for a token for itself.
	accept(t, v, iss.AccessToken(tokentest.Claims{"aud": []string{"api://default", iss.ClientID()}}))

	refuse(t, v, iss.IDToken(tokentest.Claims{"aud": "api://default"}), token.ErrTokenType)
}

func TestProviderOktaOrgAuthorizationServer(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.OktaOrg))
	v := validator(t, accesstoken.Config{Issuer: iss.URL(), Audience: "https://api.example.com", Keys: discovered(t, iss)})
	// The org server's access tokens are for Okta's own APIs.
	refuse(t, v, iss.AccessToken(nil), token.ErrAudience)
}

func TestProviderEntraIDv2SingleApp(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2), tokentest.WithAudience("api://orders"))
	keys := discovered(t, iss)
	v := validator(t, accesstoken.Config{
		Issuer:    iss.URL(), // https://login.microsoftonline.com/<tenant>/v2.0
		Audiences: []string{"api://orders", iss.ClientID()},
		Keys:      keys,
		Provider:  accesstoken.EntraID,
	})
	at := accept(t, v, iss.AccessToken(nil))
	require.Equal(t, []string{"access_as_user"}, at.Scopes, "scp as a string")
	// API and client share one registration: aud is the client itself,
	// typed JWT; scp (delegated) or idtyp app (app-only) mark it.
	accept(t, v, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}))
	accept(t, v, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID(), "scp": tokentest.Omit, "roles": []string{"Orders.Read.All"}, "idtyp": "app"}))

	// Its ID tokens are refused, also with aud the client (no client
	// named, and no access-token marker).
	refuse(t, v, iss.IDToken(nil), token.ErrTokenType)
	refuse(t, v, iss.IDToken(tokentest.Claims{"azp": iss.ClientID()}), token.ErrTokenType)
	refuse(t, v, iss.IDToken(tokentest.Claims{"azp": iss.ClientID(), "roles": []string{"Orders.Read.All"}}), token.ErrTokenType)

	// Without Provider, the generic rule refuses the single-app token.
	generic := validator(t, accesstoken.Config{Issuer: iss.URL(), Audiences: []string{"api://orders", iss.ClientID()}, Keys: keys})
	refuse(t, generic, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}), token.ErrTokenType)
	accept(t, generic, iss.AccessToken(nil))
}

func TestProviderEntraIDv1(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv1), tokentest.WithAudience("api://orders"))
	v := validator(t, accesstoken.Config{
		Issuer:    iss.URL(), // https://sts.windows.net/<tenant>/
		Audiences: []string{"api://orders", iss.ClientID()},
		Keys:      discovered(t, iss),
		Provider:  accesstoken.EntraID,
	})
	at := accept(t, v, iss.AccessToken(nil))
	require.Equal(t, iss.ClientID(), at.ClientID, "v1.0 names the client in appid")
	require.Equal(t, []string{"user_impersonation"}, at.Scopes)
	accept(t, v, iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}))
	refuse(t, v, iss.IDToken(tokentest.Claims{"appid": iss.ClientID()}), token.ErrTokenType)
}

func TestProviderEntraIDMultiTenant(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2), tokentest.WithAudience("api://orders"))
	const customer = "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{
		Templates: []string{iss.IssuerTemplate()}, // https://login.microsoftonline.com/{tenantid}/v2.0
		Tenants:   []string{iss.TenantID(), customer},
	})
	require.NoError(t, err)
	defer tenants.Close()
	v := validator(t, accesstoken.Config{
		Audience:   "api://orders",
		IssuerKeys: tenants,
		Provider:   accesstoken.EntraID,
	})
	accept(t, v, iss.AccessToken(nil))
	at := accept(t, v, iss.AccessToken(nil, tokentest.ForTenant(customer)))
	require.Equal(t, iss.IssuerFor(customer), at.Issuer)
	require.Equal(t, 2, iss.DiscoveryRequests(), "one discovery per tenant")

	before := iss.DiscoveryRequests() + iss.JWKSRequests()
	refuse(t, v, iss.AccessToken(nil, tokentest.ForTenant("93a1b2c3-d4e5-4f60-8172-8394a5b6c7dc")), token.ErrIssuer)
	refuse(t, v, iss.AccessToken(tokentest.Claims{"tid": customer}), token.ErrIssuer) // tid of another tenant
	refuse(t, v, iss.AccessToken(tokentest.Claims{"tid": tokentest.Omit}), token.ErrMissingClaim)
	refuse(t, v, iss.IDToken(nil, tokentest.ForTenant(customer)), token.ErrTokenType)
	require.Equal(t, before, iss.DiscoveryRequests()+iss.JWKSRequests(), "refusals by issuer cost no request")
}

func TestProviderEntraIDAnyTenant(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2), tokentest.WithAudience("api://orders"))
	// Every tenant's tokens are signed with the common keys.
	common, err := jwks.New(context.Background(), iss.JWKSURL(), jwks.Options{})
	require.NoError(t, err)
	defer common.Close()
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{Templates: []string{iss.IssuerTemplate()}, AnyTenant: true, Keys: common})
	require.NoError(t, err)
	v := validator(t, accesstoken.Config{Audience: "api://orders", IssuerKeys: tenants, Provider: accesstoken.EntraID})
	for _, tenant := range []string{"11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"} {
		accept(t, v, iss.AccessToken(nil, tokentest.ForTenant(tenant)))
	}
	refuse(t, v, iss.AccessToken(tokentest.Claims{"tid": "11111111-2222-4333-8444-555555555555"}), token.ErrIssuer)
	require.Zero(t, iss.DiscoveryRequests())
	require.Equal(t, 1, iss.JWKSRequests())
}

func TestProviderKeycloak(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Keycloak), tokentest.WithAudience("orders-api"))
	v := validator(t, accesstoken.Config{
		Issuer:   iss.URL(), // https://keycloak.example.com/realms/<realm>
		Audience: "orders-api",
		Keys:     discovered(t, iss),
		Provider: accesstoken.Keycloak,
	})
	at := accept(t, v, iss.AccessToken(nil))
	require.Equal(t, iss.ClientID(), at.ClientID)
	// An audience mapper that adds the client itself.
	accept(t, v, iss.AccessToken(tokentest.Claims{"aud": []string{"orders-api", iss.ClientID()}}))
	refuse(t, v, iss.IDToken(tokentest.Claims{"aud": []string{"orders-api", iss.ClientID()}}), token.ErrTokenType)
	refuse(t, v, iss.AccessToken(tokentest.Claims{"aud": "account"}), token.ErrAudience)
}

func TestProviderCognito(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Cognito))
	keys := discovered(t, iss)
	v := validator(t, accesstoken.Config{
		Issuer:       iss.URL(), // https://cognito-idp.<region>.amazonaws.com/<user pool ID>
		Keys:         keys,
		Provider:     accesstoken.Cognito,
		AppClientIDs: []string{iss.ClientID()},
	})
	at := accept(t, v, iss.AccessToken(nil))
	require.Equal(t, iss.ClientID(), at.ClientID)
	require.Empty(t, at.Audience)
	require.Equal(t, []string{"aws.cognito.signin.user.admin", "openid", "email"}, at.Scopes)

	refuse(t, v, iss.AccessToken(tokentest.Claims{"client_id": "another-app"}), token.ErrAudience)
	refuse(t, v, iss.AccessToken(tokentest.Claims{"token_use": tokentest.Omit}), token.ErrTokenType)
	refuse(t, v, iss.IDToken(nil), token.ErrTokenType)
	refuse(t, v, iss.IDToken(tokentest.Claims{"aud": tokentest.Omit, "client_id": iss.ClientID()}), token.ErrTokenType)

	// Not on by default: without AppClientIDs a token without aud is
	// refused as ever.
	strict := validator(t, accesstoken.Config{Issuer: iss.URL(), Audience: "https://api.example.com", Keys: keys, Provider: accesstoken.Cognito})
	refuse(t, strict, iss.AccessToken(nil), token.ErrMissingClaim)
	generic := validator(t, accesstoken.Config{Issuer: iss.URL(), Audience: "https://api.example.com", Keys: keys})
	refuse(t, generic, iss.AccessToken(nil), token.ErrMissingClaim)
}

func TestProviderZITADEL(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.ZITADEL))
	v := validator(t, accesstoken.Config{
		Issuer:   iss.URL(), // https://<instance>.zitadel.cloud
		Audience: iss.ProjectID(),
		Keys:     discovered(t, iss),
		Provider: accesstoken.ZITADEL,
	})
	at := accept(t, v, iss.AccessToken(tokentest.Claims{
		"urn:zitadel:iam:org:project:roles": map[string]any{"admin": map[string]any{"249376389476238348": "example.zitadel.cloud"}},
	}))
	require.Equal(t, iss.ClientID(), at.ClientID)
	refuse(t, v, iss.IDToken(nil), token.ErrTokenType)
}

func TestProviderGoogleHasNoJWTAccessTokens(t *testing.T) {
	// Google's access tokens are opaque and it offers no RFC 7662
	// endpoint; its ID tokens are refused here like any other.
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Google))
	v := validator(t, accesstoken.Config{Issuer: iss.URL(), Audience: iss.ClientID(), Keys: discovered(t, iss)})
	refuse(t, v, iss.IDToken(nil), token.ErrTokenType)
}

// Every provider's ID token is refused by the generic rules too, and by
// the provider's own.
func TestEveryProvidersIDTokenIsRefused(t *testing.T) {
	for _, p := range tokentest.Providers() {
		t.Run(p.String(), func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithProvider(p))
			for _, prov := range []accesstoken.Provider{accesstoken.AnyProvider, accesstoken.EntraID, accesstoken.Keycloak, accesstoken.Cognito, accesstoken.Okta, accesstoken.ZITADEL} {
				v := validator(t, accesstoken.Config{
					Issuer: iss.URL(), Audience: iss.ClientID(), Keys: iss.KeySource(), Provider: prov,
					AppClientIDs: appClients(prov, iss.ClientID()),
				})
				_, err := v.Validate(context.Background(), iss.IDToken(nil))
				require.ErrorIs(t, err, token.ErrTokenType, "provider rules %s", prov)
			}
		})
	}
}

func appClients(p accesstoken.Provider, client string) []string {
	if p == accesstoken.Cognito {
		return []string{client}
	}
	return nil
}

// Ten thousand signed tokens naming made-up issuers (unknown tenants of the
// template's host, other hosts, the template's shape bent) cause no
// request at all, and each is refused for its issuer.
func TestMadeUpIssuersCauseNoRequest(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2), tokentest.WithAlgorithm("ES256"), tokentest.WithAudience("api://orders"))
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{Templates: []string{iss.IssuerTemplate()}, Tenants: []string{iss.TenantID()}})
	require.NoError(t, err)
	defer tenants.Close()
	v := validator(t, accesstoken.Config{Audience: "api://orders", IssuerKeys: tenants, Provider: accesstoken.EntraID})
	accept(t, v, iss.AccessToken(nil))
	before := iss.DiscoveryRequests() + iss.JWKSRequests()
	for i := range 10_000 {
		var opt tokentest.MintOption
		switch i % 4 {
		case 0:
			opt = tokentest.ForTenant(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i))
		case 1:
			opt = tokentest.WithIssuer(fmt.Sprintf("https://login-%d.example/%s/v2.0", i, iss.TenantID()))
		case 2:
			opt = tokentest.WithIssuer(iss.IssuerFor(iss.TenantID()) + fmt.Sprintf("/%d", i))
		case 3:
			opt = tokentest.WithIssuer(iss.IssuerFor(fmt.Sprintf("../%d", i)))
		}
		_, err := v.Validate(context.Background(), iss.AccessToken(nil, opt))
		require.ErrorIs(t, err, token.ErrIssuer)
	}
	require.Equal(t, before, iss.DiscoveryRequests()+iss.JWKSRequests(), "no made-up issuer may cause a request")
	require.Equal(t, 1, tenants.Len())
}

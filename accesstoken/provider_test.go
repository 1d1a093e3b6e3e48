package accesstoken_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// providerShape is an ID token or an access token as a provider documents
// it: its header typ and its claims, with iss, iat and exp filled in by the
// test (every shape is signed by one tokentest issuer, since what is tested
// is the shape, not the issuer's name).
type providerShape struct {
	name   string
	id     bool   // an ID token; otherwise an access token
	typ    any    // header typ; nil leaves it out
	client string // the client the token was issued to
	api    string // the API identifier a resource server of this provider configures
	// extraAud are audiences beside the client that the provider puts in
	// its ID tokens (ZITADEL's project), for idtoken's TrustedAudiences.
	extraAud []string
	claims   tokentest.Claims
	// wantAT is what accesstoken.Validator gives the shape, configured
	// with api as its audience: nil for an access token, token.ErrTokenType
	// for every ID token.
	wantAT error
	// wantID is what idtoken.Validator gives it, configured with client as
	// its client ID (and extraAud as TrustedAudiences): nil for an ID
	// token, a refusal for an access token. Two ID token shapes are
	// refused by idtoken today, which these rows record (see each).
	wantID error
}

// Identifiers the shapes use, in each provider's own format.
const (
	auth0Client     = "tK2m8qJ4Zr7LwV1cXy9bNp3Hs6Df0Ga5"
	auth0API        = "https://appointments.example.com/api"
	oktaClient      = "0oa1ab2cd3EFGHIJK4x7"
	oktaAPI         = "api://default"
	entraClient     = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
	entraAPIv1      = "api://b3d6f0a8-6b1f-4c4e-9d0f-3a2e1c5b7d90"
	entraAPIv2      = "b3d6f0a8-6b1f-4c4e-9d0f-3a2e1c5b7d90"
	keycloakClient  = "appointments-web"
	keycloakAPI     = "appointments-api"
	cognitoClient   = "5r8k3p1q9a2v6b4n7m0c1x2z3"
	cognitoAPI      = "https://appointments.example.com"
	googleWeb       = "123456789012-webapp0abcdefghijklmnopqrstuvw.apps.googleusercontent.com"
	googleAndroid   = "123456789012-android0abcdefghijklmnopqrstu.apps.googleusercontent.com"
	zitadelClient   = "259242039378444290@appointments"
	zitadelClient2  = "259242039378444291@appointments"
	zitadelProject  = "259241977155928066"
	googleSub       = "110169484474386276334"
	entraOID        = "a5e3d6c1-2f4b-4e8a-9b7c-1d2e3f4a5b6c"
	entraTenant     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	keycloakSubject = "f:4f6c2a1e-7d3b-4c9e-8a2f-5b1d0e9c3a7f:jane"
)

// providerShapes are the ID tokens and access tokens of Auth0, Okta,
// Microsoft Entra ID (v1 and v2 endpoints), Keycloak, Amazon Cognito,
// Google and ZITADEL, with the claims and header typ their public
// documentation shows, nonce and at_hash left out wherever a real flow
// leaves them out (a refresh, an implicit or cross-client grant).
func providerShapes() []providerShape {
	profile := tokentest.Claims{
		"name": "Jane Doe", "given_name": "Jane", "family_name": "Doe",
		"email": "jane.doe@example.com", "email_verified": true, "picture": "https://example.com/jane.png",
	}
	jwt := "JWT"
	return []providerShape{
		// Auth0.
		{name: "Auth0 ID token", id: true, typ: jwt, client: auth0Client, api: auth0API,
			claims: mergeClaims(profile, tokentest.Claims{"sub": "auth0|64b0c9a5f1e2d3c4b5a69788", "aud": auth0Client,
				"sid": "Hh3kLb8aJ5p0", "nickname": "jane.doe", "updated_at": "2026-11-30T09:12:44.000Z"})},
		{name: "Auth0 access token", typ: jwt, client: auth0Client, api: auth0API,
			claims: tokentest.Claims{"sub": "auth0|64b0c9a5f1e2d3c4b5a69788",
				"aud": []string{auth0API, "https://tenant.auth0.com/userinfo"}, "azp": auth0Client,
				"scope": "openid profile email read:appointments", "permissions": []string{"read:appointments"}},
			wantID: token.ErrAudience},
		{name: "Auth0 machine-to-machine access token", typ: jwt, client: auth0Client, api: auth0API,
			claims: tokentest.Claims{"sub": auth0Client + "@clients", "aud": auth0API, "azp": auth0Client,
				"gty": "client-credentials", "scope": "read:appointments"},
			wantID: token.ErrAudience},
		{name: "Auth0 RFC 9068 profile access token", typ: "at+jwt", client: auth0Client, api: auth0API,
			claims: tokentest.Claims{"sub": "auth0|64b0c9a5f1e2d3c4b5a69788", "aud": auth0API,
				"client_id": auth0Client, "jti": "8f2c41a0b7e94d1a", "scope": "read:appointments"},
			wantID: token.ErrTokenType},

		// Okta (custom authorization server).
		{name: "Okta ID token", id: true, client: oktaClient, api: oktaAPI,
			claims: mergeClaims(profile, tokentest.Claims{"ver": 1, "sub": "00uid4BxXw6I6TV4m0g3", "aud": oktaClient,
				"jti": "ID.4eAWJOCMB3SX8XewDfVR", "amr": []string{"pwd"}, "idp": "00ok1u7AsAkrwdZL3z0g",
				"preferred_username": "jane.doe@example.com", "auth_time": "@now"})},
		{name: "Okta access token", client: oktaClient, api: oktaAPI,
			claims: tokentest.Claims{"ver": 1, "jti": "AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE",
				"sub": "jane.doe@example.com", "aud": oktaAPI, "cid": oktaClient, "uid": "00uid4BxXw6I6TV4m0g3",
				"scp": []string{"openid", "email", "read:appointments"}, "auth_time": "@now"},
			wantID: token.ErrTokenType},
		{name: "Okta client-credentials access token", client: oktaClient, api: oktaAPI,
			claims: tokentest.Claims{"ver": 1, "jti": "AT.Zs5xGzQ4ebcJDvW3uNgP1b2R8iVy0nTt",
				"sub": oktaClient, "aud": oktaAPI, "cid": oktaClient, "scp": []string{"read:appointments"}},
			wantID: token.ErrTokenType},

		// Microsoft Entra ID, v1.0 endpoint.
		{name: "Entra ID v1 ID token", id: true, typ: jwt, client: entraClient, api: entraAPIv1,
			claims: tokentest.Claims{"aud": entraClient, "nbf": "@now", "amr": []string{"pwd"},
				"family_name": "Doe", "given_name": "Jane", "ipaddr": "203.0.113.7", "name": "Jane Doe",
				"oid": entraOID, "rh": "0.ARoAv4j5cvGGr0GRqy180BHbR-x0d.", "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
				"tid": entraTenant, "unique_name": "jane@contoso.example", "upn": "jane@contoso.example", "ver": "1.0"}},
		{name: "Entra ID v1 access token", typ: jwt, client: entraClient, api: entraAPIv1,
			claims: tokentest.Claims{"aud": entraAPIv1, "nbf": "@now", "acr": "1", "aio": "E2ZgYJjP",
				"amr": []string{"pwd"}, "appid": entraClient, "appidacr": "0", "family_name": "Doe", "given_name": "Jane",
				"ipaddr": "203.0.113.7", "name": "Jane Doe", "oid": entraOID, "rh": "0.ARoAv4j5cvGGr0GRqy180BHbR.",
				"scp": "user_impersonation", "sub": "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA", "tid": entraTenant,
				"unique_name": "jane@contoso.example", "upn": "jane@contoso.example", "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "1.0"},
			wantID: token.ErrTokenType},

		// Microsoft Entra ID, v2.0 endpoint.
		{name: "Entra ID v2 ID token", id: true, typ: jwt, client: entraClient, api: entraAPIv2,
			claims: tokentest.Claims{"aud": entraClient, "nbf": "@now", "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
				"name": "Jane Doe", "preferred_username": "jane@contoso.example", "oid": entraOID, "tid": entraTenant,
				"aio": "Df2UVXL1ix!lMCWMSOJBcFatzcGfvFGhjKv8q5g0x732dR5MB5BisvGQO7YWByjd8iQDLq!eGbIDakyp5mnOrcdqHeYSnltepQmRp6AIZ8jY",
				"rh":  "0.ARoAv4j5cvGGr0GRqy180BHbR.", "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0"}},
		{name: "Entra ID v2 delegated access token", typ: jwt, client: entraClient, api: entraAPIv2,
			claims: tokentest.Claims{"aud": entraAPIv2, "nbf": "@now", "aio": "AXQAi/8UAAAAbYw", "azp": entraClient,
				"azpacr": "0", "name": "Jane Doe", "oid": entraOID, "preferred_username": "jane@contoso.example",
				"rh": "0.ARoAv4j5cvGGr0GRqy180BHbR.", "scp": "access_as_user", "sub": "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
				"tid": entraTenant, "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0"},
			wantID: token.ErrTokenType},
		{name: "Entra ID v2 app-only access token with roles", typ: jwt, client: entraClient, api: entraAPIv2,
			claims: tokentest.Claims{"aud": entraAPIv2, "nbf": "@now", "azp": entraClient, "azpacr": "1",
				"idtyp": "app", "oid": "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d", "roles": []string{"Appointments.Read.All"},
				"sub": "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d", "tid": entraTenant, "ver": "2.0"},
			wantID: token.ErrAudience},
		{name: "Entra ID v2 app-only access token without roles", typ: jwt, client: entraClient, api: entraAPIv2,
			claims: tokentest.Claims{"aud": entraAPIv2, "nbf": "@now", "azp": entraClient, "azpacr": "2",
				"idtyp": "app", "oid": "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d",
				"sub": "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d", "tid": entraTenant, "ver": "2.0"},
			wantID: token.ErrAudience},

		// Keycloak.
		{name: "Keycloak ID token", id: true, typ: jwt, client: keycloakClient, api: keycloakAPI,
			claims: mergeClaims(profile, tokentest.Claims{"jti": "a7c1e2f4-3b5d-4e6f-8a9b-0c1d2e3f4a5b", "aud": keycloakClient,
				"sub": keycloakSubject, "typ": "ID", "azp": keycloakClient, "sid": "0c1d2e3f", "acr": "1",
				"auth_time": "@now", "preferred_username": "jane"})},
		{name: "Keycloak access token", typ: jwt, client: keycloakClient, api: keycloakAPI,
			claims: mergeClaims(profile, tokentest.Claims{"jti": "b8d2f3a5-4c6e-4f70-9bac-1d2e3f4a5b6c",
				"aud": []string{keycloakAPI, "account"}, "sub": keycloakSubject, "typ": "Bearer", "azp": keycloakClient,
				"sid": "0c1d2e3f", "acr": "1", "allowed-origins": []string{"https://appointments.example.com"},
				"realm_access":    map[string]any{"roles": []string{"offline_access", "uma_authorization"}},
				"resource_access": map[string]any{"account": map[string]any{"roles": []string{"manage-account"}}},
				"scope":           "openid profile email", "preferred_username": "jane"}),
			wantID: token.ErrTokenType},
		{name: "Keycloak service-account access token", typ: jwt, client: keycloakClient, api: keycloakAPI,
			claims: tokentest.Claims{"jti": "c9e3a4b6-5d7f-4081-acbd-2e3f4a5b6c7d", "aud": keycloakAPI,
				"sub": "5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a", "typ": "Bearer", "azp": keycloakClient, "acr": "1",
				"scope": "profile email", "clientHost": "203.0.113.9", "client_id": keycloakClient,
				"preferred_username": "service-account-" + keycloakClient},
			wantID: token.ErrTokenType},
		{name: "Keycloak access token typed at+jwt", typ: "at+jwt", client: keycloakClient, api: keycloakAPI,
			claims: tokentest.Claims{"jti": "d0f4b5c7-6e80-4192-bdce-3f4a5b6c7d8e", "aud": keycloakAPI,
				"sub": keycloakSubject, "typ": "Bearer", "azp": keycloakClient, "scope": "openid profile"},
			wantID: token.ErrTokenType},

		// Amazon Cognito.
		{name: "Cognito ID token", id: true, client: cognitoClient, api: cognitoAPI,
			claims: tokentest.Claims{"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "aud": cognitoClient,
				"email_verified": true, "token_use": "id", "auth_time": "@now", "cognito:username": "jane",
				"email": "jane.doe@example.com", "origin_jti": "f1e2d3c4", "event_id": "e1d2c3b4", "jti": "a1b2c3d4"}},
		{name: "Cognito access token with an aud (resource binding)", client: cognitoClient, api: cognitoAPI,
			claims: tokentest.Claims{"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "aud": cognitoAPI,
				"version": 2, "client_id": cognitoClient, "origin_jti": "f1e2d3c4", "event_id": "e1d2c3b4",
				"token_use": "access", "scope": "openid email https://appointments.example.com/read",
				"auth_time": "@now", "jti": "b2c3d4e5", "username": "jane"},
			wantID: token.ErrTokenType},
		// Cognito's access tokens have carried no aud; a resource server
		// cannot tell which API they are for, so they are refused for it.
		{name: "Cognito access token without aud", client: cognitoClient, api: cognitoAPI,
			claims: tokentest.Claims{"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "version": 2,
				"client_id": cognitoClient, "token_use": "access", "scope": "aws.cognito.signin.user.admin openid",
				"auth_time": "@now", "jti": "c3d4e5f6", "username": "jane"},
			wantAT: token.ErrMissingClaim, wantID: token.ErrTokenType},

		// Google: access tokens are opaque ("ya29...."); every JWT Google
		// signs is an ID token.
		{name: "Google ID token", id: true, typ: jwt, client: googleWeb, api: googleWeb,
			claims: mergeClaims(profile, tokentest.Claims{"azp": googleWeb, "aud": googleWeb, "sub": googleSub,
				"nbf": "@now", "jti": "5f3a7c9e1b2d4f6a8c0e", "locale": "en"})},
		// idtoken holds azp to OIDC Core §3.1.3.7's SHOULD (azp, when
		// present, is the client), so a web backend's idtoken.Validator
		// refuses its Android app's token.
		{name: "Google cross-client ID token (Android app for its web backend)", id: true, typ: jwt, client: googleWeb, api: googleWeb,
			claims: mergeClaims(profile, tokentest.Claims{"azp": googleAndroid, "aud": googleWeb, "sub": googleSub}),
			wantID: token.ErrAuthorizedParty},
		{name: "Google cross-client ID token, openid scope only", id: true, typ: jwt, client: googleWeb, api: googleWeb,
			claims: tokentest.Claims{"azp": googleAndroid, "aud": googleWeb, "sub": googleSub},
			wantID: token.ErrAuthorizedParty},
		{name: "Google Workspace ID token", id: true, typ: jwt, client: googleWeb, api: googleWeb,
			claims: mergeClaims(profile, tokentest.Claims{"azp": googleWeb, "aud": googleWeb, "sub": googleSub, "hd": "example.com"})},

		// ZITADEL: every client of the project and the project itself are in
		// aud, azp is the client.
		{name: "ZITADEL ID token", id: true, typ: jwt, client: zitadelClient, api: zitadelProject,
			extraAud: []string{zitadelClient2, zitadelProject},
			claims: tokentest.Claims{"aud": []string{zitadelClient, zitadelClient2, zitadelProject}, "azp": zitadelClient,
				"sub": "259242039378379890", "nbf": "@now", "auth_time": "@now", "amr": []string{"pwd"},
				"sid": "V1_259243175376273410", "preferred_username": "jane@appointments.example.com"}},
		// zitadel/oidc v3 also writes client_id into ID tokens, which
		// idtoken takes for an access token's marker today.
		{name: "ZITADEL ID token with client_id", id: true, typ: jwt, client: zitadelClient, api: zitadelProject,
			extraAud: []string{zitadelClient2, zitadelProject},
			claims: tokentest.Claims{"aud": []string{zitadelClient, zitadelClient2, zitadelProject}, "azp": zitadelClient,
				"client_id": zitadelClient, "sub": "259242039378379890", "auth_time": "@now", "amr": []string{"pwd", "mfa"},
				"acr": "", "preferred_username": "jane@appointments.example.com"},
			wantID: token.ErrTokenType},
		{name: "ZITADEL JWT access token", typ: jwt, client: zitadelClient, api: zitadelProject,
			claims: tokentest.Claims{"aud": []string{zitadelClient, zitadelClient2, zitadelProject}, "azp": zitadelClient,
				"sub": "259242039378379890", "nbf": "@now", "jti": "V2_259243175376273410-at_259243175376338946"},
			wantID: token.ErrAudience},
		{name: "ZITADEL JWT access token with client_id and roles", typ: jwt, client: zitadelClient, api: zitadelProject,
			claims: tokentest.Claims{"aud": []string{zitadelClient, zitadelProject}, "azp": zitadelClient,
				"client_id": zitadelClient, "sub": "259242039378379890", "nbf": "@now", "jti": "259243175376338947",
				"scope": "openid profile", "urn:zitadel:iam:org:project:roles": map[string]any{"reader": map[string]any{"259241977155928065": "appointments.example.com"}}},
			wantID: token.ErrTokenType},
	}
}

// TestProviderShapes signs each provider's ID token and access token
// shapes and checks both validators: accesstoken.Validator accepts the
// access tokens and refuses every ID token with token.ErrTokenType, also
// when the API's configured audience is the client ID the ID token is for
// (where a Google backend verifies its web client's tokens); idtoken.Validator
// accepts the ID tokens and refuses every access token.
func TestProviderShapes(t *testing.T) {
	f := newFixture(t)
	now := f.clk.Now()
	for _, s := range providerShapes() {
		t.Run(s.name, func(t *testing.T) {
			claims := tokentest.Claims{"iss": f.iss.URL(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
			for k, v := range s.claims {
				if v == "@now" {
					v = now.Add(-time.Minute).Unix()
				}
				claims[k] = v
			}
			header := tokentest.Claims{}
			if s.typ != nil {
				header["typ"] = s.typ
			}
			raw := f.iss.Sign(header, claims)

			at := f.validator(t, func(c *accesstoken.Config) { c.Audience = s.api })
			_, err := validate(at, raw)
			switch {
			case s.id:
				requireKind(t, err, token.ErrTokenType)
				// The same ID token to an API that accepts the client's ID
				// as its audience (Google's web backend pattern).
				shared := f.validator(t, func(c *accesstoken.Config) { c.Audience = s.client })
				_, err = validate(shared, raw)
				requireKind(t, err, token.ErrTokenType)
			case s.wantAT != nil:
				requireKind(t, err, s.wantAT)
			default:
				require.NoError(t, err, "an access token of this provider")
			}

			ids, err := idtoken.NewValidator(idtoken.Config{
				Issuer: f.iss.URL(), ClientID: s.client, TrustedAudiences: s.extraAud,
				Keys: f.iss.KeySource(), Now: f.clk.Now,
			})
			require.NoError(t, err)
			_, err = ids.Validate(context.Background(), raw)
			if s.id && s.wantID == nil {
				require.NoError(t, err, "an ID token of this provider")
			} else {
				require.NotNil(t, s.wantID, "every access token shape states what idtoken gives it")
				requireKind(t, err, s.wantID)
			}
		})
	}
}

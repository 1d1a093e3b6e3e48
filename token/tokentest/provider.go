package tokentest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Provider chooses whose token shapes an Issuer mints (WithProvider): the
// issuer identifier's form, the claims of ID tokens and access tokens, and
// the header typ, as each provider's public documentation shows them. The
// issuer still runs on 127.0.0.1, so only the path of its URL looks like
// the provider's.
type Provider int

// The providers. Each constant's documentation says what its tokens look
// like; Subject, Audience and ClientID keep their meaning.
const (
	// Default is this package's own shape, used without WithProvider:
	// Auth0-like tokens whose access tokens also carry client_id.
	Default Provider = iota
	// Auth0: issuer URL()+"/" with a trailing slash; access tokens with aud
	// [Audience(), URL()+"userinfo"], azp, scope, a space-separated
	// string, and no client_id, typed "JWT". AlternateIssuer is a custom
	// domain for the same tenant (same keys).
	Auth0
	// Okta is a custom authorization server ("default"): issuer
	// URL()/oauth2/default; access tokens with ver 1, a jti "AT.…", cid,
	// uid, scp as an array and sub the user's login, no typ; ID tokens with
	// ver 1, a jti "ID.…", amr, idp and sub the user's ID "00u…".
	Okta
	// OktaOrg is the org authorization server: issuer URL() (the org);
	// its access tokens are for Okta's own APIs (aud the org URL).
	OktaOrg
	// EntraIDv1 is Microsoft Entra ID, v1.0 tokens, of tenant TenantID():
	// issuer URL()/<tenant>/ (as https://sts.windows.net/<tenant>/);
	// access tokens with ver "1.0", appid, appidacr, scp (a string), tid,
	// oid, upn, unique_name; ID tokens with ver "1.0", tid, oid, upn.
	EntraIDv1
	// EntraIDv2 is Microsoft Entra ID, v2.0 tokens, of tenant TenantID():
	// issuer URL()/<tenant>/v2.0; access tokens with ver "2.0", azp,
	// azpacr, scp (a string), tid, oid, preferred_username; ID tokens with
	// ver "2.0", tid, oid, preferred_username and no azp. The server
	// answers the discovery document of every tenant, and at
	// /common/v2.0 and /organizations/v2.0 the multi-tenant one whose
	// issuer is IssuerTemplate(), as Entra ID does.
	EntraIDv2
	// Keycloak is a realm "tokentest": issuer URL()/realms/tokentest;
	// access tokens with the typ claim "Bearer", azp, aud "account",
	// realm_access and resource_access roles, scope, sid; ID tokens with
	// the typ claim "ID", azp. Both typed "JWT"; sub a UUID.
	Keycloak
	// Cognito is a user pool: issuer URL()/us-east-1_TokenTest; access
	// tokens with token_use "access", client_id, no aud, scope, username,
	// cognito:groups, version 2; ID tokens with token_use "id", aud the
	// client, cognito:username. No typ; sub a UUID.
	Cognito
	// Google issues JWT ID tokens only (its access tokens are opaque):
	// issuer URL(), azp and aud the client, sub a number, email,
	// email_verified. Google's ID tokens say "https://accounts.google.com"
	// or "accounts.google.com"; AlternateIssuer is the second spelling
	// of URL(), without the scheme.
	Google
	// ZITADEL: issuer URL(); access tokens (JWT) with aud [ClientID(),
	// ProjectID()] (an API validates ProjectID() as its audience), azp,
	// jti, nbf and no auth_time; ID tokens with the same aud, azp, amr,
	// auth_time, sid and no jti; sub a number.
	ZITADEL
)

// String returns the provider's name.
func (p Provider) String() string {
	if int(p) < len(providerNames) && p >= 0 {
		return providerNames[p]
	}
	return fmt.Sprintf("Provider(%d)", int(p))
}

var providerNames = [...]string{"Default", "Auth0", "Okta", "OktaOrg", "EntraIDv1", "EntraIDv2", "Keycloak", "Cognito", "Google", "ZITADEL"}

// Providers lists every provider but Default, for table tests.
func Providers() []Provider {
	return []Provider{Auth0, Okta, OktaOrg, EntraIDv1, EntraIDv2, Keycloak, Cognito, Google, ZITADEL}
}

// WithProvider makes the issuer mint p's token shapes (see Provider).
// NewIssuer fails the test for a value that is not a Provider constant.
func WithProvider(p Provider) Option { return func(c *config) { c.provider = p } }

// DefaultTenantID is the tenant of an EntraIDv1 or EntraIDv2 issuer.
const DefaultTenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// DefaultProjectID is the project of a ZITADEL issuer, which its tokens
// name in aud.
const DefaultProjectID = "249376389476238347"

// issuerPath is the path of the issuer identifier after the server's URL.
func (p Provider) issuerPath() string {
	switch p {
	case Auth0:
		return "/"
	case Okta:
		return "/oauth2/default"
	case EntraIDv1:
		return "/" + DefaultTenantID + "/"
	case EntraIDv2:
		return "/" + DefaultTenantID + "/v2.0"
	case Keycloak:
		return "/realms/tokentest"
	case Cognito:
		return "/us-east-1_TokenTest"
	}
	return ""
}

// tenantIssuer is the issuer of tenant for a multi-tenant provider.
func (i *Issuer) tenantIssuer(tenant string) string {
	switch i.cfg.provider {
	case EntraIDv1:
		return i.base + "/" + tenant + "/"
	case EntraIDv2:
		return i.base + "/" + tenant + "/v2.0"
	}
	return i.url
}

// TenantID returns the tenant of an Entra ID issuer's tokens
// (DefaultTenantID), or "" for other providers.
func (i *Issuer) TenantID() string {
	if i.multiTenant() {
		return DefaultTenantID
	}
	return ""
}

// IssuerTemplate returns, for an Entra ID issuer, its issuer identifier
// with the tenant replaced by "{tenantid}", as the multi-tenant discovery
// document publishes it (for jwks.IssuersConfig.Templates); "" for other
// providers.
func (i *Issuer) IssuerTemplate() string {
	if i.multiTenant() {
		return i.tenantIssuer("{tenantid}")
	}
	return ""
}

// IssuerFor returns the issuer identifier of tenant for an Entra ID issuer,
// the iss of tokens minted with ForTenant(tenant); URL() for other
// providers.
func (i *Issuer) IssuerFor(tenant string) string { return i.tenantIssuer(tenant) }

// AlternateIssuer returns a second issuer identifier of the same issuer,
// with the same keys: for Google the spelling without scheme (as
// "accounts.google.com" is to "https://accounts.google.com"), for Auth0 a
// custom domain (the server's address as "localhost"); "" for the others.
// Mint with WithIssuer(AlternateIssuer()).
func (i *Issuer) AlternateIssuer() string {
	switch i.cfg.provider {
	case Google:
		return strings.TrimPrefix(i.url, "http://")
	case Auth0:
		return strings.Replace(i.url, "127.0.0.1", "localhost", 1)
	}
	return ""
}

// ProjectID returns the project a ZITADEL issuer's tokens name in aud
// (DefaultProjectID), or "" for other providers.
func (i *Issuer) ProjectID() string {
	if i.cfg.provider == ZITADEL {
		return DefaultProjectID
	}
	return ""
}

func (i *Issuer) multiTenant() bool {
	return i.cfg.provider == EntraIDv1 || i.cfg.provider == EntraIDv2
}

// ForTenant mints the token of tenant of an Entra ID issuer: its iss is
// IssuerFor(tenant) and its tid tenant. The issuer's keys sign it, as
// Entra ID signs every tenant's tokens with the same keys.
func ForTenant(tenant string) MintOption {
	return func(m *mint) { m.tenant = tenant }
}

// WithIssuer sets the token's iss, such as AlternateIssuer() or another
// issuer's URL, keeping this issuer's keys.
func WithIssuer(iss string) MintOption {
	return func(m *mint) { m.claims = append(m.claims, Claims{"iss": iss}) }
}

// subjectFor makes a provider-shaped default subject.
func subjectFor(p Provider) string {
	switch p {
	case Okta, OktaOrg:
		return "00u" + randomAlnum(17)
	case EntraIDv1, EntraIDv2:
		return randomAlnum(43) // a pairwise identifier
	case Keycloak, Cognito:
		return uuid()
	case Google:
		return "1" + randomDigits(20)
	case ZITADEL:
		return randomDigits(18)
	}
	var sub [12]byte
	_, _ = rand.Read(sub[:])
	return "auth0|" + hex.EncodeToString(sub[:])
}

// idDefaults are the claims of an ID token of the issuer's provider.
func (i *Issuer) idDefaults(now time.Time) map[string]any {
	c := map[string]any{
		"iss": i.url,
		"sub": i.subject,
		"aud": i.cfg.clientID,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	profile := map[string]any{
		"name": "Jane Doe", "given_name": "Jane", "family_name": "Doe",
		"email": "jane.doe@example.com", "email_verified": true,
	}
	switch i.cfg.provider {
	case Default, Auth0:
		merge(c, profileClaims(now))
		merge(c, map[string]any{"auth_time": now.Unix(), "sid": i.sid})
	case Okta, OktaOrg:
		merge(c, map[string]any{
			"ver": 1, "jti": "ID." + randomAlnum(43), "amr": []string{"pwd"}, "idp": "00o" + randomAlnum(17),
			"auth_time": now.Unix(), "name": "Jane Doe", "email": "jane.doe@example.com", "preferred_username": "jane.doe@example.com",
		})
	case EntraIDv1:
		merge(c, map[string]any{
			"ver": "1.0", "nbf": now.Unix(), "tid": DefaultTenantID, "oid": uuid(), "amr": []string{"pwd"},
			"upn": "jane.doe@contoso.example", "unique_name": "jane.doe@contoso.example", "name": "Jane Doe",
			"given_name": "Jane", "family_name": "Doe", "ipaddr": "203.0.113.7", "rh": "0.AQ" + randomAlnum(20), "uti": randomAlnum(22),
		})
	case EntraIDv2:
		merge(c, map[string]any{
			"ver": "2.0", "nbf": now.Unix(), "tid": DefaultTenantID, "oid": uuid(), "aio": randomAlnum(40),
			"name": "Jane Doe", "preferred_username": "jane.doe@contoso.example", "rh": "0.AQ" + randomAlnum(20), "uti": randomAlnum(22),
		})
	case Keycloak:
		merge(c, profile)
		merge(c, map[string]any{
			"typ": "ID", "azp": i.cfg.clientID, "auth_time": now.Unix(), "jti": uuid(), "session_state": uuid(),
			"sid": i.sid, "acr": "1", "preferred_username": "jane.doe",
		})
	case Cognito:
		merge(c, map[string]any{
			"token_use": "id", "auth_time": now.Unix(), "jti": uuid(), "origin_jti": uuid(), "event_id": uuid(),
			"cognito:username": "jane.doe", "cognito:groups": []string{"tokentest-users"},
			"email": "jane.doe@example.com", "email_verified": true,
		})
	case Google:
		merge(c, profile)
		merge(c, map[string]any{"azp": i.cfg.clientID, "picture": "https://tokentest.example/avatars/jane.png"})
	case ZITADEL:
		merge(c, profile)
		merge(c, map[string]any{
			"aud": []string{i.cfg.clientID, DefaultProjectID}, "azp": i.cfg.clientID, "amr": []string{"pwd"},
			"auth_time": now.Unix(), "sid": i.sid, "preferred_username": "jane.doe", "nbf": now.Unix(),
		})
	}
	return c
}

// atDefaults are the claims and header typ of an access token of the
// issuer's provider ("" for no typ).
func (i *Issuer) atDefaults(now time.Time) (claims map[string]any, typ string) {
	c := map[string]any{
		"iss": i.url,
		"sub": i.subject,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	client, aud := i.cfg.clientID, i.cfg.audience
	switch i.cfg.provider {
	case Default:
		merge(c, map[string]any{"aud": []string{aud}, "jti": randomHex(16), "client_id": client, "azp": client})
		return c, "JWT"
	case Auth0:
		merge(c, map[string]any{"aud": []string{aud, i.url + "userinfo"}, "azp": client, "scope": "openid profile email"})
		return c, "JWT"
	case Okta, OktaOrg:
		if i.cfg.provider == OktaOrg {
			aud = i.url // for Okta's own APIs
		}
		merge(c, map[string]any{
			"ver": 1, "jti": "AT." + randomAlnum(43), "aud": aud, "cid": client, "uid": i.subject,
			"scp": []string{"openid", "profile", "email"}, "auth_time": now.Unix(), "sub": "jane.doe@example.com",
		})
		return c, ""
	case EntraIDv1:
		merge(c, map[string]any{
			"ver": "1.0", "aud": aud, "nbf": now.Unix(), "tid": DefaultTenantID, "oid": uuid(), "appid": client, "appidacr": "0",
			"scp": "user_impersonation", "acr": "1", "amr": []string{"pwd"}, "aio": randomAlnum(40),
			"upn": "jane.doe@contoso.example", "unique_name": "jane.doe@contoso.example", "name": "Jane Doe",
			"given_name": "Jane", "family_name": "Doe", "ipaddr": "203.0.113.7", "uti": randomAlnum(22),
		})
		return c, "JWT"
	case EntraIDv2:
		merge(c, map[string]any{
			"ver": "2.0", "aud": aud, "nbf": now.Unix(), "tid": DefaultTenantID, "oid": uuid(), "azp": client, "azpacr": "0",
			"scp": "access_as_user", "aio": randomAlnum(40), "name": "Jane Doe", "preferred_username": "jane.doe@contoso.example",
			"rh": "0.AQ" + randomAlnum(20), "uti": randomAlnum(22),
		})
		return c, "JWT"
	case Keycloak:
		merge(c, map[string]any{
			"typ": "Bearer", "aud": []string{aud, "account"}, "azp": client, "jti": uuid(), "auth_time": now.Unix(),
			"session_state": uuid(), "sid": i.sid, "acr": "1", "scope": "openid profile email",
			"realm_access":       map[string]any{"roles": []string{"offline_access", "uma_authorization", "default-roles-tokentest"}},
			"resource_access":    map[string]any{"account": map[string]any{"roles": []string{"manage-account", "view-profile"}}},
			"preferred_username": "jane.doe", "email": "jane.doe@example.com", "email_verified": true, "name": "Jane Doe",
		})
		return c, "JWT"
	case Cognito:
		merge(c, map[string]any{
			"token_use": "access", "client_id": client, "version": 2, "jti": uuid(), "origin_jti": uuid(), "event_id": uuid(),
			"scope": "aws.cognito.signin.user.admin openid email", "auth_time": now.Unix(), "username": "jane.doe",
			"cognito:groups": []string{"tokentest-users"},
		})
		return c, ""
	case Google:
		// Google's access tokens are opaque; a JWT one is shaped like an
		// RFC 9068 token, for tests that need one anyway.
		merge(c, map[string]any{"aud": aud, "azp": client, "client_id": client, "jti": randomHex(16), "scope": "openid email"})
		return c, "at+jwt"
	case ZITADEL:
		merge(c, map[string]any{
			"aud": []string{client, DefaultProjectID}, "azp": client, "jti": randomDigits(18), "nbf": now.Unix(),
		})
		return c, "JWT"
	}
	return c, "JWT"
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomFrom(set string, n int) string {
	b := make([]byte, n)
	for j := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		b[j] = set[k.Int64()]
	}
	return string(b)
}

func randomAlnum(n int) string  { return randomFrom(alnum, n) }
func randomDigits(n int) string { return randomFrom("0123456789", n) }

// uuid returns a random (version 4) UUID.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

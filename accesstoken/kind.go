package accesstoken

import (
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/token"
)

// How a JWT is told to be an access token and not an ID token (or a
// refresh or logout token) of the same issuer, signed with the same keys.
// Every rule here was checked against the ID tokens and access tokens that
// Auth0, Okta, Microsoft Entra ID (v1 and v2), Keycloak, Amazon Cognito,
// Google and ZITADEL document (see provider_test.go): each provider's ID
// tokens are refused, its access tokens accepted.

// idTokenOnly lists claims that only OpenID Connect ID tokens carry (nonce,
// at_hash, c_hash), by number (see claimNumber). An access token with one
// of them is an ID token sent to the wrong place.
var idTokenOnly = [...]int{claimNonce, claimAtHash, claimCHash}

// checkMarkers refuses a token that says it is not an access token: it
// carries a claim only ID tokens have, or events (a security event token
// such as a back-channel logout token), or a provider's own marker names
// another kind (Keycloak's typ claim: "ID", "Refresh", "Offline",
// "Logout"...; Cognito's token_use: "id"). f is what find noted.
func checkMarkers(f *found) error {
	for _, n := range idTokenOnly {
		if f.has(n) {
			name := claimNames[n]
			return token.Errorf(token.ErrTokenType, name,
				"the token carries %s, a claim of OpenID Connect ID tokens; an ID token is for the client application and is never accepted as an access token", name)
		}
	}
	// A security event token (RFC 8417), such as a back-channel logout
	// token, carries events; no access token does, whatever its typ says.
	if f.has(claimEvents) {
		return token.Errorf(token.ErrTokenType, "events",
			"the token carries events: it is a security event token, such as a back-channel logout token, not an access token")
	}
	if s, ok := f.str(claimTyp); ok && !accessTyp(s) {
		if s == "ID" {
			return token.Errorf(token.ErrTokenType, "typ", "the token's typ claim is \"ID\": it is an ID token (Keycloak), not an access token")
		}
		return token.Errorf(token.ErrTokenType, "typ", "the token's typ claim is not \"Bearer\": it is not an access token").
			WithDetail("typ is %s", excerpt.Quote(s))
	}
	if s, ok := f.str(claimTokenUse); ok && !accessUse(s) {
		if s == "id" {
			return token.Errorf(token.ErrTokenType, "token_use", "token_use is \"id\": it is an ID token (Amazon Cognito), not an access token")
		}
		return token.Errorf(token.ErrTokenType, "token_use", "token_use does not name an access token").
			WithDetail("token_use is %s", excerpt.Quote(s))
	}
	return nil
}

// accessTyp reports whether a typ claim (Keycloak's marker; some issuers
// repeat the header's typ there) names an access token. "DPoP" is
// Keycloak's typ for a DPoP-bound access token, which the cnf rules judge.
func accessTyp(s string) bool {
	switch mediaType(s) {
	case typAccessToken, typJWT:
		return true
	}
	return strings.EqualFold(s, "Bearer") || strings.EqualFold(s, "DPoP")
}

// accessUse reports whether a token_use claim (Cognito's "access", Ory's
// "access_token") names an access token.
func accessUse(s string) bool { return s == "access" || s == "access_token" }

// grantClaims are claims that only access tokens carry, each in the
// providers' access tokens and in none of their ID tokens: what was
// granted (scope; scp for Okta and Entra ID; Auth0's permissions and its
// grant type gty), how the client authenticated (Entra ID's azpacr and
// appidacr), the client in the form only access tokens use (Okta's cid,
// Entra ID v1's appid). A Keycloak typ "Bearer" or a token_use naming an
// access token count too (see hasGrant). By number (see claimNumber).
var grantClaims = [...]int{claimScope, claimSCP, claimPermissions, claimGty, claimAzpacr, claimAppidacr, claimCID, claimAppID}

// loginClaims are claims about the user's login and profile (OIDC Core §2
// and §5.1): what an ID token tells its client. An access token may carry
// some of them too (RFC 9068 §2.2.1), so they count only against a token
// that shows no grant at all. By number (see claimNumber), in the order
// they are named in a refusal: auth_time, amr, acr, sid, then name through
// updated_at.
var loginClaims = [...]int{
	claimAuthTime, claimAMR, claimACR, claimSID,
	claimName, claimGivenName, claimFamilyName, claimMiddleName, claimNickname, claimPreferredUsername,
	claimProfile, claimPicture, claimWebsite, claimEmail, claimEmailVerified, claimGender, claimBirthdate,
	claimZoneinfo, claimLocale, claimPhoneNumber, claimPhoneNumberVerified, claimAddress, claimUpdatedAt,
}

// hasGrant reports whether the token carries a claim only access tokens
// carry, or a provider's marker for one.
func hasGrant(f *found) bool {
	for _, n := range grantClaims {
		if f.has(n) {
			return true
		}
	}
	if s, ok := f.str(claimTyp); ok && accessTyp(s) {
		return true
	}
	s, ok := f.str(claimTokenUse)
	return ok && accessUse(s)
}

// checkShape requires the token to name its client the way access tokens
// do, and refuses the shapes of an ID token that carries no marker at all.
// typed is true for a token typed "at+jwt", which ID tokens never are; it
// is taken at its word on everything but the client. r are the rules of
// the token's issuer: its audiences, and its Provider, whose own
// access-token marker is taken at its word too. f is what find noted of c.
// It returns the client.
func (r *issuerRules) checkShape(c *token.Claims, f *found, typed bool) (string, error) {
	clientID, named, err := clientIDOf(f)
	if err != nil {
		return "", err
	}
	if !named {
		// An access token is issued to a client and says which; an ID token
		// names its client in aud instead. This refuses ID tokens that carry
		// none of the claims above (a code-flow login without nonce) even
		// when their aud is this API's identifier.
		return "", token.Errorf(token.ErrTokenType, "client_id",
			"the token names no client (client_id, azp, cid or appid), as every access token does; an ID token names its client in aud instead and is never accepted as an access token")
	}
	if typed {
		return clientID, nil
	}
	selfAddressed := false
	for _, a := range c.Audience {
		if a == clientID {
			selfAddressed = true
			break
		}
	}
	if selfAddressed && r.accepts(clientID) && !r.provider.marksAccessToken(f) {
		// This API's identifier is the client's own ID: a token for it
		// cannot be told from that client's ID token (OIDC Core §2: aud
		// contains the client's ID), whatever else it carries. Only a token
		// typed at+jwt, or one bearing the access-token marker of the
		// provider the configuration names for its issuer, is taken at its
		// word here.
		return "", token.Errorf(token.ErrTokenType, "aud",
			"the token's audience includes the client it was issued to, as an ID token's does; an access token is for an API").
			WithDetail("the client is %s; this API accepts the client's own ID as an audience; if this API and the client share an identifier, have the issuer type access tokens \"at+jwt\" (RFC 9068), or name the provider in Config.Provider so its own access-token markers count",
				excerpt.Quote(clientID))
	}
	if hasGrant(f) {
		return clientID, nil
	}
	// No grant and no type: an ID token looks like this when it names its
	// client in azp, as Google's, Keycloak's and ZITADEL's do.
	if !selfAddressed {
		if _, ok := f.str(claimClientID); !ok {
			// Issued to one client (azp) for another (aud): OIDC Core §2's
			// azp case, Google's cross-client ID token (aud the web client,
			// azp the Android app).
			return "", token.Errorf(token.ErrTokenType, "azp",
				"the token names its client only in azp, for an audience other than that client, and grants nothing (no scope, scp or permissions): the shape of an ID token issued to one client for another, never accepted as an access token")
		}
	}
	if selfAddressed {
		for _, n := range loginClaims {
			if f.has(n) {
				name := claimNames[n]
				return "", token.Errorf(token.ErrTokenType, name,
					"the token is addressed to its own client and tells of the user's login (%s) but grants nothing (no scope, scp or permissions): the shape of an ID token, never accepted as an access token", name)
			}
		}
	}
	return clientID, nil
}

// accepts reports whether aud is one of the API identifiers this validator
// accepts.
func (r *issuerRules) accepts(aud string) bool {
	if r.audienceSet != nil {
		_, ok := r.audienceSet[aud]
		return ok
	}
	for _, a := range r.audiences {
		if a == aud {
			return true
		}
	}
	return false
}

package accesstoken

import (
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Provider names the authorization server that issues the tokens, for the
// few rules where the generic ones cannot tell its access tokens from its ID
// tokens. The zero value, AnyProvider, applies only the generic rules; a
// provider listed here is opted into by naming it in Config.Provider or
// Issuer.Provider, and changes nothing for any other issuer.
//
// What a Provider changes is one rule: a JWT not typed "at+jwt" whose aud
// includes the client it was issued to looks like an ID token, and is
// refused as one by default. Some providers issue such access tokens when
// an API and its client share one registration (Entra ID's single-app
// setups; ZITADEL, whose access tokens name the client and the project in
// aud). With the Provider named, such a token is accepted when it carries
// that provider's own access-token marker, which its ID tokens never carry:
//
//   - EntraID: a ver claim ("1.0" or "2.0") and one of scp (delegated
//     scopes), idtyp ("app" or "user"), azpacr (v2.0) or appidacr (v1.0),
//     claims Microsoft puts in access tokens only;
//   - Keycloak: the typ claim "Bearer" (its ID tokens say "ID");
//   - Cognito: token_use "access" (its ID tokens say "id");
//   - Okta: cid and scp (its ID tokens carry neither);
//   - ZITADEL: jti without auth_time (its ID tokens are the other way round).
//
// Every other rule stays: nonce, at_hash and c_hash are still refused, and
// so are Keycloak's "typ": "ID" and Cognito's "token_use": "id".
//
// Cognito also enables Config.AppClientIDs, the opt-in way to accept its
// access tokens, which carry no aud.
type Provider int

// The providers with rules of their own.
const (
	// AnyProvider applies the generic rules only.
	AnyProvider Provider = iota
	// EntraID is Microsoft Entra ID (Azure AD), v1.0 and v2.0 tokens.
	EntraID
	// Keycloak is a Keycloak realm.
	Keycloak
	// Cognito is an Amazon Cognito user pool.
	Cognito
	// Okta is an Okta custom authorization server.
	Okta
	// ZITADEL is a ZITADEL instance.
	ZITADEL
)

// String returns the provider's name.
func (p Provider) String() string {
	switch p {
	case AnyProvider:
		return "any provider"
	case EntraID:
		return "Entra ID"
	case Keycloak:
		return "Keycloak"
	case Cognito:
		return "Amazon Cognito"
	case Okta:
		return "Okta"
	case ZITADEL:
		return "ZITADEL"
	}
	return "unknown provider"
}

// known reports whether p is one of the constants.
func (p Provider) known() bool { return p >= AnyProvider && p <= ZITADEL }

// marksAccessToken reports whether the claims f noted carry p's own
// access-token marker.
func (p Provider) marksAccessToken(f *found) bool {
	switch p {
	case EntraID:
		ver, ok := f.get(claimVer)
		if !ok || !(strictjson.StringEqual(ver, "2.0") || strictjson.StringEqual(ver, "1.0")) {
			return false
		}
		if idtyp, ok := f.get(claimIdtyp); ok && (strictjson.StringEqual(idtyp, "app") || strictjson.StringEqual(idtyp, "user")) {
			return true
		}
		return f.has(claimSCP) || f.has(claimAzpacr) || f.has(claimAppidacr)
	case Keycloak:
		typ, ok := f.get(claimTyp)
		return ok && strictjson.StringEqual(typ, "Bearer")
	case Cognito:
		return isCognitoAccess(f)
	case Okta:
		return f.has(claimCID) && f.has(claimSCP)
	case ZITADEL:
		return f.has(claimJti) && !f.has(claimAuthTime)
	}
	return false
}

// isCognitoAccess reports whether the claims f noted say it is an access
// token in Cognito's words.
func isCognitoAccess(f *found) bool {
	use, ok := f.get(claimTokenUse)
	return ok && strictjson.StringEqual(use, "access")
}

package idtoken

import (
	"strings"

	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// Telling an ID token from other JWTs the same issuer signs.
//
// OpenID Connect does not make ID tokens explicitly typed, so an access token
// (or a logout token) signed with the same keys, for the same user, sometimes
// with aud equal to the client ID (Microsoft Entra does this for an app
// calling its own API), can pass every rule of OIDC Core §3.1.3.7. The
// validator therefore refuses, with token.ErrTokenType, tokens that declare or
// show themselves to be something else. Only markers that no real ID token
// carries count:
//
//   - a header typ naming another kind of JWT (compared case-insensitively,
//     with or without "application/"): at+jwt (RFC 9068 access tokens),
//     logout+jwt (back-channel logout tokens), secevent+jwt (security event
//     tokens), token-introspection+jwt (RFC 9701), dpop+jwt (RFC 9449 proofs)
//     and oauth-authz-req+jwt (RFC 9101 request objects). typ "JWT", absent,
//     or any other value is accepted, since most issuers type ID tokens "JWT";
//   - a client_id claim (required in RFC 9068 access tokens and used by
//     Cognito, Ory Hydra, Duende IdentityServer and tokentest; OIDC defines no
//     client_id claim for ID tokens, which carry the client in aud and azp);
//   - an scp claim (the scopes of Microsoft Entra and Okta access tokens);
//   - a token_use claim other than "id" (Amazon Cognito: "access");
//   - an events claim (security event and back-channel logout tokens,
//     RFC 8417);
//   - a typ claim of "Bearer" (Keycloak access tokens; its ID tokens say "ID").
//
// A scope claim alone is deliberately not a marker: some issuers copy the
// granted scope into ID tokens. Neither is the absence of nonce, which is
// optional in the authorization code flow.

// otherTypes are header typ values of JWTs that are not ID tokens, as
// token.MediaTypeIs takes them.
var otherTypes = [...]string{
	"at+jwt", "logout+jwt", "secevent+jwt", "token-introspection+jwt", "dpop+jwt", "oauth-authz-req+jwt",
}

// checkHeaderType refuses a token whose header typ names another kind of JWT.
// It runs before any key is looked up.
func checkHeaderType(h *token.Header) error {
	if h.Type == "" {
		return nil
	}
	for _, other := range otherTypes {
		if token.MediaTypeIs(h.Type, other) {
			what := "an access token"
			if other != "at+jwt" {
				what = "a " + other + " token, not an ID token"
			}
			return token.Errorf(token.ErrTokenType, "header.typ", "typ is %q: the token is %s", h.Type, what)
		}
	}
	return nil
}

// checkNotOtherToken refuses a token whose claims (as find noted them) mark
// it as an access token or a security event token. It may run before the
// signature is checked (see checkBeforeSignature), so its messages quote
// none of the claims.
func checkNotOtherToken(f *found) error {
	if f.has(claimClientID) {
		return token.Errorf(token.ErrTokenType, "client_id", "the token carries client_id, a claim of access tokens (RFC 9068), not of ID tokens")
	}
	if f.has(claimSCP) {
		return token.Errorf(token.ErrTokenType, "scp", "the token carries scp, the scopes of an access token")
	}
	if raw, ok := f.get(claimTokenUse); ok && !strictjson.StringEqual(raw, "id") {
		return token.Errorf(token.ErrTokenType, "token_use", "token_use is not \"id\", as an ID token's is: the token is of another kind")
	}
	if f.has(claimEvents) {
		return token.Errorf(token.ErrTokenType, "events", "the token carries events: it is a security event or logout token (RFC 8417), not an ID token")
	}
	if raw, ok := f.get(claimTyp); ok {
		if s, isString := strictjson.String(raw); isString && strings.EqualFold(s, "Bearer") {
			return token.Errorf(token.ErrTokenType, "typ", "the typ claim is \"Bearer\": the token is an access token")
		}
	}
	return nil
}

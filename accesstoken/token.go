package accesstoken

import (
	"slices"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// Token is a validated access token, from a JWT or from introspection.
// Every call to Validator.Validate returns a Token of its own, so a caller
// may change it (append to Scopes, say) without affecting any other caller.
//
// The fields both kinds of token carry (Issuer through ID, and Raw) have the
// same names, order and meaning as idtoken.Token's.
type Token struct {
	// Issuer is the iss claim.
	Issuer string
	// Subject is the sub claim: the user, or the client for a
	// client-credentials token.
	Subject string
	// Audience lists the API identifiers the token was issued for.
	Audience []string
	// ExpiresAt, IssuedAt and NotBefore are the token's times; zero when absent.
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// ID is the jti claim, "" when absent.
	ID string

	// Scopes are the granted scopes, from "scope" (a space-separated string)
	// or, when there is no scope, "scp" (a space-separated string or an
	// array), of the JWT or of the introspection answer. Nil when none.
	Scopes []string
	// Permissions are RBAC permissions, from a "permissions" array (Auth0),
	// of the JWT or of the introspection answer. Nil when none.
	Permissions []string
	// ClientID is the client the token was issued to: for a JWT its
	// client_id, else azp, cid (Okta) or appid (Entra ID v1); for an opaque
	// token the answer's client_id, else azp.
	ClientID string
	// Opaque is true when the token was resolved by introspection.
	Opaque bool
	// Raw is the token as presented. It is not an identity: an ES256 (or
	// ES384, ES512) JWT has a second valid form with the same claims, since
	// ECDSA signatures are malleable, so key revocation, replay or rate
	// lists on ID (jti) with Issuer, never on Raw or a hash of it (see
	// package token, "The raw token is not an identity").
	Raw string
	// Confirmation is what the token is bound to (its cnf): a DPoP key or a
	// TLS client certificate. A bound token is only returned when the proof
	// of possession matched it; zero for a bearer token.
	Confirmation Confirmation
	// NextDPoPNonce, when not empty, is the nonce the client should put in
	// its DPoP proofs from now on (DPoPConfig.Nonces): the proof's nonce was
	// still accepted but is no longer the current one. The middleware sends
	// it in the DPoP-Nonce response header.
	NextDPoPNonce string

	claims *token.Claims        // a JWT's claims; shared, never modified
	answer *introspect.Response // an opaque token's introspection answer; shared, never modified
	// fromCache marks a JWT's Token that the verified-token cache handed
	// out: it keeps no claims, and Claims reads them again from Raw.
	fromCache bool
}

// Claims decodes the token's claims into v, a pointer to a struct or a map:
// for a JWT its whole claims set, for an opaque token the introspection
// answer's members (active, scope, client_id, exp, ... and whatever else the
// server sent). Use it for claims the Token does not type, such as a
// provider's namespaced ones. It works as token.Claims.Decode does, for both
// kinds alike: names match struct fields exactly (a claim "Roles" never fills
// a field tagged "roles"), and a JSON type that does not fit a field of v, or
// a v that is not a non-nil pointer, is an error matching
// token.ErrInvalidClaim. On a Token not made by a Validator it decodes
// nothing and returns nil, as idtoken.Token.Claims does.
func (t *Token) Claims(v any) error {
	c, err := t.claimSet()
	if c == nil || err != nil {
		return err
	}
	return c.Decode(v)
}

// Meets reports whether the token meets every requirement (see
// token.Requirement): nil, or the first failure, matching
// token.ErrInsufficientScope (token.ErrInvalidClaim for a claim of the
// wrong JSON type). For an opaque token the introspection answer's members
// are the claims. A Token not made by a Validator meets none but the empty
// list.
func (t *Token) Meets(reqs ...token.Requirement) error {
	if len(reqs) == 0 {
		return nil
	}
	c, err := t.claimSet()
	if err != nil {
		return err
	}
	if c == nil {
		return token.Errorf(token.ErrInsufficientScope, "", "the token was not made by a Validator and has no claims")
	}
	return token.CheckAll(c, reqs)
}

// claimSet returns the claims Claims decodes: a JWT's own, or an opaque
// token's introspection answer read as claims; nil for a Token not made by
// a Validator.
func (t *Token) claimSet() (*token.Claims, error) {
	switch {
	case t == nil:
		return nil, nil
	case t.claims != nil:
		return t.claims, nil
	case t.fromCache:
		// A Token the verified-token cache handed out keeps no claims set:
		// read it again from the token, which passed verification.
		c, err := tokencache.Reread(t.Raw, token.ParseClaims)
		if err != nil {
			return nil, &token.ValidationError{Kind: token.ErrInvalidClaim, Reason: "the cached token's claims cannot be read again", Err: err}
		}
		return c, nil
	case t.answer == nil:
		return nil, nil
	}
	doc, err := t.answer.MarshalJSON()
	if err != nil {
		return nil, &token.ValidationError{Kind: token.ErrInvalidClaim, Reason: "the introspection answer cannot be written as claims", Err: err}
	}
	c, err := token.ParseClaims(doc)
	if err != nil {
		// Keep the words, not the sentinel: the failure is ErrInvalidClaim
		// alone.
		return nil, token.Errorf(token.ErrInvalidClaim, "", "the introspection answer cannot be read as claims: %s", err.Error())
	}
	return c, nil
}

// HasScope reports whether the token grants scope.
func (t *Token) HasScope(scope string) bool { return t != nil && slices.Contains(t.Scopes, scope) }

// HasAllScopes reports whether the token grants every scope listed (and so,
// for an empty list, whether there is a token at all).
func (t *Token) HasAllScopes(scopes ...string) bool {
	if t == nil {
		return false
	}
	for _, s := range scopes {
		if !t.HasScope(s) {
			return false
		}
	}
	return true
}

// HasPermission reports whether the token carries permission.
func (t *Token) HasPermission(permission string) bool {
	return t != nil && slices.Contains(t.Permissions, permission)
}

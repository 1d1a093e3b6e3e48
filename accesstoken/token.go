package accesstoken

import (
	"slices"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// Token is a validated access token, from a JWT or from introspection.
type Token struct {
	// Subject is the sub claim: the user, or the client for a
	// client-credentials token.
	Subject string
	// Issuer is the iss claim.
	Issuer string
	// Audience lists the API identifiers the token was issued for.
	Audience []string
	// Scopes are the granted scopes, from "scope" (a space-separated string)
	// or "scp" (a string or an array).
	Scopes []string
	// Permissions are RBAC permissions, from a "permissions" array (Auth0).
	Permissions []string
	// ClientID is the client the token was issued to (client_id, or azp).
	ClientID string
	// ExpiresAt, IssuedAt and NotBefore are the token's times; zero when absent.
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// ID is the jti claim.
	ID string
	// Opaque is true when the token was resolved by introspection.
	Opaque bool
	// Raw is the token as presented.
	Raw string

	claims *token.Claims
}

// HasScope reports whether the token grants scope.
func (t *Token) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// HasAllScopes reports whether the token grants every scope listed.
func (t *Token) HasAllScopes(scopes ...string) bool {
	for _, s := range scopes {
		if !t.HasScope(s) {
			return false
		}
	}
	return true
}

// HasPermission reports whether the token carries permission.
func (t *Token) HasPermission(permission string) bool {
	return slices.Contains(t.Permissions, permission)
}

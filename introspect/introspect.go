package introspect

import (
	"context"
	"encoding/json"
	"time"
)

// Introspector resolves a token through its issuer. Client (an RFC 7662
// client) and Cache implement it; tests may fake it, for example with
// IntrospectorFunc.
//
// An error means no answer could be had and should match
// token.ErrUnavailable; an inactive token is not an error but a Response with
// Active false.
type Introspector interface {
	Introspect(ctx context.Context, token string) (*Response, error)
}

// IntrospectorFunc adapts a function to the Introspector interface, which
// makes fakes one-liners in tests:
//
//	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
//		return &introspect.Response{Active: tok == "good", Scope: "read"}, nil
//	})
type IntrospectorFunc func(ctx context.Context, token string) (*Response, error)

// Introspect calls f.
func (f IntrospectorFunc) Introspect(ctx context.Context, token string) (*Response, error) {
	return f(ctx, token)
}

// Response is an introspection answer (RFC 7662 §2.2) with every registered
// member typed. A zero time means the member was absent.
//
// ParseResponse (and so Client) fills it only for an active token: when
// Active is false every other field is zero, because an inactive answer
// carries nothing a resource server may rely on.
type Response struct {
	// Active is true only when the server answered the JSON boolean true.
	// A string "true", the number 1, null or a missing member all mean
	// inactive.
	Active bool
	// Scope is the space-separated list of scopes the token grants; Scopes
	// splits it.
	Scope string
	// ClientID is the client the token was issued to (client_id).
	ClientID string
	// Username is a human-readable identifier of the resource owner
	// (username).
	Username string
	// TokenType is the token's type as the server names it (token_type),
	// such as "access_token" or "Bearer".
	TokenType string
	// ExpiresAt is when the token expires (exp).
	ExpiresAt time.Time
	// IssuedAt is when the token was issued (iat).
	IssuedAt time.Time
	// NotBefore is when the token starts to be valid (nbf).
	NotBefore time.Time
	// Subject is the resource owner, or the client for a client-credentials
	// token (sub).
	Subject string
	// Audience lists the token's intended audiences (aud, which the server
	// may send as one string or an array of strings).
	Audience []string
	// Issuer is the token's issuer (iss).
	Issuer string
	// ID is the token's identifier (jti).
	ID string
	// Extra holds every member not listed above, as raw JSON, keyed by
	// member name. It is nil when there are none.
	Extra map[string]json.RawMessage
}

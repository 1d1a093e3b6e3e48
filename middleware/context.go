package middleware

import (
	"context"

	"github.com/tokenguard/tokenguard/accesstoken"
)

// contextKey is the context key of the validated token. Its type is
// unexported, so no other package can set or read the value except through
// WithToken and TokenFrom.
type contextKey struct{}

// TokenFrom returns the access token the middleware validated for this
// request. It reports false when there is none: outside the middleware, or
// for a request let through without a token (Options.CredentialsOptional).
func TokenFrom(ctx context.Context) (*accesstoken.Token, bool) {
	t, ok := ctx.Value(contextKey{}).(*accesstoken.Token)
	return t, ok && t != nil
}

// WithToken returns a copy of ctx carrying tok, as the middleware passes it
// to the next handler. Use it to unit-test a handler that calls TokenFrom
// without running the middleware.
func WithToken(ctx context.Context, tok *accesstoken.Token) context.Context {
	return context.WithValue(ctx, contextKey{}, tok)
}

package middleware

import (
	"context"
	"net/http"

	"github.com/tokenguard/tokenguard/accesstoken"
)

// contextKey is the context key of the validated token. Its type is
// unexported, so no other package can set or read the value except through
// WithToken and TokenFrom.
type contextKey struct{}

// validated is the value under contextKey: the token, and which Middleware
// validated it from which raw token, so that the same Middleware wrapping
// the same request again (a router's group middleware, then a route's
// scope requirement) reuses it instead of validating twice. by is nil for a
// token set with WithToken, which no Middleware reuses.
type validated struct {
	tok *accesstoken.Token
	by  *Middleware
	raw string
}

// TokenFrom returns the access token the middleware validated for this
// request. It reports false when there is none: outside the middleware, or
// for a request let through without a token (Options.CredentialsOptional).
func TokenFrom(ctx context.Context) (*accesstoken.Token, bool) {
	v, ok := ctx.Value(contextKey{}).(*validated)
	if !ok || v.tok == nil {
		return nil, false
	}
	return v.tok, true
}

// WithToken returns a copy of ctx carrying tok, as the middleware passes it
// to the next handler. Use it to unit-test a handler that calls TokenFrom
// without running the middleware. A Middleware never takes a token set this
// way as validated: it validates the request's own.
func WithToken(ctx context.Context, tok *accesstoken.Token) context.Context {
	return context.WithValue(ctx, contextKey{}, &validated{tok: tok})
}

// validate returns the token for raw: the one m already validated for this
// request, when r's context carries it for exactly this raw token, and
// otherwise what m's Validator says, given the proof of possession r
// carries (validateProof). reused reports the former: a DPoP proof is
// checked once per request, so nested wrappers never see it as replayed.
func (m *Middleware) validate(w http.ResponseWriter, r *http.Request, raw string, from source) (tok *accesstoken.Token, reused bool, err error) {
	if v, ok := r.Context().Value(contextKey{}).(*validated); ok && v.by == m && v.raw == raw && v.tok != nil {
		return v.tok, true, nil
	}
	val := m.v
	if val == nil {
		val = ValidatorFunc(nil)
	}
	tok, err = m.validateProof(w, r, val, raw, from)
	return tok, false, err
}

// withToken returns r with tok in its context, recorded as validated by m
// from raw.
func (m *Middleware) withToken(r *http.Request, raw string, tok *accesstoken.Token) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), contextKey{}, &validated{tok: tok, by: m, raw: raw}))
}

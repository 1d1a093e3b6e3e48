package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/token"
)

// Defaults used when the matching Options field is zero.
const (
	// DefaultRetryAfter is the Retry-After sent with a 503 answer.
	DefaultRetryAfter = 5 * time.Second
	// DefaultMaxFormSize bounds the form body read when Options.AllowForm
	// is set.
	DefaultMaxFormSize = 1 << 20
)

// Validator validates a raw access token. *accesstoken.Validator satisfies
// it. An error matching token.ErrUnavailable means the token could not be
// judged (keys or introspection unreachable) and is answered with 503; any
// other error means the token was refused and is answered with 401.
type Validator interface {
	Validate(ctx context.Context, raw string) (*accesstoken.Token, error)
}

var _ Validator = (*accesstoken.Validator)(nil)

// ValidatorFunc adapts a function to the Validator interface, for tests and
// for wrapping a validator with checks of your own.
type ValidatorFunc func(ctx context.Context, raw string) (*accesstoken.Token, error)

// Validate calls f. A nil f refuses every token with an error matching
// token.ErrUnavailable.
func (f ValidatorFunc) Validate(ctx context.Context, raw string) (*accesstoken.Token, error) {
	if f == nil {
		return nil, errNoValidator
	}
	return f(ctx, raw)
}

// errNoValidator is what a Middleware without a Validator reports for every
// token: fail closed, as the server's fault (503), not the client's.
var errNoValidator = &token.ValidationError{Kind: token.ErrUnavailable,
	Reason: "the token cannot be validated here", Detail: "the middleware has no Validator configured"}

// Options configures a Middleware. Every zero value is a safe default, and
// negative numbers follow package token's rule for configuration values:
// RetryAfter may be turned off, MaxFormSize may not.
type Options struct {
	// Realm is the realm parameter of every WWW-Authenticate challenge
	// (RFC 6750 §3). Empty leaves the parameter out.
	Realm string

	// AllowQuery accepts the token in the access_token URI query parameter
	// (RFC 6750 §2.3). Off by default: URLs end up in logs, browser history
	// and Referer headers. When a token comes from the query, the response
	// carries Cache-Control: private, as §2.3 asks.
	AllowQuery bool
	// AllowForm accepts the token in the access_token parameter of an
	// application/x-www-form-urlencoded body of a POST, PUT or PATCH request
	// (RFC 6750 §2.2). Off by default. When set, every such request's body
	// is read (up to MaxFormSize, through http.MaxBytesReader) and parsed
	// before the token is validated, even when the token is in the header,
	// so that a token sent twice is refused. The body is consumed and not
	// restored: the next handler gets the parsed values in r.PostForm (and
	// r.FormValue / r.PostFormValue work as usual), and r.Body is empty.
	AllowForm bool
	// MaxFormSize bounds the form body read when AllowForm is set; a longer
	// body is answered 400 invalid_request. Zero means DefaultMaxFormSize
	// (1 MiB). A negative value is a configuration mistake: the Middleware
	// then answers every request it protects 503 and logs why.
	MaxFormSize int64

	// CredentialsOptional lets a request that carries no bearer token
	// through to the handler of Handler (and of Require with no scopes),
	// without a token in its context; a request that does carry one still
	// gets it validated and is refused if it is not valid. Require,
	// RequireAny and RequirePermissions with at least one scope or
	// permission still answer 401 to a request without a token, since no
	// scope can be granted without one.
	CredentialsOptional bool

	// Preflight, if not nil, answers CORS preflight requests (OPTIONS with
	// Origin and Access-Control-Request-Method headers) in place of the
	// protected handler: browsers never send credentials with a preflight,
	// so it cannot pass the token check, and the protected handler must
	// never run for a request nobody authenticated. Give it your CORS
	// responder. Nil means a preflight is treated like any other request
	// (refused without a token); that is also right when your CORS handler
	// wraps the middleware from outside and answers preflights itself.
	Preflight http.Handler

	// ErrorResponder writes the answer to a refused request. The middleware
	// has already set WWW-Authenticate (for 400, 401 and 403), Retry-After
	// (for 503) and Cache-Control (for a token from the query) on
	// w.Header(); the responder writes the status e.Status and a body. Nil
	// means DefaultErrorResponder (a JSON body).
	ErrorResponder func(w http.ResponseWriter, r *http.Request, e *Error)

	// Logger, if not nil, receives a line for each refusal (Debug for a
	// missing token or a malformed request, Info for a refused token or a
	// missing scope, Warn when the token could not be validated at all),
	// with the status, error code, the description the client was given,
	// the method and path and, for a refused or unvalidated token, the
	// cause: the Validator's whole error, with what the client is never
	// told (the configured issuer and audiences, endpoints, network and TLS
	// errors, configuration hints). Never the token, never the query
	// string.
	Logger *slog.Logger

	// DPoP chooses whether DPoP-bound tokens (RFC 9449) are accepted, with
	// the Bearer scheme, beside it or alone, and how the request's URI is
	// read for the proof's htu. The zero value accepts bearer tokens only;
	// see DPoPMode.
	DPoP DPoPOptions
	// ClientCertificateHeader names the request header that a
	// TLS-terminating proxy puts the client's certificate in (PEM,
	// URL-escaped PEM or base64 DER), for certificate-bound tokens (RFC
	// 8705 §3). The proxy must remove this header from what clients send.
	// Empty means the certificate is taken from the request's own TLS
	// connection only; when set, only from this header.
	ClientCertificateHeader string

	// RetryAfter is sent, rounded up to whole seconds, in the Retry-After
	// header of a 503 answer. Zero means DefaultRetryAfter (5s); a negative
	// value means none: the header is left out.
	RetryAfter time.Duration
}

func (o *Options) maxFormSize() int64 {
	n, _ := settings.Limit("", o.MaxFormSize, DefaultMaxFormSize)
	return n
}

// check reports a configuration mistake in o, as the error every request is
// refused with.
func (o *Options) check() error {
	if _, err := settings.Limit("middleware: Options.MaxFormSize", o.MaxFormSize, DefaultMaxFormSize); err != nil {
		return &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the middleware is misconfigured", Err: err}
	}
	if err := o.DPoP.check(); err != nil {
		return &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the middleware is misconfigured", Err: err}
	}
	return nil
}

// Middleware protects net/http handlers with bearer access tokens. It
// validates a request's token once however many of its wrappers the request
// passes (see "Layers" in the package documentation). It is safe for
// concurrent use. The zero value, and a nil *Middleware, refuse
// every request that carries a token with 503 (there is no Validator) and
// every other one with 401; use New.
type Middleware struct {
	v         Validator
	opts      Options
	misconfig error // from opts; every protected request is refused with it
}

// New returns a Middleware that validates tokens with v. A nil v gives a
// Middleware that fails closed, as the zero value does: every request that
// carries a token is answered 503. Options with a negative MaxFormSize fail
// closed too, answering every request 503.
func New(v Validator, opts Options) *Middleware {
	return &Middleware{v: v, opts: opts, misconfig: opts.check()}
}

// requirement is what a valid token must also grant.
type requirement struct {
	claims []token.Requirement // for requireClaims
	kind   requirementKind
	values []string
}

type requirementKind uint8

const (
	requireNothing requirementKind = iota
	requireAllScopes
	requireAnyScope
	requireAllPermissions
	requireClaims
)

// Handler returns next protected by a valid bearer token: a request
// without one is answered 401 (unless Options.CredentialsOptional), a
// refused token 401 invalid_token, a malformed request 400
// invalid_request, and a token that could not be validated 503. The
// handler finds the token with TokenFrom.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return m.wrap(next, requirement{})
}

// Require returns a wrapper like Handler that also requires the token to
// grant every one of scopes; otherwise the answer is 403
// insufficient_scope with scope="<scopes>". With no scopes it is Handler.
func (m *Middleware) Require(scopes ...string) func(http.Handler) http.Handler {
	return m.wrapper(requireAllScopes, scopes)
}

// RequireAny is like Require but is satisfied by any one of scopes. The
// 403 answer lists them all in its scope parameter, and its
// error_description says that any one of them is enough (RFC 6750 has no
// way to say "one of" in the scope parameter itself). With no scopes it is
// Handler.
func (m *Middleware) RequireAny(scopes ...string) func(http.Handler) http.Handler {
	return m.wrapper(requireAnyScope, scopes)
}

// RequirePermissions is like Require but checks the token's permissions
// (the RBAC "permissions" claim, as Auth0 issues it) for every one of
// perms. The 403 answer lists them in its scope parameter, since that is
// how a client asks for them. With no permissions it is Handler.
func (m *Middleware) RequirePermissions(perms ...string) func(http.Handler) http.Handler {
	return m.wrapper(requireAllPermissions, perms)
}

// RequireClaims is like Require but checks claim requirements, the way
// providers express roles and groups:
//
//	mw.RequireClaims(token.Claim("roles").Contains("Orders.Write"))
//	mw.RequireClaims(token.Claim("realm_access", "roles").Contains("admin"))
//
// A token that does not meet one is answered 403 insufficient_scope, with
// an error_description naming the claim and the value it lacks (RFC 6750
// has no parameter for roles; the scope parameter is left out). For an
// opaque token the introspection answer's members are the claims. With no
// requirements it is Handler.
func (m *Middleware) RequireClaims(reqs ...token.Requirement) func(http.Handler) http.Handler {
	req := requirement{kind: requireClaims, claims: slices.Clone(reqs)}
	if len(reqs) == 0 {
		req = requirement{}
	}
	return func(next http.Handler) http.Handler { return m.wrap(next, req) }
}

func (m *Middleware) wrapper(kind requirementKind, values []string) func(http.Handler) http.Handler {
	req := requirement{kind: kind, values: slices.Clone(values)}
	if len(values) == 0 {
		req = requirement{}
	}
	return func(next http.Handler) http.Handler { return m.wrap(next, req) }
}

func (m *Middleware) wrap(next http.Handler, req requirement) http.Handler {
	if m == nil {
		m = new(Middleware) // a nil Middleware fails closed, as the zero value does
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, req)
	})
}

func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, req requirement) {
	if m.opts.Preflight != nil && isPreflight(r) {
		m.opts.Preflight.ServeHTTP(w, r)
		return
	}
	if m.misconfig != nil {
		m.respond(w, r, &Error{
			Status:      http.StatusServiceUnavailable,
			Code:        CodeTemporarilyUnavailable,
			Description: "the access token cannot be validated right now; retry later",
			Err:         m.misconfig,
			cause:       m.misconfig.Error(),
		})
		return
	}
	raw, from, r, e := m.extractAny(w, r)
	if from&fromQuery != 0 {
		w.Header().Set("Cache-Control", "private")
	}
	if e != nil {
		m.respond(w, r, e)
		return
	}
	if raw == "" {
		if m.opts.CredentialsOptional && req.kind == requireNothing {
			next.ServeHTTP(w, r)
			return
		}
		m.respond(w, r, &Error{
			Status:      http.StatusUnauthorized,
			Description: m.noTokenDescription(),
			Err:         ErrNoToken,
		})
		return
	}
	tok, reused, err := m.validate(w, r, raw, from)
	switch {
	case err != nil && errors.Is(err, token.ErrUnavailable):
		m.respond(w, r, &Error{
			Status:      http.StatusServiceUnavailable,
			Code:        CodeTemporarilyUnavailable,
			Description: "the access token cannot be validated right now; retry later",
			Err:         err,
			cause:       scrub(err.Error(), raw),
		})
		return
	case err != nil:
		status, code := http.StatusUnauthorized, errorCode(err)
		if errors.Is(err, token.ErrInsufficientScope) {
			// The validator's own Config.Require or Config.Check: the token
			// is good but not allowed here.
			status, code = http.StatusForbidden, CodeInsufficientScope
		}
		m.respond(w, r, &Error{
			Status:      status,
			Code:        code,
			Description: describe(err, raw),
			Err:         err,
			cause:       scrub(err.Error(), raw),
		})
		return
	case tok == nil:
		m.respond(w, r, &Error{
			Status:      http.StatusInternalServerError,
			Code:        CodeServerError,
			Description: "the access token could not be validated",
			Err:         errors.New("middleware: the Validator returned neither a token nor an error"),
		})
		return
	}
	if e := req.check(tok); e != nil {
		m.respond(w, r, e)
		return
	}
	if !reused {
		r = m.withToken(r, raw, tok)
	}
	next.ServeHTTP(w, r)
}

// check returns the 403 refusal for a token that does not meet req, or nil.
func (req requirement) check(tok *accesstoken.Token) *Error {
	var missing []string
	switch req.kind {
	case requireNothing:
		return nil
	case requireClaims:
		err := tok.Meets(req.claims...)
		if err == nil {
			return nil
		}
		var ve *token.ValidationError
		desc := "the access token does not meet the resource's requirements"
		if errors.As(err, &ve) {
			desc = "the access token lacks what the resource requires: " + ve.Reason
		}
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: desc, Err: err}
	case requireAllScopes:
		for _, s := range req.values {
			if !tok.HasScope(s) {
				missing = append(missing, s)
			}
		}
	case requireAnyScope:
		if slices.ContainsFunc(req.values, tok.HasScope) {
			return nil
		}
	case requireAllPermissions:
		for _, p := range req.values {
			if !tok.HasPermission(p) {
				missing = append(missing, p)
			}
		}
	}
	var desc, claim string
	switch req.kind {
	case requireAllScopes:
		if len(missing) == 0 {
			return nil
		}
		claim, desc = "scope", "the access token lacks the scope "+strings.Join(missing, " ")
	case requireAnyScope:
		claim, desc = "scope", "the access token has none of the scopes "+strings.Join(req.values, " ")
	case requireAllPermissions:
		if len(missing) == 0 {
			return nil
		}
		claim, desc = "permissions", "the access token lacks the permission "+strings.Join(missing, " ")
	}
	return &Error{
		Status:      http.StatusForbidden,
		Code:        CodeInsufficientScope,
		Description: desc,
		Scope:       strings.Join(req.values, " "),
		Err:         token.Errorf(token.ErrInsufficientScope, claim, "%s", desc),
	}
}

// StepUp answers r with RFC 9470's step-up challenge: 401 with
// error="insufficient_user_authentication" and, when given, acr_values (the
// acceptable authentication context classes, space-separated) and max_age
// (maxAge in whole seconds; zero or negative leaves it out). Call it from a
// handler that finds the token valid but the user's authentication too weak
// (acr) or too old (auth_time) for the resource; the client then sends the
// user back to the authorization server with these values.
func (m *Middleware) StepUp(w http.ResponseWriter, r *http.Request, acrValues []string, maxAge time.Duration) {
	if m == nil {
		m = new(Middleware)
	}
	desc := "a different authentication level is required"
	if len(acrValues) == 0 && maxAge > 0 {
		desc = "a more recent authentication is required"
	}
	if maxAge < 0 {
		maxAge = 0
	}
	m.respond(w, r, &Error{
		Status:      http.StatusUnauthorized,
		Code:        CodeInsufficientUserAuthentication,
		Description: desc,
		ACRValues:   slices.Clone(acrValues),
		MaxAge:      maxAge,
		Err:         ErrInsufficientUserAuthentication,
	})
}

// describe turns a validation error into an error_description: the
// Description of a *token.ValidationError (its kind, claim and reason,
// never its Detail or cause, which describe the server), or a generic
// sentence for any other error. Whatever the Validator wrote, no part of
// the token survives in it.
func describe(err error, raw string) string {
	var ve *token.ValidationError
	if !errors.As(err, &ve) {
		return "the access token is not valid"
	}
	return scrub(ve.Description(), raw)
}

// minScrubbed is the shortest part of a token scrub looks for: shorter
// runs are too likely to be ordinary words.
const minScrubbed = 8

// scrub removes the token, and each of its dot-separated segments of at
// least minScrubbed bytes, from s.
func scrub(s, raw string) string {
	if raw == "" {
		return s
	}
	s = strings.ReplaceAll(s, raw, "[token]")
	for part := range strings.SplitSeq(raw, ".") {
		if len(part) >= minScrubbed {
			s = strings.ReplaceAll(s, part, "[token]")
		}
	}
	return s
}

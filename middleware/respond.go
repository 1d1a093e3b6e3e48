package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
)

// Error codes used in the WWW-Authenticate header and in Error.Code.
const (
	// CodeInvalidRequest (400): the request is malformed: several
	// Authorization headers, Bearer credentials that are not a b64token, a
	// token presented in more than one way or more than once, or a form body
	// that cannot be read (RFC 6750 §3.1).
	CodeInvalidRequest = "invalid_request"
	// CodeInvalidToken (401): the token is expired, revoked, malformed or
	// otherwise refused by the Validator (RFC 6750 §3.1).
	CodeInvalidToken = "invalid_token"
	// CodeInsufficientScope (403): the token is valid but lacks a required
	// scope or permission (RFC 6750 §3.1).
	CodeInsufficientScope = "insufficient_scope"
	// CodeInsufficientUserAuthentication (401): the token is valid, but the
	// user's authentication is too weak or too old for this resource
	// (RFC 9470 §3). Middleware.StepUp answers with it.
	CodeInsufficientUserAuthentication = "insufficient_user_authentication"
	// CodeTemporarilyUnavailable (503) names, in the response body only,
	// the answer given when the token could not be validated because the
	// issuer's keys or introspection endpoint were unreachable (the error
	// code RFC 6749 §4.1.2.1 uses for the same situation). No
	// WWW-Authenticate header is sent with it.
	CodeTemporarilyUnavailable = "temporarily_unavailable"
	// CodeServerError (500) names, in the response body only, the answer
	// given when the Validator broke its contract (no token and no error).
	CodeServerError = "server_error"
)

// Sentinels found in Error.Err for refusals that have no validation error
// behind them, so a custom ErrorResponder can tell them apart with
// errors.Is.
var (
	// ErrNoToken: the request carries no bearer token (RFC 6750 §3.1: the
	// answer is 401 with no error code).
	ErrNoToken = errors.New("no bearer token in the request")
	// ErrInvalidRequest: the request is malformed (see CodeInvalidRequest).
	ErrInvalidRequest = errors.New("malformed bearer token request")
	// ErrInsufficientUserAuthentication: the handler asked for step-up
	// authentication (Middleware.StepUp).
	ErrInsufficientUserAuthentication = errors.New("insufficient user authentication")
)

// Error describes a refused request. The middleware builds one for each
// refusal, sets the response headers that go with it (WWW-Authenticate,
// Retry-After, Cache-Control) and hands it to Options.ErrorResponder, or to
// DefaultErrorResponder, to write the status and the body.
type Error struct {
	// Status is the HTTP status to answer: 400, 401, 403, 500 or 503.
	Status int
	// Code is the RFC 6750 / RFC 9470 error code (the Code... constants),
	// or "" for a request that carried no token at all.
	Code string
	// Description is a sentence for the developer of the client about the
	// token it sent. It never contains the token, nor anything about the
	// server: no endpoint, network or TLS error, configured issuer or
	// audience, or configuration hint (for a refused token it is the
	// Validator's token.ValidationError.Description; for a 503 a fixed
	// sentence).
	Description string
	// Scope lists, space-separated, the scopes (or permissions) the resource
	// requires, for CodeInsufficientScope.
	Scope string
	// ACRValues are the acceptable authentication context classes, for
	// CodeInsufficientUserAuthentication.
	ACRValues []string
	// MaxAge is the longest acceptable time since the user last
	// authenticated, for CodeInsufficientUserAuthentication; zero when not
	// asked for.
	MaxAge time.Duration
	// Err is the cause: the Validator's error (matching the sentinels of
	// package token), a *token.ValidationError of kind
	// token.ErrInsufficientScope, or ErrNoToken, ErrInvalidRequest,
	// ErrInsufficientUserAuthentication.
	//
	// Err is for logs and for deciding what to answer, not for the client:
	// its message (token.ValidationError.Error) carries the Detail and
	// cause a Description leaves out (for a 503 the key or introspection
	// endpoint's failure, for a refusal what the validator expected), and
	// a Validator of your own might quote more than it should. Send
	// Description, which is built to be safe.
	Err error

	// cause is Err's message with the token scrubbed out, for the log of a
	// refused or unvalidated token.
	cause string
}

// Error returns "status code: description".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	return fmt.Sprintf("%d %s: %s", e.Status, code, e.Description)
}

// Unwrap returns Err, so errors.Is(e, token.ErrExpired) works.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// errorBody is the default JSON body.
type errorBody struct {
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// DefaultErrorResponder writes e as the middleware does when
// Options.ErrorResponder is nil: the status e.Status and a JSON body
// (Content-Type: application/json) with the members "error" (e.Code,
// left out for a request without a token, as RFC 6750 §3.1 asks of the
// header), "error_description" and, for insufficient_scope, "scope":
//
//	{"error":"invalid_token","error_description":"token expired (exp): ..."}
//
// This is the shape OAuth 2.0 clients already parse (RFC 6749 §5.2). A custom
// ErrorResponder may call it after adding headers of its own.
func DefaultErrorResponder(w http.ResponseWriter, _ *http.Request, e *Error) {
	status := e.Status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// An error writing the body means the client has gone; nothing to do.
	_ = json.NewEncoder(w).Encode(errorBody{Error: e.Code, Description: e.Description, Scope: e.Scope})
}

// respond sets the headers that belong to e, hands it to the responder and
// logs the refusal.
func (m *Middleware) respond(w http.ResponseWriter, r *http.Request, e *Error) {
	h := w.Header()
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		h.Set("WWW-Authenticate", m.challenges(r, e))
	case http.StatusServiceUnavailable:
		if ra := m.retryAfter(); ra > 0 {
			h.Set("Retry-After", strconv.FormatInt(int64((ra+time.Second-1)/time.Second), 10))
		}
	}
	m.log(r, e)
	if m.opts.ErrorResponder != nil {
		m.opts.ErrorResponder(w, r, e)
		return
	}
	DefaultErrorResponder(w, r, e)
}

// retryAfter is Options.RetryAfter with its default applied; zero means no
// Retry-After header.
func (m *Middleware) retryAfter() time.Duration {
	return settings.OrNone(m.opts.RetryAfter, DefaultRetryAfter)
}

// log records a refusal on Options.Logger: requests that never carried a
// usable token at Debug, refused tokens and missing scopes at Info, and
// failures to validate at all (503, 500) at Warn, since those are the
// server's problem. The token is never logged, nor the query string.
func (m *Middleware) log(r *http.Request, e *Error) {
	l := m.opts.Logger
	if l == nil {
		return
	}
	level := slog.LevelInfo
	switch {
	case e.Status >= 500 && r.Context().Err() == nil:
		level = slog.LevelWarn
	case e.Status >= 500, e.Status == http.StatusBadRequest, e.Code == "":
		level = slog.LevelDebug
	}
	ctx := r.Context()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.Int("status", e.Status),
		slog.String("error", e.Code),
		slog.String("reason", e.Description),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if e.cause != "" {
		attrs = append(attrs, slog.String("cause", e.cause))
	}
	l.LogAttrs(ctx, level, "bearer token refused", attrs...)
}

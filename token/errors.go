package token

import (
	"errors"
	"fmt"
	"strings"
)

// The sentinel errors. Every failure returned by tokenguard's validators
// matches exactly one of them with errors.Is, and is a *ValidationError that
// says which claim was at fault and why.
var (
	// ErrMalformed: the token is not a well-formed compact JWS with strict
	// JSON header and claims (wrong number of segments, bad base64url,
	// duplicate claim names, JWE or JSON serialization, ...).
	ErrMalformed = errors.New("malformed token")
	// ErrTooLarge: the token, or a document describing it, exceeds a size bound.
	ErrTooLarge = errors.New("token too large")
	// ErrUnsupportedAlgorithm: the header's alg is not on the allow-list
	// ("none" never is).
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrKeyMismatch: the key named by the token does not fit its algorithm
	// (wrong key type, curve or size, or the key's own alg, use or key_ops
	// forbid it).
	ErrKeyMismatch = errors.New("key does not fit the algorithm")
	// ErrCritical: the header lists a "crit" parameter this library does not
	// understand, or is otherwise unacceptable.
	ErrCritical = errors.New("unsupported critical header")
	// ErrKeyNotFound: no key in the issuer's key set matches the token.
	ErrKeyNotFound = errors.New("signing key not found")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("invalid signature")
	// ErrExpired: the token's exp has passed (beyond the leeway), or it is
	// older than a configured maximum age.
	ErrExpired = errors.New("token expired")
	// ErrNotYetValid: the token's nbf is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("token not yet valid")
	// ErrIssuedInFuture: the token's iat is in the future (beyond the leeway).
	ErrIssuedInFuture = errors.New("token issued in the future")
	// ErrIssuer: iss is not exactly the configured issuer.
	ErrIssuer = errors.New("wrong issuer")
	// ErrAudience: aud does not name this client or API, or names others that
	// are not trusted.
	ErrAudience = errors.New("wrong audience")
	// ErrAuthorizedParty: azp is missing where required or names another client.
	ErrAuthorizedParty = errors.New("wrong authorized party")
	// ErrTokenType: the token is of the wrong kind, such as an access token
	// given to the ID token validator or the other way round.
	ErrTokenType = errors.New("wrong token type")
	// ErrMissingClaim: a required claim is absent.
	ErrMissingClaim = errors.New("missing claim")
	// ErrInvalidClaim: a claim has the wrong JSON type or an impossible value.
	ErrInvalidClaim = errors.New("invalid claim")
	// ErrNonce: the ID token's nonce is missing or differs from the one sent.
	ErrNonce = errors.New("nonce mismatch")
	// ErrTokenHash: at_hash or c_hash does not match the access token or code.
	ErrTokenHash = errors.New("token hash mismatch")
	// ErrAuthTime: the user authenticated longer ago than max_age allows.
	ErrAuthTime = errors.New("authentication too old")
	// ErrACR: the authentication context class (acr) is not one requested.
	ErrACR = errors.New("authentication context not acceptable")
	// ErrInsufficientScope: the token is valid but lacks a required scope or
	// permission, does not meet a claim Requirement (a role, a group), or a
	// custom authorization check refused it.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrInactive: introspection says the token is not active (revoked,
	// expired or unknown to the issuer).
	ErrInactive = errors.New("token inactive")
	// ErrUnavailable: the key set or introspection endpoint could not be
	// reached or gave an unusable answer. It is not the token's fault; a
	// resource server should answer 503, not 401.
	ErrUnavailable = errors.New("validation unavailable")
	// ErrReplay: a single-use token or proof (a DPoP proof, a logout token)
	// was presented again while its identifier is still remembered by a
	// ReplayStore.
	ErrReplay = errors.New("token already used")
	// ErrSubject: an answer about a user (a UserInfo response) names a
	// subject other than the validated ID token's, so it must not be used
	// (OpenID Connect Core §5.3.4).
	ErrSubject = errors.New("subject mismatch")
	// ErrTokenRefused: an endpoint the token was presented to, such as the
	// UserInfo endpoint, refused it (HTTP 401 or 403): the issuer's own
	// verdict that the token is expired, revoked or lacks a scope. Unlike
	// ErrUnavailable, trying again with the same token will not help; get a
	// new one.
	ErrTokenRefused = errors.New("token refused by the issuer")
	// ErrSenderConstrained: the token is sender-constrained (its cnf binds it
	// to a key or a TLS client certificate) and was presented without the
	// proof of possession it needs: as a bearer token, without a DPoP proof,
	// or without a client certificate (RFC 9449 §7.2, RFC 8705 §3). Such a
	// token is never accepted as a bearer token.
	ErrSenderConstrained = errors.New("sender-constrained token presented without proof of possession")
	// ErrBinding: the proof of possession does not match the token's
	// binding: the DPoP proof's key is not the one the token's cnf.jkt names,
	// the client certificate is not the one its cnf.x5t#S256 names, or a
	// token bound to no key came with a DPoP proof.
	ErrBinding = errors.New("proof of possession does not match the token's binding")
	// ErrDPoPProof: the DPoP proof (RFC 9449 §4.3) is invalid: not a
	// well-formed dpop+jwt signed by the public key in its own header, or its
	// htm, htu, iat or ath does not fit the request and the token. A replayed
	// proof matches ErrReplay instead.
	ErrDPoPProof = errors.New("invalid DPoP proof")
	// ErrDPoPNonce: the server requires a nonce it provided (RFC 9449 §9)
	// and the DPoP proof has none, or one that is no longer accepted. The
	// client should retry with the nonce the server sends in DPoP-Nonce.
	ErrDPoPNonce = errors.New("DPoP proof needs a fresh server nonce")
)

// ValidationError describes why a token was refused. Kind is one of the
// sentinels above, so errors.Is(err, token.ErrExpired) works; errors.As gives
// access to the claim and the sentence.
//
// A refusal is put into words twice, from the same fields: Description for
// whoever presented the token (an HTTP client, as an RFC 6750
// error_description), and Error for the server's log. Reason goes into
// both and so speaks of the token only; Detail and Err go into Error only,
// and hold what an operator needs but a client must not learn: what the
// validator was configured to expect, endpoints, network and TLS errors,
// which setting to change.
type ValidationError struct {
	// Kind is the sentinel this failure matches.
	Kind error
	// Claim names the claim or header parameter at fault ("exp", "aud",
	// "header.alg"), or is empty when none applies.
	Claim string
	// Reason is a sentence that says what was found in the token and what
	// was wrong with it. It may be shown to the client that presented the
	// token, so it never contains the token itself, a secret, or anything
	// about the server: no URL, no network error, no configured issuer,
	// audience or algorithm list, no configuration hint. Those go in Detail.
	Reason string
	// Detail completes Reason for the server's log only: what was expected
	// (the configured issuer or audiences, the allowed algorithms), which
	// endpoint failed and how, which setting would change the answer. It
	// never contains the token or a secret either. Empty when Reason says
	// it all.
	Detail string
	// Err is the underlying cause, such as a network error, or nil. Like
	// Detail it is for the log, not for the client.
	Err error
}

// Errorf builds a *ValidationError of the given kind. Validators and users'
// own checks use it so their failures read like the built-in ones. The
// formatted text becomes Reason, which a client may be shown: put what
// only the server's operator should read in Detail (see WithDetail).
func Errorf(kind error, claim, format string, args ...any) *ValidationError {
	return &ValidationError{Kind: kind, Claim: claim, Reason: fmt.Sprintf(format, args...)}
}

// WithDetail sets e.Detail to the formatted text and returns e, for
// token.Errorf(...).WithDetail("expected %q", issuer). On a nil e it does
// nothing and returns nil.
func (e *ValidationError) WithDetail(format string, args ...any) *ValidationError {
	if e != nil {
		e.Detail = fmt.Sprintf(format, args...)
	}
	return e
}

// Description returns "kind (claim): reason": what may be told to the
// client that presented the token, such as an RFC 6750 error_description.
// It leaves out Detail and Err, which describe the server rather than the
// token.
func (e *ValidationError) Description() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	e.describe(&b)
	return b.String()
}

// Error returns "kind (claim): reason; detail: cause": everything, for the
// server's log. Show clients Description instead.
func (e *ValidationError) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	e.describe(&b)
	if e.Detail != "" {
		if e.Reason != "" {
			b.WriteString("; ")
		} else {
			b.WriteString(": ")
		}
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// describe writes "kind (claim): reason".
func (e *ValidationError) describe(b *strings.Builder) {
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("invalid token")
	}
	if e.Claim != "" {
		b.WriteString(" (")
		b.WriteString(e.Claim)
		b.WriteString(")")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
}

// Unwrap returns the sentinel and the cause, for errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	if e == nil {
		return nil
	}
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

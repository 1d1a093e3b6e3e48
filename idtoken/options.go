package idtoken

import "time"

// Option adds a per-call check to Validate: the values the application sent
// in its authentication request (nonce, max_age, acr_values) or received
// beside the ID token (an access token, an authorization code). Options run
// on every call, also when the token comes from the verified-token cache.
// The zero Option adds no check.
//
// An Option is a plain value rather than a function: Validate copies what
// the options say into a small struct on its stack, where a function
// handed a pointer to that struct would make it escape to the heap, an
// allocation on every call.
type Option struct {
	kind optionKind
	s    string        // the nonce, access token or code
	d    time.Duration // max_age
	acr  []string
}

type optionKind uint8

const (
	optNone optionKind = iota
	optNonce
	optAccessToken
	optCode
	optMaxAge
	optACR
)

// add records o in c.
func (c *checks) add(o Option) {
	switch o.kind {
	case optNonce:
		c.nonce, c.hasNonce = o.s, true
	case optAccessToken:
		c.accessToken, c.hasAccessToken = o.s, true
	case optCode:
		c.code, c.hasCode = o.s, true
	case optMaxAge:
		c.maxAge, c.hasMaxAge = o.d, true
	case optACR:
		c.acr, c.hasACR = o.acr, true
	}
}

// checks holds the per-call expectations. Its zero value checks nothing.
type checks struct {
	nonce       string
	accessToken string
	code        string
	maxAge      time.Duration
	acr         []string

	hasNonce, hasAccessToken, hasCode, hasMaxAge, hasACR bool
}

// WithNonce requires the token's nonce claim to equal n, the nonce the
// application sent in its authentication request (OIDC Core §3.1.3.7 rule
// 11). The comparison takes constant time. A token without nonce, or an empty
// n (a lost session value must never match a token without nonce), fails
// with token.ErrNonce.
func WithNonce(n string) Option {
	return Option{kind: optNonce, s: n}
}

// WithAccessToken requires the token's at_hash claim to match at, the access
// token issued beside it (OIDC Core §3.2.2.9 and §3.3.2.11): the left half of
// the hash of at, with the hash of the ID token's algorithm (SHA-512 for
// EdDSA), in base64url. A missing or different at_hash, or an empty at,
// fails with token.ErrTokenHash; an at_hash that is not a JSON string fails
// with token.ErrInvalidClaim, like every claim of the wrong type.
func WithAccessToken(at string) Option {
	return Option{kind: optAccessToken, s: at}
}

// WithCode requires the token's c_hash claim to match code, the
// authorization code returned beside it in the hybrid flow (OIDC Core
// §3.3.2.11), computed like at_hash. A missing or different c_hash, or an
// empty code, fails with token.ErrTokenHash; a c_hash that is not a JSON
// string fails with token.ErrInvalidClaim.
func WithCode(code string) Option {
	return Option{kind: optCode, s: code}
}

// WithMaxAge states that the authentication request carried max_age=d: the
// token must then carry auth_time (OIDC Core §3.1.3.7 rule 13), and the user
// must have authenticated no longer than d (plus the validator's leeway) ago.
// An auth_time that is missing, too old or in the future fails with
// token.ErrAuthTime. A negative d is treated as zero, which (like max_age=0)
// requires an authentication within the leeway.
func WithMaxAge(d time.Duration) Option {
	return Option{kind: optMaxAge, d: max(d, 0)}
}

// WithACR requires the token's acr claim to be one of values, for example the
// acr_values of the authentication request or the classes a step-up demands.
// A missing acr, or one not listed, fails with token.ErrACR; so does every
// token when values is empty.
func WithACR(values ...string) Option {
	// A copy, so that a caller reusing its slice cannot change the check.
	// Non-nil even when empty: an empty list refuses every token.
	return Option{kind: optACR, acr: append([]string{}, values...)}
}

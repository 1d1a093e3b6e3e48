package accesstoken

import (
	"context"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultCacheSize is how many verified JWTs a Validator remembers when
// Config.CacheSize is zero. An entry keeps the raw token (the caller's
// string, not a copy) and, beside it, about 450 bytes for a typical token
// (measured for a 770-byte token with two audiences, five scopes and two
// permissions; at most 512 bytes, as TestCacheEntryMemory checks): the
// Token's strings copied into one string of their own, its times, and the
// key that verified it. So 4096 entries hold some 1.8 MB beside the tokens.
// Claims reads the claims set again from the raw token when asked.
const DefaultCacheSize = tokencache.DefaultMaxEntries

// Config configures a Validator. At least one issuer (Issuer, Issuers or
// IssuerKeys), an API identifier (Audience or Audiences, or each issuer's
// own) and at least one of Keys and Introspector are required; every other
// field follows package token's rule for configuration values: zero is the
// safe default, and a negative number means "none" where a field says so
// and is an error elsewhere.
type Config struct {
	// Issuer is the authorization server's issuer identifier, compared
	// exactly (no trailing-slash or case folding) with a JWT's iss and with
	// an introspection answer's iss when it has one. Required unless
	// Issuers or IssuerKeys is set; required with Introspector.
	Issuer string
	// Issuers lists further trusted issuers of JWT access tokens, each with
	// its own keys and, optionally, its own audiences and provider rules. A
	// JWT is verified only with the keys of the issuer its iss names
	// (compared exactly); a JWT of any other issuer is refused with
	// token.ErrIssuer before any key is looked up.
	Issuers []Issuer
	// IssuerKeys routes JWTs whose iss is neither Issuer nor in Issuers to
	// keys decided at run time, such as the tenants of a multi-tenant
	// provider (jwks.NewIssuers). Audience, Audiences, Provider and
	// AppClientIDs apply to them. It is not closed by the Validator.
	IssuerKeys token.IssuerKeySource
	// Provider names the provider that issues the tokens of Issuer and
	// IssuerKeys, and of the Issuers that name none: see Provider for the
	// one rule it changes. Zero is AnyProvider, the generic rules.
	Provider Provider
	// AppClientIDs, with Provider Cognito, accepts an access token that
	// carries no aud (as Amazon Cognito's do) when its token_use is
	// "access" and its client_id is one of these app client IDs. It is
	// the only way a token without aud is accepted, and only for Cognito.
	AppClientIDs []string
	// Audience is this API's identifier (Auth0 calls it the API audience;
	// RFC 9068 the resource indicator). A token is accepted only when its aud
	// names it or one of Audiences. Required unless Audiences is set, or
	// every issuer has Audiences (or AppClientIDs) of its own.
	Audience string
	// Audiences lists further accepted API identifiers, for an API known by
	// several names. Empty strings are an error.
	Audiences []string
	// Keys supplies the issuer's keys for JWT access tokens (jwks.FromIssuer,
	// jwks.New or jwks.Static). Nil, with no Issuers and no IssuerKeys,
	// means JWTs are refused with token.ErrTokenType, and the validator
	// accepts only opaque tokens.
	Keys token.KeySource
	// Introspector resolves opaque tokens, usually an introspect.Client
	// wrapped in an introspect.Cache. Nil means opaque tokens are refused
	// with token.ErrMalformed. Keys or Introspector is required.
	Introspector introspect.Introspector
	// Algorithms is the allow-list of JWS algorithms for JWTs. Nil means
	// token.DefaultAlgorithms (every supported asymmetric algorithm); "none"
	// is never accepted, HMAC only when listed here and configured as a
	// symmetric key in Keys.
	Algorithms []string
	// StrictRFC9068 accepts only JWTs typed "at+jwt" (or
	// "application/at+jwt") that carry every claim RFC 9068 §2.2 requires:
	// iss, exp, aud, sub, client_id, iat and jti. Off, "JWT" and an absent
	// typ are accepted too, and only iss, aud, exp and a client (client_id,
	// azp, cid or appid) are required, which is what providers such as Auth0
	// issue; a token typed "at+jwt" must also carry iat and jti (see the
	// package documentation, "RFC 9068 claim by claim").
	StrictRFC9068 bool
	// AllowIntrospectionWithoutAudience accepts an introspection answer that
	// names no aud, provided it says the token is an access token
	// (token_type "Bearer", say). Off (the default), every answer without
	// aud is refused with token.ErrAudience. An answer with neither aud nor
	// anything naming an access token is what some servers (panva's
	// oidc-provider) give for a refresh token, and is refused with
	// token.ErrTokenType either way. Set it only for a server that never
	// sends aud.
	AllowIntrospectionWithoutAudience bool
	// IntrospectJWTs makes every JWT that passed local validation also go to
	// the Introspector, for APIs that must see a revocation at once rather
	// than when the token expires. An inactive answer is token.ErrInactive.
	// It needs both Keys and Introspector, and costs a network call per
	// request unless the Introspector caches. Some authorization servers
	// introspect only their opaque tokens and answer a JWT with 400
	// unsupported_token_type: every JWT is then token.ErrUnavailable (503),
	// and the introspect.Client's error tells the operator to turn this off.
	IntrospectJWTs bool
	// Leeway is the clock skew allowed on exp, nbf and iat, for JWTs and
	// introspection answers alike. Zero means token.DefaultLeeway (one
	// minute); a negative value means none.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// MaxTokenSize bounds a token's length in bytes, JWT or opaque, checked
	// before anything else. Zero means token.DefaultMaxTokenSize (16 KiB); a
	// negative value is an error.
	MaxTokenSize int
	// Require lists claims every accepted token must hold, the way the
	// provider expresses roles and groups, such as
	// token.Claim("roles").Contains("Orders.Write"): a token that does not
	// meet one is refused with token.ErrInsufficientScope (the middleware
	// answers 403 insufficient_scope).
	Require []token.Requirement
	// Check, when set, is called with every token that passed all other
	// checks, also on each cache hit, for authorization rules of your own
	// (a user disabled since the token was issued, a tenant's plan). An
	// error refuses the token; it is made to match a sentinel as
	// token.CheckFailed says (token.ErrInsufficientScope unless the error
	// already is a *token.ValidationError or matches token.ErrUnavailable).
	// Check must not change the Token.
	Check func(ctx context.Context, t *Token) error
	// CacheSize bounds the verified-token cache for JWTs, in tokens. Zero
	// means DefaultCacheSize; a negative value means no cache.
	CacheSize int
	// DPoP configures the checking of DPoP proofs (RFC 9449) by
	// ValidateProof. Its zero value is the safe default. Whatever it holds,
	// a token bound to a key or certificate (cnf) is never accepted without
	// its proof.
	DPoP DPoPConfig
}

// Issuer is one more trusted issuer of JWT access tokens (Config.Issuers).
type Issuer struct {
	// Issuer is the issuer identifier, compared exactly with iss. Required.
	Issuer string
	// Keys supplies this issuer's keys. Required.
	Keys token.KeySource
	// Audiences are the API identifiers accepted in aud of this issuer's
	// tokens, in place of Config.Audience and Config.Audiences. Nil means
	// those.
	Audiences []string
	// Provider names this issuer's provider. Zero means Config.Provider.
	Provider Provider
	// AppClientIDs, with Provider Cognito, are the app client IDs whose
	// access tokens without aud are accepted, in place of
	// Config.AppClientIDs. Nil means those.
	AppClientIDs []string
}

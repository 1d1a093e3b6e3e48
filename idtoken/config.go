package idtoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultCacheSize is how many verified ID tokens a Validator remembers when
// Config.CacheSize is zero. An entry shares the raw token with the caller
// that presented it and keeps, beside it, about 390 bytes for a typical ID
// token (measured for a 790-byte token with the usual profile claims; the
// figure grows with the claim values, not with the claims a token lacks):
// the Token packed into one pointer-free string, and the entry that holds
// it. That is some 1.6 MB for a full cache of typical tokens, plus the
// tokens themselves. Claims, at_hash and c_hash read the claims set again
// from the raw token when asked.
const DefaultCacheSize = tokencache.DefaultMaxEntries

// Config configures a Validator. An issuer (Issuer with Keys, Issuers or
// IssuerKeys) and ClientID are required; every other field follows package
// token's rule for configuration values: zero is the safe default, and a
// negative number means "none" where a field says so and is an error
// elsewhere.
type Config struct {
	// Issuer is the OpenID Provider's issuer identifier, compared exactly
	// (no case folding, no trailing-slash tolerance) with the token's iss.
	// Required, with Keys, unless Issuers or IssuerKeys is set.
	Issuer string
	// ClientID is this application's client ID. The token's aud must
	// contain it, and an azp, when present, must equal it. Required unless
	// every issuer is in Issuers with a ClientID of its own.
	ClientID string
	// Keys supplies the provider's verification keys, typically a
	// *jwks.Remote from jwks.FromIssuer, or jwks.Static for pinned keys.
	Keys token.KeySource
	// Issuers lists further trusted providers, each with its own keys and,
	// optionally, its own client ID (a login page offering several
	// providers), or further spellings of one provider's issuer (Google's
	// ID tokens say "https://accounts.google.com" or "accounts.google.com").
	// A token is verified only with the keys of the issuer its iss names,
	// compared exactly; a token of any other issuer is refused with
	// token.ErrIssuer before any key is looked up.
	Issuers []Issuer
	// IssuerKeys routes tokens whose iss is neither Issuer nor in Issuers
	// to keys decided at run time, such as the tenants of a multi-tenant
	// provider (jwks.NewIssuers). ClientID applies to them. It is not
	// closed by the Validator.
	IssuerKeys token.IssuerKeySource

	// Algorithms is the allow-list of JWS algorithms. Nil means ["RS256"],
	// the algorithm every OpenID Provider must support (OIDC Core §15.1).
	// List others, such as "ES256" or "EdDSA", when the provider signs with
	// them. HS256/HS384/HS512 work only when listed here and Keys holds a
	// symmetric key made with token.NewSymmetricKey (the client secret); an
	// HMAC token is never verified with a public key. "none" is refused.
	Algorithms []string
	// TrustedAudiences are audiences allowed in aud beside ClientID. By
	// default a token whose aud names anyone else is refused with
	// token.ErrAudience (OIDC Core §3.1.3.7 rule 3). A token with more than
	// one audience must also carry azp equal to ClientID.
	TrustedAudiences []string
	// MaxAge, when positive, refuses tokens issued (iat) longer than MaxAge
	// plus Leeway ago with token.ErrExpired, whatever their exp says. Zero
	// means no limit beyond exp; a negative value is an error.
	MaxAge time.Duration
	// Leeway is the clock skew allowed on exp, nbf, iat and auth_time. Zero
	// means token.DefaultLeeway (one minute); a negative value means none.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// MaxTokenSize bounds the raw token's length in bytes, checked before
	// any decoding. Zero means token.DefaultMaxTokenSize (16 KiB); a
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
	// CacheSize bounds the verified-token cache, which lets a token seen
	// again skip the signature check (see the package documentation). Each
	// entry holds the raw token and its Token (see DefaultCacheSize for the
	// cost). Zero means DefaultCacheSize; a negative value means no cache.
	CacheSize int
}

// defaultAlgorithms is OIDC Core §15.1's mandatory-to-implement algorithm.
var defaultAlgorithms = []string{token.RS256}

// Issuer is one more trusted OpenID Provider (Config.Issuers).
type Issuer struct {
	// Issuer is the issuer identifier, compared exactly with iss. Required.
	Issuer string
	// Keys supplies this issuer's keys. Required; several entries may share
	// one source (two spellings of one issuer).
	Keys token.KeySource
	// ClientID is this application's client ID at this provider, in place
	// of Config.ClientID. Empty means Config.ClientID.
	ClientID string
}

// check reports the first configuration mistake.
func (c *Config) check() error {
	needsClientID := c.Issuer != "" || c.IssuerKeys != nil
	for i, is := range c.Issuers {
		switch {
		case is.Issuer == "":
			return fmt.Errorf("idtoken: Config.Issuers[%d].Issuer is empty", i)
		case is.Keys == nil:
			return fmt.Errorf("idtoken: Config.Issuers[%d].Keys is required: the keys of issuer %q", i, is.Issuer)
		case is.Issuer == c.Issuer:
			return fmt.Errorf("idtoken: Config.Issuers[%d] names Config.Issuer %q again; configure it once", i, is.Issuer)
		case is.ClientID == "":
			needsClientID = true
		}
		for _, other := range c.Issuers[:i] {
			if other.Issuer == is.Issuer {
				return fmt.Errorf("idtoken: Config.Issuers[%d]: issuer %q is listed twice", i, is.Issuer)
			}
		}
	}
	switch {
	case c.Issuer == "" && len(c.Issuers) == 0 && c.IssuerKeys == nil:
		return errors.New("idtoken: Config.Issuer is required (or Config.Issuers, or Config.IssuerKeys, for several)")
	case c.Issuer != "" && c.Keys == nil:
		return errors.New("idtoken: Config.Keys is required")
	case c.Issuer == "" && c.Keys != nil:
		return errors.New("idtoken: Config.Keys is set but Config.Issuer is empty; name the issuer the keys belong to")
	case needsClientID && c.ClientID == "":
		return errors.New("idtoken: Config.ClientID is required")
	case c.MaxAge < 0:
		return fmt.Errorf("idtoken: Config.MaxAge is negative (%s); use zero for no limit", c.MaxAge)
	}
	for i, a := range c.TrustedAudiences {
		if a == "" {
			return fmt.Errorf("idtoken: Config.TrustedAudiences[%d] is empty", i)
		}
	}
	return nil
}

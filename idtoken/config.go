package idtoken

import (
	"errors"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultCacheSize is how many verified ID tokens a Validator remembers when
// Config.CacheSize is zero. An entry keeps the raw token and, beside it,
// about 1 KB for a typical token (measured for a 790-byte token with the
// usual profile claims): the Token, whose struct alone is some 600 bytes,
// with its strings copied out of the decoded token so that the entry holds
// no more of it than the values. Claims, at_hash and c_hash read the
// claims set again from the raw token when asked.
const DefaultCacheSize = tokencache.DefaultMaxEntries

// Config configures a Validator. Issuer, ClientID and Keys are required;
// every other field follows package token's rule for configuration values:
// zero is the safe default, and a negative number means "none" where a field
// says so and is an error elsewhere.
type Config struct {
	// Issuer is the OpenID Provider's issuer identifier, compared exactly
	// (no case folding, no trailing-slash tolerance) with the token's iss.
	Issuer string
	// ClientID is this application's client ID. The token's aud must
	// contain it, and an azp, when present, must equal it.
	ClientID string
	// Keys supplies the provider's verification keys, typically a
	// *jwks.Remote from jwks.FromIssuer, or jwks.Static for pinned keys.
	Keys token.KeySource

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
	// CacheSize bounds the verified-token cache, which lets a token seen
	// again skip the signature check (see the package documentation). Each
	// entry holds the raw token and its Token (see DefaultCacheSize for the
	// cost). Zero means DefaultCacheSize; a negative value means no cache.
	CacheSize int
}

// defaultAlgorithms is OIDC Core §15.1's mandatory-to-implement algorithm.
var defaultAlgorithms = []string{token.RS256}

// check reports the first configuration mistake.
func (c *Config) check() error {
	switch {
	case c.Issuer == "":
		return errors.New("idtoken: Config.Issuer is required")
	case c.ClientID == "":
		return errors.New("idtoken: Config.ClientID is required")
	case c.Keys == nil:
		return errors.New("idtoken: Config.Keys is required")
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

package tokentest

import (
	"time"
)

// Defaults for the issuer's identifiers and credentials.
const (
	DefaultAlgorithm                 = "RS256"
	DefaultClientID                  = "tokentest-client"
	DefaultAudience                  = "https://api.tokentest.example"
	DefaultIntrospectionClientID     = "tokentest-api"
	DefaultIntrospectionClientSecret = "tokentest-secret"
)

// Option configures NewIssuer.
//
// The library's constructors take a Config or Options struct; NewIssuer
// takes functional options instead because it is called once per test, in
// one line, where nearly every call wants every default (NewIssuer(t)) and
// the rest change one thing (WithAlgorithm("ES256")). Per-call variation
// uses options throughout the module: idtoken.Option for Validate and
// MintOption for minting here.
type Option func(*config)

type config struct {
	alg         string
	clientID    string
	audience    string
	now         func() time.Time
	introID     string
	introSecret string
	provider    Provider
}

func defaultConfig() config {
	return config{
		alg:         DefaultAlgorithm,
		clientID:    DefaultClientID,
		audience:    DefaultAudience,
		now:         time.Now,
		introID:     DefaultIntrospectionClientID,
		introSecret: DefaultIntrospectionClientSecret,
	}
}

// WithAlgorithm chooses the JWS algorithm the issuer signs with, and so the
// type of its keys: "RS256" (the default), "RS384", "RS512", "PS256",
// "PS384", "PS512" (RSA 2048), "ES256" (P-256), "ES384" (P-384), "ES512"
// (P-521) or "EdDSA" (Ed25519). NewIssuer fails the test for any other
// value.
func WithAlgorithm(alg string) Option { return func(c *config) { c.alg = alg } }

// WithClientID sets the OAuth client the tokens are issued to: the aud of ID
// tokens, and client_id and azp of access tokens. The default is
// DefaultClientID.
func WithClientID(id string) Option { return func(c *config) { c.clientID = id } }

// WithAudience sets the API identifier put in access tokens' aud. The
// default is DefaultAudience.
func WithAudience(aud string) Option { return func(c *config) { c.audience = aud } }

// WithClock sets the clock used for the default iat, exp, auth_time and
// updated_at claims. Nil means time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			now = time.Now
		}
		c.now = now
	}
}

// WithIntrospectionCredentials sets the client identifier and secret a
// resource server must present to the introspection endpoint. The defaults
// are DefaultIntrospectionClientID and DefaultIntrospectionClientSecret.
func WithIntrospectionCredentials(id, secret string) Option {
	return func(c *config) { c.introID, c.introSecret = id, secret }
}

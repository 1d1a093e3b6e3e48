package tokentest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// Issuer is a fake authorization server for tests. Make one with NewIssuer
// in a test, or Start in a program; the zero value is not usable. All its
// methods are safe for concurrent use.
type Issuer struct {
	t       testing.TB // nil for an issuer from Start
	cfg     config
	srv     *httptest.Server
	base    string // the server's URL
	url     string // the issuer identifier: base and the provider's path
	subject string
	sid     string
	closed  chan struct{} // closed by Close, releases slow handlers
	close   sync.Once

	mu      sync.Mutex
	keys    []*signingKey // published keys; the last one signs
	keySet  *token.KeySet // public view of keys
	jwksDoc []byte        // JWKS document of keys
	tokens  map[string][]byte

	jwks, intro       endpoint       // the JWKS and introspection endpoints
	userinfo          endpoint       // the UserInfo endpoint
	ui                userinfoAnswer // how the UserInfo endpoint answers
	discoveryRequests atomic.Int64
}

// NewIssuer starts a fake issuer on an httptest server (plain HTTP on
// 127.0.0.1) with one signing key, and registers a t.Cleanup that closes it.
// It fails the test (t.Fatal) when an option is invalid. Minting failures
// (a claim that cannot be encoded as JSON, a WithSigningKey key that does
// not suit the algorithm) are reported with t.Errorf.
func NewIssuer(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	i, err := start(t, opts)
	if err != nil {
		t.Fatalf("%v", err)
		return nil // only reached with a testing.TB whose Fatalf returns
	}
	t.Cleanup(i.Close)
	return i
}

// Start starts a fake issuer outside a test, for example programs and
// demos; the caller must Close it. It returns an error when an option is
// invalid. Minting failures are written to standard error and the minting
// method returns "".
func Start(opts ...Option) (*Issuer, error) {
	return start(nil, opts)
}

func start(t testing.TB, opts []Option) (*Issuer, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if _, ok := lookupAlg(cfg.alg); !ok {
		return nil, fmt.Errorf("tokentest: WithAlgorithm(%q): not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA", cfg.alg)
	}
	if cfg.provider < Default || int(cfg.provider) >= len(providerNames) {
		return nil, fmt.Errorf("tokentest: WithProvider(%d): not one of the Provider constants", int(cfg.provider))
	}
	i := &Issuer{
		t:       t,
		cfg:     cfg,
		subject: subjectFor(cfg.provider),
		sid:     randomHex(16),
		closed:  make(chan struct{}),
		tokens:  make(map[string][]byte),
	}
	k, err := newSigningKey(cfg.alg)
	if err != nil {
		return nil, fmt.Errorf("tokentest: %w", err)
	}
	if err := i.publish([]*signingKey{k}); err != nil {
		return nil, fmt.Errorf("tokentest: %w", err)
	}
	i.srv = httptest.NewServer(i.routes())
	i.base = i.srv.URL
	i.url = i.base + cfg.provider.issuerPath()
	return i, nil
}

// Close stops the server, first releasing requests that SlowJWKS or
// SlowIntrospection hold. It is called by the t.Cleanup of NewIssuer; a
// second call, or a call on a nil Issuer, does nothing.
func (i *Issuer) Close() {
	if i == nil || i.closed == nil {
		return
	}
	i.close.Do(func() {
		close(i.closed)
		i.srv.Close()
	})
}

// errorf reports a failure of the caller's request: on the test with
// t.Errorf, or on standard error for an issuer from Start.
func (i *Issuer) errorf(format string, args ...any) {
	if i.t != nil {
		i.t.Helper()
		i.t.Errorf(format, args...)
		return
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// URL returns the issuer identifier, the server's base URL without a
// trailing slash, such as "http://127.0.0.1:41234", followed by the path
// of the provider's issuer form with WithProvider ("/realms/tokentest" for
// Keycloak, "/" for Auth0, ...). It is the iss of every token the issuer
// mints, unless ForTenant or WithIssuer says otherwise.
func (i *Issuer) URL() string { return i.url }

// DiscoveryURL returns the OpenID Connect discovery document's URL,
// URL() without a trailing slash followed by
// "/.well-known/openid-configuration". The same document is also served at
// the RFC 8414 location, "/.well-known/oauth-authorization-server" followed
// by the path of URL().
func (i *Issuer) DiscoveryURL() string { return strings.TrimSuffix(i.url, "/") + discoveryPath }

// JWKSURL returns the URL of the issuer's JWKS document, the server's URL
// followed by "/jwks.json".
func (i *Issuer) JWKSURL() string { return i.base + jwksPath }

// IntrospectionURL returns the RFC 7662 introspection endpoint, the
// server's URL followed by "/introspect".
func (i *Issuer) IntrospectionURL() string { return i.base + introspectPath }

// ClientID returns the client the tokens are issued to (see WithClientID).
func (i *Issuer) ClientID() string { return i.cfg.clientID }

// Audience returns the API identifier of access tokens (see WithAudience).
func (i *Issuer) Audience() string { return i.cfg.audience }

// Algorithm returns the JWS algorithm the issuer signs with.
func (i *Issuer) Algorithm() string { return i.cfg.alg }

// Subject returns the default sub of the tokens this issuer mints, fixed
// per issuer: an Auth0-style "auth0|" followed by 24 hex digits, or the
// form of the provider's user identifiers with WithProvider.
func (i *Issuer) Subject() string { return i.subject }

// IntrospectionClientID returns the client identifier the introspection
// endpoint accepts.
func (i *Issuer) IntrospectionClientID() string { return i.cfg.introID }

// IntrospectionClientSecret returns the secret the introspection endpoint
// accepts with IntrospectionClientID.
func (i *Issuer) IntrospectionClientSecret() string { return i.cfg.introSecret }

// HTTPClient returns an HTTP client configured for the server.
func (i *Issuer) HTTPClient() *http.Client { return i.srv.Client() }

// now is the issuer's clock.
func (i *Issuer) now() time.Time { return i.cfg.now() }

// FailJWKS makes the JWKS endpoint and the discovery document answer status
// (200 to 599) with a short error body until Heal. With 200 they answer a
// body that is not the expected document. Any other status fails the test.
func (i *Issuer) FailJWKS(status int) {
	if i.t != nil {
		i.t.Helper()
	}
	if i.validStatus("FailJWKS", status) {
		i.jwks.fail(status)
	}
}

// SlowJWKS makes the JWKS endpoint wait d before answering, or until the
// request's context is done or the issuer is cleaned up, whichever comes
// first, until Heal.
func (i *Issuer) SlowJWKS(d time.Duration) { i.jwks.slow(d) }

// FailIntrospection makes the introspection endpoint answer status (200 to
// 599) with a short error body until Heal. Any other status fails the test.
func (i *Issuer) FailIntrospection(status int) {
	if i.t != nil {
		i.t.Helper()
	}
	if i.validStatus("FailIntrospection", status) {
		i.intro.fail(status)
	}
}

// SlowIntrospection makes the introspection endpoint wait d before
// answering, or until the request's context is done or the issuer is cleaned
// up, until Heal.
func (i *Issuer) SlowIntrospection(d time.Duration) { i.intro.slow(d) }

// Heal undoes FailJWKS, SlowJWKS, FailIntrospection, SlowIntrospection,
// FailUserInfo and SlowUserInfo.
func (i *Issuer) Heal() {
	i.jwks.heal()
	i.intro.heal()
	i.userinfo.heal()
}

// JWKSRequests returns how many requests the JWKS endpoint has received,
// failed and slow ones included.
func (i *Issuer) JWKSRequests() int { return int(i.jwks.requests.Load()) }

// DiscoveryRequests returns how many requests the two discovery document
// paths have received together.
func (i *Issuer) DiscoveryRequests() int { return int(i.discoveryRequests.Load()) }

// IntrospectionRequests returns how many requests the introspection endpoint
// has received, refused and failed ones included.
func (i *Issuer) IntrospectionRequests() int { return int(i.intro.requests.Load()) }

func (i *Issuer) validStatus(method string, status int) bool {
	if i.t != nil {
		i.t.Helper()
	}
	if status < 200 || status > 599 {
		i.errorf("tokentest: %s(%d): status must be between 200 and 599", method, status)
		return false
	}
	return true
}

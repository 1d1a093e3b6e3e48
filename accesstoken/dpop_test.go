package accesstoken_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// The request the DPoP tests present their tokens with.
const (
	dpopMethod = "GET"
	dpopURI    = "https://api.example.com/appointments?week=12#top"
	dpopHTU    = "https://api.example.com/appointments"
)

// dpopFixture is an issuer, a validator and a client key bound tokens name.
type dpopFixture struct {
	*fixture
	v   *accesstoken.Validator
	key *tokentest.DPoPKey
}

func newDPoPFixture(t testing.TB, edit ...func(*accesstoken.Config)) *dpopFixture {
	t.Helper()
	f := newFixture(t)
	return &dpopFixture{fixture: f, v: f.validator(t, edit...), key: f.iss.NewDPoPKey("ES256")}
}

// present validates tok with proof for the usual request.
func (f *dpopFixture) present(tok, proof string) (*accesstoken.Token, error) {
	return f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: proof, Method: dpopMethod, URI: dpopURI})
}

func TestDPoPBoundTokenAccepted(t *testing.T) {
	f := newDPoPFixture(t)
	tok := f.iss.DPoPAccessToken(f.key, tokentest.Claims{"scope": "read:appointments"})
	for i := range 3 { // the second and third are verified-token cache hits
		at, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
		require.NoError(t, err, "round %d", i)
		assert.Equal(t, f.key.Thumbprint(), at.Confirmation.JKT)
		assert.True(t, at.HasScope("read:appointments"))
		assert.Empty(t, at.NextDPoPNonce)
	}
}

func TestDPoPBoundOpaqueTokenAccepted(t *testing.T) {
	f := newFixture(t)
	key := f.iss.NewDPoPKey("EdDSA")
	v := f.validator(t, func(c *accesstoken.Config) { c.Keys = nil; c.Introspector = f.client(t) })
	tok := f.iss.DPoPOpaqueToken(key, nil)
	at, err := v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: key.Proof("POST", dpopHTU, tok, nil), Method: "POST", URI: dpopHTU})
	require.NoError(t, err)
	assert.Equal(t, key.Thumbprint(), at.Confirmation.JKT)

	_, err = validate(v, tok)
	requireKind(t, err, token.ErrSenderConstrained)
}

// A bound token is never accepted as a bearer token (RFC 9449 §7.2, RFC 8705
// §3), whichever way it arrives and whether or not it is cached.
func TestBoundTokenNeverBearer(t *testing.T) {
	f := newDPoPFixture(t)
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	dpopJWT := f.iss.DPoPAccessToken(f.key, nil)
	certJWT := f.iss.CertificateBoundToken(cert.Leaf, nil)
	bothJWT := f.iss.AccessToken(tokentest.Claims{"cnf": map[string]string{"jkt": f.key.Thumbprint(), "x5t#S256": token.CertificateThumbprint(cert.Leaf)}})
	otherMethod := f.iss.AccessToken(tokentest.Claims{"cnf": map[string]any{"jwk": json.RawMessage(f.key.PublicJWK())}})

	// Warm the cache with a good presentation first, then try as bearer.
	_, err = f.present(dpopJWT, f.key.Proof(dpopMethod, dpopURI, dpopJWT, nil))
	require.NoError(t, err)
	_, err = f.v.ValidateProof(context.Background(), certJWT, accesstoken.Proof{Certificate: cert.Leaf})
	require.NoError(t, err)

	for name, tok := range map[string]string{"jkt": dpopJWT, "x5t#S256": certJWT, "both": bothJWT, "jwk": otherMethod} {
		t.Run(name, func(t *testing.T) {
			at, err := validate(f.v, tok)
			requireKind(t, err, token.ErrSenderConstrained)
			assert.Nil(t, at)
			_, err = f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{Method: dpopMethod, URI: dpopURI})
			requireKind(t, err, token.ErrSenderConstrained)
		})
	}
}

func TestCertificateBinding(t *testing.T) {
	f := newDPoPFixture(t)
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	other, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	tok := f.iss.CertificateBoundToken(cert.Leaf, nil)

	at, err := f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{Certificate: cert.Leaf})
	require.NoError(t, err)
	assert.Equal(t, token.CertificateThumbprint(cert.Leaf), at.Confirmation.X5TS256)

	_, err = f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{Certificate: other.Leaf})
	requireKind(t, err, token.ErrBinding)
	// A certificate-bound token goes as a bearer token over mutual TLS,
	// not with the DPoP scheme.
	_, err = f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{Certificate: cert.Leaf, DPoP: f.key.Proof(dpopMethod, dpopURI, tok, nil), Method: dpopMethod, URI: dpopURI})
	requireKind(t, err, token.ErrBinding)

	// Bound to both: both proofs are needed.
	both := f.iss.AccessToken(tokentest.Claims{"cnf": map[string]string{"jkt": f.key.Thumbprint(), "x5t#S256": token.CertificateThumbprint(cert.Leaf)}})
	_, err = f.v.ValidateProof(context.Background(), both, accesstoken.Proof{DPoP: f.key.Proof(dpopMethod, dpopURI, both, nil), Method: dpopMethod, URI: dpopURI})
	requireKind(t, err, token.ErrSenderConstrained)
	_, err = f.v.ValidateProof(context.Background(), both, accesstoken.Proof{Certificate: cert.Leaf, DPoP: f.key.Proof(dpopMethod, dpopURI, both, nil), Method: dpopMethod, URI: dpopURI})
	require.NoError(t, err)
}

// An unbound token may not come with the DPoP scheme: a proof cannot vouch
// for a token bound to nothing.
func TestUnboundTokenWithDPoP(t *testing.T) {
	f := newDPoPFixture(t)
	tok := f.iss.AccessToken(nil)
	_, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	requireKind(t, err, token.ErrBinding)
	at, err := f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{Method: dpopMethod, URI: dpopURI})
	require.NoError(t, err, "an unbound token as a bearer token")
	assert.False(t, at.Confirmation.Bound())
}

func TestMalformedConfirmation(t *testing.T) {
	f := newDPoPFixture(t)
	for name, cnf := range map[string]any{
		"string":    f.key.Thumbprint(),
		"empty":     map[string]string{},
		"short jkt": map[string]string{"jkt": "abc"},
		"jkt array": map[string]any{"jkt": []string{f.key.Thumbprint()}},
		"bad chars": map[string]string{"jkt": strings.Repeat("+", 43)},
		"padding":   map[string]string{"jkt": f.key.Thumbprint()[:42] + "="},
		"non-ASCII": map[string]string{"jkt": "é" + f.key.Thumbprint()[:41]},
		"x5t slash": map[string]string{"x5t#S256": "/" + f.key.Thumbprint()[1:]},
	} {
		t.Run(name, func(t *testing.T) {
			tok := f.iss.AccessToken(tokentest.Claims{"cnf": cnf})
			_, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
			requireKind(t, err, token.ErrInvalidClaim)
		})
	}
}

// TestHostileProofs is the table of proofs RFC 9449 §4.3 makes a server
// refuse, each with the sentinel it must be refused with.
func TestHostileProofs(t *testing.T) {
	f := newDPoPFixture(t)
	other := f.iss.NewDPoPKey("ES256")
	p384 := f.iss.NewDPoPKey("ES384")
	tok := f.iss.DPoPAccessToken(f.key, nil)
	otherTok := f.iss.DPoPAccessToken(f.key, nil)
	now := f.clk.Now()
	proof := func(c tokentest.Claims, opts ...tokentest.MintOption) string {
		return f.key.Proof(dpopMethod, dpopURI, tok, c, opts...)
	}
	htu := func(u string) string { return proof(tokentest.Claims{"htu": u}) }

	tests := []struct {
		name  string
		proof string
		want  error
	}{
		{"htm other method", proof(tokentest.Claims{"htm": "POST"}), token.ErrDPoPProof},
		{"htm lower case", proof(tokentest.Claims{"htm": "get"}), token.ErrDPoPProof},
		{"htm missing", proof(tokentest.Claims{"htm": tokentest.Omit}), token.ErrDPoPProof},
		{"htm not a string", proof(tokentest.Claims{"htm": 1}), token.ErrDPoPProof},
		{"htu other path", htu("https://api.example.com/patients"), token.ErrDPoPProof},
		{"htu with query", htu(dpopHTU + "?week=12"), token.ErrDPoPProof},
		{"htu with fragment", htu(dpopHTU + "#top"), token.ErrDPoPProof},
		{"htu path case", htu("https://api.example.com/Appointments"), token.ErrDPoPProof},
		{"htu other host", htu("https://evil.example.com/appointments"), token.ErrDPoPProof},
		{"htu http", htu("http://api.example.com/appointments"), token.ErrDPoPProof},
		{"htu other port", htu("https://api.example.com:8443/appointments"), token.ErrDPoPProof},
		{"htu http's default port on https", htu("https://api.example.com:80/appointments"), token.ErrDPoPProof},
		{"htu trailing dot", htu("https://api.example.com./appointments"), token.ErrDPoPProof},
		{"htu trailing slash", htu(dpopHTU + "/"), token.ErrDPoPProof},
		{"htu userinfo", htu("https://user@api.example.com/appointments"), token.ErrDPoPProof},
		{"htu relative", htu("/appointments"), token.ErrDPoPProof},
		{"htu missing", proof(tokentest.Claims{"htu": tokentest.Omit}), token.ErrDPoPProof},
		{"iat stale", proof(tokentest.Claims{"iat": now.Add(-2*time.Minute - time.Second).Unix()}), token.ErrDPoPProof},
		{"iat future", proof(tokentest.Claims{"iat": now.Add(time.Minute + time.Second).Unix()}), token.ErrDPoPProof},
		{"iat missing", proof(tokentest.Claims{"iat": tokentest.Omit}), token.ErrDPoPProof},
		{"iat string", proof(tokentest.Claims{"iat": "now"}), token.ErrDPoPProof},
		{"jti missing", proof(tokentest.Claims{"jti": tokentest.Omit}), token.ErrDPoPProof},
		{"jti empty", proof(tokentest.Claims{"jti": ""}), token.ErrDPoPProof},
		{"jti too long", proof(tokentest.Claims{"jti": strings.Repeat("j", accesstoken.MaxDPoPJTILength+1)}), token.ErrDPoPProof},
		{"ath missing", proof(tokentest.Claims{"ath": tokentest.Omit}), token.ErrDPoPProof},
		{"ath of another token", f.key.Proof(dpopMethod, dpopURI, otherTok, nil), token.ErrDPoPProof},
		{"ath padded", proof(tokentest.Claims{"ath": tokentest.AccessTokenHash(tok) + "="}), token.ErrDPoPProof},
		{"jkt mismatch", other.Proof(dpopMethod, dpopURI, tok, nil), token.ErrBinding},
		{"alg none", proof(nil, tokentest.WithHeader("alg", "none")), token.ErrDPoPProof},
		{"alg HS256", proof(nil, tokentest.WithHeader("alg", "HS256")), token.ErrDPoPProof},
		{"alg of another curve", proof(nil, tokentest.WithHeader("alg", "ES384")), token.ErrDPoPProof},
		{"alg of another key type", proof(nil, tokentest.WithHeader("alg", "RS256")), token.ErrDPoPProof},
		{"alg missing", proof(nil, tokentest.WithHeader("alg", tokentest.Omit)), token.ErrDPoPProof},
		{"jwk with its private key", proof(nil, tokentest.WithHeader("jwk", f.key.PrivateJWK())), token.ErrDPoPProof},
		{"jwk missing", proof(nil, tokentest.WithHeader("jwk", tokentest.Omit)), token.ErrDPoPProof},
		{"jwk symmetric", proof(nil, tokentest.WithHeader("jwk", map[string]string{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI", "alg": "HS256"})), token.ErrDPoPProof},
		{"jwk not an object", proof(nil, tokentest.WithHeader("jwk", f.key.Thumbprint())), token.ErrDPoPProof},
		{"jwk of another key", proof(nil, tokentest.WithHeader("jwk", other.PublicJWK())), token.ErrDPoPProof},
		{"signed by another key", proof(nil, tokentest.WithSigningKey(other.Signer())), token.ErrDPoPProof},
		{"jwk of another curve", proof(nil, tokentest.WithHeader("jwk", p384.PublicJWK())), token.ErrDPoPProof},
		{"typ JWT", proof(nil, tokentest.WithHeader("typ", "JWT")), token.ErrDPoPProof},
		{"typ at+jwt", proof(nil, tokentest.WithHeader("typ", "at+jwt")), token.ErrDPoPProof},
		{"typ missing", proof(nil, tokentest.WithHeader("typ", tokentest.Omit)), token.ErrDPoPProof},
		{"crit unknown", proof(nil, tokentest.WithHeader("crit", []string{"exp"}), tokentest.WithHeader("exp", 1)), token.ErrDPoPProof},
		{"access token as proof", tok, token.ErrDPoPProof},
		{"not a JWT", "not-a-proof", token.ErrDPoPProof},
		{"two proofs joined", proof(nil) + ", " + proof(nil), token.ErrDPoPProof},
		{"JWS JSON", `{"payload":"e30","signatures":[]}`, token.ErrDPoPProof},
		{"too large", proof(tokentest.Claims{"pad": strings.Repeat("p", token.DefaultMaxProofSize)}), token.ErrDPoPProof},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEmpty(t, tt.proof)
			at, err := f.present(tok, tt.proof)
			requireKind(t, err, tt.want)
			assert.Nil(t, at)
			assert.NotContains(t, err.Error(), tt.proof, "the error echoes the proof")
		})
	}
	// The proof's own key, alg and claims were good all along.
	_, err := f.present(tok, proof(nil))
	require.NoError(t, err)
}

// A proof used as an access token is refused as the wrong type of token.
func TestProofAsAccessToken(t *testing.T) {
	f := newDPoPFixture(t)
	proof := f.key.Proof(dpopMethod, dpopURI, "", nil)
	_, err := f.present(proof, f.key.Proof(dpopMethod, dpopURI, proof, nil))
	requireKind(t, err, token.ErrTokenType)
	_, err = validate(f.v, proof)
	requireKind(t, err, token.ErrTokenType)
}

// htu is compared after RFC 3986 syntax- and scheme-based normalisation.
func TestDPoPHTUNormalisation(t *testing.T) {
	f := newDPoPFixture(t)
	tok := f.iss.DPoPAccessToken(f.key, nil)
	for _, c := range []struct{ htu, request string }{
		{"HTTPS://API.EXAMPLE.COM/appointments", dpopURI},
		{"https://api.example.com:443/appointments", dpopURI},
		{"https://api.example.com:/appointments", dpopURI},
		{"https://api.example.com/./appointments", dpopURI},
		{"https://api.example.com/x/../appointments", dpopURI},
		{"https://api.example.com/%61ppointments", dpopURI},
		{"https://api.example.com/a%2fb", "https://api.example.com/a%2Fb"},
		{"https://api.example.com", "https://api.example.com/"},
		{"http://api.example.com:80/appointments", "http://API.example.com/appointments?x"},
		{"https://[2001:DB8::1]:8443/appointments", "https://[2001:db8::1]:8443/appointments"},
	} {
		t.Run(c.htu, func(t *testing.T) {
			proof := f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"htu": c.htu})
			_, err := f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: proof, Method: dpopMethod, URI: c.request})
			require.NoError(t, err)
		})
	}
	// A request URI the server cannot use is its own fault, not the proof's.
	_, err := f.v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: f.key.Proof(dpopMethod, dpopURI, tok, nil), Method: dpopMethod, URI: "/appointments"})
	requireKind(t, err, token.ErrUnavailable)
}

func TestDPoPReplay(t *testing.T) {
	f := newDPoPFixture(t)
	tok := f.iss.DPoPAccessToken(f.key, nil)
	proof := f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"jti": "one"})
	_, err := f.present(tok, proof)
	require.NoError(t, err)
	_, err = f.present(tok, proof)
	requireKind(t, err, token.ErrReplay)
	// The same jti in a new proof of the same key is a replay too.
	f.clk.Advance(time.Second)
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"jti": "one"}))
	requireKind(t, err, token.ErrReplay)
	// Another key's jti is its own.
	other := f.iss.NewDPoPKey("ES256")
	otherTok := f.iss.DPoPAccessToken(other, nil)
	_, err = f.present(otherTok, other.Proof(dpopMethod, dpopURI, otherTok, tokentest.Claims{"jti": "one"}))
	require.NoError(t, err)
	// Once the proof could no longer be accepted, the store forgets it.
	f.clk.Advance(3 * time.Minute)
	_, err = f.present(tok, proof)
	requireKind(t, err, token.ErrDPoPProof)
}

// recordingStore records what reaches it and answers with err.
type recordingStore struct {
	keys []string
	err  error
}

func (s *recordingStore) Use(ctx context.Context, key string, expires time.Time) error {
	s.keys = append(s.keys, key)
	return s.err
}

// The replay store is consulted only for proofs that passed every other
// check, and its failure is an outage, not a verdict.
func TestDPoPReplayStoreOrder(t *testing.T) {
	store := &recordingStore{}
	f := newDPoPFixture(t, func(c *accesstoken.Config) { c.DPoP.ReplayStore = store })
	tok := f.iss.DPoPAccessToken(f.key, nil)
	other := f.iss.NewDPoPKey("ES256")
	for _, bad := range []string{
		f.key.Proof("POST", dpopURI, tok, nil),
		other.Proof(dpopMethod, dpopURI, tok, nil),
		f.key.Proof(dpopMethod, dpopURI, tok, nil, tokentest.WithSigningKey(other.Signer())),
	} {
		_, err := f.present(tok, bad)
		require.Error(t, err)
	}
	_, err := f.present("garbage.token.here", f.key.Proof(dpopMethod, dpopURI, "garbage.token.here", nil))
	require.Error(t, err)
	assert.Empty(t, store.keys, "the replay store saw a proof that failed other checks")

	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	require.NoError(t, err)
	require.Len(t, store.keys, 1)
	assert.True(t, strings.HasPrefix(store.keys[0], "dpop:"+f.key.Thumbprint()+":"), "key %q", store.keys[0])

	store.err = errors.New("redis: connection refused")
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	requireKind(t, err, token.ErrUnavailable)
	store.err = token.Errorf(token.ErrUnavailable, "", "full")
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	requireKind(t, err, token.ErrUnavailable)
}

// The default replay store is bounded: past its bound, proofs are refused as
// an outage rather than an identifier forgotten.
func TestDPoPReplayStoreBound(t *testing.T) {
	store := &token.MemoryReplayStore{MaxEntries: 2}
	f := newDPoPFixture(t, func(c *accesstoken.Config) { c.DPoP.ReplayStore = store })
	store.Now = f.clk.Now
	tok := f.iss.DPoPAccessToken(f.key, nil)
	for range 2 {
		_, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
		require.NoError(t, err)
	}
	_, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	requireKind(t, err, token.ErrUnavailable)
	f.clk.Advance(2*time.Minute + 2*time.Second)
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	require.NoError(t, err, "entries expire with their proofs")
	assert.Equal(t, 1, store.Len())
}

func TestDPoPNonces(t *testing.T) {
	clk := newClock()
	nonces, err := accesstoken.NewDPoPNonces([]byte(strings.Repeat("k", 32)), time.Minute, clk.Now)
	require.NoError(t, err)
	f := newDPoPFixture(t, func(c *accesstoken.Config) { c.DPoP.Nonces = nonces })
	f.clk = clk // the issuer's own clock stays at epoch too; proofs are minted at iat epoch
	tok := f.iss.DPoPAccessToken(f.key, nil)
	ctx := context.Background()

	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, nil))
	requireKind(t, err, token.ErrDPoPNonce)

	n, err := f.v.DPoPNonce(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, n)
	at, err := f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"nonce": n}))
	require.NoError(t, err)
	assert.Empty(t, at.NextDPoPNonce, "the nonce is current")

	for name, bad := range map[string]any{"unknown": "eyJ7S_zG.eyJH0-Z.HX4w-7v", "forged": strings.Repeat("A", 32)} {
		_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"nonce": bad}))
		requireKind(t, err, token.ErrDPoPNonce)
		_ = name
	}
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"nonce": 7}))
	requireKind(t, err, token.ErrDPoPProof)

	// In the next period the old nonce still passes, and the client is told
	// the new one; a period later it is refused.
	clk.Advance(time.Minute)
	at, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"nonce": n}))
	require.NoError(t, err)
	next, err := f.v.DPoPNonce(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, n, next)
	assert.Equal(t, next, at.NextDPoPNonce)
	clk.Advance(time.Minute)
	_, err = f.present(tok, f.key.Proof(dpopMethod, dpopURI, tok, tokentest.Claims{"nonce": n}))
	requireKind(t, err, token.ErrDPoPNonce)
}

func TestDPoPConfig(t *testing.T) {
	f := newFixture(t)
	for name, edit := range map[string]func(*accesstoken.Config){
		"HMAC":        func(c *accesstoken.Config) { c.DPoP.Algorithms = []string{"ES256", "HS256"} },
		"none":        func(c *accesstoken.Config) { c.DPoP.Algorithms = []string{"none"} },
		"empty":       func(c *accesstoken.Config) { c.DPoP.Algorithms = []string{} },
		"negative ag": func(c *accesstoken.Config) { c.DPoP.MaxAge = -time.Second },
	} {
		cfg := f.config()
		edit(&cfg)
		_, err := accesstoken.NewValidator(cfg)
		assert.Error(t, err, name)
	}
	v := f.validator(t, func(c *accesstoken.Config) { c.DPoP.Algorithms = []string{"ES256", "EdDSA"} })
	assert.Equal(t, "ES256 EdDSA", v.DPoPAlgorithms())
	key := f.iss.NewDPoPKey("PS256")
	tok := f.iss.DPoPAccessToken(key, nil)
	_, err := v.ValidateProof(context.Background(), tok, accesstoken.Proof{DPoP: key.Proof(dpopMethod, dpopURI, tok, nil), Method: dpopMethod, URI: dpopURI})
	requireKind(t, err, token.ErrDPoPProof)
	n, err := v.DPoPNonce(context.Background())
	assert.NoError(t, err)
	assert.Empty(t, n, "no nonces configured")
}

// RFC 9449's own examples: the resource request of Figure 13 with the
// DPoP-bound opaque token of Figure 6, introspected as in Figure 11 plus
// token_type "DPoP", which §6.2 allows and without which an answer with no
// aud is refused as possibly a refresh token's.
func TestRFC9449Example(t *testing.T) {
	const (
		at    = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
		proof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6Ik" +
			"VDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCR" +
			"nMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JE" +
			"QSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIj" +
			"oiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0Z" +
			"WRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNF" +
			"c05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71E" +
			"OptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
		jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	)
	answer, err := introspect.ParseResponse([]byte(`{"active": true, "sub": "someone@example.com",
		"iss": "https://server.example.com", "nbf": 1562262611, "exp": 1562266216, "cnf": {"jkt": "` + jkt + `"},
		"token_type": "DPoP"}`))
	require.NoError(t, err)
	now := time.Unix(1562262620, 0)
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://server.example.com", Audience: "https://resource.example.org",
		Introspector:                      &fakeIntrospector{resp: answer},
		AllowIntrospectionWithoutAudience: true,
		Now:                               func() time.Time { return now },
	})
	require.NoError(t, err)
	ctx := context.Background()
	req := accesstoken.Proof{DPoP: proof, Method: "GET", URI: "https://resource.example.org/protectedresource"}
	tok, err := v.ValidateProof(ctx, at, req)
	require.NoError(t, err)
	assert.Equal(t, jkt, tok.Confirmation.JKT)
	assert.Equal(t, "someone@example.com", tok.Subject)

	_, err = v.ValidateProof(ctx, at, req)
	requireKind(t, err, token.ErrReplay)
	_, err = v.Validate(ctx, at)
	requireKind(t, err, token.ErrSenderConstrained)
	req.Method = "POST"
	_, err = v.ValidateProof(ctx, at, req)
	requireKind(t, err, token.ErrDPoPProof)
}

// A nil or zero Validator, and a nil or zero DPoPNonces, fail with
// token.ErrUnavailable and never panic.
func TestDPoPNilReceivers(t *testing.T) {
	ctx := context.Background()
	var nilV *accesstoken.Validator
	for _, v := range []*accesstoken.Validator{nilV, new(accesstoken.Validator)} {
		_, err := v.ValidateProof(ctx, "a.b.c", accesstoken.Proof{DPoP: "x.y.z"})
		requireKind(t, err, token.ErrUnavailable)
		n, err := v.DPoPNonce(ctx)
		assert.NoError(t, err)
		assert.Empty(t, n)
		assert.Empty(t, v.DPoPAlgorithms())
	}
	var nilN *accesstoken.DPoPNonces
	for _, n := range []*accesstoken.DPoPNonces{nilN, new(accesstoken.DPoPNonces)} {
		_, err := n.Nonce(ctx)
		requireKind(t, err, token.ErrUnavailable)
		requireKind(t, n.Check(ctx, "x"), token.ErrUnavailable)
	}
	_, err := accesstoken.NewDPoPNonces([]byte("short"), 0, nil)
	assert.Error(t, err)
	_, err = accesstoken.NewDPoPNonces(nil, -time.Second, nil)
	assert.Error(t, err)
}

// A token's ath is remembered between requests, and only for that token:
// two tokens bound to one key, presented in turn, each pass with proofs made
// for them and are refused with proofs made for the other, whether or not
// their hash was remembered.
func TestDPoPATHRememberedPerToken(t *testing.T) {
	f := newDPoPFixture(t, func(c *accesstoken.Config) { c.CacheSize = -1 })
	a := f.iss.DPoPAccessToken(f.key, tokentest.Claims{"jti": "a"})
	b := f.iss.DPoPAccessToken(f.key, tokentest.Claims{"jti": "b"})
	for round := range 3 {
		for _, c := range []struct{ tok, other string }{{a, b}, {b, a}} {
			_, err := f.present(c.tok, f.key.Proof(dpopMethod, dpopURI, c.tok, nil))
			require.NoError(t, err, "round %d", round)
			_, err = f.present(c.tok, f.key.Proof(dpopMethod, dpopURI, c.other, nil))
			requireKind(t, err, token.ErrDPoPProof)
		}
	}
}

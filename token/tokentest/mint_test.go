package tokentest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

var allAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

func TestTokensVerifyForEveryAlgorithm(t *testing.T) {
	for _, alg := range allAlgorithms {
		t.Run(alg, func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm(alg))
			assert.Equal(t, alg, iss.Algorithm())
			v := verifier(t, iss)
			for name, raw := range map[string]string{
				"IDToken":     iss.IDToken(nil),
				"AccessToken": iss.AccessToken(nil),
				"AtJWT":       iss.AccessToken(nil, tokentest.AtJWT()),
				"Sign":        iss.Sign(nil, tokentest.Claims{"iss": iss.URL(), "exp": time.Now().Add(time.Hour).Unix()}),
			} {
				got, err := v.Verify(context.Background(), raw)
				require.NoError(t, err, name)
				assert.Equal(t, alg, got.Header.Algorithm, name)
				assert.Equal(t, iss.KeyID(), got.Header.KeyID, name)
			}
		})
	}
}

func TestDefaultAlgorithmIsRS256(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	assert.Equal(t, "RS256", iss.Algorithm())
	h, _ := parts(t, iss.IDToken(nil))
	assert.Equal(t, "RS256", h["alg"])
}

func TestIDTokenDefaults(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }), tokentest.WithClientID("my-app"))
	h, c := parts(t, iss.IDToken(nil))

	assert.Equal(t, map[string]any{"alg": "RS256", "kid": iss.KeyID(), "typ": "JWT"}, h)
	assert.Equal(t, iss.URL(), c["iss"])
	assert.Regexp(t, regexp.MustCompile(`^auth0\|[0-9a-f]{24}$`), c["sub"])
	assert.Equal(t, iss.Subject(), c["sub"])
	assert.Equal(t, "my-app", c["aud"], "an ID token's aud is the client ID, as a string")
	assert.Equal(t, now.Unix(), num(t, c, "iat"))
	assert.Equal(t, now.Add(time.Hour).Unix(), num(t, c, "exp"))
	assert.Equal(t, now.Unix(), num(t, c, "auth_time"))
	assert.Equal(t, now.Unix(), num(t, c, "updated_at"))
	assert.Equal(t, iss.SessionID(), c["sid"])
	assert.Equal(t, true, c["email_verified"])
	for _, name := range []string{"name", "given_name", "family_name", "nickname", "email", "picture", "locale"} {
		assert.NotEmpty(t, c[name], name)
	}
	assert.NotContains(t, c, "nonce")
	assert.NotContains(t, c, "at_hash")

	_, c2 := parts(t, iss.IDToken(nil))
	assert.Equal(t, c["sub"], c2["sub"], "the subject is stable per issuer")
}

func TestAccessTokenDefaults(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }),
		tokentest.WithAudience("https://my-api"), tokentest.WithClientID("my-app"))
	raw := iss.AccessToken(nil)
	h, c := parts(t, raw)

	assert.Equal(t, "JWT", h["typ"], "Auth0-style typ unless AtJWT")
	assert.Equal(t, iss.URL(), c["iss"])
	assert.Equal(t, iss.Subject(), c["sub"])
	assert.Equal(t, []any{"https://my-api"}, c["aud"], "an access token's aud is an array")
	assert.Equal(t, now.Unix(), num(t, c, "iat"))
	assert.Equal(t, now.Add(time.Hour).Unix(), num(t, c, "exp"))
	assert.Equal(t, "my-app", c["client_id"])
	assert.Equal(t, "my-app", c["azp"])
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), c["jti"])
	assert.NotContains(t, c, "scope")
	assert.NotContains(t, c, "email", "no profile claims in an access token")

	_, c2 := parts(t, iss.AccessToken(nil))
	assert.NotEqual(t, c["jti"], c2["jti"], "jti is random per token")

	h, _ = parts(t, iss.AccessToken(nil, tokentest.AtJWT()))
	assert.Equal(t, "at+jwt", h["typ"])
	_, c = parts(t, iss.AccessToken(tokentest.Claims{"scope": "read:appointments"}))
	assert.Equal(t, "read:appointments", c["scope"])
}

func TestIssuerDefaults(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	assert.Equal(t, tokentest.DefaultClientID, iss.ClientID())
	assert.Equal(t, "tokentest-client", iss.ClientID())
	assert.Equal(t, "https://api.tokentest.example", iss.Audience())
	assert.Equal(t, "tokentest-api", iss.IntrospectionClientID())
	assert.Equal(t, "tokentest-secret", iss.IntrospectionClientSecret())
	assert.Regexp(t, regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`), iss.URL())
	assert.Equal(t, iss.URL()+"/.well-known/openid-configuration", iss.DiscoveryURL())
	assert.Equal(t, iss.URL()+"/jwks.json", iss.JWKSURL())
	assert.Equal(t, iss.URL()+"/introspect", iss.IntrospectionURL())
}

// Each row mints a token a validator must refuse and names the sentinel
// the shared pipeline answers, showing the override reached the token.
func TestOverridesReachTheVerifier(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	otherEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	past := time.Now().Add(-2 * time.Hour).Unix()
	future := time.Now().Add(2 * time.Hour).Unix()

	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"omit exp", iss.IDToken(tokentest.Claims{"exp": tokentest.Omit}), token.ErrMissingClaim},
		{"omit iss", iss.AccessToken(tokentest.Claims{"iss": tokentest.Omit}), token.ErrMissingClaim},
		{"expired", iss.IDToken(tokentest.Claims{"exp": past}), token.ErrExpired},
		{"not yet valid", iss.AccessToken(tokentest.Claims{"nbf": future}), token.ErrNotYetValid},
		{"issued in the future", iss.IDToken(tokentest.Claims{"iat": future}), token.ErrIssuedInFuture},
		{"other issuer", iss.IDToken(tokentest.Claims{"iss": "https://evil.example"}), token.ErrIssuer},
		{"exp of the wrong type", iss.IDToken(tokentest.Claims{"exp": "tomorrow"}), token.ErrInvalidClaim},
		{"aud of the wrong type", iss.AccessToken(tokentest.Claims{"aud": 42}), token.ErrInvalidClaim},
		{"alg none in the header", iss.IDToken(nil, tokentest.WithHeader("alg", "none")), token.ErrUnsupportedAlgorithm},
		{"alg omitted", iss.IDToken(nil, tokentest.WithHeader("alg", tokentest.Omit)), token.ErrMalformed},
		{"unknown crit", iss.IDToken(nil, tokentest.WithHeader("crit", []string{"exp"})), token.ErrCritical},
		{"unknown kid", iss.IDToken(nil, tokentest.WithKeyID("no-such-key")), token.ErrKeyNotFound},
		{"forged with another EC key", iss.AccessToken(nil, tokentest.WithSigningKey(otherEC)), token.ErrSignature},
		{"Sign with a wrong alg header", iss.Sign(tokentest.Claims{"alg": "ES384"}, tokentest.Claims{"iss": iss.URL()}), token.ErrUnsupportedAlgorithm},
		{"SignRaw of a non-object payload", iss.SignRaw([]byte(`{"alg":"ES256"}`), []byte(`[1,2]`)), token.ErrMalformed},
		{"SignRaw with duplicate claims", iss.SignRaw([]byte(`{"alg":"ES256"}`), []byte(`{"iss":"a","iss":"b"}`)), token.ErrMalformed},
	}
	v := verifier(t, iss)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEmpty(t, tt.raw)
			_, err := v.Verify(context.Background(), tt.raw)
			assert.True(t, errors.Is(err, tt.want), "got %v, want %v", err, tt.want)
		})
	}
}

func TestOmitRemovesClaimsAndHeaderParameters(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	raw := iss.IDToken(tokentest.Claims{"email": tokentest.Omit, "nonce": "n-0S6_WzA2Mj"},
		tokentest.WithHeader("typ", tokentest.Omit), tokentest.WithHeader("kid", tokentest.Omit))
	h, c := parts(t, raw)
	assert.Equal(t, map[string]any{"alg": "EdDSA"}, h)
	assert.NotContains(t, c, "email")
	assert.Equal(t, "n-0S6_WzA2Mj", c["nonce"])
	// With one published key a token without kid still verifies.
	_, err := verifier(t, iss).Verify(context.Background(), raw)
	require.NoError(t, err)
}

func TestWrongTypesPassThrough(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	_, c := parts(t, iss.IDToken(tokentest.Claims{
		"exp": "tomorrow", "aud": []int{1, 2}, "email_verified": "yes", "sub": nil,
	}))
	assert.Equal(t, "tomorrow", c["exp"])
	assert.Len(t, c["aud"], 2)
	assert.Equal(t, "yes", c["email_verified"])
	assert.Contains(t, c, "sub")
	assert.Nil(t, c["sub"], "nil is encoded as JSON null, not removed")

	h, _ := parts(t, iss.AccessToken(nil, tokentest.WithHeader("typ", 7)))
	assert.Equal(t, json.Number("7"), h["typ"])
}

func TestSignDefaultsOnlyAlgAndKid(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES384"))
	h, c := parts(t, iss.Sign(nil, tokentest.Claims{"iss": iss.URL(), "x": true, "gone": tokentest.Omit}))
	assert.Equal(t, map[string]any{"alg": "ES384", "kid": iss.KeyID()}, h)
	assert.Equal(t, map[string]any{"iss": iss.URL(), "x": true}, c)

	h, _ = parts(t, iss.Sign(tokentest.Claims{"kid": tokentest.Omit, "typ": "JOSE"}, nil))
	assert.Equal(t, map[string]any{"alg": "ES384", "typ": "JOSE"}, h)
}

func TestSignRawKeepsBytes(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	header := []byte(`{"alg":"EdDSA", "alg":"none"}`)
	payload := []byte("not json at all")
	seg := strings.Split(iss.SignRaw(header, payload), ".")
	require.Len(t, seg, 3)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(header), seg[0])
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(payload), seg[1])
	sig, err := base64.RawURLEncoding.DecodeString(seg[2])
	require.NoError(t, err)
	pub := iss.KeySet().Keys()[0].Public().(ed25519.PublicKey)
	assert.True(t, ed25519.Verify(pub, []byte(seg[0]+"."+seg[1]), sig), "the signature covers the raw segments")
}

func TestWithSigningKeyKeepsAlgAndKid(t *testing.T) {
	iss := tokentest.NewIssuer(t) // RS256
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	raw := iss.IDToken(nil, tokentest.WithSigningKey(other))
	h, _ := parts(t, raw)
	assert.Equal(t, "RS256", h["alg"])
	assert.Equal(t, iss.KeyID(), h["kid"])
	seg := strings.Split(raw, ".")
	sig, err := base64.RawURLEncoding.DecodeString(seg[2])
	require.NoError(t, err)
	d := sha256.Sum256([]byte(seg[0] + "." + seg[1]))
	assert.NoError(t, rsa.VerifyPKCS1v15(&other.PublicKey, crypto.SHA256, d[:], sig), "signed with the given key")
	_, err = verifier(t, iss).Verify(context.Background(), raw)
	assert.True(t, errors.Is(err, token.ErrSignature), "%v", err)
}

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestMintingFailuresAreReported(t *testing.T) {
	rec := &recorder{TB: t}
	bad := tokentest.NewIssuer(rec)
	edKey := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

	tests := []struct {
		name string
		mint func() string
	}{
		{"unencodable claim", func() string { return bad.IDToken(tokentest.Claims{"c": make(chan int)}) }},
		{"unencodable header", func() string { return bad.AccessToken(nil, tokentest.WithHeader("x", func() {})) }},
		{"unencodable opaque member", func() string { return bad.OpaqueToken(tokentest.Claims{"c": make(chan int)}) }},
		{"unencodable refresh member", func() string { return bad.RefreshToken(tokentest.Claims{"c": make(chan int)}) }},
		{"signing key of the wrong type", func() string { return bad.IDToken(nil, tokentest.WithSigningKey(edKey)) }},
		{"Sign unencodable", func() string { return bad.Sign(nil, tokentest.Claims{"c": make(chan int)}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.errors = nil
			assert.Empty(t, tt.mint())
			assert.Len(t, rec.errors, 1, "the failure is reported on the issuer's testing.TB")
		})
	}
}

func TestHashClaim(t *testing.T) {
	// OpenID Connect Core 1.0, appendix A.3 and A.4.
	at, err := tokentest.HashClaim("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y")
	require.NoError(t, err)
	assert.Equal(t, "77QmUPtjPfzWtF2AnpK9RQ", at)
	c, err := tokentest.HashClaim("RS256", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk")
	require.NoError(t, err)
	assert.Equal(t, "LDktKdoQak3Pk0cnXxCltA", c)

	// EdDSA uses SHA-512 (OpenID Connect Core errata; openid/connect issue 1125).
	ed, err := tokentest.HashClaim("EdDSA", "dNZX1hEZ9wBCzNL40Upu646bdzQA")
	require.NoError(t, err)
	assert.Equal(t, "8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog", ed)
	sum384 := sha512.Sum384([]byte("access"))
	es, err := tokentest.HashClaim("ES384", "access")
	require.NoError(t, err)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum384[:24]), es)

	_, err = tokentest.HashClaim("none", "access")
	assert.Error(t, err)
}

func TestHashOptions(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES512"))
	_, c := parts(t, iss.IDToken(nil, tokentest.WithAccessTokenHash("the-at"), tokentest.WithCodeHash("the-code")))
	want, err := tokentest.HashClaim("ES512", "the-at")
	require.NoError(t, err)
	assert.Equal(t, want, c["at_hash"])
	want, err = tokentest.HashClaim("ES512", "the-code")
	require.NoError(t, err)
	assert.Equal(t, want, c["c_hash"])

	_, c = parts(t, iss.IDToken(tokentest.Claims{"at_hash": "wrong"}, tokentest.WithAccessTokenHash("the-at")))
	assert.Equal(t, "wrong", c["at_hash"], "explicit claims win over options")
}

func TestLogoutTokenDefaults(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }), tokentest.WithClientID("my-app"))
	raw := iss.LogoutToken(nil)
	h, c := parts(t, raw)
	assert.Equal(t, map[string]any{"alg": "RS256", "kid": iss.KeyID(), "typ": "logout+jwt"}, h)
	assert.Equal(t, iss.URL(), c["iss"])
	assert.Equal(t, "my-app", c["aud"])
	assert.Equal(t, iss.Subject(), c["sub"])
	assert.Equal(t, iss.SessionID(), c["sid"])
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), c["sid"])
	assert.Equal(t, now.Unix(), num(t, c, "iat"))
	assert.Equal(t, now.Add(2*time.Minute).Unix(), num(t, c, "exp"))
	assert.Equal(t, map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}, c["events"])
	assert.NotContains(t, c, "nonce")
	_, c2 := parts(t, iss.LogoutToken(nil))
	assert.NotEqual(t, c["jti"], c2["jti"], "every logout token has its own jti")

	_, c3 := parts(t, iss.LogoutToken(tokentest.Claims{"sid": tokentest.Omit, "nonce": "n"}, tokentest.WithHeader("typ", tokentest.Omit)))
	assert.NotContains(t, c3, "sid")
	assert.Equal(t, "n", c3["nonce"])
	h3, _ := parts(t, iss.LogoutToken(nil, tokentest.WithHeader("typ", "JWT")))
	assert.Equal(t, "JWT", h3["typ"], "a test's header option wins over the default typ")
}

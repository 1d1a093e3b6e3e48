package tokentest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestDPoPKeyProof(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := tokentest.NewIssuer(t, tokentest.WithClock(func() time.Time { return now }))
	for _, alg := range []string{"ES256", "EdDSA", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			key := iss.NewDPoPKey(alg)
			require.NotNil(t, key)
			assert.Equal(t, alg, key.Algorithm())
			raw := key.Proof("POST", "https://api.example.com/a?b=c#d", "the-token", nil)

			p, err := token.NewProofVerifier(token.ProofVerifierConfig{})
			require.NoError(t, err)
			v, err := p.Verify(raw, nil)
			require.NoError(t, err, "the proof verifies with its own header key")
			jkt, err := v.Key.Thumbprint()
			require.NoError(t, err)
			assert.Equal(t, key.Thumbprint(), jkt)

			h, c := parts(t, raw)
			assert.Equal(t, "dpop+jwt", h["typ"])
			assert.Equal(t, alg, h["alg"])
			assert.NotContains(t, h["jwk"], "d", "the header key is public")
			assert.Equal(t, "POST", c["htm"])
			assert.Equal(t, "https://api.example.com/a", c["htu"], "htu has no query or fragment")
			assert.Equal(t, now.Unix(), num(t, c, "iat"))
			sum := sha256.Sum256([]byte("the-token"))
			assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), c["ath"])
			assert.Equal(t, c["ath"], tokentest.AccessTokenHash("the-token"))
			assert.NotEmpty(t, c["jti"])
			_, c2 := parts(t, key.Proof("POST", "https://api.example.com/a", "the-token", nil))
			assert.NotEqual(t, c["jti"], c2["jti"], "each proof has its own jti")

			_, c = parts(t, key.Proof("GET", "https://api.example.com/", "", tokentest.Claims{"nonce": "n", "jti": tokentest.Omit}))
			assert.NotContains(t, c, "ath", "no token, no ath")
			assert.NotContains(t, c, "jti")
			assert.Equal(t, "n", c["nonce"])
		})
	}

	key := iss.NewDPoPKey("ES256")
	other := iss.NewDPoPKey("ES256")
	var priv map[string]any
	require.NoError(t, json.Unmarshal(key.PrivateJWK(), &priv))
	assert.Contains(t, priv, "d")
	h, _ := parts(t, key.Proof("GET", "https://a.example/", "", nil, tokentest.WithHeader("jwk", key.PrivateJWK())))
	assert.Contains(t, h["jwk"], "d")
	p, err := token.NewProofVerifier(token.ProofVerifierConfig{})
	require.NoError(t, err)
	forged := key.Proof("GET", "https://a.example/", "", nil, tokentest.WithSigningKey(other.Signer()))
	assert.ErrorIs(t, func() error { _, err := p.Verify(forged, nil); return err }(), token.ErrSignature)
}

func TestBoundTokens(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	key := iss.NewDPoPKey("ES256")
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	require.NotNil(t, cert.Leaf)
	assert.Equal(t, "client", cert.Leaf.Subject.CommonName)
	c := client(t, iss, introspect.AuthClientSecretBasic)
	ctx := context.Background()

	jwt := iss.DPoPAccessToken(key, tokentest.Claims{"scope": "read"})
	_, claims := parts(t, jwt)
	assert.Equal(t, map[string]any{"jkt": key.Thumbprint()}, claims["cnf"])
	assert.Equal(t, "read", claims["scope"])
	r, err := c.Introspect(ctx, jwt)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", r.TokenType)
	assert.JSONEq(t, `{"jkt":"`+key.Thumbprint()+`"}`, string(r.Extra["cnf"]))

	opaque := iss.DPoPOpaqueToken(key, nil)
	r, err = c.Introspect(ctx, opaque)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", r.TokenType)
	assert.JSONEq(t, `{"jkt":"`+key.Thumbprint()+`"}`, string(r.Extra["cnf"]))

	x5t := token.CertificateThumbprint(cert.Leaf)
	sum := sha256.Sum256(cert.Leaf.Raw)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), x5t)
	_, claims = parts(t, iss.CertificateBoundToken(cert.Leaf, nil))
	assert.Equal(t, map[string]any{"x5t#S256": x5t}, claims["cnf"])
	r, err = c.Introspect(ctx, iss.CertificateBoundOpaqueToken(cert.Leaf, nil))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", r.TokenType)
	assert.JSONEq(t, `{"x5t#S256":"`+x5t+`"}`, string(r.Extra["cnf"]))

	// cnf may be overridden, for hostile tokens.
	_, claims = parts(t, iss.DPoPAccessToken(key, tokentest.Claims{"cnf": "nonsense"}))
	assert.Equal(t, "nonsense", claims["cnf"])
}

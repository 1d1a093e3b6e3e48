package tokentest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// verifier returns a verifier for iss's tokens signed with alg.
func verifier(t *testing.T, iss *tokentest.Issuer) *token.Verifier {
	t.Helper()
	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:     iss.URL(),
		Keys:       iss.KeySource(),
		Algorithms: []string{iss.Algorithm()},
	})
	require.NoError(t, err)
	return v
}

func TestTokensVerifyForEveryAlgorithm(t *testing.T) {
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm(alg))
			v := verifier(t, iss)
			for name, raw := range map[string]string{
				"id":     iss.IDToken(nil),
				"access": iss.AccessToken(nil),
				"sign":   iss.Sign(nil, tokentest.Claims{"iss": iss.URL(), "exp": 4102444800}),
			} {
				got, err := v.Verify(context.Background(), raw)
				require.NoError(t, err, name)
				assert.Equal(t, alg, got.Header.Algorithm, name)
				assert.Equal(t, iss.KeyID(), got.Header.KeyID, name)
			}
		})
	}
}

func TestForgedSignatureIsRefused(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	other := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	_ = other
	_, err := verifier(t, iss).Verify(context.Background(), iss.IDToken(nil, tokentest.WithKeyID("nope")))
	assert.True(t, errors.Is(err, token.ErrKeyNotFound), "%v", err)
}

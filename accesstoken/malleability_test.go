package accesstoken_test

import (
	"crypto/elliptic"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestRawTokenIsNotAnIdentity documents why revocation and replay lists
// must be keyed on jti, not on the raw token: for each ECDSA algorithm,
// anyone holding a token can turn its signature (r, s) into (r, n−s),
// which verifies too, so the same token has a second raw form. Both are
// accepted, and both carry the same jti.
func TestRawTokenIsNotAnIdentity(t *testing.T) {
	for _, tc := range []struct {
		alg   string
		curve elliptic.Curve
	}{
		{"ES256", elliptic.P256()},
		{"ES384", elliptic.P384()},
		{"ES512", elliptic.P521()},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			f := newFixture(t, tokentest.WithAlgorithm(tc.alg))
			v := f.validator(t, func(c *accesstoken.Config) { c.CacheSize = -1 })
			raw := f.iss.AccessToken(nil, tokentest.AtJWT())
			twin := negateS(t, raw, tc.curve)
			require.NotEqual(t, raw, twin)

			a, err := validate(v, raw)
			require.NoError(t, err)
			b, err := validate(v, twin)
			require.NoError(t, err, "the other form of an ECDSA signature verifies too")
			assert.NotEqual(t, a.Raw, b.Raw)
			assert.NotEmpty(t, a.ID)
			assert.Equal(t, a.ID, b.ID, "jti is the identity both forms share")
			assert.Equal(t, a.Issuer, b.Issuer)
		})
	}
}

// negateS returns raw with its ECDSA signature (r, s) replaced by (r, n−s).
func negateS(t *testing.T, raw string, curve elliptic.Curve) string {
	t.Helper()
	dot := strings.LastIndexByte(raw, '.')
	sig, err := base64.RawURLEncoding.DecodeString(raw[dot+1:])
	require.NoError(t, err)
	half := len(sig) / 2
	s := new(big.Int).SetBytes(sig[half:])
	s.Sub(curve.Params().N, s)
	out := append([]byte(nil), sig[:half]...)
	out = append(out, s.FillBytes(make([]byte, half))...)
	return raw[:dot+1] + base64.RawURLEncoding.EncodeToString(out)
}

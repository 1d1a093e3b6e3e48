package accesstoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// A costly access token on a validator with several issuers is checked
// with the keys of the issuer it names, and then against that issuer's own
// audiences.
func TestCostlyAccessTokenWithSeveralIssuers(t *testing.T) {
	f := newFixture(t)
	other := tokentest.NewIssuer(t, tokentest.WithClock(f.clk.Now))
	v := f.validator(t, func(c *accesstoken.Config) {
		c.Issuers = []accesstoken.Issuer{{Issuer: other.URL(), Keys: other.KeySource(), Audiences: []string{"partner-api"}}}
	})
	ctx := context.Background()
	got, err := v.Validate(ctx, other.AccessToken(attackkit.AddMembers(tokentest.Claims{"aud": "partner-api"}, 1200)))
	require.NoError(t, err, "the second issuer's costly token, for its own audience")
	require.Equal(t, other.URL(), got.Issuer)

	_, err = v.Validate(ctx, other.AccessToken(attackkit.AddMembers(tokentest.Claims{"aud": f.iss.Audience()}, 1200)))
	require.ErrorIs(t, err, token.ErrAudience, "the first issuer's audience in the second issuer's costly token")

	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	forged := other.AccessToken(attackkit.AddMembers(tokentest.Claims{"aud": "partner-api", "exp": f.clk.Now().Add(-time.Hour).Unix()}, 1200), tokentest.WithSigningKey(forger))
	_, err = v.Validate(ctx, forged)
	require.ErrorIs(t, err, token.ErrSignature, "a forged, expired costly token is refused for its signature, before its claims are read")
}

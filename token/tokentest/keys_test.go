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

func TestRotateKeyAndDropOldKeys(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	v := verifier(t, iss)
	ctx := context.Background()
	oldKid := iss.KeyID()
	oldToken := iss.IDToken(nil)

	newKid := iss.RotateKey()
	require.NotEmpty(t, newKid)
	assert.NotEqual(t, oldKid, newKid)
	assert.Equal(t, newKid, iss.KeyID())
	set := iss.KeySet()
	assert.Equal(t, 2, set.Len(), "the old key stays published")
	assert.Len(t, set.Lookup(oldKid), 1)
	assert.Len(t, set.Lookup(newKid), 1)

	status, _, body := get(t, iss, iss.JWKSURL())
	require.Equal(t, 200, status)
	served, err := token.ParseKeySet(body)
	require.NoError(t, err)
	assert.Equal(t, 2, served.Len(), "the JWKS follows the rotation")

	newToken := iss.AccessToken(nil)
	h, _ := parts(t, newToken)
	assert.Equal(t, newKid, h["kid"], "new tokens are signed with the new key")
	for _, raw := range []string{oldToken, newToken} {
		_, err := v.Verify(ctx, raw)
		require.NoError(t, err, "both keys verify while published")
	}

	iss.DropOldKeys()
	assert.Equal(t, 1, iss.KeySet().Len())
	_, err = v.Verify(ctx, oldToken)
	assert.True(t, errors.Is(err, token.ErrKeyNotFound), "%v", err)
	_, err = v.Verify(ctx, newToken)
	require.NoError(t, err)
	_, _, body = get(t, iss, iss.JWKSURL())
	served, err = token.ParseKeySet(body)
	require.NoError(t, err)
	require.Equal(t, 1, served.Len())
	assert.Equal(t, newKid, served.Keys()[0].ID())
}

func TestKeySetIsASnapshot(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	before := iss.KeySet()
	iss.RotateKey()
	assert.Equal(t, 1, before.Len(), "a KeySet already handed out does not change")
	got, err := iss.KeySource().Keys(context.Background(), "")
	require.NoError(t, err)
	assert.Equal(t, 2, got.Len(), "the KeySource follows the rotation")
}

func TestKeySourceIgnoresJWKSFailures(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("ES256"))
	iss.FailJWKS(500)
	_, err := verifier(t, iss).Verify(context.Background(), iss.IDToken(nil))
	require.NoError(t, err)
	assert.Equal(t, 0, iss.JWKSRequests(), "the KeySource makes no HTTP request")
}

func TestKeyIDsDifferBetweenIssuers(t *testing.T) {
	a := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	b := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	assert.NotEqual(t, a.KeyID(), b.KeyID())
	assert.NotEqual(t, a.Subject(), b.Subject())
	assert.NotEqual(t, a.URL(), b.URL())
	// One issuer's key does not verify the other's tokens, even under a
	// kid the verifier knows.
	_, err := verifier(t, a).Verify(context.Background(), b.IDToken(tokentest.Claims{"iss": a.URL()}, tokentest.WithKeyID(a.KeyID())))
	assert.True(t, errors.Is(err, token.ErrSignature), "%v", err)
}

package jwks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/token"
)

func TestStatic(t *testing.T) {
	key, err := token.NewPublicKey(token.KeyParams{ID: "a", Algorithm: "ES256"}, &testKeys().ec[0].PublicKey)
	require.NoError(t, err)
	set, err := token.NewKeySet(key)
	require.NoError(t, err)

	for _, kid := range []string{"a", "", "unknown"} {
		got, err := Static(set).Keys(context.Background(), kid)
		require.NoError(t, err, "a static source answers with its set whatever the kid; the verifier looks the kid up")
		assert.Same(t, set, got)
	}

	var zero StaticSource
	var nilSource *StaticSource
	for name, src := range map[string]token.KeySource{"Static(nil)": Static(nil), "zero": &zero, "nil": nilSource} {
		got, err := src.Keys(context.Background(), "a")
		require.ErrorIs(t, err, token.ErrKeyNotFound, name)
		assert.Nil(t, got, name)
	}
}

// TestStaticInVerifier puts an empty Static source in the pipeline it is
// for: a token without kid must be refused, not make the verifier read a nil
// set.
func TestStaticInVerifier(t *testing.T) {
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: "https://issuer.example.com/", Keys: Static(nil)})
	require.NoError(t, err)
	// header {"alg":"ES256"}, payload {"iss":"https://issuer.example.com/","exp":4102444800}
	raw := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlLmNvbS8iLCJleHAiOjQxMDI0NDQ4MDB9.AAAA"
	_, err = v.Verify(context.Background(), raw)
	require.ErrorIs(t, err, token.ErrKeyNotFound)
}

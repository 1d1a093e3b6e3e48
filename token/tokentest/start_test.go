package tokentest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestStartAndClose(t *testing.T) {
	iss, err := tokentest.Start(tokentest.WithAlgorithm("ES256"), tokentest.WithClientID("demo"))
	require.NoError(t, err)
	defer iss.Close()
	assert.Equal(t, "demo", iss.ClientID())
	_, err = verifier(t, iss).Verify(context.Background(), iss.IDToken(nil))
	require.NoError(t, err)
	status, _, _ := get(t, iss, iss.JWKSURL())
	assert.Equal(t, http.StatusOK, status)

	// Without a testing.TB a minting failure yields "" (and a line on stderr).
	assert.Empty(t, iss.IDToken(tokentest.Claims{"c": make(chan int)}))

	iss.Close()
	iss.Close() // idempotent
	_, err = iss.HTTPClient().Get(iss.JWKSURL())
	assert.Error(t, err, "the server is gone after Close")
}

func TestStartRefusesUnknownAlgorithm(t *testing.T) {
	for _, alg := range []string{"none", "HS256", "rs256", ""} {
		iss, err := tokentest.Start(tokentest.WithAlgorithm(alg))
		assert.Error(t, err, alg)
		assert.Nil(t, iss)
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	fatal []string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = append(r.fatal, format)
}

func TestNewIssuerFailsTheTestOnUnknownAlgorithm(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	assert.Nil(t, tokentest.NewIssuer(rec, tokentest.WithAlgorithm("none")))
	assert.Len(t, rec.fatal, 1)
}

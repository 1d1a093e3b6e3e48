package tokentest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// verifier returns a verifier for iss's tokens, allowing only iss's
// algorithm.
func verifier(t testing.TB, iss *tokentest.Issuer) *token.Verifier {
	t.Helper()
	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:     iss.URL(),
		Keys:       iss.KeySource(),
		Algorithms: []string{iss.Algorithm()},
	})
	require.NoError(t, err)
	return v
}

// parts decodes a compact JWS's header and payload without verifying it.
func parts(t testing.TB, raw string) (header, claims map[string]any) {
	t.Helper()
	seg := strings.Split(raw, ".")
	require.Len(t, seg, 3, "a compact JWS has three segments")
	return decodeSegment(t, seg[0]), decodeSegment(t, seg[1])
}

func decodeSegment(t testing.TB, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

// num reads a JSON number member as int64.
func num(t testing.TB, m map[string]any, name string) int64 {
	t.Helper()
	n, ok := m[name].(json.Number)
	require.True(t, ok, "%s is %T, not a number", name, m[name])
	v, err := n.Int64()
	require.NoError(t, err)
	return v
}

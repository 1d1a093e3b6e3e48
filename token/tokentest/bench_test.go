package tokentest_test

import (
	"testing"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Minting cost per algorithm: what a test suite pays per token.
func BenchmarkAccessToken(b *testing.B) {
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			iss := tokentest.NewIssuer(b, tokentest.WithAlgorithm(alg))
			claims := tokentest.Claims{"scope": "read:appointments"}
			b.ReportAllocs()
			for b.Loop() {
				_ = iss.AccessToken(claims)
			}
		})
	}
}

func BenchmarkIDToken(b *testing.B) {
	iss := tokentest.NewIssuer(b, tokentest.WithAlgorithm("ES256"))
	b.ReportAllocs()
	for b.Loop() {
		_ = iss.IDToken(nil)
	}
}

// RotateKey's cost is dominated by key generation, as is NewIssuer's.
func BenchmarkRotateKey(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			iss := tokentest.NewIssuer(b, tokentest.WithAlgorithm(alg))
			b.ReportAllocs()
			for b.Loop() {
				iss.RotateKey()
				iss.DropOldKeys()
			}
		})
	}
}

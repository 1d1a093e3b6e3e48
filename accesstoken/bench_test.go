package accesstoken_test

// The benchmarks in this file come in pairs, per algorithm:
//
//   - BenchmarkBaseline<Alg> is the unavoidable cost of a token: base64url
//     decoding of its signature and the bare crypto verification of the same
//     token with the same key (rsa.VerifyPKCS1v15 of the SHA-256 of the
//     signing input, ecdsa.Verify, ed25519.Verify).
//   - BenchmarkValidate<Alg> is Validator.Validate on the same token with a
//     warm, in-memory key source and the verified-token cache disabled, so
//     every iteration pays the whole pipeline and this package's rules.
//
// Their ratio is the validator's overhead (issue 9: at most 1.15x for RS256,
// 1.10x for ES256 and EdDSA, at most 30 allocations). BenchmarkCacheHitRS256
// is the same RS256 token with the cache on (issue 9: at least 20x faster
// than BenchmarkValidateRS256), BenchmarkOpaque the introspection path with
// an in-memory introspector. BenchmarkRatio measures the ratios directly, in
// thread CPU time, which a busy machine disturbs far less. Compare with
//
//	go test -run '^$' -bench . -count 6 ./accesstoken/ > /tmp/bench-accesstoken.txt
//	benchstat /tmp/bench-accesstoken.txt

import (
	"context"
	"crypto"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/benchkit"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// benchClaims make a realistic Auth0-style access token of about 600 bytes
// of claims: an audience array, scopes, permissions and a namespaced claim.
func benchClaims(iss *tokentest.Issuer) tokentest.Claims {
	return tokentest.Claims{
		"aud":                       []string{iss.Audience(), iss.URL() + "/userinfo"},
		"iat":                       epoch.Add(-time.Minute).Unix(),
		"scope":                     "openid profile email read:appointments write:appointments",
		"jti":                       "3d6ea6b3-2b1c-4d5e-9f8a-7b6c5d4e3f2a",
		"permissions":               []string{"read:appointments", "write:appointments"},
		"https://example.com/roles": []string{"clinician"},
		"gty":                       "authorization_code",
	}
}

type benchCase struct {
	tok      string
	alg      string
	pub      crypto.PublicKey
	v        *accesstoken.Validator
	pipeline *token.Verifier // the shared pipeline alone, configured alike
}

func newBenchCase(b *testing.B, alg string, cacheSize int) benchCase {
	b.Helper()
	f := newFixture(b, tokentest.WithAlgorithm(alg), tokentest.WithClientID("kbyuFDidLLm280LIwVFiazOqjO3ty8KH"))
	v := f.validator(b, func(c *accesstoken.Config) { c.CacheSize = cacheSize })
	tok := f.iss.AccessToken(benchClaims(f.iss), tokentest.AtJWT())
	at, err := v.Validate(context.Background(), tok)
	if err != nil {
		b.Fatal(err)
	}
	if len(at.Scopes) != 5 || len(at.Permissions) != 2 {
		b.Fatalf("unexpected token: %+v", at)
	}
	pipeline, err := token.NewVerifier(token.VerifierConfig{Issuer: f.iss.URL(), Keys: f.iss.KeySource(), Now: f.clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	return benchCase{tok: tok, alg: alg, pub: f.iss.KeySet().Keys()[0].Public(), v: v, pipeline: pipeline}
}

// runBoth runs fn serially and from every core.
func runBoth(b *testing.B, fn func() error) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := fn(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchValidate(b *testing.B, c benchCase) {
	ctx := context.Background()
	runBoth(b, func() error {
		_, err := c.v.Validate(ctx, c.tok)
		return err
	})
}

func benchBaseline(b *testing.B, alg string) {
	c := newBenchCase(b, alg, -1)
	runBoth(b, c.baseline(b))
}

func BenchmarkBaselineRS256(b *testing.B) { benchBaseline(b, "RS256") }
func BenchmarkValidateRS256(b *testing.B) { benchValidate(b, newBenchCase(b, "RS256", -1)) }
func BenchmarkBaselineES256(b *testing.B) { benchBaseline(b, "ES256") }
func BenchmarkValidateES256(b *testing.B) { benchValidate(b, newBenchCase(b, "ES256", -1)) }
func BenchmarkBaselineEdDSA(b *testing.B) { benchBaseline(b, "EdDSA") }
func BenchmarkValidateEdDSA(b *testing.B) { benchValidate(b, newBenchCase(b, "EdDSA", -1)) }

// BenchmarkCacheHitRS256 validates the same RS256 token again and again with
// the verified-token cache on: every iteration after the first is a hit.
func BenchmarkCacheHitRS256(b *testing.B) { benchValidate(b, newBenchCase(b, "RS256", 0)) }

// BenchmarkOpaque is the introspection path with an in-memory introspector
// that answers at once: the validator's own cost per opaque token.
func BenchmarkOpaque(b *testing.B) {
	answer := activeAnswer()
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		return answer, nil
	})
	v := opaqueValidator(b, fake)
	ctx := context.Background()
	runBoth(b, func() error {
		_, err := v.Validate(ctx, opaqueTok)
		return err
	})
}

// BenchmarkRatio interleaves the baseline and Validate (cache disabled) on
// the same token, in batches of benchkit.DefaultBatch calls each, and reports the ratio
// of their total times as "x-baseline": the number issue 9 sets targets
// for. The goroutine is locked to its OS thread and the time is that
// thread's CPU time (on Linux), so the ratio stays meaningful on a machine
// whose load changes from second to second, where two separate wall-clock
// benchmarks are not comparable. "pipeline-x-baseline" is the same ratio for
// the shared token.Verifier alone, so the difference is this package's own
// work; "hit-speedup" (RS256 only) is how many times faster a verified-token
// cache hit is than the full validation.
func BenchmarkRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		full := newBenchCase(b, alg, -1)
		cached := newBenchCase(b, alg, 0)
		// benchkit.Ratio rotates the order of the four steps from batch to
		// batch: whatever runs right after the baseline pays for some of its
		// garbage and cache misses (about 4% for RS256 when the order is
		// fixed), so each step takes each position equally often.
		benchkit.Ratio{
			Steps: []func() error{
				full.baseline(b),
				func() error { _, err := full.v.Validate(ctx, full.tok); return err },
				func() error { _, err := cached.v.Validate(ctx, cached.tok); return err },
				func() error { _, err := full.pipeline.Verify(ctx, full.tok); return err },
			},
			Report: func(b *testing.B, total benchkit.Times) {
				b.ReportMetric(total.Ratio(1, 0), "x-baseline")
				b.ReportMetric(total.Ratio(3, 0), "pipeline-x-baseline")
				if alg == "RS256" {
					b.ReportMetric(total.Ratio(1, 2), "hit-speedup")
				}
			},
		}.Run(b, alg)
	}
}

// baseline returns the baseline of c's token and key (benchkit's, shared
// with idtoken and token): base64url decoding of the signature and the bare
// crypto verification.
func (c benchCase) baseline(b *testing.B) func() error {
	return benchkit.Baseline(b, c.alg, c.pub, c.tok)
}

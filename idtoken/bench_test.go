package idtoken_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/internal/benchkit"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// The benchmarks compare Validate with the least work any validator must
// do for the same token and key: decode the signature from base64url and
// verify it with the crypto package (BenchmarkBaseline). Keys are
// warm (a static key set), the cache is off except in BenchmarkCacheHit, and
// each call passes WithNonce as a login would.
//
//	go test -run '^$' -bench . -count 6 ./idtoken > new.txt
//	benchstat new.txt

var benchAlgs = []string{"RS256", "ES256", "EdDSA"}

type benchCase struct {
	raw   string
	nonce string
	v     *idtoken.Validator // cache disabled
	hit   *idtoken.Validator // cache enabled
	// pipeline is the shared token.Verifier alone, configured as the
	// validator configures it, to tell its cost from the validator's own.
	pipeline *token.Verifier
	// baseline is the least work any validator must do for the token:
	// decode its signature from base64url and verify it with the crypto
	// package, which includes hashing the signing input. It is the same
	// baseline as accesstoken's and token's (benchkit's).
	baseline func() error
}

func newBenchCase(b *testing.B, alg string) *benchCase {
	b.Helper()
	fx := newFixture(b, tokentest.WithAlgorithm(alg))
	c := &benchCase{nonce: "n-0S6_WzA2Mj"}
	// A typical ID token: the Auth0-style profile defaults, a nonce and a sid.
	c.raw = fx.iss.IDToken(tokentest.Claims{"nonce": c.nonce, "sid": "08a5019c-17e1-4977-8f42-65a12843ea02"})
	set := fx.iss.KeySet()
	cfg := fx.config()
	cfg.Keys = jwks.Static(set)
	cfg.CacheSize = -1
	var err error
	if c.v, err = idtoken.NewValidator(cfg); err != nil {
		b.Fatal(err)
	}
	cfg.CacheSize = 0
	if c.hit, err = idtoken.NewValidator(cfg); err != nil {
		b.Fatal(err)
	}
	c.pipeline, err = token.NewVerifier(token.VerifierConfig{
		Issuer: cfg.Issuer, Keys: cfg.Keys, Algorithms: cfg.Algorithms, Now: cfg.Now, RequireIssuedAt: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.v.Validate(context.Background(), c.raw, idtoken.WithNonce(c.nonce)); err != nil {
		b.Fatal(err)
	}
	c.baseline = benchkit.Baseline(b, alg, set.Keys()[0].Public(), c.raw)
	return c
}

func BenchmarkBaseline(b *testing.B) {
	for _, alg := range benchAlgs {
		c := newBenchCase(b, alg)
		b.Run(alg+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.baseline(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.baseline(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		c := newBenchCase(b, alg)
		b.Run(alg+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.v.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.v.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCacheHit validates a token the validator has seen before: the
// signature is skipped, exp and the nonce are checked again.
func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	c := newBenchCase(b, "RS256")
	if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
		b.Fatal(err)
	}
	b.Run("RS256/serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RS256/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkRatio interleaves Validate and the baseline on the same token,
// in batches of benchkit.DefaultBatch calls each (benchkit.Ratio), and reports the ratio of their total
// times as "x-baseline". The goroutine is locked to its OS thread and the
// time is that thread's CPU time (on Linux), so the ratio stays meaningful on
// a machine whose load changes from second to second, where two separate
// wall-clock benchmarks are not comparable. The parallel variant does the
// same on GOMAXPROCS goroutines. "pipeline-x-baseline" is the same ratio for
// the shared token.Verifier alone; the difference is this package's own work.
func BenchmarkRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		c := newBenchCase(b, alg)
		// benchkit.Ratio rotates the order of the three steps from batch to
		// batch, as accesstoken's BenchmarkRatio does.
		benchkit.Ratio{
			Steps: []func() error{
				c.baseline,
				func() error { _, err := c.pipeline.Verify(ctx, c.raw); return err },
				func() error { _, err := c.v.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); return err },
			},
			Report: func(b *testing.B, total benchkit.Times) {
				b.ReportMetric(total.Ratio(2, 0), "x-baseline")
				b.ReportMetric(total.Ratio(1, 0), "pipeline-x-baseline")
			},
		}.Run(b, alg)
	}
}

// BenchmarkCacheHitRatio interleaves full RS256 validations (cache off) and
// cache hits of the same token, timed in thread CPU time like
// BenchmarkRatio, and reports how many times faster a hit is as
// "x-faster-than-full" (the target is at least 20).
func BenchmarkCacheHitRatio(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx := context.Background()
	c := newBenchCase(b, "RS256")
	if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
		b.Fatal(err)
	}
	var full, hit time.Duration
	for b.Loop() {
		t0 := benchkit.ThreadCPU()
		_, err1 := c.v.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce))
		t1 := benchkit.ThreadCPU()
		for range 16 {
			if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
				b.Fatal(err)
			}
		}
		t2 := benchkit.ThreadCPU()
		if err1 != nil {
			b.Fatal(err1)
		}
		full += t1 - t0
		hit += (t2 - t1) / 16
	}
	b.ReportMetric(float64(full)/float64(hit), "x-faster-than-full")
}

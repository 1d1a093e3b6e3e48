package idtoken_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
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
	// def is the default configuration (the cache on, at its default
	// size), fed the tokens of ring in turn: a new token on every call with
	// the cache full of others, which is what a busy server sees.
	def  *idtoken.Validator
	ring *benchkit.Ring
	// pipeline is the shared token.Verifier alone, configured as the
	// validator configures it, to tell its cost from the validator's own.
	pipeline *token.Verifier
	// baseline is the least work any validator must do for the token:
	// decode its signature from base64url and verify it with the crypto
	// package, which includes hashing the signing input. It is the same
	// baseline as accesstoken's and token's (benchkit's).
	baseline func() error
	fx       *fixture
	cfg      idtoken.Config // the configuration of v, with Keys static
}

// ringSize is three times the default cache size: the cache is full, and a
// token comes back only after so many others that its entry is gone
// (almost always: a set of the cache that gets four or fewer of the ring's
// tokens keeps them, about one call in a thousand).
const ringSize = 3 * idtoken.DefaultCacheSize

// benchFixtures keeps one issuer, token and ring per algorithm for the
// whole run: minting ringSize RS256 tokens takes seconds, too long to
// repeat for every benchmark and every -count.
var benchFixtures sync.Map // alg → *benchFixture

type benchFixture struct {
	once  sync.Once
	fx    *fixture
	raw   string
	nonce string
	ring  []string
}

func sharedFixture(b *testing.B, alg string) *benchFixture {
	f, _ := benchFixtures.LoadOrStore(alg, new(benchFixture))
	bf := f.(*benchFixture)
	bf.once.Do(func() {
		bf.fx = newFixture(b, tokentest.WithAlgorithm(alg))
		bf.nonce = "n-0S6_WzA2Mj"
		// A typical ID token: the Auth0-style profile defaults, a nonce and a sid.
		claims := func(i int) tokentest.Claims {
			return tokentest.Claims{"nonce": bf.nonce, "sid": "08a5019c-17e1-4977-8f42-65a12843ea02", "exp": at(time.Hour + time.Duration(i)*time.Second)}
		}
		bf.raw = bf.fx.iss.IDToken(claims(-1))
		bf.ring = benchkit.MintTokens(ringSize, func(i int) string { return bf.fx.iss.IDToken(claims(i)) })
	})
	if bf.fx == nil || bf.ring[len(bf.ring)-1] == "" {
		b.Fatal("the benchmark fixture could not be built")
	}
	return bf
}

func newBenchCase(b *testing.B, alg string) *benchCase {
	b.Helper()
	bf := sharedFixture(b, alg)
	fx := bf.fx
	c := &benchCase{raw: bf.raw, nonce: bf.nonce, fx: fx, ring: benchkit.NewRing(bf.ring)}
	set := fx.iss.KeySet()
	cfg := fx.config()
	cfg.Keys = jwks.Static(set)
	cfg.CacheSize = -1
	c.cfg = cfg
	var err error
	if c.v, err = idtoken.NewValidator(cfg); err != nil {
		b.Fatal(err)
	}
	cfg.CacheSize = 0
	if c.hit, err = idtoken.NewValidator(cfg); err != nil {
		b.Fatal(err)
	}
	if c.def, err = idtoken.NewValidator(cfg); err != nil {
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
	// Fill the default validator's cache with other tokens.
	for range idtoken.DefaultCacheSize {
		if err := c.validateNext(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	c.baseline = benchkit.Baseline(b, alg, set.Keys()[0].Public(), c.raw)
	return c
}

// validateNext validates the ring's next token in the default
// configuration.
func (c *benchCase) validateNext(ctx context.Context) error {
	_, err := c.def.Validate(ctx, c.ring.Next(), idtoken.WithNonce(c.nonce))
	return err
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
// in batches of benchkit.DefaultBatch calls each (benchkit.Ratio), and
// reports the ratio of their total times: "default-x-baseline" for the
// default configuration with a new token on every call and the cache full
// of others (what users get), against the baseline of those same tokens
// (benchkit.Ring.Baseline), "x-baseline" with the cache off,
// "hit-x-baseline" for a cache hit ("hit-speedup": how many times faster a
// hit is than a validation with the cache off). The goroutine is locked to its OS thread and the
// time is that thread's CPU time (on Linux), so the ratio stays meaningful on
// a machine whose load changes from second to second, where two separate
// wall-clock benchmarks are not comparable. The parallel variant does the
// same on GOMAXPROCS goroutines. "pipeline-x-baseline" is the same ratio for
// the shared token.Verifier alone; the difference is this package's own work.
func BenchmarkRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		// Serial and parallel runs each get a new case: a default validator
		// whose cache was just filled, and the ring from its start, so that
		// no token comes back while the run lasts (at -benchtime 400x, a
		// run validates some 3,200 of the ring's 12,288 tokens).
		ratio := func(b *testing.B) benchkit.Ratio {
			c := newBenchCase(b, alg)
			if _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); err != nil {
				b.Fatal(err)
			}
			// benchkit.Ratio rotates the order of the steps from batch to
			// batch, as accesstoken's BenchmarkRatio does.
			return benchkit.Ratio{
				Steps: []func() error{
					c.baseline,
					func() error { _, err := c.pipeline.Verify(ctx, c.raw); return err },
					func() error { _, err := c.v.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); return err },
					func() error { return c.validateNext(ctx) },
					func() error { _, err := c.hit.Validate(ctx, c.raw, idtoken.WithNonce(c.nonce)); return err },
					// The baseline of the default step's tokens, in the
					// same order: the same token, as for every ratio.
					c.ring.Baseline(b, alg, c.fx.iss.KeySet().Keys()[0].Public()),
				},
				Report: func(b *testing.B, total benchkit.Times) {
					b.ReportMetric(total.Ratio(3, 5), "default-x-baseline")
					b.ReportMetric(total.Ratio(2, 0), "x-baseline")
					b.ReportMetric(total.Ratio(1, 0), "pipeline-x-baseline")
					b.ReportMetric(total.Ratio(4, 0), "hit-x-baseline")
					// The thread CPU time of one hit, serial or summed over the
					// parallel goroutines: the same figure when hits scale.
					b.ReportMetric(float64(total[4].Nanoseconds())/float64(b.N*benchkit.DefaultBatch), "hit-cpu-ns")
					b.ReportMetric(total.Ratio(2, 4), "hit-speedup")
				},
			}
		}
		b.Run(alg+"/serial", func(b *testing.B) { ratio(b).Serial(b) })
		b.Run(alg+"/parallel", func(b *testing.B) { ratio(b).Parallel(b) })
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

// BenchmarkRefusalRatio times, beside the baseline, tokens the validator
// refuses without checking their signature: expired, not yet valid, from
// another issuer, for another client. Each is signed correctly, so only the
// order of the checks makes them cheap. The metric of each is its cost as
// a fraction of the baseline (the target is at most 0.1).
func BenchmarkRefusalRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range benchAlgs {
		c := newBenchCase(b, alg)
		iss := c.fx.iss
		refusals := []struct {
			metric string
			raw    string
			want   error
		}{
			{"expired-x-baseline", iss.IDToken(tokentest.Claims{"nonce": c.nonce, "iat": at(-3 * time.Hour), "exp": at(-2 * time.Hour)}), token.ErrExpired},
			{"nbf-x-baseline", iss.IDToken(tokentest.Claims{"nonce": c.nonce, "nbf": at(time.Hour)}), token.ErrNotYetValid},
			{"iss-x-baseline", iss.IDToken(tokentest.Claims{"nonce": c.nonce, "iss": "https://other.example/"}), token.ErrIssuer},
			{"aud-x-baseline", iss.IDToken(tokentest.Claims{"nonce": c.nonce, "aud": "another-client"}), token.ErrAudience},
		}
		steps := []func() error{c.baseline}
		for _, r := range refusals {
			steps = append(steps, func() error {
				if _, err := c.def.Validate(ctx, r.raw, idtoken.WithNonce(c.nonce)); !errors.Is(err, r.want) {
					return fmt.Errorf("%s: %v; want %v", r.metric, err, r.want)
				}
				return nil
			})
		}
		benchkit.Ratio{
			Steps: steps,
			Report: func(b *testing.B, total benchkit.Times) {
				for i, r := range refusals {
					b.ReportMetric(total.Ratio(i+1, 0), r.metric)
				}
			},
		}.Run(b, alg)
	}
}

// BenchmarkShapeRatio validates (cache off) tokens larger than usual, each
// against the baseline of its own token, whose hashing grows with it: an
// 8 KB token with about a hundred claims, many of them namespaced claims
// of one length, a token with a hundred audiences, all trusted, and the
// usual token against a key set of a hundred keys. The cost should grow
// with the work, as the baseline's does.
func BenchmarkShapeRatio(b *testing.B) {
	ctx := context.Background()
	c := newBenchCase(b, "RS256")
	iss := c.fx.iss
	pub := iss.KeySet().Keys()[0].Public()

	large := tokentest.Claims{"nonce": c.nonce}
	for i := range 96 {
		large[fmt.Sprintf("https://claims.example.com/tenant/attribute_%03d", i)] = fmt.Sprintf("value-%03d-%s", i, strings.Repeat("v", 20))
	}
	largeRaw := iss.IDToken(large)

	trusted := make([]string, 99)
	for i := range trusted {
		trusted[i] = fmt.Sprintf("https://api.example.com/resource/%03d", i)
	}
	audRaw := iss.IDToken(tokentest.Claims{"nonce": c.nonce, "aud": append([]string{iss.ClientID()}, trusted...), "azp": iss.ClientID()})
	cfg := c.cfg
	cfg.TrustedAudiences = trusted
	audV, err := idtoken.NewValidator(cfg)
	if err != nil {
		b.Fatal(err)
	}

	// A key set of a hundred keys: the issuer's and 99 others.
	keys := iss.KeySet().Keys()
	for i := range 99 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		k, err := token.NewPublicKey(token.KeyParams{ID: fmt.Sprintf("other-%02d", i), Algorithm: "EdDSA", Use: "sig"}, pub)
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k)
	}
	set, err := token.NewKeySet(keys...)
	if err != nil {
		b.Fatal(err)
	}
	cfg = c.cfg
	cfg.Keys = jwks.Static(set)
	keysV, err := idtoken.NewValidator(cfg)
	if err != nil {
		b.Fatal(err)
	}

	for _, shape := range []struct {
		name string
		raw  string
		v    *idtoken.Validator
	}{{"8KB-100-claims", largeRaw, c.v}, {"100-audiences", audRaw, audV}, {"100-keys", c.raw, keysV}} {
		if _, err := shape.v.Validate(ctx, shape.raw, idtoken.WithNonce(c.nonce)); err != nil {
			b.Fatalf("%s: %v", shape.name, err)
		}
		b.Logf("%s: %d bytes", shape.name, len(shape.raw))
		benchkit.Ratio{
			Steps: []func() error{
				benchkit.Baseline(b, "RS256", pub, shape.raw),
				func() error { _, err := shape.v.Validate(ctx, shape.raw, idtoken.WithNonce(c.nonce)); return err },
			},
			Report: func(b *testing.B, total benchkit.Times) { b.ReportMetric(total.Ratio(1, 0), "x-baseline") },
		}.Run(b, shape.name)
	}
}

// BenchmarkCraftedRatio times hostile tokens under the size limit, each
// with a good header, issuer, times and audience (so that every check
// before the signature passes) and a signature that does not verify, beside
// the baseline of an ordinary RS256 token ("x-baseline") and the bare
// verification of the crafted token itself ("x-own-baseline", which hashes
// its 16 KB), and refused by a validator that trusts a second issuer too
// ("x-baseline-2-issuers" and "x-own-baseline-2-issuers"), which
// must find the token's issuer (placed last) before it checks the
// signature: no token, however crafted, should cost much more than one
// signature verification.
func BenchmarkCraftedRatio(b *testing.B) {
	ctx := context.Background()
	c := newBenchCase(b, "RS256")
	iss := c.fx.iss
	// A validator that trusts a second issuer as well, which must find
	// the token's issuer before it can check the signature
	// ("x-baseline-2-issuers", against the ordinary token's baseline).
	cfg := c.cfg
	cfg.CacheSize = 0
	cfg.Issuers = []idtoken.Issuer{{Issuer: "https://second.example.com", Keys: cfg.Keys}}
	two, err := idtoken.NewValidator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, shape := range craftedShapes() {
		raw := craftToken(b, iss, shape)
		if len(raw) > token.DefaultMaxTokenSize {
			b.Fatalf("%s: %d bytes, over the size limit", shape.name, len(raw))
		}
		// Each shape passes every check before the signature, which must
		// be what refuses it (a long aud array may be refused for its
		// untrusted audiences first): a shape refused as malformed would
		// measure nothing.
		refuseBy := func(v *idtoken.Validator) func() error {
			return func() error {
				_, err := v.Validate(ctx, raw, idtoken.WithNonce(c.nonce))
				if !errors.Is(err, token.ErrSignature) && (shape.aud == "" || !errors.Is(err, token.ErrAudience)) {
					return fmt.Errorf("%s: %v; want the signature refused", shape.name, err)
				}
				return nil
			}
		}
		refuse, refuseTwo := refuseBy(c.def), refuseBy(two)
		if err := refuse(); err != nil {
			b.Fatal(err)
		}
		if err := refuseTwo(); err != nil {
			b.Fatal(err)
		}
		// The bare verification of the crafted token itself, signature
		// and all: hashing 16 KB is part of any verifier's work for it. Its
		// signature does not verify, which costs the same.
		own, err := benchkit.NewBaseline("RS256", iss.KeySet().Keys()[0].Public(), raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := own(); !errors.Is(err, rsa.ErrVerification) {
			b.Fatalf("%s: the bare verification of the crafted token: %v; want the RSA check to run and fail", shape.name, err)
		}
		benchkit.Ratio{
			Steps: []func() error{c.baseline, refuse, func() error { _ = own(); return nil }, refuseTwo},
			Report: func(b *testing.B, total benchkit.Times) {
				b.ReportMetric(total.Ratio(1, 0), "x-baseline")
				b.ReportMetric(total.Ratio(1, 2), "x-own-baseline")
				b.ReportMetric(total.Ratio(3, 0), "x-baseline-2-issuers")
				b.ReportMetric(total.Ratio(3, 2), "x-own-baseline-2-issuers")
			},
		}.Run(b, shape.name)
	}
}

// craftedShape is the extra claims of a hostile token, as raw JSON
// members, and its aud when that is not the client's ID alone.
type craftedShape struct {
	name    string
	members string
	aud     string
}

func craftedShapes() []craftedShape {
	join := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	nest := func(open, close string, n int, inner string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	// Each shape fills the token to about the size limit.
	return []craftedShape{
		// Equal-length long names, alike but for their end.
		{name: "32-names-of-360B", members: join(28, func(i int) string { return fmt.Sprintf(`"%s%04d":0`, strings.Repeat("n", 356), i) })},
		// As many members as fit: the duplicate check and the claim index
		// past their inline sizes.
		{name: "1200-members", members: join(1200, func(i int) string { return fmt.Sprintf(`"m%d":0`, i) })},
		// Names that must be unescaped to be compared.
		{name: "800-escaped-names", members: join(800, func(i int) string { return fmt.Sprintf(`"\u0061%d":0`, i) })},
		// Nesting to the limit, many times over.
		{name: "nesting", members: join(250, func(i int) string {
			return fmt.Sprintf(`"d%d":%s`, i, nest("[", "]", token.MaxClaimsDepth-1, "1"))
		})},
		// Objects in arrays in objects, to the limit: every other level an
		// object with its own names to check.
		{name: "objects-in-arrays", members: join(110, func(i int) string {
			return fmt.Sprintf(`"o%d":%s`, i, nest(`[{"a":`, `}]`, (token.MaxClaimsDepth-1)/2, "1"))
		})},
		// Many tiny objects, each a new set of names to check.
		{name: "tiny-objects", members: `"t":[` + join(1300, func(int) string { return `{"a":0}` }) + `]`},
		// Objects just past the size that is checked pairwise, each
		// needing a table of its own names.
		{name: "17-member-objects", members: join(55, func(i int) string {
			return fmt.Sprintf(`"g%d":{%s}`, i, join(17, func(j int) string { return fmt.Sprintf(`"k%d":0`, j) }))
		})},
		// Long numbers, which a float parser would read digit by digit.
		{name: "long-numbers", members: join(30, func(i int) string { return fmt.Sprintf(`"n%d":%s.5e-3`, i, strings.Repeat("9", 350)) })},
		// An audience array as long as fits, the client's ID last.
		{name: "1000-audiences", aud: "[" + join(1000, func(i int) string { return fmt.Sprintf(`"a%03d"`, i) }) + `,%q]`},
		// Long strings full of escapes.
		{name: "escaped-strings", members: join(10, func(i int) string { return fmt.Sprintf(`"s%d":"%s"`, i, strings.Repeat(`\u00e9`, 180)) })},
	}
}

// craftToken builds an RS256 token for iss's client whose claims are the
// usual ones plus shape's members, with shape's aud (a format for the
// client's ID) if it has one, and with a signature of the right length
// that does not verify.
func craftToken(b *testing.B, iss *tokentest.Issuer, shape craftedShape) string {
	b.Helper()
	enc := base64.RawURLEncoding
	header := fmt.Sprintf(`{"alg":"RS256","kid":%q,"typ":"JWT"}`, iss.KeyID())
	aud := fmt.Sprintf("%q", iss.ClientID())
	if shape.aud != "" {
		aud = fmt.Sprintf(shape.aud, iss.ClientID())
	}
	members := ""
	if shape.members != "" {
		members = "," + shape.members
	}
	// iss comes last: a validator with several issuers looks for it
	// before the signature, and this makes it step over everything.
	payload := fmt.Sprintf(`{"sub":"crafted","aud":%s,"iat":%d,"exp":%d%s,"iss":%q}`,
		aud, at(0), at(time.Hour), members, iss.URL())
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." +
		enc.EncodeToString(bytes.Repeat([]byte{0x5a}, 256))
}

package token

import (
	"context"
	"fmt"
	"testing"

	"github.com/tokenguard/tokenguard/internal/benchkit"
)

// BenchmarkRouting measures what trusting several static issuers adds to a
// token, for 1, 10 and 1,000 issuers (issue 19 targets under 100 ns):
//
//   - route: the routing step alone (an exact lookup of iss among the
//     issuers), in thread CPU ns per token (cpu-ns) with its allocations; route-config-issuer is the
//     same step for a Verifier configured with Issuer and Keys only;
//
//   - verify: Verify of an EdDSA token of one of the issuers, interleaved
//     (benchkit.Ratio) with the baseline and with a Verifier that trusts
//     only that token's issuer, reporting both ratios to the baseline and
//     added-ns, the difference per token between the two Verifiers.
//
//     go test -run '^$' -bench Routing -count 6 ./token/
func BenchmarkRouting(b *testing.B) {
	k := testKeys()
	key := mustKey(b, KeyParams{ID: "ed", Algorithm: EdDSA, Use: "sig"}, k.ed.Public())
	set := mustSet(b, key)
	for _, n := range []int{1, 10, 1000} {
		b.Run(fmt.Sprintf("issuers=%d", n), func(b *testing.B) {
			issuers := make(map[string]KeySource, n)
			for i := range n {
				issuers[fmt.Sprintf("https://tenant-%04d.example.com/", i)] = staticSource{set}
			}
			iss := fmt.Sprintf("https://tenant-%04d.example.com/", n/2)
			multi, err := NewVerifier(VerifierConfig{Issuers: issuers, Now: fixedClock})
			if err != nil {
				b.Fatal(err)
			}
			single, err := NewVerifier(VerifierConfig{Issuer: iss, Keys: staticSource{set}, Now: fixedClock})
			if err != nil {
				b.Fatal(err)
			}
			tok := sign(b, EdDSA, k.ed, obj{"typ": "at+jwt", "kid": "ed"}, benchClaims().with("iss", iss))
			ctx := context.Background()
			verified, err := multi.Verify(ctx, tok)
			if err != nil {
				b.Fatal(err)
			}

			// The routing step timed in thread CPU time (benchkit.Ratio
			// with one step), so that other load on the machine does not
			// count: cpu-ns is its cost per token.
			const batch = 1000
			route := func(v *Verifier) func(b *testing.B) {
				return func(b *testing.B) {
					b.ReportAllocs()
					benchkit.Ratio{
						Steps: []func() error{func() error {
							_, err := v.route(ctx, &verified.Claims)
							return err
						}},
						Batch: batch,
						Report: func(b *testing.B, total benchkit.Times) {
							b.ReportMetric(float64(total[0])/float64(b.N*batch), "cpu-ns")
						},
					}.Serial(b)
				}
			}
			b.Run("route", route(multi))
			if n == 1 {
				// Issuer and Keys alone: a comparison.
				b.Run("route-config-issuer", route(single))
			}
			base := benchkit.Baseline(b, EdDSA, key.Public(), tok)
			verify := func(v *Verifier) func() error {
				return func() error {
					_, err := v.Verify(ctx, tok)
					return err
				}
			}
			benchkit.Ratio{
				Steps: []func() error{base, verify(single), verify(multi)},
				Report: func(b *testing.B, total benchkit.Times) {
					calls := float64(b.N * benchkit.DefaultBatch)
					b.ReportMetric(total.Ratio(1, 0), "single-x-baseline")
					b.ReportMetric(total.Ratio(2, 0), "routed-x-baseline")
					b.ReportMetric(float64(total[2]-total[1])/calls, "added-ns")
				},
			}.Run(b, "verify")
		})
	}
}

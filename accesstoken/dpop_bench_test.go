package accesstoken_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/benchkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// steadyStore is the replay store of the DPoP benchmarks: a
// MemoryReplayStore of the default bound, held at the size it has on a
// server that accepts a proof every steadyStep (half the bound live), on a
// clock of its own that moves steadyStep per proof recorded. The
// benchmark's proofs come from a pool and so repeat, and its validator's
// clock stands still so that they stay fresh: in place of each key it is
// given, the store records the next of a ring of distinct keys of the same
// shape, for as long past its own clock as the validator asked past the
// validator's. Every call so costs what a new proof's does on such a server
// (hashing a key of a proof's length, a probe, an insertion, and its share
// of clearing the entries that expire meanwhile) and allocates nothing.
type steadyStore struct {
	inner   *token.MemoryReplayStore
	keys    []string
	n       atomic.Int64 // proofs recorded: the store's clock
	start   time.Time
	clients func() time.Time // the validator's clock
}

// steadyStep is how far the store's clock moves per proof: with the
// default window (MaxAge, Leeway and a second: 121 s), 50,000 live entries.
const steadyStep = 121 * time.Second / (token.DefaultReplayEntries / 2)

func newSteadyStore(b *testing.B, clients func() time.Time, jkt string) *steadyStore {
	b.Helper()
	s := &steadyStore{start: clients(), clients: clients}
	s.inner = &token.MemoryReplayStore{Now: s.now}
	// Keys as dpopChecker makes them, "dpop:" + jkt + ":" + jti, with a
	// jti of 32 hexadecimal digits as tokentest's; twice as many as are
	// live at once, so a key is used again only long after it expired.
	s.keys = make([]string, 1<<17)
	for i := range s.keys {
		s.keys[i] = fmt.Sprintf("dpop:%s:%032x", jkt, i)
	}
	ctx := context.Background()
	for range 2 * len(s.keys) { // into the steady state
		if err := s.Use(ctx, "", clients().Add(121*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	if n := s.inner.Len(); n < token.DefaultReplayEntries/2-10 || n > token.DefaultReplayEntries/2+10 {
		b.Fatalf("the store holds %d live entries, not its steady %d", n, token.DefaultReplayEntries/2)
	}
	return s
}

func (s *steadyStore) now() time.Time {
	return s.start.Add(time.Duration(s.n.Load()) * steadyStep)
}

func (s *steadyStore) Use(ctx context.Context, _ string, expires time.Time) error {
	n := s.n.Add(1)
	now := s.start.Add(time.Duration(n) * steadyStep)
	return s.inner.Use(ctx, s.keys[n%int64(len(s.keys))], now.Add(expires.Sub(s.clients())))
}

// dpopBench is a DPoP-bound token, a pool of proofs for it, and the
// validator, with the bare signature checks of the token and of a proof.
type dpopBench struct {
	v         *accesstoken.Validator
	tok       string
	proofs    []string
	next      atomic.Uint64
	baseline  func() error // the token's signature and a proof's
	bearer    string       // an unbound token like tok
	tokBase   func() error // the token's signature alone
	proofBase func() error // a proof's signature alone
}

func newDPoPBench(b *testing.B, alg string) *dpopBench {
	b.Helper()
	f := newFixture(b, tokentest.WithAlgorithm(alg), tokentest.WithClientID("kbyuFDidLLm280LIwVFiazOqjO3ty8KH"))
	key := f.iss.NewDPoPKey(alg)
	store := newSteadyStore(b, f.clk.Now, key.Thumbprint())
	v := f.validator(b, func(c *accesstoken.Config) { c.CacheSize = -1; c.DPoP.ReplayStore = store })
	d := &dpopBench{v: v, tok: f.iss.DPoPAccessToken(key, benchClaims(f.iss), tokentest.AtJWT())}
	d.bearer = f.iss.AccessToken(benchClaims(f.iss), tokentest.AtJWT())
	for range 256 {
		d.proofs = append(d.proofs, key.Proof("GET", dpopURI, d.tok, nil))
	}
	issuerKey := f.iss.KeySet().Keys()[0].Public()
	clientKey, err := token.ParseKey(key.PublicJWK())
	if err != nil {
		b.Fatal(err)
	}
	tokBase := benchkit.Baseline(b, alg, issuerKey, d.tok)
	proofBase := benchkit.Baseline(b, alg, clientKey.Public(), d.proofs[0])
	d.tokBase = benchkit.Baseline(b, alg, issuerKey, d.bearer)
	d.proofBase = proofBase
	d.baseline = func() error {
		if err := tokBase(); err != nil {
			return err
		}
		return proofBase()
	}
	if err := d.validate(); err != nil {
		b.Fatal(err)
	}
	return d
}

func (d *dpopBench) validate() error {
	p := d.proofs[d.next.Add(1)%uint64(len(d.proofs))]
	_, err := d.v.ValidateProof(context.Background(), d.tok, accesstoken.Proof{DPoP: p, Method: "GET", URI: dpopURI})
	return err
}

// BenchmarkDPoP is ValidateProof on a DPoP-bound token with a proof, the
// verified-token cache off: the whole token pipeline, the proof's checks
// and signature, and the replay store.
func BenchmarkDPoP(b *testing.B) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		d := newDPoPBench(b, alg)
		b.Run(alg, func(b *testing.B) { runBoth(b, d.validate) })
	}
}

// BenchmarkDPoPRatio reports, in thread CPU time as BenchmarkRatio does,
// "x-baseline": a DPoP request (ValidateProof, cache off) over the bare
// signature checks it cannot avoid, the token's and the proof's;
// "bearer-x-baseline": Validate of a like unbound token over its one bare
// signature check, the ratio issue 9 set for access tokens; and
// "proof-x-baseline": what the DPoP request costs beyond the bearer request
// (the proof's checks, its signature, the binding and the replay store) over
// the proof's bare signature check. A proof path that costs one more
// signature check and little else keeps the first two close and the third
// within the access-token ratio.
//
//	go test -run '^$' -bench DPoPRatio -count 6 ./accesstoken/
func BenchmarkDPoPRatio(b *testing.B) {
	ctx := context.Background()
	for _, alg := range []string{"ES256", "EdDSA"} {
		d := newDPoPBench(b, alg)
		benchkit.Ratio{
			Steps: []func() error{
				d.baseline,
				d.validate,
				d.tokBase,
				func() error { _, err := d.v.Validate(ctx, d.bearer); return err },
				d.proofBase,
			},
			Report: func(b *testing.B, total benchkit.Times) {
				b.ReportMetric(total.Ratio(1, 0), "x-baseline")
				b.ReportMetric(total.Ratio(3, 2), "bearer-x-baseline")
				b.ReportMetric(float64(total[1]-total[3])/float64(total[4]), "proof-x-baseline")
			},
		}.Run(b, alg)
	}
}

package accesstoken_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/benchkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// freshStore is a MemoryReplayStore for benchmarks, whose proofs come from a
// pool and so repeat: it makes each key unique with a counter, so every call
// costs what a new proof's would (a hash and an insertion) without being
// refused as a replay. Making the key costs the benchmark one allocation
// that a real request does not pay.
type freshStore struct {
	inner *token.MemoryReplayStore
	n     atomic.Uint64
}

func (s *freshStore) Use(ctx context.Context, key string, expires time.Time) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], s.n.Add(1))
	return s.inner.Use(ctx, key+string(n[:]), expires)
}

// dpopBench is a DPoP-bound token, a pool of proofs for it, and the
// validator, with the bare signature checks of the token and of a proof.
type dpopBench struct {
	v        *accesstoken.Validator
	tok      string
	proofs   []string
	next     atomic.Uint64
	baseline func() error // the token's signature and a proof's
	bearer   string       // an unbound token like tok
	tokBase  func() error // the token's signature alone
}

func newDPoPBench(b *testing.B, alg string) *dpopBench {
	b.Helper()
	f := newFixture(b, tokentest.WithAlgorithm(alg), tokentest.WithClientID("kbyuFDidLLm280LIwVFiazOqjO3ty8KH"))
	store := &freshStore{inner: &token.MemoryReplayStore{MaxEntries: 1 << 24, Now: f.clk.Now}}
	v := f.validator(b, func(c *accesstoken.Config) { c.CacheSize = -1; c.DPoP.ReplayStore = store })
	key := f.iss.NewDPoPKey(alg)
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
// signature checks it cannot avoid, the token's and the proof's; and
// "bearer-x-baseline": Validate of a like unbound token over its one bare
// signature check, the ratio issue 9 set for access tokens. A proof path
// that costs one more signature check and little else keeps the two close.
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
			},
			Report: func(b *testing.B, total benchkit.Times) {
				b.ReportMetric(total.Ratio(1, 0), "x-baseline")
				b.ReportMetric(total.Ratio(3, 2), "bearer-x-baseline")
			},
		}.Run(b, alg)
	}
}

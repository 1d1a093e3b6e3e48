package jwks

import (
	"context"
	"testing"
)

// BenchmarkKeys measures the hot path every validation takes: a key lookup
// on a warm Remote with a kid it holds. It must not allocate.
func BenchmarkKeys(b *testing.B) {
	srv := newJWKSServer(b, jwksDoc(b, ecJWK("a", 0), ecJWK("b", 1), ecJWK("c", 2)))
	r := newRemote(b, srv.URL, Options{})
	ctx := context.Background()

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Keys(ctx, "b"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Keys(ctx, "b"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("no kid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Keys(ctx, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	// An unknown kid within the cooldown: what a flood of made-up kids
	// costs once the one refetch has been spent.
	if _, err := r.Keys(ctx, "made-up"); err == nil {
		b.Fatal("made-up kid found")
	}
	b.Run("unknown kid in cooldown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Keys(ctx, "made-up"); err == nil {
				b.Fatal("made-up kid found")
			}
		}
	})
	if n := srv.count(); n != 2 {
		b.Fatalf("%d requests; want the first fetch and one refetch", n)
	}
}

// BenchmarkStaticKeys is the baseline: a source that only returns a pointer.
func BenchmarkStaticKeys(b *testing.B) {
	srv := newJWKSServer(b, jwksDoc(b, ecJWK("a", 0)))
	r := newRemote(b, srv.URL, Options{})
	set, _ := r.Keys(context.Background(), "a")
	s := Static(set)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Keys(ctx, "a"); err != nil {
			b.Fatal(err)
		}
	}
}

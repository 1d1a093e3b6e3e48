package jwks

import (
	"context"
	"fmt"
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

// BenchmarkIssuerKeys measures routing a token of a multi-tenant issuer:
// the template match, the tenant allow-list, the tid check and, for
// per-tenant keys, the lookup of the tenant's Remote in the bounded set.
// A trusted tenant's token must not allocate.
func BenchmarkIssuerKeys(b *testing.B) {
	tpl := "https://login.example.com/" + TenantPlaceholder + "/v2.0"
	tenants := make([]string, 1000)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
	}
	c := claims(b, "https://login.example.com/"+tenants[500]+"/v2.0", tenants[500])
	ctx := context.Background()
	run := func(b *testing.B, s *Issuers) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.IssuerKeys(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("shared-keys", func(b *testing.B) {
		s, err := NewIssuers(IssuersConfig{Templates: []string{tpl}, Tenants: tenants, Keys: Static(nil)})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
	b.Run("per-tenant-keys", func(b *testing.B) {
		s, err := NewIssuers(IssuersConfig{Templates: []string{tpl}, Tenants: tenants})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		// The tenant's Remote, made already (a stand-in: the set's lookup
		// is what is measured).
		e := &issuerSource{issuer: c.Issuer, ready: make(chan struct{}), remote: &Remote{}}
		close(e.ready)
		e.elem = s.lru.PushFront(e)
		s.sources[c.Issuer] = e
		run(b, s)
	})
}

package introspect

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/benchkit"
)

// A realistic opaque token: 32 random bytes in base64url.
const benchToken = "hPq0f7Zk3xWmYw9rL2sVbN4tQ8cJ1eGdKaTuRiOyXnE"

func benchAnswer(_ context.Context, tok string) (*Response, error) {
	return &Response{
		Active: true, Scope: "openid profile read:appointments", ClientID: "client-1",
		Subject: "auth0|64b0c9a5f1e2d3c4b5a69788", Audience: []string{"https://api.example.com"},
		Issuer: "https://tenant.example.com/", TokenType: "access_token",
		ExpiresAt: time.Now().Add(time.Hour), IssuedAt: time.Now(),
	}, nil
}

// BenchmarkCacheHit is one request's cost when its token's answer is cached:
// SHA-256 of the token, a locked map lookup and LRU move, and the copy the
// caller gets.
func BenchmarkCacheHit(b *testing.B) {
	c := NewCache(IntrospectorFunc(benchAnswer), CacheOptions{})
	ctx := context.Background()
	if _, err := c.Introspect(ctx, benchToken); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Introspect(ctx, benchToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHitParallel is cache hits from every core over a working
// set of 1,000 tokens, as a busy resource server sees them.
func BenchmarkCacheHitParallel(b *testing.B) {
	c := NewCache(IntrospectorFunc(benchAnswer), CacheOptions{})
	ctx := context.Background()
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("%s-%04d", benchToken, i)
		if _, err := c.Introspect(ctx, tokens[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Introspect(ctx, tokens[i%len(tokens)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkCacheHitParallelSameToken is the worst case for contention:
// every core asking about one token.
func BenchmarkCacheHitParallelSameToken(b *testing.B) {
	c := NewCache(IntrospectorFunc(benchAnswer), CacheOptions{})
	ctx := context.Background()
	if _, err := c.Introspect(ctx, benchToken); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Introspect(ctx, benchToken); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCacheMiss is the cache's own overhead on a miss (the shared
// call's goroutine and bookkeeping) in front of an instant inner
// Introspector.
func BenchmarkCacheMiss(b *testing.B) {
	c := NewCache(IntrospectorFunc(inactive), CacheOptions{NegativeTTL: -1})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Introspect(ctx, benchToken); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResponse(b *testing.B) {
	body := []byte(`{"active":true,"scope":"openid profile read:appointments","client_id":"client-1",` +
		`"sub":"auth0|64b0c9a5f1e2d3c4b5a69788","aud":["https://api.example.com"],"iss":"https://tenant.example.com/",` +
		`"exp":1900000000,"iat":1899996400,"token_type":"access_token","username":"jdoe"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientIntrospect is one uncached introspection over loopback
// HTTP with a kept-alive connection: the cost a cache hit saves, before any
// real network latency.
func BenchmarkClientIntrospect(b *testing.B) {
	srv, _ := endpoint(b, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"active":true,"scope":"read","sub":"u","exp":1900000000}`)
	})
	c, err := NewClient(Config{Endpoint: srv.URL, ClientID: testID, ClientSecret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Introspect(ctx, benchToken); err != nil {
			b.Fatal(err)
		}
	}
}

// entryAnswer is an active answer of 368 bytes with every registered
// member but Extra: the shape the memory figure in the MemoryStore
// documentation is measured with.
const entryAnswer = `{"active":true,"scope":"openid profile email read:appointments write:appointments",` +
	`"client_id":"s6BhdRkqt3","username":"jdo@example.com","token_type":"access_token",` +
	`"exp":1900000000,"iat":1899996400,"nbf":1899996400,"sub":"auth0|64b0c9a5f1e2d3c4b5a69788",` +
	`"aud":"https://api.example.com","iss":"https://tenant.example.com/","jti":"5f0c1e3a-9b7d-4c2e-8f61-2a4b6c8d0e1f"}`

// BenchmarkMemoryStoreBytesPerEntry measures the heap a MemoryStore holds
// per answer, over 10,000 answers of one kind, each parsed from its own
// body as a Client's are (so no two share their strings): the
// B/active-entry and B/inactive-entry metrics are what the MemoryStore
// documentation quotes. Each iteration fills a fresh store with active
// answers.
func BenchmarkMemoryStoreBytesPerEntry(b *testing.B) {
	const n = 10_000
	if len(entryAnswer) != 368 {
		b.Fatalf("the answer is %d bytes, want 368", len(entryAnswer))
	}
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	keys := make([][32]byte, n)
	for i := range keys {
		keys[i] = sha256.Sum256(fmt.Appendf(nil, "token-%06d", i))
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	fill := func(s *MemoryStore, body string) {
		for i := range keys {
			r, err := ParseResponse([]byte(body))
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Put(ctx, keys[i], r, exp); err != nil {
				b.Fatal(err)
			}
		}
	}
	perEntry := func(body string) float64 {
		before := heap()
		// Room to spare, so that no part of the split store evicts.
		s := NewMemoryStore(MemoryStoreOptions{MaxEntries: 2 * n, MaxInactiveEntries: 2 * n})
		fill(s, body)
		after := heap()
		if a, i := s.Len(); a+i != n {
			b.Fatalf("store holds %d answers, want %d", a+i, n)
		}
		runtime.KeepAlive(s)
		return float64(after-before) / n
	}
	active, inactive := perEntry(entryAnswer), perEntry(`{"active":false}`)
	b.ReportAllocs()
	for b.Loop() {
		fill(NewMemoryStore(MemoryStoreOptions{MaxEntries: 2 * n, MaxInactiveEntries: 2 * n}), entryAnswer)
	}
	b.ReportMetric(active, "B/active-entry")
	b.ReportMetric(inactive, "B/inactive-entry")
}

// BenchmarkCacheHitDuringFlood is a cached token's lookup while 2,000
// goroutines flood the same Cache with distinct made-up tokens against an
// introspection endpoint on loopback that takes 20 ms to answer. Each batch
// of hits on the flooded cache is timed against a batch of hits on a cache
// nobody floods, interleaved in the same run, so both pay alike for the CPU
// the flood burns: the x-unflooded metric is the ratio, and 1.0 means the
// flood costs a legitimate cached token nothing beyond its share of the
// machine. The cpu runs time each batch by thread CPU time, the wall runs
// by the clock, so that any waiting counts too.
func BenchmarkCacheHitDuringFlood(b *testing.B) {
	e := newSlowEndpoint(b, 20*time.Millisecond, func(tok string) bool { return tok == "real-token" })
	client, err := NewClient(Config{Endpoint: e.URL, ClientID: testID, ClientSecret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Close() })
	flooded := NewCache(client, CacheOptions{})
	// The same answer as the endpoint gives for real-token, so that both
	// steps copy the same.
	idle := NewCache(IntrospectorFunc(func(context.Context, string) (*Response, error) {
		return ParseResponse([]byte(`{"active":true,"scope":"read","sub":"u"}`))
	}), CacheOptions{})
	ctx := context.Background()
	for _, c := range []*Cache{flooded, idle} {
		if _, err := c.Introspect(ctx, benchToken); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := flooded.Introspect(ctx, "real-token"); err != nil {
		b.Fatal(err)
	}

	stop := make(chan struct{})
	var flood sync.WaitGroup
	var n atomic.Int64
	for range 2_000 {
		flood.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = flooded.Introspect(ctx, fmt.Sprint("made-up-", n.Add(1)))
			}
		})
	}
	defer func() {
		close(stop)
		flood.Wait()
	}()
	for e.inFlight.Load() < DefaultMaxConcurrentCalls/2 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	hit := func(c *Cache, tok string) func() error {
		return func() error {
			r, err := c.Introspect(ctx, tok)
			if err == nil && !r.Active {
				err = fmt.Errorf("cached answer for %s is inactive", tok)
			}
			return err
		}
	}
	steps := []func() error{hit(idle, benchToken), hit(flooded, "real-token")}
	report := func(b *testing.B, t benchkit.Times) {
		b.ReportMetric(t.Ratio(1, 0), "x-unflooded")
		b.ReportMetric(float64(e.maxInFlight.Load()), "max-in-flight")
	}
	// Thread CPU time: what a hit costs the machine, flood or not.
	benchkit.Ratio{Steps: steps, Report: report}.Run(b, "cpu")
	// Wall time: also any waiting, and each step's share of the
	// preemptions the flood's goroutines cause, so it is noisier.
	benchkit.Ratio{Steps: steps, Report: report, Clock: func() time.Duration { return time.Since(start) }}.Run(b, "wall")
}

package introspect

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
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

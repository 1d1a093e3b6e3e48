package idtoken

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// cacheEntryBudget is what a cache entry may cost beside the token itself:
// the package documentation says about 390 bytes (DefaultCacheSize), and
// 512 is the most the package promises, with room for the allocator's
// rounding and for the cache's own slots.
const cacheEntryBudget = 512

// TestCacheEntryMemory fills a cache of the default size with distinct
// typical ID tokens and measures the heap the validator and its cache hold
// per entry, beside the raw tokens (which the test holds anyway, and the
// cache shares).
func TestCacheEntryMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("mints thousands of tokens")
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"), tokentest.WithClock(func() time.Time { return now }))
	toks := make([]string, DefaultCacheSize)
	raw := 0
	for i := range toks {
		toks[i] = iss.IDToken(tokentest.Claims{
			"nonce": "n-0S6_WzA2Mj", "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
			"exp": now.Add(time.Hour + time.Duration(i)*time.Second).Unix(),
		})
		raw += len(toks[i])
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v, err := NewValidator(Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(),
		Algorithms: []string{"EdDSA"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if _, err := v.Validate(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	n := v.cache.Len()
	if n < len(toks)/2 { // a full set replaces an entry, so not every token stays
		t.Fatalf("the cache holds %d of %d tokens", n, len(toks))
	}
	per := (int(after.HeapAlloc) - int(before.HeapAlloc)) / n
	t.Logf("%d entries: %d bytes each beside a raw token of %d bytes", n, per, raw/len(toks))
	if per > cacheEntryBudget {
		t.Errorf("a cache entry costs %d bytes beside the token; the documented budget is %d", per, cacheEntryBudget)
	}
	runtime.KeepAlive(toks)
	runtime.KeepAlive(v)
}

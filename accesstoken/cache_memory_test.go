package accesstoken

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// cacheEntryBudget is what the package documentation promises a cache entry
// costs at most beside the token itself (DefaultCacheSize): about 450 bytes
// are measured, and the allocator's size classes round up.
const cacheEntryBudget = 512

// TestCacheEntryMemory fills a cache of the default size with distinct
// typical access tokens and measures the heap the cache holds per entry,
// beside the raw tokens (which the test holds anyway, and the cache shares).
func TestCacheEntryMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("mints thousands of tokens")
	}
	now := time.Unix(1_800_000_000, 0).UTC()
	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"), tokentest.WithClock(func() time.Time { return now }))
	toks := make([]string, DefaultCacheSize)
	raw := 0
	for i := range toks {
		toks[i] = iss.AccessToken(tokentest.Claims{
			"aud":         []string{iss.Audience(), iss.URL() + "/userinfo"},
			"scope":       "openid profile email read:appointments write:appointments",
			"permissions": []string{"read:appointments", "write:appointments"},
			"gty":         "authorization_code",
			"exp":         now.Add(time.Hour + time.Duration(i)*time.Second).Unix(),
		}, tokentest.AtJWT())
		raw += len(toks[i])
	}
	v, err := NewValidator(Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
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

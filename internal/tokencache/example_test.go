package tokencache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
)

// A validator looks a token up before verifying it and adds it after. A hit
// lasts until the deadline (the token's exp plus the leeway) and while the
// liveness function accepts the entry; a validator's asks whether the key
// that verified the token is still published.
func Example() {
	type verified struct {
		sub string
		kid string
	}
	published := map[string]bool{"k1": true}
	cache := tokencache.New(100, func(_ context.Context, v verified) bool { return published[v.kid] })

	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cache.Add("raw.token.value", verified{sub: "alice", kid: "k1"}, now.Add(time.Hour), now)

	v, ok := cache.Lookup(context.Background(), "raw.token.value", now.Add(time.Minute))
	fmt.Println(v.sub, ok)
	_, ok = cache.Lookup(context.Background(), "raw.token.value", now.Add(2*time.Hour))
	fmt.Println("after the deadline:", ok)

	cache.Add("raw.token.value", verified{sub: "alice", kid: "k1"}, now.Add(time.Hour), now)
	delete(published, "k1") // the key rotated out
	_, ok = cache.Lookup(context.Background(), "raw.token.value", now.Add(time.Minute))
	fmt.Println("after the key left:", ok)

	// Output:
	// alice true
	// after the deadline: false
	// after the key left: false
}

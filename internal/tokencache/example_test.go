package tokencache_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/tokencache"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// A validator looks a token up before verifying it and adds it after. A hit
// lasts while the token is unexpired and its signing key is still published.
func Example() {
	pub, _, _ := ed25519.GenerateKey(nil)
	key, _ := token.NewPublicKey(token.KeyParams{ID: "k1", Algorithm: "EdDSA"}, pub)
	set, _ := token.NewKeySet(key)
	keys := jwks.Static(set)

	cache := tokencache.New[string](100)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cache.Add("raw.token.value", "alice", keys, key, "k1", now.Add(time.Hour), now)

	sub, ok := cache.Lookup(context.Background(), "raw.token.value", now.Add(time.Minute), time.Minute)
	fmt.Println(sub, ok)
	_, ok = cache.Lookup(context.Background(), "raw.token.value", now.Add(2*time.Hour), time.Minute)
	fmt.Println("after exp:", ok)

	// Output:
	// alice true
	// after exp: false
}

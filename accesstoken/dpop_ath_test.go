package accesstoken

import (
	"fmt"
	"hash/maphash"
	"sync"
	"testing"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// The remembered ath of a token is always that token's own: with more
// tokens than slots, so that they evict each other, and from several
// goroutines at once (run it with -race), every answer equals the hash
// computed afresh, as tokentest computes it for a proof.
func TestATHCacheAnswersForTheWholeToken(t *testing.T) {
	c := athCache{seed: maphash.MakeSeed()}
	tokens := make([]string, 3*athCacheSize)
	for i := range tokens {
		// Tokens alike but for one character, at the start or the end.
		if i%2 == 0 {
			tokens[i] = fmt.Sprintf("%04x.payload.signature", i)
		} else {
			tokens[i] = fmt.Sprintf("header.payload.signature%04x", i)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 4 * len(tokens) {
				tok := tokens[(n*7+w*13)%len(tokens)]
				got := c.of(tok)
				if want := tokentest.AccessTokenHash(tok); string(got[:]) != want {
					t.Errorf("ath of %q is %s, want %s", tok, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	// A remembered token is answered from its slot.
	tok := tokens[0]
	c.of(tok)
	e := c.slots[maphash.String(c.seed, tok)&(athCacheSize-1)].Load()
	if e == nil || e.token != tok {
		t.Fatal("the last token's hash is not remembered")
	}
}

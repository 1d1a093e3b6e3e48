package benchkit

import (
	"crypto"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Ring hands out a fixed set of distinct tokens in turn, so that a
// benchmark validates a new token on every call, as a busy server does:
// with more tokens than a validator's cache holds, each comes back only
// after its entry is gone. It is safe for concurrent use.
type Ring struct {
	tokens []string
	pos    atomic.Uint64
}

// NewRing returns a Ring over tokens, starting at the first. Rings may
// share their tokens: each keeps its own position.
func NewRing(tokens []string) *Ring { return &Ring{tokens: tokens} }

// Next returns the next token, after the last one the first again.
func (r *Ring) Next() string {
	return r.tokens[(r.pos.Add(1)-1)%uint64(len(r.tokens))]
}

// Baseline is the baseline of a step that validates r's tokens: a
// function that verifies, on each call, the token Next handed out that
// many calls ago, starting with the one Next gives next (each signed with
// alg by the private half of pub), as Baseline verifies one. Ratios to it
// compare the same tokens, with the same memory traffic, where Baseline's
// one token stays in the processor's caches. It keeps a position of its
// own and is safe for concurrent use. It stops tb when there is no
// baseline for alg and pub or when a token's signature does not verify.
func (r *Ring) Baseline(tb testing.TB, alg string, pub crypto.PublicKey) func() error {
	tb.Helper()
	if len(r.tokens) == 0 {
		tb.Fatal("benchkit: a ring baseline needs tokens")
	}
	verify := make([]func() error, len(r.tokens))
	for i, tok := range r.tokens {
		f, err := NewBaseline(alg, pub, tok)
		if err != nil {
			tb.Fatalf("benchkit: token %d of the ring: %v", i, err)
		}
		verify[i] = f
	}
	if err := verify[0](); err != nil {
		tb.Fatalf("benchkit: %s baseline of the ring's first token: %v", alg, err)
	}
	var pos atomic.Uint64
	pos.Store(r.pos.Load())
	return func() error {
		return verify[(pos.Add(1)-1)%uint64(len(verify))]()
	}
}

// MintTokens returns n tokens, mint(i) making the i-th, minted on every
// core: signing thousands of RS256 tokens takes seconds on one.
func MintTokens(n int, mint func(i int) string) []string {
	tokens := make([]string, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				tokens[i] = mint(i)
			}
		})
	}
	wg.Wait()
	return tokens
}

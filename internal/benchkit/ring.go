package benchkit

import (
	"runtime"
	"sync"
	"sync/atomic"
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

// Tokens returns the ring's tokens, in the order Next hands them out.
func (r *Ring) Tokens() []string { return r.tokens }

// Pos returns how many tokens Next has handed out: where a RingBaseline
// over the same tokens starts so as to verify the tokens Next gives next.
func (r *Ring) Pos() int { return int(r.pos.Load()) }

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

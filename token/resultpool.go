package token

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// A Result is about 2 KB, most of it the storage for the members of a
// typical token, and the pipeline needs one before it can parse anything.
// Allocating it costs more than any refusal made before the signature
// (an expired token, one for another issuer or audience), which clients
// send all the time. So a Verifier keeps the Results of the tokens it
// refused, cleared, and hands them to the next tokens: a refusal before
// the signature allocates no Result. A Result whose token passed is the
// caller's and is never taken back.
//
// The header and claims checks (VerifierConfig.CheckHeader and
// CheckClaims) see the Header and Claims of such a Result, and must not
// keep them after they return.

// resultPool holds the cleared Results of one type argument of VerifyFor.
// A Verifier serves one type in practice (each validator has its own
// Verifier); a Verifier used with several types pools the first one's.
type resultPool struct {
	typ  reflect.Type
	pool sync.Pool
}

// resultPools is a Verifier's pool of Results. The zero value is ready.
type resultPools struct {
	p atomic.Pointer[resultPool]
}

// pool returns the pool for Result[T], or nil when the pool serves
// another type.
func resultPoolFor[T any](rp *resultPools) *resultPool {
	typ := reflect.TypeFor[T]()
	p := rp.p.Load()
	if p == nil {
		rp.p.CompareAndSwap(nil, &resultPool{typ: typ})
		p = rp.p.Load()
	}
	if p.typ != typ {
		return nil
	}
	return p
}

// newResult returns a cleared Result[T] from the pool, or a new one.
func newResult[T any](rp *resultPools) *Result[T] {
	if p := resultPoolFor[T](rp); p != nil {
		if r, ok := p.pool.Get().(*Result[T]); ok {
			return r
		}
	}
	return new(Result[T])
}

// recycle clears r, a Result of a refused token that nothing outside the
// pipeline holds, and keeps it for the next token.
func recycle[T any](rp *resultPools, r *Result[T]) {
	*r = Result[T]{}
	if p := resultPoolFor[T](rp); p != nil {
		p.pool.Put(r)
	}
}

package introspect

import (
	"context"
	"time"
)

// Store holds introspection answers for a Cache, so that several instances
// of a resource server can share them, or so that they outlive a restart.
// The Cache keeps its own bookkeeping (one shared call per token, the bound
// on concurrent calls) in front of the Store; the Store only keeps answers.
// MemoryStore, the default, keeps them in this process.
//
// A key is the SHA-256 of a token (sha256.Sum256), never the token itself.
//
// A Response that Get returns is the caller's own: the store must not hand
// the same *Response to two callers, nor let a caller's changes to it reach
// what it stores. After Put returns, the store must not depend on r staying
// unchanged: it keeps a copy (or an encoding) of it; and it must not modify
// r, which the Cache hands to the callers waiting for it at the same time.
// A Cache gives each Put a context with a deadline, and never serves an
// active answer from Get once the token's exp (Response.ExpiresAt) has
// passed, whatever the store's own expiry says.
//
// Every error means the store could not do what was asked and should match
// token.ErrUnavailable; a Cache reports a failed Get (and so a failed
// lookup) as token.ErrUnavailable, never as a verdict on the token.
// Implementations must be safe for concurrent use.
type Store interface {
	// Get returns the answer under key and true; false when none is stored
	// or it has expired. An error (matching token.ErrUnavailable) means the
	// store could not answer.
	Get(ctx context.Context, key [32]byte) (*Response, bool, error)
	// Put stores r under key until expires (never longer).
	Put(ctx context.Context, key [32]byte, r *Response, expires time.Time) error
	// Delete removes key.
	Delete(ctx context.Context, key [32]byte) error
}

package introspect_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// TestNilReceivers checks that nil and zero clients, caches and answers
// never panic, and that their errors match token.ErrUnavailable. (The
// README's "defer client.Close()" runs even when NewClient failed.)
func TestNilReceivers(t *testing.T) {
	ctx := context.Background()
	for _, c := range []*introspect.Client{nil, new(introspect.Client)} {
		if err := c.Close(); err != nil {
			t.Errorf("Close on %p: %v", c, err)
		}
		if _, err := c.Introspect(ctx, "tok"); !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Introspect on %p: %v; want ErrUnavailable", c, err)
		}
		if c.Endpoint() != "" {
			t.Errorf("Endpoint on %p: %q", c, c.Endpoint())
		}
	}
	for _, c := range []*introspect.Cache{nil, new(introspect.Cache)} {
		if _, err := c.Introspect(ctx, "tok"); !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Introspect on %p: %v; want ErrUnavailable", c, err)
		}
		if err := c.Forget(ctx, "tok"); !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Forget on %p: %v; want ErrUnavailable", c, err)
		}
	}
	var st *introspect.MemoryStore
	if _, _, err := st.Get(ctx, [32]byte{}); !errors.Is(err, token.ErrUnavailable) {
		t.Errorf("Get on a nil MemoryStore: %v; want ErrUnavailable", err)
	}
	if err := st.Put(ctx, [32]byte{}, &introspect.Response{}, time.Now().Add(time.Hour)); !errors.Is(err, token.ErrUnavailable) {
		t.Errorf("Put on a nil MemoryStore: %v; want ErrUnavailable", err)
	}
	if err := st.Delete(ctx, [32]byte{}); !errors.Is(err, token.ErrUnavailable) {
		t.Errorf("Delete on a nil MemoryStore: %v; want ErrUnavailable", err)
	}
	if a, i := st.Len(); a+i != 0 {
		t.Errorf("Len on a nil MemoryStore: %d, %d", a, i)
	}
	var r *introspect.Response
	if r.Scopes() != nil || r.HasScope("a") || r.Clone() != nil {
		t.Error("a nil Response reads as something")
	}
	if b, err := r.MarshalJSON(); err != nil || string(b) != "null" {
		t.Errorf("MarshalJSON of a nil Response: %s, %v", b, err)
	}
}

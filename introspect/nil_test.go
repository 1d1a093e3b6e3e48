package introspect_test

import (
	"context"
	"errors"
	"testing"

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
		c.Forget("tok")
		if c.Len() != 0 {
			t.Errorf("Len on %p: %d", c, c.Len())
		}
	}
	var r *introspect.Response
	if r.Scopes() != nil || r.HasScope("a") || r.Clone() != nil {
		t.Error("a nil Response reads as something")
	}
	if b, err := r.MarshalJSON(); err != nil || string(b) != "null" {
		t.Errorf("MarshalJSON of a nil Response: %s, %v", b, err)
	}
}

package jwks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// TestNilReceivers checks that a nil or zero key source never panics and
// that its errors match a sentinel.
func TestNilReceivers(t *testing.T) {
	ctx := context.Background()
	for _, r := range []*jwks.Remote{nil, new(jwks.Remote)} {
		if _, err := r.Keys(ctx, "kid"); !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Keys on %p: %v; want ErrUnavailable", r, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close on %p: %v", r, err)
		}
		if r.URL() != "" || r.Discovery() != nil || r.Stats().Keys != 0 {
			t.Errorf("%p reads as configured", r)
		}
	}
	var s *jwks.StaticSource
	if _, err := s.Keys(ctx, ""); !errors.Is(err, token.ErrKeyNotFound) {
		t.Errorf("Keys on a nil StaticSource: %v; want ErrKeyNotFound", err)
	}
}

package token_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// TestNilReceivers checks that no exported method panics on a nil or zero
// receiver, and that every error it returns matches a sentinel.
func TestNilReceivers(t *testing.T) {
	ctx := context.Background()
	var (
		v   *token.Verifier
		k   *token.Key
		s   *token.KeySet
		c   *token.Claims
		h   *token.Header
		ve  *token.ValidationError
		mrs *token.MemoryReplayStore
	)
	for _, ver := range []*token.Verifier{v, new(token.Verifier)} {
		if _, err := ver.Verify(ctx, "a.b.c"); !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("Verify on %#v: %v; want ErrUnavailable", ver, err)
		}
		if r, err := token.VerifyFor[int](ctx, ver, "a.b.c"); r != nil || !errors.Is(err, token.ErrUnavailable) {
			t.Errorf("VerifyFor on %#v: %v; want ErrUnavailable", ver, err)
		}
		if ver.Issuer() != "" || ver.Leeway() != 0 || time.Since(ver.Now()) > time.Minute {
			t.Errorf("accessors of %#v: %q %v %v", ver, ver.Issuer(), ver.Leeway(), ver.Now())
		}
	}
	if k.ID() != "" || k.Algorithm() != "" || k.Public() != nil || k.Symmetric() || k.Equal(nil) != true {
		t.Error("a nil Key reads as something")
	}
	if s.Len() != 0 || s.Keys() != nil || s.Lookup("x") != nil || s.Contains(k) || s.Skipped() != nil {
		t.Error("a nil KeySet holds something")
	}
	if c.Has("iss") || c.Names() != nil || c.JSON() != nil {
		t.Error("nil Claims hold something")
	}
	if _, ok := c.Get("iss"); ok {
		t.Error("nil Claims hold iss")
	}
	if _, ok, err := c.GetString("iss"); ok || err != nil {
		t.Errorf("nil Claims GetString: %v, %v", ok, err)
	}
	var dst struct{ Iss string }
	if err := c.Decode(&dst); err != nil || dst.Iss != "" {
		t.Errorf("nil Claims Decode: %v, %+v", err, dst)
	}
	if err := c.Decode(nil); !errors.Is(err, token.ErrInvalidClaim) {
		t.Errorf("Decode(nil): %v; want ErrInvalidClaim", err)
	}
	if _, ok := h.Get("alg"); ok || h.JSON() != nil {
		t.Error("a nil Header holds something")
	}
	if ve.Error() == "" || ve.Unwrap() != nil {
		t.Error("a nil ValidationError reads as something")
	}
	if err := mrs.Use(ctx, "x", time.Now().Add(time.Minute)); !errors.Is(err, token.ErrUnavailable) || mrs.Len() != 0 {
		t.Errorf("nil MemoryReplayStore: %v", err)
	}
	var pv *token.ProofVerifier
	for _, p := range []*token.ProofVerifier{pv, new(token.ProofVerifier)} {
		if v, err := p.Verify("a.b.c", nil); v != nil || !errors.Is(err, token.ErrUnavailable) || p.Algorithms() != "" {
			t.Errorf("Verify on %#v: %v; want ErrUnavailable", p, err)
		}
	}
	if _, err := k.Thumbprint(); !errors.Is(err, token.ErrKeyMismatch) {
		t.Errorf("Thumbprint of a nil key: %v; want ErrKeyMismatch", err)
	}
	if token.CertificateThumbprint(nil) != "" {
		t.Error("a nil certificate has a thumbprint")
	}
}

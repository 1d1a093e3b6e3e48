package token

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The Result of a refused token is reused for the next token, cleared: an
// accepted token reads only its own header, claims and audiences, and its
// Value starts at zero, whatever the refused tokens before it carried.
func TestVerifyForReusesRefusedResultsCleared(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) {
		c.Critical = []string{"ext"}
		c.CheckClaims = func(_ *Header, c *Claims) error {
			if c.Subject == "refuse-me" {
				return Errorf(ErrInvalidClaim, "sub", "refused by the test")
			}
			return nil
		}
	})
	ctx := context.Background()
	type value struct{ Note string }
	// Refused tokens that fill every part of a Result: crit, many
	// audiences, extra claims, and a Value the caller might have set.
	refused := []string{
		sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "crit": []string{"ext"}, "ext": 1, "cty": "json"},
			validClaims().with("sub", "refuse-me", "aud", []string{"x1", "x2", "x3", "x4", "x5"}, "extra", "left over")),
		sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims().with("exp", testNow.Add(-time.Hour).Unix(), "nbf", testNow.Add(-2*time.Hour).Unix())),
	}
	good := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims())
	want, err := newTestVerifier(t, standardSet(t), nil).Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 50 {
		for _, raw := range refused {
			if _, err := VerifyFor[value](ctx, v, raw); err == nil {
				t.Fatal("a token meant to be refused was accepted")
			}
		}
		r, err := VerifyFor[value](ctx, v, good)
		if err != nil {
			t.Fatal(err)
		}
		got := &r.Verified
		if r.Value != (value{}) || got.Header.Critical != nil || got.Header.ContentType != "" ||
			fmt.Sprint(got.Claims.Audience) != fmt.Sprint(want.Claims.Audience) ||
			fmt.Sprint(got.Claims.Names()) != fmt.Sprint(want.Claims.Names()) ||
			!got.Claims.NotBefore.IsZero() || got.Claims.Has("extra") {
			t.Fatalf("round %d: the accepted token's Result holds what a refused one left: %+v", round, r)
		}
		r.Value.Note = "the caller's own"
	}
}

// A refusal before the signature allocates no Result: only what reading
// the claims and wording the refusal need.
func TestVerifyRefusalBeforeSignatureAllocations(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	ctx := context.Background()
	// A token of the issuer's with the same header was accepted before, so
	// the header is remembered, as on a server that has run for a while.
	if _, err := VerifyFor[[64]byte](ctx, v, sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims())); err != nil {
		t.Fatal(err)
	}
	expired := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims().with("exp", testNow.Add(-time.Hour).Unix()))
	if _, err := VerifyFor[[64]byte](ctx, v, expired); err == nil {
		t.Fatal("accepted an expired token")
	}
	// The decoded claims (one string) and the error: a Result, which is
	// about 2 KB, would be a third.
	if n := testing.AllocsPerRun(100, func() { _, _ = VerifyFor[[64]byte](ctx, v, expired) }); n > 2 {
		t.Errorf("an expired token costs %v allocations; want at most 2", n)
	}
}

// A Verifier used with several result types works for each; only one of
// them is pooled.
func TestVerifyForSeveralTypes(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	ctx := context.Background()
	expired := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims().with("exp", testNow.Add(-time.Hour).Unix()))
	raw := good(t)
	for range 3 {
		for _, tok := range []string{expired, raw} {
			_, err1 := VerifyFor[int](ctx, v, tok)
			_, err2 := VerifyFor[string](ctx, v, tok)
			_, err3 := v.Verify(ctx, tok)
			if (err1 == nil) != (tok == raw) || (err2 == nil) != (tok == raw) || (err3 == nil) != (tok == raw) {
				t.Fatalf("verdicts differ by result type: %v, %v, %v", err1, err2, err3)
			}
		}
	}
}

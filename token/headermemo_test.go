package token

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// headerOf returns what a user can read of h, for comparing two headers.
func headerOf(h *Header) string {
	typ, _ := h.Get("typ")
	return fmt.Sprintf("alg=%q kid=%q typ=%q cty=%q crit=%q get(typ)=%s json=%s",
		h.Algorithm, h.KeyID, h.Type, h.ContentType, h.Critical, typ, h.JSON())
}

// A token whose header the Verifier parsed before gets the same Header as a
// fresh parse, and its own claims.
func TestHeaderMemoGivesTheParsedHeader(t *testing.T) {
	set := standardSet(t)
	v := newTestVerifier(t, set, nil)
	hdr := obj{"kid": "rsa", "typ": "at+jwt", "cty": "json", "x-extra": []int{1, 2}}
	first := sign(t, RS256, testKeys().rsa, hdr, validClaims().with("jti", "first"))
	second := sign(t, RS256, testKeys().rsa, hdr, validClaims().with("jti", "second", "scope", "read"))
	if strings.Split(first, ".")[0] != strings.Split(second, ".")[0] {
		t.Fatal("the two tokens should share their header segment")
	}
	a, err := v.Verify(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	if v.headers.load(strings.Split(first, ".")[0]) == nil {
		t.Fatal("the header was not remembered")
	}
	b, err := v.Verify(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := newTestVerifier(t, set, nil).Verify(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := headerOf(&b.Header), headerOf(&fresh.Header); got != want {
		t.Errorf("remembered header:\n%s\nfresh parse:\n%s", got, want)
	}
	if headerOf(&a.Header) != headerOf(&b.Header) {
		t.Error("two tokens with one header segment read different headers")
	}
	if b.Claims.ID != "second" || a.Claims.ID != "first" {
		t.Errorf("claims mixed up: %q, %q", a.Claims.ID, b.Claims.ID)
	}
	if s, _, _ := b.Claims.GetString("scope"); s != "read" {
		t.Errorf("second token's scope = %q", s)
	}
	// The remembered header holds the header alone: it keeps no token's
	// claims alive.
	m := v.headers.load(strings.Split(first, ".")[0])
	dec, _ := base64.RawURLEncoding.DecodeString(strings.Split(first, ".")[0])
	if m.header.text != string(dec) {
		t.Errorf("the memo keeps %q; want the header alone, %q", m.header.text, dec)
	}
}

// Everything checked after the header is parsed is still checked on a
// token whose header is remembered: the payload's encoding, the key, the
// signature, the header check.
func TestHeaderMemoKeepsLaterChecks(t *testing.T) {
	set := standardSet(t)
	typeChecks := 0
	v := newTestVerifier(t, set, func(c *VerifierConfig) {
		c.CheckHeader = func(h *Header) error {
			typeChecks++
			if h.Type != "JWT" {
				return Errorf(ErrTokenType, "header.typ", "want JWT")
			}
			return nil
		}
	})
	ctx := context.Background()
	good := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "typ": "JWT"}, validClaims())
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")

	_, err := v.Verify(ctx, parts[0]+"."+parts[1]+"*."+parts[2])
	assertRefused(t, err, ErrMalformed, "")
	if !strings.Contains(err.Error(), "base64url") {
		t.Errorf("bad payload after a remembered header: %v", err)
	}

	// Another key signed it: the signature still fails.
	other := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa", "typ": "JWT"}, validClaims())
	_, err = v.Verify(ctx, other)
	assertRefused(t, err, ErrSignature, "")

	// The header check runs on every token.
	before := typeChecks
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	if typeChecks != before+1 {
		t.Errorf("CheckHeader ran %d times for one token", typeChecks-before)
	}
}

// The key is looked up on every token: a remembered header does not
// remember the key its kid named.
func TestHeaderMemoKeyLookedUpEachTime(t *testing.T) {
	set := standardSet(t)
	src := &swapSource{set: set}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: src, Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims())
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	src.set = mustSet(t, mustKey(t, KeyParams{ID: "ed"}, testKeys().ed.Public()))
	_, err = v.Verify(context.Background(), raw)
	assertRefused(t, err, ErrKeyNotFound, "header.kid")
}

type swapSource struct{ set *KeySet }

func (s *swapSource) Keys(context.Context, string) (*KeySet, error) { return s.set, nil }

// A header with crit is parsed for every token: its Critical list is a
// slice each result owns.
func TestHeaderMemoCriticalNotShared(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) { c.Critical = []string{"exp-ext"} })
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "crit": []string{"exp-ext"}, "exp-ext": 1}, validClaims())
	a, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	a.Header.Critical[0] = "changed"
	b, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b.Header.Critical, []string{"exp-ext"}) {
		t.Errorf("second result's crit = %q after the first result's was changed", b.Header.Critical)
	}
}

// Headers too long to remember are parsed every time and read the same.
func TestHeaderMemoLongHeader(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "x-pad": strings.Repeat("p", 2*maxMemoSegment)}, validClaims())
	for range 2 {
		got, err := v.Verify(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if got.Header.KeyID != "rsa" {
			t.Fatalf("kid = %q", got.Header.KeyID)
		}
	}
	if v.headers.load(strings.Split(raw, ".")[0]) != nil {
		t.Error("a header longer than maxMemoSegment was remembered")
	}
}

// Many goroutines verifying tokens of more distinct headers than the memo
// keeps each read their own token's header (run with -race).
func TestHeaderMemoConcurrent(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	const headers = 3 * headerMemoWays
	toks := make([]string, headers)
	for i := range toks {
		toks[i] = sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "typ": fmt.Sprintf("t%d", i)}, validClaims().with("jti", fmt.Sprint(i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g + n) % headers
				got, err := v.Verify(context.Background(), toks[i])
				if err != nil {
					errs <- err
					return
				}
				if got.Header.Type != fmt.Sprintf("t%d", i) || got.Claims.ID != fmt.Sprint(i) {
					errs <- fmt.Errorf("token %d read typ %q, jti %q", i, got.Header.Type, got.Claims.ID)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Only the headers of accepted tokens are remembered: tokens made up with
// ever new headers cannot push out the issuer's.
func TestHeaderMemoOnlyAcceptedTokens(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	ctx := context.Background()
	for i := range 2 * headerMemoWays {
		forged := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa", "typ": fmt.Sprintf("x%d", i)}, validClaims())
		_, err := v.Verify(ctx, forged)
		assertRefused(t, err, ErrSignature, "")
		if v.headers.load(strings.Split(forged, ".")[0]) != nil {
			t.Fatalf("the header of a refused token was remembered")
		}
	}
	good := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims())
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	if v.headers.load(strings.Split(good, ".")[0]) == nil {
		t.Error("the header of an accepted token was not remembered")
	}
}

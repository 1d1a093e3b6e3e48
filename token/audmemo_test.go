package token

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/recent"
)

// memoCase is a Verifier over an HMAC key and tokens whose aud is a long
// array, long enough to be remembered.
type memoCase struct {
	v    *Verifier
	key  []byte
	auds []string
}

func newMemoCase(t *testing.T) *memoCase {
	t.Helper()
	k := testKeys()
	key, err := NewSymmetricKey(KeyParams{ID: "hs", Algorithm: HS256}, k.hmac)
	if err != nil {
		t.Fatal(err)
	}
	c := &memoCase{key: k.hmac}
	for i := range 20 {
		c.auds = append(c.auds, fmt.Sprintf("https://api.example.com/resource/%03d", i))
	}
	c.v = newTestVerifier(t, mustSet(t, key), func(cfg *VerifierConfig) { cfg.Algorithms = []string{HS256} })
	return c
}

// token signs claims with sub and the case's aud, edited by edit.
func (c *memoCase) token(t *testing.T, sub string, edit func(obj)) string {
	t.Helper()
	claims := obj{"iss": testIssuer, "sub": sub, "aud": c.auds, "iat": testNow.Add(-time.Minute).Unix(), "exp": testNow.Add(time.Hour).Unix()}
	if edit != nil {
		edit(claims)
	}
	return sign(t, HS256, c.key, obj{"kid": "hs"}, claims)
}

func (m *audMemos) count() int {
	n := 0
	for i := range recent.Len {
		if m.list.Load(i) != nil {
			n++
		}
	}
	return n
}

// A token whose aud was remembered reads exactly as a Verifier that never
// saw it reads it, and its Audience is its own.
func TestAudMemoReadsAsAFreshRead(t *testing.T) {
	c := newMemoCase(t)
	ctx := context.Background()
	if _, err := c.v.Verify(ctx, c.token(t, "first", nil)); err != nil {
		t.Fatal(err)
	}
	if n := c.v.auds.count(); n != 1 {
		t.Fatalf("%d aud arrays remembered after an accepted token; want 1", n)
	}
	raw := c.token(t, "second", nil)
	got, err := c.v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newMemoCase(t)
	want, err := fresh.v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Claims.Audience, want.Claims.Audience) || got.Claims.Subject != "second" {
		t.Fatalf("Audience %q, sub %q; a fresh Verifier reads %q", got.Claims.Audience, got.Claims.Subject, want.Claims.Audience)
	}
	if !reflect.DeepEqual(got.Claims.Names(), want.Claims.Names()) || string(got.Claims.JSON()) != string(want.Claims.JSON()) {
		t.Fatal("the claims read differently from a fresh Verifier's")
	}
	if n := c.v.auds.count(); n != 1 {
		t.Fatalf("%d aud arrays remembered after the same aud twice; want 1", n)
	}
	got.Claims.Audience[0] = "changed by a caller"
	_ = append(got.Claims.Audience, "appended by a caller")
	third, err := c.v.Verify(ctx, c.token(t, "third", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(third.Claims.Audience, c.auds) {
		t.Fatalf("a caller's change to its Audience reached the next token: %q", third.Claims.Audience)
	}
}

// The remembered array is what a token with the same aud text gets, without
// reading it: a memo planted with other audiences shows through. (This is
// how the tests know the memo is used at all.)
func TestAudMemoIsUsed(t *testing.T) {
	c := newMemoCase(t)
	ctx := context.Background()
	if _, err := c.v.Verify(ctx, c.token(t, "first", nil)); err != nil {
		t.Fatal(err)
	}
	// Every slot gets the planted entry, the real one's place included.
	e := c.v.auds.list.Load(0)
	for range recent.Len {
		c.v.auds.list.Store(&audMemo{text: e.text, list: []string{"planted"}})
	}
	got, err := c.v.Verify(ctx, c.token(t, "second", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Claims.Audience, []string{"planted"}) {
		t.Fatalf("Audience %q; want the remembered list", got.Claims.Audience)
	}
}

// Only the aud of an accepted token is remembered: not that of a token
// refused for its signature, its times or its claims.
func TestAudMemoOnlyAccepted(t *testing.T) {
	c := newMemoCase(t)
	ctx := context.Background()
	good := c.token(t, "s", nil)
	for name, raw := range map[string]string{
		"bad signature": good[:strings.LastIndexByte(good, '.')+1] + strings.Repeat("A", 43),
		"expired":       c.token(t, "s", func(o obj) { o["exp"] = testNow.Add(-time.Hour).Unix() }),
		"other issuer":  c.token(t, "s", func(o obj) { o["iss"] = "https://other.example/" }),
	} {
		if _, err := c.v.Verify(ctx, raw); err == nil {
			t.Fatalf("%s: accepted", name)
		}
		if n := c.v.auds.count(); n != 0 {
			t.Fatalf("%s: %d aud arrays remembered; want none", name, n)
		}
	}
	// A short aud is not worth remembering.
	if _, err := c.v.Verify(ctx, c.token(t, "s", func(o obj) { o["aud"] = []string{"a", "b"} })); err != nil {
		t.Fatal(err)
	}
	if n := c.v.auds.count(); n != 0 {
		t.Fatalf("%d aud arrays remembered for a short aud; want none", n)
	}
}

// Around a remembered aud, the claims are checked as strictly as ever:
// what follows it, a second aud, another type where it stood.
func TestAudMemoKeepsTheClaimsStrict(t *testing.T) {
	c := newMemoCase(t)
	ctx := context.Background()
	if _, err := c.v.Verify(ctx, c.token(t, "first", nil)); err != nil {
		t.Fatal(err)
	}
	text := c.v.auds.list.Load(0).text
	head := fmt.Sprintf(`{"iss":%q,"sub":"s","iat":%d,"exp":%d,`, testIssuer, testNow.Add(-time.Minute).Unix(), testNow.Add(time.Hour).Unix())
	for name, tc := range map[string]struct {
		claims string
		want   error
	}{
		"a bracket too many": {head + `"aud":` + text + `]}`, ErrMalformed},
		"aud twice":          {head + `"aud":` + text + `,"aud":` + text + `}`, ErrMalformed},
		"aud and AUD":        {head + `"aud":` + text + `,"AUD":1}`, ErrMalformed},
		"cut short":          {head + `"aud":` + text[:len(text)-1] + `}`, ErrMalformed},
		"not strings":        {head + `"aud":` + strings.Replace(text, `"https`, `1,"https`, 1) + `}`, ErrInvalidClaim},
	} {
		t.Run(name, func(t *testing.T) {
			raw := signRaw(t, HS256, c.key, `{"alg":"HS256","kid":"hs"}`, tc.claims)
			_, err := c.v.Verify(ctx, raw)
			assertRefused(t, err, tc.want, map[error]string{ErrMalformed: "claims", ErrInvalidClaim: "aud"}[tc.want])
		})
	}
	// Escaped, the name is still aud, and the token reads as before.
	raw := signRaw(t, HS256, c.key, `{"alg":"HS256","kid":"hs"}`, head+`"\u0061ud":`+text+`}`)
	got, err := c.v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Claims.Audience, c.auds) {
		t.Fatalf("Audience %q; want %q", got.Claims.Audience, c.auds)
	}
}

// What the Verifier remembers of an accepted token is taken before the
// hooks run: a CheckHeader or CheckClaims that changes its token's Header
// or Claims (which it must not) changes nothing for the tokens after it.
func TestMemosTakenBeforeTheHooks(t *testing.T) {
	c := newMemoCase(t)
	first := true
	k := testKeys()
	key, err := NewSymmetricKey(KeyParams{ID: "hs", Algorithm: HS256}, k.hmac)
	if err != nil {
		t.Fatal(err)
	}
	c.v = newTestVerifier(t, mustSet(t, key), func(cfg *VerifierConfig) {
		cfg.Algorithms = []string{HS256}
		cfg.CheckHeader = func(h *Header) error {
			if first {
				h.Type = "changed"
			}
			return nil
		}
		cfg.CheckClaims = func(_ *Header, cl *Claims) error {
			if first {
				cl.Audience[0] = "https://changed.example"
			}
			first = false
			return nil
		}
	})
	ctx := context.Background()
	first1 := c.token(t, "first", nil)
	if _, err := c.v.Verify(ctx, first1); err != nil {
		t.Fatal(err)
	}
	// The second token takes its header and aud from the memos.
	if c.v.auds.count() != 1 || c.v.headers.load(first1[:strings.IndexByte(first1, '.')]) == nil {
		t.Fatal("the first token's header or aud was not remembered")
	}
	got, err := c.v.Verify(ctx, c.token(t, "second", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Claims.Audience, c.auds) {
		t.Errorf("the second token's Audience %q; want its own %q", got.Claims.Audience, c.auds)
	}
	if got.Header.KeyID != "hs" || got.Header.Type != "" {
		t.Errorf("the second token's header reads kid %q, typ %q; want \"hs\" and none", got.Header.KeyID, got.Header.Type)
	}
}

package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// manyMembers returns claims with n extra members named m0, m1, ...
func manyMembers(n int) obj {
	c := validClaims()
	for i := range n {
		c[fmt.Sprintf("m%d", i)] = 0
	}
	return c
}

// ordinaryLarge returns claims of about 8 KB as a real token might carry:
// a hundred namespaced claims with string values.
func ordinaryLarge() obj {
	c := validClaims()
	for i := range 96 {
		c[fmt.Sprintf("https://claims.example.com/tenant/attribute_%03d", i)] = fmt.Sprintf("value-%03d-%s", i, strings.Repeat("v", 20))
	}
	return c
}

func TestCostlyClaims(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims string
		want   bool
	}{
		{"typical token", mustJSON(t, validClaims()), false},
		{"8 KB, a hundred namespaced claims", mustJSON(t, ordinaryLarge()), false},
		{"a thousand audiences", mustJSON(t, validClaims().with("aud", func() []string {
			a := make([]string, 1000)
			for i := range a {
				a[i] = fmt.Sprintf("a%03d", i)
			}
			return a
		}())), false},
		{"1,200 members", mustJSON(t, manyMembers(1200)), true},
		{"a few long names, over the size to read first", mustJSON(t, validClaims().with(strings.Repeat("n", costlyClaimsLarge), 0)), true},
		{"a long number, under that size", `{"n":` + strings.Repeat("9", costlyClaimsLarge-16) + `}`, false},
		{"300 members, under the size to estimate", mustJSON(t, manyMembers(300))[:costlyClaimsSize], false},
		{"escapes", `{"s":"` + strings.Repeat(`\u00e9`, 400) + `"}`, true},
		{"brackets", `{"d":` + strings.Repeat("[", 200) + "1" + strings.Repeat("]", 200) + `,"e":` + strings.Repeat("[", 200) + "1" + strings.Repeat("]", 200) + `,"p":"` + strings.Repeat("x", costlyClaimsSize) + `"}`, true},
	} {
		if got := costlyClaims([]byte(tc.claims)); got != tc.want {
			t.Errorf("%s (%d bytes): costly = %v; want %v", tc.name, len(tc.claims), got, tc.want)
		}
	}
}

// A costly claims set from an attacker is refused for its signature
// without being read: the claims check never runs, whatever else is wrong
// with the claims.
func TestCostlyClaimsReadAfterSignature(t *testing.T) {
	ctx := context.Background()
	hooks := 0
	v := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) {
		c.CheckClaims = func(*Header, *Claims) error { hooks++; return nil }
	})
	costly := manyMembers(1200)
	sig := func(claims obj) string { return sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, claims) }
	for _, tc := range []struct {
		name   string
		claims obj
	}{
		{"otherwise valid", costly},
		{"expired", costly.with("exp", testNow.Add(-time.Hour).Unix())},
		{"another issuer", costly.with("iss", "https://other.example/")},
	} {
		hooks = 0
		_, err := v.Verify(ctx, sig(tc.claims))
		assertRefused(t, err, ErrSignature, "")
		if hooks != 0 {
			t.Errorf("%s: the claims of a costly token with a bad signature were checked", tc.name)
		}
	}
	// Duplicate names in a costly claims set: refused for the signature
	// too, since they are never read.
	raw := signRaw(t, RS256, testKeys().rsaOther, `{"alg":"RS256","kid":"rsa"}`,
		strings.TrimSuffix(mustJSON(t, costly), "}")+`,"m0":1}`)
	_, err := v.Verify(ctx, raw)
	assertRefused(t, err, ErrSignature, "")

	// Signed by the issuer, the same claims are read and checked as any.
	good := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, costly)
	got, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok, err := got.Claims.GetString("sub"); n != "user-42" || !ok || err != nil || !got.Claims.Has("m1199") || hooks != 1 {
		t.Errorf("a good costly token read sub %q (%v, %v), m1199 %v, %d claims checks", n, ok, err, got.Claims.Has("m1199"), hooks)
	}
	for _, tc := range []struct {
		name   string
		claims obj
		want   error
		claim  string
	}{
		{"expired", costly.with("exp", testNow.Add(-time.Hour).Unix()), ErrExpired, "exp"},
		{"another issuer", costly.with("iss", "https://other.example/"), ErrIssuer, "iss"},
	} {
		_, err := v.Verify(ctx, sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, tc.claims))
		assertRefused(t, err, tc.want, tc.claim)
	}
	dup := signRaw(t, RS256, testKeys().rsa, `{"alg":"RS256","kid":"rsa"}`, strings.TrimSuffix(mustJSON(t, costly), "}")+`,"m0":1}`)
	_, err = v.Verify(ctx, dup)
	assertRefused(t, err, ErrMalformed, "claims")
}

// Tokens that are large but not costly keep the order of the checks:
// refusals that need no signature come before it.
func TestOrdinaryLargeClaimsReadBeforeSignature(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	raw := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, ordinaryLarge().with("exp", testNow.Add(-time.Hour).Unix()))
	_, err := v.Verify(context.Background(), raw)
	assertRefused(t, err, ErrExpired, "exp")
}

// A Verifier with several issuers needs the claims to know whose keys to
// use, so it reads even a costly claims set first: a token of an unknown
// issuer costs no key lookup.
func TestCostlyClaimsWithSeveralIssuers(t *testing.T) {
	lookups := 0
	src := KeySourceFunc(func(context.Context, string) (*KeySet, error) {
		lookups++
		return standardSet(t), nil
	})
	v := newTestVerifier(t, nil, func(c *VerifierConfig) {
		c.Keys = src
		c.Issuers = map[string]KeySource{"https://second.example/": src}
	})
	raw := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, manyMembers(1200).with("iss", "https://other.example/"))
	_, err := v.Verify(context.Background(), raw)
	assertRefused(t, err, ErrIssuer, "iss")
	if lookups != 0 {
		t.Errorf("%d key lookups for a token of an unknown issuer", lookups)
	}
}

// A costly token's key is looked up before its claims are read, whatever
// issuer it names; when the key source cannot answer, its claims are read
// first after all, so that a token they refuse gets the same answer as
// when the keys are there.
func TestCostlyClaimsKeyLookup(t *testing.T) {
	ctx := context.Background()
	lookups := 0
	counting := KeySourceFunc(func(context.Context, string) (*KeySet, error) {
		lookups++
		return standardSet(t), nil
	})
	v := newTestVerifier(t, nil, func(c *VerifierConfig) { c.Keys = counting })
	foreign := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, manyMembers(1200).with("iss", "https://other.example/"))
	_, err := v.Verify(ctx, foreign)
	assertRefused(t, err, ErrSignature, "")
	if lookups != 1 {
		t.Errorf("%d key lookups for a costly token; want 1, before its issuer is read", lookups)
	}

	down := newTestVerifier(t, nil, func(c *VerifierConfig) { c.Keys = errSource{errors.New("connection refused")} })
	expired := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, manyMembers(1200).with("exp", testNow.Add(-time.Hour).Unix()))
	_, err = down.Verify(ctx, expired)
	assertRefused(t, err, ErrExpired, "exp")
	_, err = down.Verify(ctx, sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, manyMembers(1200).with("iss", "https://other.example/")))
	assertRefused(t, err, ErrIssuer, "iss")
	_, err = down.Verify(ctx, sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, manyMembers(1200)))
	assertRefused(t, err, ErrUnavailable, "")
}

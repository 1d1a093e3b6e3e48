package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/attackkit"
)

// manyMembers returns claims with n extra members named m0, m1, ...
func manyMembers(n int) obj { return attackkit.AddMembers(validClaims(), n) }

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

// A Verifier with several issuers finds the issuer a costly token names
// without reading its claims, and checks the signature with that issuer's
// keys first: a forgery is refused for its signature whatever else is
// wrong with its claims, and a token that no issuer could accept is refused
// before any key lookup.
func TestCostlyClaimsWithSeveralIssuers(t *testing.T) {
	ctx := context.Background()
	const second = "https://second.example/"
	k := testKeys()
	type counted struct {
		lookups int
		set     *KeySet
	}
	firstKeys := &counted{set: mustSet(t, mustKey(t, KeyParams{ID: "rsa"}, &k.rsa.PublicKey))}
	secondKeys := &counted{set: mustSet(t, mustKey(t, KeyParams{ID: "rsa"}, &k.rsaOther.PublicKey))}
	source := func(c *counted) KeySource {
		return KeySourceFunc(func(context.Context, string) (*KeySet, error) { c.lookups++; return c.set, nil })
	}
	hooks := 0
	v := newTestVerifier(t, nil, func(c *VerifierConfig) {
		c.Keys = source(firstKeys)
		c.Issuers = map[string]KeySource{second: source(secondKeys)}
		c.CheckClaims = func(*Header, *Claims) error { hooks++; return nil }
	})
	costly := manyMembers(1200)
	// The issuer last, as an attacker would put it.
	lastIss := func(claims obj, iss string) string {
		return strings.TrimSuffix(mustJSON(t, claims.with("iss", nil)), "}") + `,"iss":` + iss + `}`
	}
	reset := func() { firstKeys.lookups, secondKeys.lookups, hooks = 0, 0, 0 }

	// Each issuer's own costly token is accepted, with its own key.
	for _, tc := range []struct {
		iss  string
		priv any
		want *counted
	}{{testIssuer, k.rsa, firstKeys}, {second, k.rsaOther, secondKeys}} {
		reset()
		raw := signRaw(t, RS256, tc.priv, `{"alg":"RS256","kid":"rsa"}`, lastIss(costly, fmt.Sprintf("%q", tc.iss)))
		got, err := v.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.iss, err)
		}
		if got.Claims.Issuer != tc.iss || got.Key != tc.want.set.Keys()[0] || tc.want.lookups != 1 || hooks != 1 {
			t.Errorf("%s: issuer %q, key %v, %d lookups, %d claims checks; want its own key, looked up once", tc.iss, got.Claims.Issuer, got.Key, tc.want.lookups, hooks)
		}
		if set, err := got.Keys.Keys(ctx, "rsa"); err != nil || set != tc.want.set {
			t.Errorf("%s: Verified.Keys is not the issuer's key source", tc.iss)
		}
	}

	// The issuer's name spelt with escapes, after a nested iss and a
	// string that holds one: still the top-level member.
	reset()
	tricky := strings.TrimSuffix(mustJSON(t, costly.with("iss", nil)), "}") +
		`,"n":{"iss":"https://other.example/"},"s":"\"iss\":\"https://other.example/\"","\u0069ss":"` + second + `"}`
	if got, err := v.Verify(ctx, signRaw(t, RS256, k.rsaOther, `{"alg":"RS256","kid":"rsa"}`, tricky)); err != nil || got.Claims.Issuer != second || secondKeys.lookups != 1 || firstKeys.lookups != 0 {
		t.Errorf("an escaped iss after nested ones: %v, lookups %d/%d", err, firstKeys.lookups, secondKeys.lookups)
	}

	// Signed by the other issuer's key: refused for the signature, the
	// claims unread, however else they are wrong.
	for _, tc := range []struct {
		name   string
		claims obj
	}{
		{"otherwise valid", costly},
		{"expired", costly.with("exp", testNow.Add(-time.Hour).Unix())},
		{"not yet valid", costly.with("nbf", testNow.Add(time.Hour).Unix())},
	} {
		reset()
		raw := signRaw(t, RS256, k.rsaOther, `{"alg":"RS256","kid":"rsa"}`, lastIss(tc.claims, fmt.Sprintf("%q", testIssuer)))
		_, err := v.Verify(ctx, raw)
		assertRefused(t, err, ErrSignature, "")
		if hooks != 0 || secondKeys.lookups != 0 || firstKeys.lookups != 1 {
			t.Errorf("%s: %d claims checks, lookups %d/%d; want the signature checked with the named issuer's keys alone, first", tc.name, hooks, firstKeys.lookups, secondKeys.lookups)
		}
	}
	dup := signRaw(t, RS256, k.rsaOther, `{"alg":"RS256","kid":"rsa"}`, lastIss(costly, fmt.Sprintf("%q", testIssuer)+`,"m0":1`))
	_, err := v.Verify(ctx, dup)
	assertRefused(t, err, ErrSignature, "")

	// No issuer could accept these: refused at once, no key looked up.
	for _, tc := range []struct {
		name  string
		iss   string
		want  error
		claim string
	}{
		{"an unknown issuer", `"https://other.example/"`, ErrIssuer, "iss"},
		{"an issuer spelt with escapes, unknown", `"https:\/\/other.example\/"`, ErrIssuer, "iss"},
		{"an issuer that is a number", `12`, ErrInvalidClaim, "iss"},
		{"an issuer that is an array", `["` + testIssuer + `"]`, ErrInvalidClaim, "iss"},
		{"an issuer that is an object", `{"a":"` + testIssuer + `"}`, ErrInvalidClaim, "iss"},
		{"a broken string", "\"a\x01\"", ErrMalformed, "claims"},
		{"not a JSON value", `abc`, ErrMalformed, "claims"},
		{"a literal cut short", `nul`, ErrMalformed, "claims"},
	} {
		reset()
		raw := signRaw(t, RS256, k.rsa, `{"alg":"RS256","kid":"rsa"}`, lastIss(costly, tc.iss))
		_, err := v.Verify(ctx, raw)
		assertRefused(t, err, tc.want, tc.claim)
		if firstKeys.lookups+secondKeys.lookups != 0 {
			t.Errorf("%s: %d key lookups", tc.name, firstKeys.lookups+secondKeys.lookups)
		}
	}
	reset()
	_, err = v.Verify(ctx, signRaw(t, RS256, k.rsa, `{"alg":"RS256","kid":"rsa"}`, mustJSON(t, costly.with("iss", nil))))
	assertRefused(t, err, ErrMissingClaim, "iss")
	// A comma missing before the issuer: not an object by its structure.
	broken := strings.Replace(lastIss(costly, fmt.Sprintf("%q", testIssuer)), `,"`, ` "`, 1)
	_, err = v.Verify(ctx, signRaw(t, RS256, k.rsa, `{"alg":"RS256","kid":"rsa"}`, broken))
	assertRefused(t, err, ErrMalformed, "claims")
	if firstKeys.lookups+secondKeys.lookups != 0 {
		t.Errorf("%d key lookups for tokens no issuer could accept", firstKeys.lookups+secondKeys.lookups)
	}

	// The issuer spelt with escapes is the same issuer.
	reset()
	escaped := `"` + strings.ReplaceAll(testIssuer, "/", `\/`) + `"`
	if _, err := v.Verify(ctx, signRaw(t, RS256, k.rsa, `{"alg":"RS256","kid":"rsa"}`, lastIss(costly, escaped))); err != nil {
		t.Errorf("an issuer spelt with escapes: %v", err)
	}
}

// The early check with several issuers works for every kind of key, and
// when the named issuer's keys cannot be had the claims are read first,
// as for any token.
func TestCostlyClaimsWithSeveralIssuersKeysAndOutages(t *testing.T) {
	ctx := context.Background()
	const second = "https://second.example/"
	k := testKeys()
	for _, tc := range []struct {
		alg  string
		priv any
		kid  string
	}{{ES256, k.ec256, "ec256"}, {EdDSA, k.ed, "ed"}, {RS256, k.rsa, "rsa"}} {
		v := newTestVerifier(t, nil, func(c *VerifierConfig) {
			c.Keys = errSource{errors.New("never asked")}
			c.Issuers = map[string]KeySource{second: staticSource{standardSet(t)}}
			c.Algorithms = []string{tc.alg}
		})
		got, err := v.Verify(ctx, sign(t, tc.alg, tc.priv, obj{"kid": tc.kid}, manyMembers(1200).with("iss", second)))
		if err != nil || got.Key.ID() != tc.kid {
			t.Errorf("%s: %v", tc.alg, err)
		}
		_, err = v.Verify(ctx, sign(t, tc.alg, tc.priv, obj{"kid": tc.kid}, manyMembers(1200).with("iss", testIssuer, "exp", testNow.Add(-time.Hour).Unix())))
		assertRefused(t, err, ErrExpired, "exp")
	}
}

// With an issuer source besides the static issuers, a costly token naming
// an issuer only the source knows has its claims read first, since the
// source is handed them; one naming a static issuer does not.
func TestCostlyClaimsWithAnIssuerSource(t *testing.T) {
	ctx := context.Background()
	const tenant = "https://tenant.example/"
	k := testKeys()
	asked := 0
	hooks := 0
	v := newTestVerifier(t, nil, func(c *VerifierConfig) {
		c.Keys = staticSource{standardSet(t)}
		c.IssuerKeys = IssuerKeySourceFunc(func(_ context.Context, c *Claims) (KeySource, error) {
			asked++
			if c.Issuer != tenant || !c.Has("m1199") {
				return nil, fmt.Errorf("%w: not %s", ErrIssuer, tenant)
			}
			return staticSource{mustSet(t, mustKey(t, KeyParams{ID: "rsa"}, &k.rsaOther.PublicKey))}, nil
		})
		c.CheckClaims = func(*Header, *Claims) error { hooks++; return nil }
	})
	costly := manyMembers(1200)
	good := sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, costly.with("iss", tenant))
	if _, err := v.Verify(ctx, good); err != nil || asked != 1 {
		t.Fatalf("a tenant's costly token: %v, the source asked %d times", err, asked)
	}
	asked, hooks = 0, 0
	forged := sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, costly)
	_, err := v.Verify(ctx, forged)
	assertRefused(t, err, ErrSignature, "")
	if asked != 0 || hooks != 0 {
		t.Errorf("a forged costly token of the static issuer: the source asked %d times, %d claims checks; want neither", asked, hooks)
	}
	_, err = v.Verify(ctx, sign(t, RS256, k.rsa, obj{"kid": "rsa"}, costly.with("iss", "https://unknown.example/")))
	assertRefused(t, err, ErrIssuer, "iss")
	if asked != 1 {
		t.Errorf("an unknown issuer's costly token: the source asked %d times; want once", asked)
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

// namedSource is an IssuerNameKeySource over one issuer and its keys,
// counting how it is asked.
type namedSource struct {
	iss            string
	keys           KeySource
	down           bool // KeysForIssuer fails with ErrUnavailable
	unsure         bool // KeysForIssuer cannot decide by the name
	names, byClaim int
}

func (s *namedSource) KeysForIssuer(_ context.Context, iss string) (KeySource, error) {
	s.names++
	switch {
	case s.down:
		return nil, fmt.Errorf("%w: discovery failed", ErrUnavailable)
	case s.unsure:
		return nil, nil
	case iss != s.iss:
		return nil, fmt.Errorf("%w: not %s", ErrIssuer, s.iss)
	}
	return s.keys, nil
}

func (s *namedSource) IssuerKeys(_ context.Context, c *Claims) (KeySource, error) {
	s.byClaim++
	if c.Issuer != s.iss {
		return nil, fmt.Errorf("%w: not %s", ErrIssuer, s.iss)
	}
	if tid, _, _ := c.GetString("tid"); tid != "t1" {
		return nil, fmt.Errorf("%w: tid %q is not the issuer's tenant", ErrIssuer, tid)
	}
	return s.keys, nil
}

// With an IssuerNameKeySource, a costly token of an issuer only the
// source knows has its signature checked with the keys the source names
// before its claims are read; IssuerKeys still decides on the claims.
func TestCostlyClaimsWithAnIssuerNameSource(t *testing.T) {
	ctx := context.Background()
	const tenant = "https://tenant.example/t1/"
	k := testKeys()
	src := &namedSource{iss: tenant, keys: staticSource{mustSet(t, mustKey(t, KeyParams{ID: "rsa"}, &k.rsaOther.PublicKey))}}
	hooks := 0
	v := newTestVerifier(t, nil, func(c *VerifierConfig) {
		c.Keys = staticSource{standardSet(t)}
		c.IssuerKeys = src
		c.CheckClaims = func(*Header, *Claims) error { hooks++; return nil }
	})
	costly := manyMembers(1200).with("iss", tenant, "tid", "t1")
	reset := func() { src.names, src.byClaim, hooks = 0, 0, 0 }

	good := sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, costly)
	got, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if got.Keys != src.keys || src.names != 1 || src.byClaim != 1 || hooks != 1 {
		t.Errorf("a tenant's costly token: keys %v, asked by name %d and by claims %d times, %d claims checks", got.Keys, src.names, src.byClaim, hooks)
	}

	// Signed with another key, expired besides: refused for the
	// signature, the claims unread.
	reset()
	forged := sign(t, RS256, k.rsa, obj{"kid": "rsa"}, costly.with("exp", testNow.Add(-time.Hour).Unix()))
	_, err = v.Verify(ctx, forged)
	assertRefused(t, err, ErrSignature, "")
	if src.byClaim != 0 || hooks != 0 {
		t.Errorf("a forged costly token: the source asked by claims %d times, %d claims checks; want neither", src.byClaim, hooks)
	}

	// Signed by the issuer's key, but IssuerKeys refuses the claims.
	reset()
	_, err = v.Verify(ctx, sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, costly.with("tid", "t2")))
	assertRefused(t, err, ErrIssuer, "iss")

	// An issuer the source does not trust: refused by its name.
	reset()
	_, err = v.Verify(ctx, sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, costly.with("iss", "https://tenant.example/t9/")))
	assertRefused(t, err, ErrIssuer, "iss")
	if src.names != 1 || src.byClaim != 0 || hooks != 0 {
		t.Errorf("an untrusted issuer: asked by name %d and by claims %d times, %d claims checks; want by name once", src.names, src.byClaim, hooks)
	}

	// A source that cannot decide by the name, or whose keys cannot be
	// had: the claims are read first, as for any token.
	// The forged token is expired: read first, it is refused for that.
	for _, tc := range []struct {
		name string
		set  func()
	}{
		{"unsure", func() { src.unsure = true }},
		{"down", func() { src.down = true }},
	} {
		reset()
		src.unsure, src.down = false, false
		tc.set()
		_, err = v.Verify(ctx, forged)
		assertRefused(t, err, ErrExpired, "exp")
		if src.names != 1 || src.byClaim != 1 {
			t.Errorf("%s: asked by name %d and by claims %d times; want once each", tc.name, src.names, src.byClaim)
		}
	}
}

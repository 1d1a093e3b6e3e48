package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/jose"
)

// verifyCase is one row of the rule table: a token (built per run, so rows
// can sign with the shared keys), an optional change to the verifier's
// configuration and key set, and the refusal expected.
type verifyCase struct {
	name  string
	token func(t *testing.T) string
	set   func(t *testing.T) *KeySet // nil: standardSet
	cfg   func(*VerifierConfig)      // nil: defaults
	want  error                      // nil: accepted
	claim string
}

func runVerifyCases(t *testing.T, cases []verifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := standardSet(t)
			if tc.set != nil {
				set = tc.set(t)
			}
			v := newTestVerifier(t, set, tc.cfg)
			got, err := v.Verify(context.Background(), tc.token(t))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Key == nil || got.Claims.Issuer != testIssuer {
					t.Fatalf("accepted without key or issuer: %+v", got)
				}
				return
			}
			if got != nil {
				t.Fatalf("returned a result with error %v", err)
			}
			assertRefused(t, err, tc.want, tc.claim)
		})
	}
}

// good signs the valid claims with the RSA key under kid "rsa".
func good(t *testing.T) string {
	return sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "typ": "JWT"}, validClaims())
}

// withHeader signs the valid claims with RS256 and the given header.
func withHeader(h obj) func(t *testing.T) string {
	return func(t *testing.T) string {
		return sign(t, RS256, testKeys().rsa, h, validClaims())
	}
}

// withClaims signs claims with RS256 under kid "rsa".
func withClaims(c obj) func(t *testing.T) string {
	return func(t *testing.T) string {
		return sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, c)
	}
}

// rawHeader signs the valid claims under a header given as raw JSON.
func rawHeader(h string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return signRaw(t, RS256, testKeys().rsa, h, mustJSON(t, validClaims()))
	}
}

// rawClaims signs raw claims JSON under kid "rsa".
func rawClaims(c string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return signRaw(t, RS256, testKeys().rsa, `{"alg":"RS256","kid":"rsa"}`, c)
	}
}

// segment replaces segment i (0 header, 1 payload, 2 signature) of a good token.
func segment(i int, f func(string) string) func(t *testing.T) string {
	return func(t *testing.T) string {
		parts := strings.Split(good(t), ".")
		parts[i] = f(parts[i])
		return strings.Join(parts, ".")
	}
}

// nonCanonical changes the unused low bits of a segment's last character, so
// the segment decodes to the same bytes under a lenient decoder.
func nonCanonical(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	switch len(seg) % 4 {
	case 2: // 4 unused bits
		last |= 0x0f
	case 3: // 2 unused bits
		last |= 0x03
	default:
		panic("segment has no unused bits")
	}
	return seg[:len(seg)-1] + string(alphabet[last])
}

func literal(s string) func(*testing.T) string { return func(*testing.T) string { return s } }

func TestVerifyAcceptsGoodTokens(t *testing.T) {
	k := testKeys()
	cases := []verifyCase{
		{name: "RS256", token: good},
		{name: "RS384", token: func(t *testing.T) string { return sign(t, RS384, k.rsa, obj{"kid": "rsa"}, validClaims()) }},
		{name: "RS512", token: func(t *testing.T) string { return sign(t, RS512, k.rsa, obj{"kid": "rsa"}, validClaims()) }},
		{name: "PS256", token: func(t *testing.T) string { return sign(t, PS256, k.rsa, obj{"kid": "rsa"}, validClaims()) }},
		{name: "PS384", token: func(t *testing.T) string { return sign(t, PS384, k.rsa, obj{"kid": "rsa"}, validClaims()) }},
		{name: "PS512", token: func(t *testing.T) string { return sign(t, PS512, k.rsa, obj{"kid": "rsa"}, validClaims()) }},
		{name: "ES256", token: func(t *testing.T) string { return sign(t, ES256, k.ec256, obj{"kid": "ec256"}, validClaims()) }},
		{name: "ES384", token: func(t *testing.T) string { return sign(t, ES384, k.ec384, obj{"kid": "ec384"}, validClaims()) }},
		{name: "ES512", token: func(t *testing.T) string { return sign(t, ES512, k.ec521, obj{"kid": "ec521"}, validClaims()) }},
		{name: "EdDSA", token: func(t *testing.T) string { return sign(t, EdDSA, k.ed, obj{"kid": "ed"}, validClaims()) }},
		{
			name:  "HS256 with a configured symmetric key",
			token: func(t *testing.T) string { return sign(t, HS256, k.hmac, obj{"kid": "hs"}, validClaims()) },
			set: func(t *testing.T) *KeySet {
				hk, err := NewSymmetricKey(KeyParams{ID: "hs", Algorithm: HS256}, k.hmac)
				if err != nil {
					t.Fatal(err)
				}
				return mustSet(t, hk)
			},
			cfg: func(c *VerifierConfig) { c.Algorithms = []string{HS256} },
		},
	}
	runVerifyCases(t, cases)
}

func TestVerifyResult(t *testing.T) {
	set := standardSet(t)
	v := newTestVerifier(t, set, nil)
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa", "typ": "at+jwt", "cty": "json"},
		validClaims().with("aud", []string{"a", "b"}, "nbf", testNow.Add(-time.Hour).Unix(), "scope", "read"))
	got, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Raw != raw || got.Key != set.Lookup("rsa")[0] {
		t.Errorf("Raw or Key wrong: %q %v", got.Raw, got.Key)
	}
	h := got.Header
	if h.Algorithm != RS256 || h.KeyID != "rsa" || h.Type != "at+jwt" || h.ContentType != "json" {
		t.Errorf("header = %+v", h)
	}
	if raw, ok := h.Get("typ"); !ok || string(raw) != `"at+jwt"` {
		t.Errorf(`Header.Get("typ") = %s, %v`, raw, ok)
	}
	if _, ok := h.Get("TYP"); ok {
		t.Error(`Header.Get("TYP") found a member; lookups must be exact`)
	}
	c := got.Claims
	if c.Issuer != testIssuer || c.Subject != "user-42" || c.ID != "id-1" ||
		fmt.Sprint(c.Audience) != "[a b]" ||
		!c.ExpiresAt.Equal(testNow.Add(time.Hour)) || !c.IssuedAt.Equal(testNow.Add(-time.Minute)) ||
		!c.NotBefore.Equal(testNow.Add(-time.Hour)) {
		t.Errorf("claims = %+v", c)
	}
	if s, ok, err := c.GetString("scope"); s != "read" || !ok || err != nil {
		t.Errorf("scope = %q %v %v", s, ok, err)
	}
	// The header's JSON is capped: appending to it must not write over the
	// claims, which share its buffer.
	hj := h.JSON()
	_ = append(hj, "XXXXXXXXXXXXXXXX"...)
	if s, _, _ := got.Claims.GetString("iss"); s != testIssuer || got.Claims.JSON()[0] != '{' {
		t.Error("appending to Header.JSON() changed the claims")
	}
}

// VerifyFor fills a new Result's Verified exactly as Verify fills its own,
// leaves Value zero for the caller, and never hands out the same Result
// twice.
func TestVerifyFor(t *testing.T) {
	set := standardSet(t)
	v := newTestVerifier(t, set, nil)
	ctx := context.Background()
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims().with("aud", []string{"a", "b"}))
	want, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := VerifyFor[[2]string](ctx, v, raw)
	if err != nil {
		t.Fatal(err)
	}
	got := &r.Verified
	if got.Raw != raw || got.Key != want.Key || got.Header.KeyID != "rsa" ||
		got.Claims.Issuer != want.Claims.Issuer || fmt.Sprint(got.Claims.Audience) != "[a b]" ||
		!got.Claims.ExpiresAt.Equal(want.Claims.ExpiresAt) || string(got.Claims.JSON()) != string(want.Claims.JSON()) {
		t.Errorf("VerifyFor filled %+v; Verify returned %+v", *got, *want)
	}
	if s, ok, err := got.Claims.GetString("sub"); s != "user-42" || !ok || err != nil {
		t.Errorf("sub = %q %v %v", s, ok, err)
	}
	if r.Value != [2]string{} {
		t.Errorf("Value = %q; want the zero value", r.Value)
	}
	r.Value[0] = "changed"
	r2, err := VerifyFor[[2]string](ctx, v, raw)
	if err != nil {
		t.Fatal(err)
	}
	if r2 == r || r2.Value != [2]string{} {
		t.Error("a second VerifyFor returned the first Result, or one not zero")
	}

	if _, err := VerifyFor[int](ctx, v, raw[:len(raw)-4]+"AAAA"); !errors.Is(err, ErrSignature) {
		t.Errorf("a bad signature through VerifyFor: %v; want ErrSignature", err)
	}
}

// A token whose header and claims decode to more than the pipeline's stack
// buffer holds is read from a heap buffer, with the same result.
func TestVerifyLargeClaims(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	big := strings.Repeat("0123456789", decodeScratchSize/10+50)
	raw := sign(t, RS256, testKeys().rsa, obj{"kid": "rsa"}, validClaims().with("big", big, "aud", []string{"a", "b"}))
	got, err := v.Verify(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok, err := got.Claims.GetString("big"); s != big || !ok || err != nil {
		t.Errorf("big claim read back as %d bytes, %v, %v", len(s), ok, err)
	}
	if got.Claims.Issuer != testIssuer || fmt.Sprint(got.Claims.Audience) != "[a b]" || got.Header.KeyID != "rsa" {
		t.Errorf("claims %+v, header %+v", got.Claims, got.Header)
	}
}

func TestVerifyCompactForm(t *testing.T) {
	runVerifyCases(t, []verifyCase{
		{name: "empty", token: literal(""), want: ErrMalformed},
		{name: "one segment", token: literal("eyJhbGciOiJSUzI1NiJ9"), want: ErrMalformed},
		{name: "two segments", token: func(t *testing.T) string {
			g := good(t)
			return g[:strings.LastIndexByte(g, '.')]
		}, want: ErrMalformed},
		{name: "four segments", token: func(t *testing.T) string { return good(t) + ".e30" }, want: ErrMalformed},
		{name: "six segments", token: func(t *testing.T) string { return good(t) + ".e30.e30.e30" }, want: ErrMalformed},
		{name: "JWE five-part message", token: func(t *testing.T) string {
			hdr := b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa"}`))
			return hdr + ".OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"
		}, want: ErrMalformed},
		{name: "JWS JSON serialization", token: func(t *testing.T) string {
			parts := strings.Split(good(t), ".")
			return `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`
		}, want: ErrMalformed},
		{name: "flattened JSON serialization with whitespace", token: literal(` {"payload":"e30"}`), want: ErrMalformed},
		{name: "padded header", token: func(t *testing.T) string {
			hdr := base64.URLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"rsa","x":12}`))
			if !strings.HasSuffix(hdr, "=") {
				t.Fatal("test header needs no padding")
			}
			return hdr + "." + b64([]byte(mustJSON(t, validClaims()))) + "." + strings.Split(good(t), ".")[2]
		}, want: ErrMalformed},
		{name: "padding appended to a segment", token: segment(1, func(s string) string { return s + "==" }), want: ErrMalformed},
		{name: "padded signature", token: segment(2, func(s string) string { return s + "==" }), want: ErrMalformed},
		{name: "non-canonical header", token: func(t *testing.T) string {
			// 35 bytes of JSON: 47 characters, 2 unused bits in the last.
			tok := signRaw(t, RS256, testKeys().rsa, `{"alg":"RS256","kid":"rsa","x":"a"}`, mustJSON(t, validClaims()))
			parts := strings.Split(tok, ".")
			if len(parts[0])%4 == 0 {
				t.Fatal("test header has no unused bits")
			}
			parts[0] = nonCanonical(parts[0])
			return strings.Join(parts, ".")
		}, want: ErrMalformed},
		{name: "non-canonical payload", token: func(t *testing.T) string {
			for pad := ""; ; pad += " " {
				tok := signRaw(t, RS256, testKeys().rsa, `{"alg":"RS256","kid":"rsa"}`, mustJSON(t, validClaims())+pad)
				parts := strings.Split(tok, ".")
				if len(parts[1])%4 != 0 {
					parts[1] = nonCanonical(parts[1])
					return strings.Join(parts, ".")
				}
			}
		}, want: ErrMalformed},
		// A 256-byte RSA signature is 342 characters: 4 unused bits in the last.
		{name: "non-canonical signature", token: segment(2, nonCanonical), want: ErrMalformed},
		{name: "standard alphabet '+'", token: segment(1, func(s string) string { return "+" + s[1:] }), want: ErrMalformed},
		{name: "standard alphabet '/'", token: segment(2, func(s string) string { return s[:10] + "/" + s[11:] }), want: ErrMalformed},
		{name: "newline inside a segment", token: segment(1, func(s string) string { return s[:4] + "\n" + s[4:] }), want: ErrMalformed},
		{name: "space before the token", token: func(t *testing.T) string { return " " + good(t) }, want: ErrMalformed},
		{name: "Bearer prefix left on", token: func(t *testing.T) string { return "Bearer " + good(t) }, want: ErrMalformed},
		{name: "NUL byte", token: segment(1, func(s string) string { return s + "\x00" }), want: ErrMalformed},
		{name: "non-ASCII", token: segment(1, func(s string) string { return s + "é" }), want: ErrMalformed},
		{name: "segment of impossible length", token: segment(1, func(s string) string { return s[:len(s)-len(s)%4] + "A" }), want: ErrMalformed},
		{name: "empty header", token: segment(0, func(string) string { return "" }), want: ErrMalformed},
		{name: "empty payload", token: segment(1, func(string) string { return "" }), want: ErrMalformed},
		{name: "empty signature", token: segment(2, func(string) string { return "" }), want: ErrSignature},
		{name: "only dots", token: literal(".."), want: ErrMalformed},
	})
}

func TestVerifySizeBound(t *testing.T) {
	runVerifyCases(t, []verifyCase{
		// Garbage over the bound is refused for its size, before anything
		// looks at its form.
		{name: "garbage over the default bound", token: literal(strings.Repeat("!", DefaultMaxTokenSize+1)), want: ErrTooLarge},
		{name: "JSON serialization over the bound", token: literal("{" + strings.Repeat(" ", DefaultMaxTokenSize)), want: ErrTooLarge},
		{name: "good token over a configured bound", token: good, cfg: func(c *VerifierConfig) { c.MaxTokenSize = 100 }, want: ErrTooLarge},
		{name: "good token at exactly the bound", token: good, cfg: func(c *VerifierConfig) { c.MaxTokenSize = len(good(t)) }},
		{name: "claims padded to just over 16 KiB", token: withClaims(validClaims().with("pad", strings.Repeat("x", DefaultMaxTokenSize))), want: ErrTooLarge},
	})
}

func TestVerifyHeaderRules(t *testing.T) {
	k := testKeys()
	none := func(alg string) func(t *testing.T) string {
		return func(t *testing.T) string {
			return b64([]byte(`{"alg":"`+alg+`","kid":"rsa"}`)) + "." + b64([]byte(mustJSON(t, validClaims()))) + "."
		}
	}
	long := strings.Repeat("k", MaxKeyIDLength+1)
	runVerifyCases(t, []verifyCase{
		{name: "alg none", token: none("none"), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg None", token: none("None"), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg NONE", token: none("NONE"), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg nOnE", token: none("nOnE"), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg none with a signature", token: func(t *testing.T) string {
			return none("none")(t) + strings.Split(good(t), ".")[2]
		}, want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg none even when listed", token: none("none"),
			cfg: func(c *VerifierConfig) { c.Algorithms = []string{RS256} }, want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg missing", token: rawHeader(`{"kid":"rsa"}`), want: ErrMalformed, claim: "header.alg"},
		{name: "alg empty", token: rawHeader(`{"alg":"","kid":"rsa"}`), want: ErrMalformed, claim: "header.alg"},
		{name: "alg number", token: rawHeader(`{"alg":256,"kid":"rsa"}`), want: ErrMalformed, claim: "header.alg"},
		{name: "alg null", token: rawHeader(`{"alg":null,"kid":"rsa"}`), want: ErrMalformed, claim: "header.alg"},
		{name: "alg array", token: rawHeader(`{"alg":["RS256"],"kid":"rsa"}`), want: ErrMalformed, claim: "header.alg"},
		{name: "alg unknown", token: rawHeader(`{"alg":"RS257","kid":"rsa"}`), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg lower case", token: rawHeader(`{"alg":"rs256","kid":"rsa"}`), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg with a space", token: rawHeader(`{"alg":"RS256 ","kid":"rsa"}`), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg ES256K", token: rawHeader(`{"alg":"ES256K","kid":"rsa"}`), want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "alg written with escapes", token: rawHeader(`{"alg":"RS\u0032\u0035\u0036","kid":"rsa"}`)},
		{name: "alg not on a narrowed list", token: good,
			cfg: func(c *VerifierConfig) { c.Algorithms = []string{ES256} }, want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "HS256 by default", token: func(t *testing.T) string {
			return sign(t, HS256, k.hmac, obj{"kid": "rsa"}, validClaims())
		}, want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "HS256 allowed but only public keys, kid of an RSA key", token: func(t *testing.T) string {
			return sign(t, HS256, k.hmac, obj{"kid": "rsa"}, validClaims())
		}, cfg: func(c *VerifierConfig) { c.Algorithms = []string{RS256, HS256} }, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HS256 allowed but only public keys, no kid", token: func(t *testing.T) string {
			return sign(t, HS256, k.hmac, obj{}, validClaims())
		}, cfg: func(c *VerifierConfig) { c.Algorithms = []string{RS256, HS256} }, want: ErrKeyNotFound, claim: "header.kid"},

		{name: "header is not JSON", token: rawHeader(`{"alg":"RS256",`), want: ErrMalformed, claim: "header"},
		{name: "header is an array", token: rawHeader(`["RS256"]`), want: ErrMalformed, claim: "header"},
		{name: "header has trailing data", token: rawHeader(`{"alg":"RS256","kid":"rsa"}{}`), want: ErrMalformed, claim: "header"},
		{name: "header duplicate alg", token: rawHeader(`{"alg":"none","alg":"RS256","kid":"rsa"}`), want: ErrMalformed, claim: "header"},
		{name: "header duplicate kid", token: rawHeader(`{"alg":"RS256","kid":"attacker","kid":"rsa"}`), want: ErrMalformed, claim: "header"},
		{name: "header case-folded duplicate", token: rawHeader(`{"alg":"RS256","ALG":"none","kid":"rsa"}`), want: ErrMalformed, claim: "header"},
		{name: "header nested too deep", token: rawHeader(`{"alg":"RS256","kid":"rsa","x":[[[[1]]]]}`), want: ErrMalformed, claim: "header"},
		{name: "header invalid UTF-8", token: rawHeader("{\"alg\":\"RS256\",\"kid\":\"rsa\",\"x\":\"\xff\"}"), want: ErrMalformed, claim: "header"},

		{name: "crit unknown", token: withHeader(obj{"kid": "rsa", "crit": []string{"exp"}, "exp": 1}), want: ErrCritical, claim: "header.crit"},
		{name: "crit empty", token: withHeader(obj{"kid": "rsa", "crit": []string{}}), want: ErrCritical, claim: "header.crit"},
		{name: "crit not an array", token: withHeader(obj{"kid": "rsa", "crit": "x-ext", "x-ext": 1}), want: ErrCritical, claim: "header.crit"},
		{name: "crit with an empty name", token: withHeader(obj{"kid": "rsa", "crit": []string{""}}), want: ErrCritical, claim: "header.crit"},
		{name: "crit with a number", token: withHeader(obj{"kid": "rsa", "crit": []any{1}}), want: ErrCritical, claim: "header.crit"},
		{name: "crit names alg", token: withHeader(obj{"kid": "rsa", "crit": []string{"alg"}}), want: ErrCritical, claim: "header.crit"},
		{name: "crit names kid", token: withHeader(obj{"kid": "rsa", "crit": []string{"kid"}}), want: ErrCritical, claim: "header.crit"},
		{name: "crit names a parameter the header lacks", token: withHeader(obj{"kid": "rsa", "crit": []string{"x-ext"}}),
			cfg: func(c *VerifierConfig) { c.Critical = []string{"x-ext"} }, want: ErrCritical, claim: "header.crit"},
		{name: "crit names one twice", token: withHeader(obj{"kid": "rsa", "crit": []string{"x-ext", "x-ext"}, "x-ext": 1}),
			cfg: func(c *VerifierConfig) { c.Critical = []string{"x-ext"} }, want: ErrCritical, claim: "header.crit"},
		{name: "crit understood by the caller", token: withHeader(obj{"kid": "rsa", "crit": []string{"x-ext"}, "x-ext": 1}),
			cfg: func(c *VerifierConfig) { c.Critical = []string{"x-ext"} }},
		{name: "b64 false", token: withHeader(obj{"kid": "rsa", "b64": false, "crit": []string{"b64"}}), want: ErrCritical, claim: "header.b64"},
		{name: "b64 true", token: withHeader(obj{"kid": "rsa", "b64": true}), want: ErrCritical, claim: "header.b64"},
		{name: "enc present", token: withHeader(obj{"kid": "rsa", "enc": "A256GCM"}), want: ErrMalformed, claim: "header.enc"},
		{name: "zip present", token: withHeader(obj{"kid": "rsa", "zip": "DEF"}), want: ErrMalformed, claim: "header.zip"},
		{name: "cty JWT", token: withHeader(obj{"kid": "rsa", "cty": "JWT"}), want: ErrMalformed, claim: "header.cty"},
		{name: "cty jwt", token: withHeader(obj{"kid": "rsa", "cty": "jwt"}), want: ErrMalformed, claim: "header.cty"},
		{name: "cty Jwt", token: withHeader(obj{"kid": "rsa", "cty": "Jwt"}), want: ErrMalformed, claim: "header.cty"},
		{name: "cty application/jwt", token: withHeader(obj{"kid": "rsa", "cty": "application/JWT"}), want: ErrMalformed, claim: "header.cty"},
		{name: "cty number", token: withHeader(obj{"kid": "rsa", "cty": 1}), want: ErrMalformed, claim: "header.cty"},
		{name: "typ number", token: withHeader(obj{"kid": "rsa", "typ": 1}), want: ErrMalformed, claim: "header.typ"},
		{name: "typ object", token: withHeader(obj{"kid": "rsa", "typ": obj{}}), want: ErrMalformed, claim: "header.typ"},

		{name: "kid empty", token: withHeader(obj{"kid": ""}), want: ErrMalformed, claim: "header.kid"},
		{name: "kid number", token: withHeader(obj{"kid": 1}), want: ErrMalformed, claim: "header.kid"},
		{name: "kid null", token: withHeader(obj{"kid": nil}), want: ErrMalformed, claim: "header.kid"},
		{name: "kid very long", token: withHeader(obj{"kid": long}), want: ErrMalformed, claim: "header.kid"},
		{name: "kid huge", token: withHeader(obj{"kid": strings.Repeat("a", 8000)}), want: ErrMalformed, claim: "header.kid"},
		{name: "kid at the length bound, unknown", token: withHeader(obj{"kid": long[1:]}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid path-like", token: withHeader(obj{"kid": "../../etc/passwd"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid path to /dev/null", token: withHeader(obj{"kid": "/dev/null"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid query-like", token: withHeader(obj{"kid": "rsa?x=1&kid=rsa"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid SQL-like", token: withHeader(obj{"kid": "x' UNION SELECT 'secret"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid URL", token: withHeader(obj{"kid": "http://127.0.0.1:1/key"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid with NUL", token: withHeader(obj{"kid": "rsa\x00"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "kid differing by case", token: withHeader(obj{"kid": "RSA"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "unknown header parameters are ignored", token: withHeader(obj{"kid": "rsa", "x-vendor": obj{"a": 1}})},
	})
}

// TestVerifyHeaderKeysIgnored: keys a token brings along in its header (jwk,
// jku, x5u, x5c) are never used and never fetched. The attacker signs with
// their own key and describes it in the header; the token must fail as if
// the header parameters were not there.
func TestVerifyHeaderKeysIgnored(t *testing.T) {
	k := testKeys()
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()

	attackerJWK, err := jose.MarshalPublic("attacker", RS256, &k.rsaOther.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var jwk obj
	if err := json.Unmarshal(attackerJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.rsaOther.PublicKey, k.rsaOther)
	if err != nil {
		t.Fatal(err)
	}
	x5c := []string{base64.StdEncoding.EncodeToString(der)}

	forged := func(h obj) func(t *testing.T) string {
		return func(t *testing.T) string { return sign(t, RS256, k.rsaOther, h, validClaims()) }
	}
	runVerifyCases(t, []verifyCase{
		{name: "jwk with the victim's kid", token: forged(obj{"kid": "rsa", "jwk": jwk}), want: ErrSignature},
		{name: "jwk with the attacker's kid", token: forged(obj{"kid": "attacker", "jwk": jwk}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "jwk without kid", token: forged(obj{"jwk": jwk}), want: ErrSignature},
		{name: "jku", token: forged(obj{"kid": "rsa", "jku": srv.URL + "/jwks.json"}), want: ErrSignature},
		{name: "jku with the attacker's kid", token: forged(obj{"kid": "attacker", "jku": srv.URL + "/jwks.json"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "x5u", token: forged(obj{"kid": "rsa", "x5u": srv.URL + "/cert.pem"}), want: ErrSignature},
		{name: "x5c", token: forged(obj{"kid": "rsa", "x5c": x5c}), want: ErrSignature},
		{name: "x5c without kid", token: forged(obj{"x5c": x5c}), want: ErrSignature},
		{name: "all of them", token: forged(obj{"kid": "attacker", "jwk": jwk, "jku": srv.URL, "x5u": srv.URL, "x5c": x5c}), want: ErrKeyNotFound, claim: "header.kid"},
		// The same parameters on a token the issuer did sign change nothing.
		{name: "jwk on a genuine token", token: withHeader(obj{"kid": "rsa", "jwk": jwk, "jku": srv.URL})},
	})
	if n := fetched.Load(); n != 0 {
		t.Errorf("the verifier fetched a header-supplied URL %d times", n)
	}
}

func TestVerifyClaimRules(t *testing.T) {
	deep := func(n int) string { // claims nested n levels deep, the claims object being level 1
		return strings.Repeat(`{"x":`, n-1) + "1" + strings.Repeat("}", n-1)
	}
	vc := mustJSON(t, validClaims())
	base := vc[:len(vc)-1] // valid claims without the closing brace
	runVerifyCases(t, []verifyCase{
		{name: "duplicate iss", token: rawClaims(base + `,"iss":"https://evil.example/"}`), want: ErrMalformed, claim: "claims"},
		{name: "duplicate exp", token: rawClaims(base + `,"exp":99999999999}`), want: ErrMalformed, claim: "claims"},
		{name: "duplicate custom claim", token: rawClaims(base + `,"role":"user","role":"admin"}`), want: ErrMalformed, claim: "claims"},
		{name: "case-folded duplicate ISS", token: rawClaims(base + `,"ISS":"https://evil.example/"}`), want: ErrMalformed, claim: "claims"},
		{name: "case-folded duplicate Sub", token: rawClaims(base + `,"Sub":"admin"}`), want: ErrMalformed, claim: "claims"},
		{name: "Unicode-folded duplicate (long s)", token: rawClaims(base + `,"\u017fub":"admin"}`), want: ErrMalformed, claim: "claims"},
		{name: "Unicode-folded duplicate (Kelvin sign)", token: rawClaims(base + `,"role":"a","\u212aey":"x","key":"y"}`), want: ErrMalformed, claim: "claims"},
		{name: "escaped duplicate", token: rawClaims(base + `,"\u0069ss":"https://evil.example/"}`), want: ErrMalformed, claim: "claims"},
		{name: "claims not JSON", token: rawClaims(`{"iss":`), want: ErrMalformed, claim: "claims"},
		{name: "claims an array", token: rawClaims(`[` + vc + `]`), want: ErrMalformed, claim: "claims"},
		{name: "claims a string", token: rawClaims(`"` + testIssuer + `"`), want: ErrMalformed, claim: "claims"},
		{name: "claims with trailing data", token: rawClaims(vc + `{}`), want: ErrMalformed, claim: "claims"},
		{name: "claims invalid UTF-8", token: rawClaims(base + ",\"name\":\"\xc3\x28\"}"), want: ErrMalformed, claim: "claims"},
		{name: "claims lone surrogate", token: rawClaims(base + `,"name":"\ud800"}`), want: ErrMalformed, claim: "claims"},
		{name: "claims nested at the bound", token: rawClaims(base + `,"n":` + deep(MaxClaimsDepth) + `}`)},
		{name: "claims nested past the bound", token: rawClaims(base + `,"n":` + deep(MaxClaimsDepth+1) + `}`), want: ErrMalformed, claim: "claims"},
		{name: "claims nested 5000 deep", token: rawClaims(base + `,"n":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`), want: ErrMalformed, claim: "claims"},

		{name: "exp string", token: withClaims(validClaims().with("exp", "1700003600")), want: ErrInvalidClaim, claim: "exp"},
		{name: "exp null", token: rawClaims(strings.Replace(vc, `"exp":1700003600`, `"exp":null`, 1)), want: ErrInvalidClaim, claim: "exp"},
		{name: "exp negative", token: withClaims(validClaims().with("exp", -1)), want: ErrInvalidClaim, claim: "exp"},
		{name: "exp past year 9999", token: withClaims(validClaims().with("exp", 1e12)), want: ErrInvalidClaim, claim: "exp"},
		{name: "exp overflowing float", token: rawClaims(strings.Replace(vc, `"exp":1700003600`, `"exp":1e400`, 1)), want: ErrInvalidClaim, claim: "exp"},
		{name: "exp fractional", token: withClaims(validClaims().with("exp", 1700003600.5))},
		{name: "exp exponent form", token: rawClaims(strings.Replace(vc, `"exp":1700003600`, `"exp":1.7000036e9`, 1))},
		{name: "aud number", token: withClaims(validClaims().with("aud", 42)), want: ErrInvalidClaim, claim: "aud"},
		{name: "aud object", token: withClaims(validClaims().with("aud", obj{"a": 1})), want: ErrInvalidClaim, claim: "aud"},
		{name: "aud array with a number", token: withClaims(validClaims().with("aud", []any{"a", 1})), want: ErrInvalidClaim, claim: "aud"},
		{name: "aud array of arrays", token: withClaims(validClaims().with("aud", []any{[]string{"a"}})), want: ErrInvalidClaim, claim: "aud"},
		{name: "iss number", token: withClaims(validClaims().with("iss", 1)), want: ErrInvalidClaim, claim: "iss"},
		{name: "iss array", token: withClaims(validClaims().with("iss", []string{testIssuer})), want: ErrInvalidClaim, claim: "iss"},
		{name: "sub number", token: withClaims(validClaims().with("sub", 42)), want: ErrInvalidClaim, claim: "sub"},
		{name: "jti object", token: withClaims(validClaims().with("jti", obj{})), want: ErrInvalidClaim, claim: "jti"},
		{name: "nbf bool", token: withClaims(validClaims().with("nbf", true)), want: ErrInvalidClaim, claim: "nbf"},
		{name: "iat string", token: withClaims(validClaims().with("iat", "now")), want: ErrInvalidClaim, claim: "iat"},

		{name: "iss missing", token: withClaims(validClaims().with("iss", nil)), want: ErrMissingClaim, claim: "iss"},
		{name: "iss empty", token: withClaims(validClaims().with("iss", "")), want: ErrIssuer, claim: "iss"},
		{name: "iss without the trailing slash", token: withClaims(validClaims().with("iss", strings.TrimSuffix(testIssuer, "/"))), want: ErrIssuer, claim: "iss"},
		{name: "iss with another trailing slash", token: withClaims(validClaims().with("iss", testIssuer+"/")), want: ErrIssuer, claim: "iss"},
		{name: "iss in upper case", token: withClaims(validClaims().with("iss", strings.ToUpper(testIssuer))), want: ErrIssuer, claim: "iss"},
		{name: "iss host in upper case", token: withClaims(validClaims().with("iss", "https://ISSUER.example.com/")), want: ErrIssuer, claim: "iss"},
		{name: "iss http instead of https", token: withClaims(validClaims().with("iss", "http://issuer.example.com/")), want: ErrIssuer, claim: "iss"},
		{name: "iss with a trailing space", token: withClaims(validClaims().with("iss", testIssuer+" ")), want: ErrIssuer, claim: "iss"},
		{name: "iss another tenant", token: withClaims(validClaims().with("iss", "https://issuer.example.com.evil.example/")), want: ErrIssuer, claim: "iss"},
		{name: "iss with escapes equal to the issuer", token: rawClaims(strings.Replace(vc, `"iss":"https://issuer.example.com/"`, `"iss":"https:\/\/issuer.example.com\/"`, 1))},
	})
}

func TestVerifyKeySelection(t *testing.T) {
	k := testKeys()
	twoRSA := func(t *testing.T) *KeySet {
		return mustSet(t, mustKey(t, KeyParams{ID: "a"}, &k.rsa.PublicKey), mustKey(t, KeyParams{ID: "b"}, &k.rsaOther.PublicKey))
	}
	noKid := func(alg string, key any) func(t *testing.T) string {
		return func(t *testing.T) string { return sign(t, alg, key, obj{}, validClaims()) }
	}
	runVerifyCases(t, []verifyCase{
		{name: "kid unknown", token: withHeader(obj{"kid": "nope"}), want: ErrKeyNotFound, claim: "header.kid"},
		{name: "no kid, exactly one fitting key", token: noKid(RS256, k.rsa)},
		{name: "no kid, exactly one fitting EC key among others", token: noKid(ES384, k.ec384)},
		{name: "no kid, two fitting keys", token: noKid(RS256, k.rsa), set: twoRSA, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "no kid, no fitting key", token: noKid(RS256, k.rsa), set: func(t *testing.T) *KeySet {
			return mustSet(t, mustKey(t, KeyParams{ID: "ec"}, &k.ec256.PublicKey))
		}, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "no kid, one key fitting only by alg restriction", token: noKid(RS256, k.rsa), set: func(t *testing.T) *KeySet {
			return mustSet(t,
				mustKey(t, KeyParams{ID: "a", Algorithm: RS256}, &k.rsa.PublicKey),
				mustKey(t, KeyParams{ID: "b", Algorithm: PS256}, &k.rsaOther.PublicKey))
		}},
		{name: "kid picks one of two RSA keys", token: func(t *testing.T) string {
			return sign(t, RS256, k.rsaOther, obj{"kid": "b"}, validClaims())
		}, set: twoRSA},
		{name: "kid of the other RSA key", token: func(t *testing.T) string {
			return sign(t, RS256, k.rsaOther, obj{"kid": "a"}, validClaims())
		}, set: twoRSA, want: ErrSignature},
		{name: "kid shared by keys of two types picks the fitting one", token: func(t *testing.T) string {
			return sign(t, ES256, k.ec256, obj{"kid": "shared"}, validClaims())
		}, set: func(t *testing.T) *KeySet {
			return mustSet(t, mustKey(t, KeyParams{ID: "shared"}, &k.rsa.PublicKey), mustKey(t, KeyParams{ID: "shared"}, &k.ec256.PublicKey))
		}},
		{name: "nil key set, no kid", token: noKid(RS256, k.rsa), set: func(*testing.T) *KeySet { return nil }, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "nil key set, kid", token: good, set: func(*testing.T) *KeySet { return nil }, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "empty key set", token: good, set: func(t *testing.T) *KeySet { return mustSet(t) }, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "key source down", token: good, cfg: func(c *VerifierConfig) {
			c.Keys = errSource{errors.New("dial tcp: connection refused")}
		}, want: ErrUnavailable},
		{name: "key source reports unavailable", token: good, cfg: func(c *VerifierConfig) {
			c.Keys = errSource{&ValidationError{Kind: ErrUnavailable, Reason: "JWKS answered 503"}}
		}, want: ErrUnavailable},
		{name: "key source reports a plain ErrKeyNotFound", token: good, cfg: func(c *VerifierConfig) {
			c.Keys = errSource{fmt.Errorf("jwks: %w", ErrKeyNotFound)}
		}, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "key source reports a ValidationError", token: good, cfg: func(c *VerifierConfig) {
			c.Keys = errSource{Errorf(ErrKeyNotFound, "header.kid", "no such key after refetch")}
		}, want: ErrKeyNotFound, claim: "header.kid"},
	})
}

func TestVerifyKeyAlgorithmBinding(t *testing.T) {
	k := testKeys()
	set := func(p KeyParams, pub any) func(t *testing.T) *KeySet {
		return func(t *testing.T) *KeySet { return mustSet(t, mustKey(t, p, pub)) }
	}
	sig := func(alg string, key any, kid string) func(t *testing.T) string {
		return func(t *testing.T) string { return sign(t, alg, key, obj{"kid": kid}, validClaims()) }
	}
	hs := func(kid string) func(t *testing.T) string {
		return func(t *testing.T) string { return sign(t, HS256, k.hmac, obj{"kid": kid}, validClaims()) }
	}
	allowHS := func(c *VerifierConfig) { c.Algorithms = []string{RS256, ES256, HS256} }
	runVerifyCases(t, []verifyCase{
		{name: "RS256 on an EC key", token: sig(RS256, k.rsa, "ec256"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "RS256 on an Ed25519 key", token: sig(RS256, k.rsa, "ed"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "PS256 on an EC key", token: sig(PS256, k.rsa, "ec256"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "ES256 on a P-384 key", token: sig(ES256, k.ec256, "ec384"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "ES384 on a P-256 key", token: sig(ES384, k.ec384, "ec256"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "ES512 on a P-384 key", token: sig(ES512, k.ec521, "ec384"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "ES256 on an RSA key", token: sig(ES256, k.ec256, "rsa"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "EdDSA on an RSA key", token: sig(EdDSA, k.ed, "rsa"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "EdDSA on an EC key", token: sig(EdDSA, k.ed, "ec256"), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "use enc", token: good, set: set(KeyParams{ID: "rsa", Use: "enc"}, &k.rsa.PublicKey), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "use sig", token: good, set: set(KeyParams{ID: "rsa", Use: "sig"}, &k.rsa.PublicKey)},
		{name: "key_ops without verify", token: good, set: set(KeyParams{ID: "rsa", Operations: []string{"encrypt", "wrapKey"}}, &k.rsa.PublicKey), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "key_ops sign only", token: good, set: set(KeyParams{ID: "rsa", Operations: []string{"sign"}}, &k.rsa.PublicKey), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "key_ops with verify", token: good, set: set(KeyParams{ID: "rsa", Operations: []string{"sign", "verify"}}, &k.rsa.PublicKey)},
		{name: "JWK alg RS384 used for RS256", token: good, set: set(KeyParams{ID: "rsa", Algorithm: RS384}, &k.rsa.PublicKey), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "JWK alg PS256 used for RS256", token: good, set: set(KeyParams{ID: "rsa", Algorithm: PS256}, &k.rsa.PublicKey), want: ErrKeyMismatch, claim: "header.alg"},
		{name: "JWK alg RS256 used for RS256", token: good, set: set(KeyParams{ID: "rsa", Algorithm: RS256}, &k.rsa.PublicKey)},
		// CVE-2016-10555 and kin: the attacker signs HS256 with the issuer's
		// public key bytes as the HMAC secret.
		{name: "HMAC with the RSA public key (PEM) as secret, default algorithms", token: func(t *testing.T) string {
			return sign(t, HS256, publicPEM(t, &k.rsa.PublicKey), obj{"kid": "rsa"}, validClaims())
		}, want: ErrUnsupportedAlgorithm, claim: "header.alg"},
		{name: "HMAC with the RSA public key (PEM) as secret, HS256 allowed", token: func(t *testing.T) string {
			return sign(t, HS256, publicPEM(t, &k.rsa.PublicKey), obj{"kid": "rsa"}, validClaims())
		}, cfg: allowHS, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HMAC with the RSA public key (DER) as secret, HS256 allowed", token: func(t *testing.T) string {
			der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
			return sign(t, HS256, der, obj{"kid": "rsa"}, validClaims())
		}, cfg: allowHS, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HMAC with the EC public key as secret, HS256 allowed", token: func(t *testing.T) string {
			return sign(t, HS256, publicPEM(t, &k.ec256.PublicKey), obj{"kid": "ec256"}, validClaims())
		}, cfg: allowHS, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HMAC with the JWK JSON as secret, no kid, HS256 allowed", token: func(t *testing.T) string {
			j, _ := jose.MarshalPublic("rsa", RS256, &k.rsa.PublicKey)
			return sign(t, HS256, []byte(j), obj{}, validClaims())
		}, cfg: allowHS, want: ErrKeyNotFound, claim: "header.kid"},
		{name: "RS256 on a symmetric key", token: good, set: func(t *testing.T) *KeySet {
			hk, err := NewSymmetricKey(KeyParams{ID: "rsa", Algorithm: HS256}, k.hmac)
			if err != nil {
				t.Fatal(err)
			}
			return mustSet(t, hk)
		}, cfg: allowHS, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HS384 on an HS256 key", token: func(t *testing.T) string {
			return sign(t, HS384, k.hmac, obj{"kid": "hs"}, validClaims())
		}, set: func(t *testing.T) *KeySet {
			hk, err := NewSymmetricKey(KeyParams{ID: "hs", Algorithm: HS256}, k.hmac)
			if err != nil {
				t.Fatal(err)
			}
			return mustSet(t, hk)
		}, cfg: func(c *VerifierConfig) { c.Algorithms = []string{HS256, HS384} }, want: ErrKeyMismatch, claim: "header.alg"},
		{name: "HS256 with the wrong secret", token: hs("hs"), set: func(t *testing.T) *KeySet {
			hk, err := NewSymmetricKey(KeyParams{ID: "hs", Algorithm: HS256}, []byte(strings.Repeat("s", 32)))
			if err != nil {
				t.Fatal(err)
			}
			return mustSet(t, hk)
		}, cfg: allowHS, want: ErrSignature},
	})
}

func publicPEM(t *testing.T, pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifyTimeRules(t *testing.T) {
	at := func(d time.Duration) int64 { return testNow.Add(d).Unix() }
	noLeeway := func(c *VerifierConfig) { c.Leeway = -1 }
	runVerifyCases(t, []verifyCase{
		{name: "exp missing", token: withClaims(validClaims().with("exp", nil)), want: ErrMissingClaim, claim: "exp"},
		{name: "exp beyond the leeway", token: withClaims(validClaims().with("exp", at(-61*time.Second))), want: ErrExpired, claim: "exp"},
		{name: "exp exactly at the leeway", token: withClaims(validClaims().with("exp", at(-60*time.Second))), want: ErrExpired, claim: "exp"},
		{name: "exp within the leeway", token: withClaims(validClaims().with("exp", at(-59*time.Second)))},
		{name: "exp long ago", token: withClaims(validClaims().with("exp", 1, "iat", 0)), want: ErrExpired, claim: "exp"},
		{name: "nbf beyond the leeway", token: withClaims(validClaims().with("nbf", at(61*time.Second))), want: ErrNotYetValid, claim: "nbf"},
		{name: "nbf within the leeway", token: withClaims(validClaims().with("nbf", at(59*time.Second)))},
		{name: "nbf in the past", token: withClaims(validClaims().with("nbf", at(-time.Hour)))},
		{name: "iat beyond the leeway", token: withClaims(validClaims().with("iat", at(61*time.Second))), want: ErrIssuedInFuture, claim: "iat"},
		{name: "iat within the leeway", token: withClaims(validClaims().with("iat", at(59*time.Second)))},
		{name: "iat missing is fine by default", token: withClaims(validClaims().with("iat", nil))},
		{name: "iat missing when required", token: withClaims(validClaims().with("iat", nil)),
			cfg: func(c *VerifierConfig) { c.RequireIssuedAt = true }, want: ErrMissingClaim, claim: "iat"},
		{name: "exp missing with ExpiryOptional", token: withClaims(validClaims().with("exp", nil)),
			cfg: func(c *VerifierConfig) { c.ExpiryOptional = true }},
		{name: "exp passed with ExpiryOptional", token: withClaims(validClaims().with("exp", at(-time.Hour))),
			cfg: func(c *VerifierConfig) { c.ExpiryOptional = true }, want: ErrExpired, claim: "exp"},
		{name: "no exp and nbf ahead with ExpiryOptional", token: withClaims(validClaims().with("exp", nil, "nbf", at(time.Hour))),
			cfg: func(c *VerifierConfig) { c.ExpiryOptional = true }, want: ErrNotYetValid, claim: "nbf"},
		{name: "no exp and iat ahead with ExpiryOptional", token: withClaims(validClaims().with("exp", nil, "iat", at(time.Hour))),
			cfg: func(c *VerifierConfig) { c.ExpiryOptional = true }, want: ErrIssuedInFuture, claim: "iat"},
		{name: "negative leeway: expired one second ago", token: withClaims(validClaims().with("exp", at(-time.Second))), cfg: noLeeway, want: ErrExpired, claim: "exp"},
		{name: "negative leeway: expires now", token: withClaims(validClaims().with("exp", at(0))), cfg: noLeeway, want: ErrExpired, claim: "exp"},
		{name: "negative leeway: expires in a second", token: withClaims(validClaims().with("exp", at(time.Second))), cfg: noLeeway},
		{name: "negative leeway: nbf in a second", token: withClaims(validClaims().with("nbf", at(time.Second))), cfg: noLeeway, want: ErrNotYetValid, claim: "nbf"},
		{name: "negative leeway: iat in a second", token: withClaims(validClaims().with("iat", at(time.Second))), cfg: noLeeway, want: ErrIssuedInFuture, claim: "iat"},
		{name: "larger leeway", token: withClaims(validClaims().with("exp", at(-4*time.Minute))), cfg: func(c *VerifierConfig) { c.Leeway = 5 * time.Minute }},
		{name: "injected clock after exp", token: good, cfg: func(c *VerifierConfig) {
			c.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
		}, want: ErrExpired, claim: "exp"},
		{name: "injected clock before iat", token: good, cfg: func(c *VerifierConfig) {
			c.Now = func() time.Time { return testNow.Add(-time.Hour) }
		}, want: ErrIssuedInFuture, claim: "iat"},
		{name: "time rules run before the signature", token: func(t *testing.T) string {
			return sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, validClaims().with("exp", at(-time.Hour)))
		}, want: ErrExpired, claim: "exp"},
	})
}

// TestVerifySignatureEncodings feeds signatures that are invalid in form:
// wrong lengths, zeros, and ECDSA values outside [1, N-1].
func TestVerifySignatureEncodings(t *testing.T) {
	k := testKeys()
	withSig := func(alg string, key any, kid string, f func(sig []byte) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			tok := sign(t, alg, key, obj{"kid": kid}, validClaims())
			dot := strings.LastIndexByte(tok, '.')
			sig, err := base64.RawURLEncoding.Strict().DecodeString(tok[dot+1:])
			if err != nil {
				t.Fatal(err)
			}
			return tok[:dot+1] + b64(f(sig))
		}
	}
	es := func(f func(sig []byte) []byte) func(t *testing.T) string { return withSig(ES256, k.ec256, "ec256", f) }
	n256 := k.ec256.Curve.Params().N
	scalar := func(x *big.Int) []byte { return x.FillBytes(make([]byte, 32)) }
	runVerifyCases(t, []verifyCase{
		{name: "ES256 all zeros (CVE-2022-21449)", token: es(func(s []byte) []byte { return make([]byte, 64) }), want: ErrSignature},
		{name: "ES256 r = 0", token: es(func(s []byte) []byte { return append(make([]byte, 32), s[32:]...) }), want: ErrSignature},
		{name: "ES256 s = 0", token: es(func(s []byte) []byte { return append(s[:32:32], make([]byte, 32)...) }), want: ErrSignature},
		{name: "ES256 r = N", token: es(func(s []byte) []byte { return append(scalar(n256), s[32:]...) }), want: ErrSignature},
		{name: "ES256 s = N", token: es(func(s []byte) []byte { return append(s[:32:32], scalar(n256)...) }), want: ErrSignature},
		{name: "ES256 r = s = N", token: es(func(s []byte) []byte { return append(scalar(n256), scalar(n256)...) }), want: ErrSignature},
		{name: "ES256 r = N + 1", token: es(func(s []byte) []byte {
			return append(scalar(new(big.Int).Add(n256, big.NewInt(1))), s[32:]...)
		}), want: ErrSignature},
		{name: "ES256 s = N - 1 (in range, wrong)", token: es(func(s []byte) []byte {
			return append(s[:32:32], scalar(new(big.Int).Sub(n256, big.NewInt(1)))...)
		}), want: ErrSignature},
		{name: "ES256 all 0xff", token: es(func(s []byte) []byte { return []byte(strings.Repeat("\xff", 64)) }), want: ErrSignature},
		{name: "ES256 one byte short", token: es(func(s []byte) []byte { return s[:63] }), want: ErrSignature},
		{name: "ES256 one byte long", token: es(func(s []byte) []byte { return append(s, 0) }), want: ErrSignature},
		{name: "ES256 P-384 length", token: es(func(s []byte) []byte { return append(s, make([]byte, 32)...) }), want: ErrSignature},
		{name: "ES256 DER-encoded", token: es(func(s []byte) []byte {
			return appendDERInteger(appendDERInteger([]byte{0x30, 0}, s[:32]), s[32:])
		}), want: ErrSignature},
		{name: "ES256 r and s swapped", token: es(func(s []byte) []byte { return append(append([]byte(nil), s[32:]...), s[:32]...) }), want: ErrSignature},
		{name: "ES384 zeros", token: withSig(ES384, k.ec384, "ec384", func(s []byte) []byte { return make([]byte, 96) }), want: ErrSignature},
		{name: "ES512 zeros", token: withSig(ES512, k.ec521, "ec521", func(s []byte) []byte { return make([]byte, 132) }), want: ErrSignature},
		{name: "ES512 good", token: withSig(ES512, k.ec521, "ec521", func(s []byte) []byte { return s })},
		{name: "Ed25519 one byte short", token: withSig(EdDSA, k.ed, "ed", func(s []byte) []byte { return s[:63] }), want: ErrSignature},
		{name: "Ed25519 one byte long", token: withSig(EdDSA, k.ed, "ed", func(s []byte) []byte { return append(s, 0) }), want: ErrSignature},
		{name: "Ed25519 zeros", token: withSig(EdDSA, k.ed, "ed", func(s []byte) []byte { return make([]byte, 64) }), want: ErrSignature},
		{name: "Ed25519 by another key", token: func(t *testing.T) string {
			return sign(t, EdDSA, k.edOther, obj{"kid": "ed"}, validClaims())
		}, want: ErrSignature},
		{name: "RSA one byte short", token: withSig(RS256, k.rsa, "rsa", func(s []byte) []byte { return s[:255] }), want: ErrSignature},
		{name: "RSA with a leading zero", token: withSig(RS256, k.rsa, "rsa", func(s []byte) []byte { return append([]byte{0}, s...) }), want: ErrSignature},
		{name: "RSA zeros", token: withSig(RS256, k.rsa, "rsa", func(s []byte) []byte { return make([]byte, 256) }), want: ErrSignature},
		{name: "RSA by another key", token: func(t *testing.T) string {
			return sign(t, RS256, k.rsaOther, obj{"kid": "rsa"}, validClaims())
		}, want: ErrSignature},
		{name: "RSA signature longer than any key's", token: withSig(RS256, k.rsa, "rsa", func(s []byte) []byte { return make([]byte, MaxRSABits/8+1) }), want: ErrSignature},
		{name: "RS256 signature presented as PS256", token: func(t *testing.T) string {
			tok := sign(t, RS256, k.rsa, obj{"kid": "rsa", "alg": PS256}, validClaims())
			return tok
		}, want: ErrSignature},
		{name: "payload changed after signing", token: func(t *testing.T) string {
			parts := strings.Split(good(t), ".")
			parts[1] = b64([]byte(mustJSON(t, validClaims().with("sub", "admin"))))
			return strings.Join(parts, ".")
		}, want: ErrSignature},
		{name: "header changed after signing", token: func(t *testing.T) string {
			parts := strings.Split(good(t), ".")
			parts[0] = b64([]byte(`{"alg":"RS256","kid":"rsa","typ":"at+jwt"}`))
			return strings.Join(parts, ".")
		}, want: ErrSignature},
	})
}

func TestVerifyCheckHeader(t *testing.T) {
	// The check may not keep h (the Verifier reuses a refused token's
	// memory): it keeps what it saw.
	saw := ""
	check := func(h *Header) error {
		saw = h.KeyID
		if h.Type != "at+jwt" {
			return Errorf(ErrTokenType, "header.typ", "typ is %q; expected at+jwt", h.Type)
		}
		return nil
	}
	calls := 0
	counting := KeySourceFunc(func(ctx context.Context, kid string) (*KeySet, error) {
		calls++
		return standardSet(t), nil
	})
	v := newTestVerifier(t, nil, func(c *VerifierConfig) { c.CheckHeader = check; c.Keys = counting })
	_, err := v.Verify(context.Background(), good(t))
	assertRefused(t, err, ErrTokenType, "header.typ")
	if saw != "rsa" {
		t.Errorf("CheckHeader saw kid %q", saw)
	}
	if calls != 0 {
		t.Errorf("a token refused by CheckHeader cost %d key lookups", calls)
	}
	if _, err := v.Verify(context.Background(), withHeader(obj{"kid": "rsa", "typ": "at+jwt"})(t)); err != nil {
		t.Errorf("refused a token CheckHeader accepts: %v", err)
	}
	// A check that returns a plain error still yields a *ValidationError.
	plain := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) {
		c.CheckHeader = func(*Header) error { return errors.New("no") }
	})
	_, err = plain.Verify(context.Background(), good(t))
	assertRefused(t, err, ErrTokenType, "header")
}

// Refusals that need no signature (another issuer, expired, not yet
// valid, issued in the future, and what CheckClaims refuses) come before
// any key lookup and any signature check, and their messages quote none of
// the token's values: nothing has vouched for them, and the message may
// reach the client who crafted the token.
func TestVerifyRefusalsBeforeTheSignature(t *testing.T) {
	const marker = "MARKER"
	past, future := testNow.Add(-3*time.Hour), testNow.Add(3*time.Hour)
	for _, tc := range []struct {
		name   string
		claims obj
		check  func(*Header, *Claims) error
		want   error
		claim  string
	}{
		{"expired", validClaims().with("exp", past.Unix()), nil, ErrExpired, "exp"},
		{"not yet valid", validClaims().with("nbf", future.Unix()), nil, ErrNotYetValid, "nbf"},
		{"issued in the future", validClaims().with("iat", future.Unix()), nil, ErrIssuedInFuture, "iat"},
		{"another issuer", validClaims().with("iss", "https://"+marker+".example/"), nil, ErrIssuer, "iss"},
		{"refused by CheckClaims", validClaims().with("aud", marker), func(h *Header, c *Claims) error {
			if h.KeyID != "rsa" || len(c.Audience) != 1 {
				t.Errorf("CheckClaims saw header %+v and claims %+v", h, c)
			}
			return Errorf(ErrAudience, "aud", "the token is for another audience")
		}, ErrAudience, "aud"},
		{"CheckClaims with a plain error", validClaims(), func(*Header, *Claims) error { return errors.New("no") }, ErrInvalidClaim, "claims"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			src := KeySourceFunc(func(ctx context.Context, kid string) (*KeySet, error) {
				calls++
				return standardSet(t), nil
			})
			v := newTestVerifier(t, nil, func(c *VerifierConfig) { c.Keys = src; c.CheckClaims = tc.check })
			// Signed by another key: the signature would fail if it were checked.
			raw := sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, tc.claims)
			_, err := v.Verify(context.Background(), raw)
			assertRefused(t, err, tc.want, tc.claim)
			if calls != 0 {
				t.Errorf("the refusal cost %d key lookups", calls)
			}
			for _, leak := range []string{marker, past.Format(time.RFC3339), future.Format(time.RFC3339), "3h0m0s"} {
				if strings.Contains(clientText(err), leak) {
					t.Errorf("what the client is told, %q, quotes the unverified token (%s)", clientText(err), leak)
				}
			}
		})
	}
	// The same token with good claims goes on to the signature.
	v := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) {
		c.CheckClaims = func(*Header, *Claims) error { return nil }
	})
	_, err := v.Verify(context.Background(), sign(t, RS256, testKeys().rsaOther, obj{"kid": "rsa"}, validClaims()))
	assertRefused(t, err, ErrSignature, "")
}

// CheckTimes, for claims whose signature was checked (a cache hit, an
// introspection answer), says when the token expired.
func TestCheckTimesGivesTheTimes(t *testing.T) {
	exp := testNow.Add(-3 * time.Hour)
	err := CheckTimes(&Claims{ExpiresAt: exp}, testNow, time.Minute, false)
	if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), exp.Format(time.RFC3339)) {
		t.Errorf("CheckTimes = %v; want ErrExpired giving the expiry", err)
	}
}

func TestVerifyForeignIssuerCostsNoKeyLookup(t *testing.T) {
	calls := 0
	src := KeySourceFunc(func(ctx context.Context, kid string) (*KeySet, error) {
		calls++
		return standardSet(t), nil
	})
	v := newTestVerifier(t, nil, func(c *VerifierConfig) { c.Keys = src })
	_, err := v.Verify(context.Background(), withClaims(validClaims().with("iss", "https://other.example/"))(t))
	assertRefused(t, err, ErrIssuer, "iss")
	if calls != 0 {
		t.Errorf("%d key lookups for a token of another issuer", calls)
	}
}

func TestVerifyPassesContextAndKid(t *testing.T) {
	type ctxKey struct{}
	var gotKid string
	var gotVal any
	src := KeySourceFunc(func(ctx context.Context, kid string) (*KeySet, error) {
		gotKid, gotVal = kid, ctx.Value(ctxKey{})
		return standardSet(t), nil
	})
	v := newTestVerifier(t, nil, func(c *VerifierConfig) { c.Keys = src })
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	if _, err := v.Verify(ctx, good(t)); err != nil {
		t.Fatal(err)
	}
	if gotKid != "rsa" || gotVal != "v" {
		t.Errorf("key source got kid %q, context value %v", gotKid, gotVal)
	}
}

func TestNewVerifierConfig(t *testing.T) {
	src := staticSource{standardSet(t)}
	for _, tc := range []struct {
		name string
		cfg  VerifierConfig
	}{
		{"no issuer", VerifierConfig{Keys: src}},
		{"no keys", VerifierConfig{Issuer: testIssuer}},
		{"empty algorithm list", VerifierConfig{Issuer: testIssuer, Keys: src, Algorithms: []string{}}},
		{"none", VerifierConfig{Issuer: testIssuer, Keys: src, Algorithms: []string{"none"}}},
		{"unknown algorithm", VerifierConfig{Issuer: testIssuer, Keys: src, Algorithms: []string{RS256, "RS1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := NewVerifier(tc.cfg); err == nil {
				t.Fatalf("NewVerifier accepted %+v: %v", tc.cfg, v)
			}
		})
	}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: src})
	if err != nil {
		t.Fatal(err)
	}
	if v.Leeway() != DefaultLeeway || v.Issuer() != testIssuer || v.Now().IsZero() {
		t.Errorf("defaults: leeway %v issuer %q", v.Leeway(), v.Issuer())
	}
	v = newTestVerifier(t, nil, func(c *VerifierConfig) { c.Leeway = -time.Second })
	if v.Leeway() != 0 || !v.Now().Equal(testNow) {
		t.Errorf("negative leeway gave %v; clock %v", v.Leeway(), v.Now())
	}
}

func TestVerifierConcurrentUse(t *testing.T) {
	v := newTestVerifier(t, standardSet(t), nil)
	toks := []string{good(t), sign(t, ES256, testKeys().ec256, obj{"kid": "ec256"}, validClaims())}
	bad := withClaims(validClaims().with("exp", nil))(t)
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 50 {
				_, err := v.Verify(context.Background(), toks[(g+i)%2])
				if err == nil {
					_, err = v.Verify(context.Background(), bad)
					if !errors.Is(err, ErrMissingClaim) {
						done <- fmt.Errorf("bad token: %v", err)
						return
					}
					continue
				}
				done <- err
				return
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestLooksLikeJWS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{good(t), true},
		{"e30.e30.AA", true},
		{"e30.e30.", true},
		{"e30.e30.A", true}, // form is right; the signature's length is not
		{"", false},
		{"2YotnFZFEjr1zCsicMWpAA", false},
		{"e30.e30", false},
		{".e30.AA", false},
		{"e30..AA", false},
		{"e30.e30.AA.AA.AA", false},
		{"e30.e30.AA.AA", false},
		{`{"payload":"e30"}`, false},
		{"e30.e30=.AA", false},
		{"e30.e30.AA\n", false},
		{"e30\n.e30.AA", false},
		{"e30.e3\r0.AA", false},
		{"e3+.e30.AA", false},
		{"e30.e3/.AA", false},
		{"e30.e30.AA=", false},
		{"e30.e30.AA AA", false},
		{"e30.e30.AA\x00", false},
		{"e30.e30.AAé", false},
	} {
		if got := LooksLikeJWS(tc.in); got != tc.want {
			t.Errorf("LooksLikeJWS(%.20q) = %v; want %v", tc.in, got, tc.want)
		}
		// It must agree with the pipeline's own splitting and decoding
		// (which together check the alphabet) on form; LooksLikeJWS does not
		// look at the bits that make an encoding canonical.
		seg, err := splitCompact(tc.in)
		if err == nil {
			_, _, err = decodeParts(seg, nil)
			if err == nil {
				var buf [MaxRSABits / 8]byte
				_, err = decodeSignature(seg, buf[:])
			}
			if err != nil && strings.Contains(err.Error(), "canonical") {
				err = nil // the form is right; the bits are not
			}
		}
		if (err == nil) != tc.want {
			t.Errorf("splitCompact+decodeParts(%.20q) error %v disagrees with LooksLikeJWS", tc.in, err)
		}
	}
}

// TestVerifyAllocations pins the pipeline's own allocations on the success
// path, beyond those of the bare crypto verification of the same token, so a
// regression shows up here and not only in benchmarks.
func TestVerifyAllocations(t *testing.T) {
	k := testKeys()
	v := newTestVerifier(t, standardSet(t), nil)
	ctx := context.Background()
	claims := validClaims().with("aud", []string{"a", "b"})
	for _, tc := range []struct {
		alg  string
		priv any
		kid  string
		bare func(input string, sig []byte) bool
	}{
		{RS256, k.rsa, "rsa", func(input string, sig []byte) bool {
			h := sha256.Sum256([]byte(input))
			return rsa.VerifyPKCS1v15(&k.rsa.PublicKey, crypto.SHA256, h[:], sig) == nil
		}},
		{ES256, k.ec256, "ec256", func(input string, sig []byte) bool {
			h := sha256.Sum256([]byte(input))
			return ecdsa.Verify(&k.ec256.PublicKey, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		}},
		{EdDSA, k.ed, "ed", func(input string, sig []byte) bool {
			return ed25519.Verify(k.ed.Public().(ed25519.PublicKey), []byte(input), sig)
		}},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			tok := sign(t, tc.alg, tc.priv, obj{"kid": tc.kid, "typ": "JWT"}, claims)
			dot := strings.LastIndexByte(tok, '.')
			sig, _ := base64.RawURLEncoding.Strict().DecodeString(tok[dot+1:])
			bare := testing.AllocsPerRun(20, func() {
				if !tc.bare(tok[:dot], sig) {
					t.Fatal("bare verification failed")
				}
			})
			got := testing.AllocsPerRun(20, func() {
				if _, err := v.Verify(ctx, tok); err != nil {
					t.Fatal(err)
				}
			})
			// The Verified and the string holding the decoded header and claims.
			if got-bare > 2 {
				t.Errorf("Verify allocates %v times, the bare verification %v; want at most 2 more", got, bare)
			}
		})
	}
}

func TestNewVerifierRefusesNegativeMaxTokenSize(t *testing.T) {
	_, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: staticSource{}, MaxTokenSize: -1})
	if err == nil || !strings.Contains(err.Error(), "VerifierConfig.MaxTokenSize") {
		t.Fatalf("NewVerifier with a negative MaxTokenSize: %v; want an error naming the field", err)
	}
}

func TestCheckPresentTimes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name string
		c    Claims
		want error
	}{
		{"none present", Claims{}, nil},
		{"exp ahead", Claims{ExpiresAt: now.Add(time.Minute)}, nil},
		{"exp passed", Claims{ExpiresAt: now.Add(-2 * time.Minute)}, ErrExpired},
		{"nbf ahead", Claims{NotBefore: now.Add(2 * time.Minute)}, ErrNotYetValid},
		{"iat ahead", Claims{IssuedAt: now.Add(2 * time.Minute)}, ErrIssuedInFuture},
		{"within leeway", Claims{ExpiresAt: now.Add(-30 * time.Second), IssuedAt: now.Add(30 * time.Second)}, nil},
		{"all present, nbf ahead", Claims{ExpiresAt: now.Add(time.Hour), NotBefore: now.Add(2 * time.Minute), IssuedAt: now}, ErrNotYetValid},
	} {
		err := CheckPresentTimes(&tc.c, now, time.Minute)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v; want %v", tc.name, err, tc.want)
		}
		// CheckTimes gives the same answer, except that it requires exp.
		full := CheckTimes(&tc.c, now, time.Minute, false)
		if tc.c.ExpiresAt.IsZero() {
			if !errors.Is(full, ErrMissingClaim) {
				t.Errorf("%s: CheckTimes %v; want ErrMissingClaim", tc.name, full)
			}
		} else if !errors.Is(full, tc.want) || (tc.want == nil && full != nil) {
			t.Errorf("%s: CheckTimes %v; want %v", tc.name, full, tc.want)
		}
		// CheckTimeClaims, on the times alone, says what CheckTimes says,
		// word for word, iat required or not.
		for _, requireIAT := range []bool{false, true} {
			a := CheckTimes(&tc.c, now, time.Minute, requireIAT)
			b := CheckTimeClaims(tc.c.ExpiresAt, tc.c.NotBefore, tc.c.IssuedAt, now, time.Minute, requireIAT)
			if fmt.Sprint(a) != fmt.Sprint(b) || !errors.Is(b, kindOf(a)) {
				t.Errorf("%s: CheckTimeClaims %v; CheckTimes %v", tc.name, b, a)
			}
		}
	}
}

// kindOf is err's sentinel, or nil.
func kindOf(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Kind
	}
	return err
}

// clientText is what a client is told of err: its ValidationError's
// Description (the Detail is for the server's log).
func clientText(err error) string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	return ve.Description()
}

// Refusals of a token's form, header and claim types, made before anything
// has vouched for it, tell the client which rule failed without quoting
// the token's values; the server's log (Error) still has them.
func TestVerifyRefusalsQuoteNoTokenValue(t *testing.T) {
	const marker = "MARKER"
	for _, tc := range []struct {
		name           string
		header, claims obj
		crit           []string
		want           error
		claim          string
	}{
		{"exp out of range", obj{"kid": "rsa"}, validClaims().with("exp", json.Number("9"+strings.Repeat("0", 20)+"1")), nil, ErrInvalidClaim, "exp"},
		{"crit names an absent parameter", obj{"kid": "rsa", "crit": []string{marker}}, validClaims(), []string{marker}, ErrCritical, "header.crit"},
		{"crit names an unknown extension", obj{"kid": "rsa", "crit": []string{marker}, marker: 1}, validClaims(), nil, ErrCritical, "header.crit"},
		{"crit names a parameter twice", obj{"kid": "rsa", "crit": []string{marker, marker}, marker: 1}, validClaims(), []string{marker}, ErrCritical, "header.crit"},
		{"kid of no key in the set", obj{"kid": marker}, validClaims(), nil, ErrKeyNotFound, "header.kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, standardSet(t), func(c *VerifierConfig) { c.Critical = tc.crit })
			raw := sign(t, RS256, testKeys().rsa, tc.header, tc.claims)
			_, err := v.Verify(context.Background(), raw)
			assertRefused(t, err, tc.want, tc.claim)
			leak := marker
			if tc.claim == "exp" {
				leak = "9000"
			}
			if strings.Contains(clientText(err), leak) {
				t.Errorf("what the client is told, %q, quotes the unverified token", clientText(err))
			}
			if !strings.Contains(err.Error(), leak) {
				t.Errorf("the log line %q lost the value", err.Error())
			}
		})
	}
}

package token

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tokenguard/tokenguard/internal/jose"
)

// rfc9449TokenRequestProof is the DPoP proof of RFC 9449 Figure 5 (a token
// request, so without ath), and rfc9449JKT the thumbprint of its key that
// Figures 8 and 11 bind tokens to.
const (
	rfc9449TokenRequestProof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6Ik" +
		"VDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCR" +
		"nMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JE" +
		"QSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIj" +
		"oiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwia" +
		"WF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg" +
		"4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
	rfc9449JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
)

func newTestProofVerifier(tb testing.TB, cfg ProofVerifierConfig) *ProofVerifier {
	tb.Helper()
	p, err := NewProofVerifier(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestProofVerifierRFC9449Example(t *testing.T) {
	p := newTestProofVerifier(t, ProofVerifierConfig{})
	out, err := p.Verify(rfc9449TokenRequestProof, nil)
	if err != nil {
		t.Fatal(err)
	}
	jkt, err := out.Key.Thumbprint()
	if err != nil || jkt != rfc9449JKT {
		t.Fatalf("thumbprint %q, %v; want %q", jkt, err, rfc9449JKT)
	}
	if htm, _, _ := out.Claims.GetString("htm"); htm != "POST" || out.Claims.ID != "-BwC3ESc6acc2lTc" {
		t.Fatalf("claims %s", out.Claims.JSON())
	}
	// One byte of the signature changed.
	n := len(rfc9449TokenRequestProof) - 10
	flip := byte('A')
	if rfc9449TokenRequestProof[n] == 'A' {
		flip = 'B'
	}
	bad := rfc9449TokenRequestProof[:n] + string(flip) + rfc9449TokenRequestProof[n+1:]
	if err := p.verifyErr(bad, nil); !errors.Is(err, ErrSignature) {
		t.Fatalf("altered signature: %v", err)
	}
	// ES256 not allowed.
	only := newTestProofVerifier(t, ProofVerifierConfig{Algorithms: []string{EdDSA}})
	if err := only.verifyErr(rfc9449TokenRequestProof, nil); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("alg off the list: %v", err)
	}
	if only.Algorithms() != "EdDSA" || p.Algorithms() != strings.Join(DefaultAlgorithms(), " ") {
		t.Fatalf("algs %q, %q", only.Algorithms(), p.Algorithms())
	}
}

func TestProofVerifierRefusals(t *testing.T) {
	k := testKeys()
	p := newTestProofVerifier(t, ProofVerifierConfig{})
	pub, err := jose.MarshalPublic("", "", k.ec256.Public())
	if err != nil {
		t.Fatal(err)
	}
	priv, err := jose.MarshalPrivate(k.ec256)
	if err != nil {
		t.Fatal(err)
	}
	edPriv, err := jose.MarshalPrivate(k.ed)
	if err != nil {
		t.Fatal(err)
	}
	rsaSmall, err := jose.MarshalPublic("", "", k.rsa1024.Public())
	if err != nil {
		t.Fatal(err)
	}
	claims := obj{"jti": "j", "htm": "GET", "htu": "https://a.example/", "iat": testNow.Unix()}
	for _, c := range []struct {
		name string
		tok  string
		want error
	}{
		{"EC private", sign(t, ES256, k.ec256, obj{"jwk": json.RawMessage(priv)}, claims), ErrKeyMismatch},
		{"Ed25519 private", sign(t, EdDSA, k.ed, obj{"jwk": json.RawMessage(edPriv)}, claims), ErrKeyMismatch},
		{"oct", sign(t, HS256, k.hmac, obj{"alg": ES256, "jwk": obj{"kty": "oct", "k": b64(k.hmac)}}, claims), ErrKeyMismatch},
		{"no jwk", sign(t, ES256, k.ec256, obj{}, claims), ErrMalformed},
		{"jwk array", sign(t, ES256, k.ec256, obj{"jwk": []any{json.RawMessage(pub)}}, claims), ErrMalformed},
		{"jku instead", sign(t, ES256, k.ec256, obj{"jku": "https://a.example/jwks"}, claims), ErrMalformed},
		{"RSA 1024", sign(t, RS256, k.rsa1024, obj{"jwk": json.RawMessage(rsaSmall)}, claims), ErrKeyMismatch},
		{"other key", sign(t, ES256, k.ec256Other, obj{"jwk": json.RawMessage(pub)}, claims), ErrSignature},
		{"alg none", signRaw(t, ES256, k.ec256, `{"alg":"none","jwk":`+string(pub)+`}`, mustJSON(t, claims)), ErrUnsupportedAlgorithm},
		{"alg of other curve", signRaw(t, ES256, k.ec256, `{"alg":"ES384","jwk":`+string(pub)+`}`, mustJSON(t, claims)), ErrKeyMismatch},
		{"duplicate jwk", signRaw(t, ES256, k.ec256, `{"alg":"ES256","jwk":`+string(pub)+`,"jwk":`+string(pub)+`}`, mustJSON(t, claims)), ErrMalformed},
		{"crit", sign(t, ES256, k.ec256, obj{"jwk": json.RawMessage(pub), "crit": []string{"x"}, "x": 1}, claims), ErrCritical},
		{"empty signature", strings.TrimRightFunc(sign(t, ES256, k.ec256, obj{"jwk": json.RawMessage(pub)}, claims), func(r rune) bool { return r != '.' }), ErrSignature},
		{"too large", sign(t, ES256, k.ec256, obj{"jwk": json.RawMessage(pub)}, claims.with("pad", strings.Repeat("x", DefaultMaxProofSize))), ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := p.Verify(c.tok, nil)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if out != nil {
				t.Fatal("a refused proof is returned")
			}
		})
	}
	good := sign(t, ES256, k.ec256, obj{"jwk": json.RawMessage(pub)}, claims)
	// check runs before the signature and can refuse.
	if err := p.verifyErr(good, func(v *Verified) error {
		if v.Key != nil || v.Claims.ID != "j" {
			t.Errorf("check saw key %v, jti %q", v.Key, v.Claims.ID)
		}
		return Errorf(ErrInvalidClaim, "htm", "stop")
	}); !errors.Is(err, ErrInvalidClaim) {
		t.Fatalf("check's refusal: %v", err)
	}
	if err := p.verifyErr(good, nil); err != nil {
		t.Fatal(err)
	}
}

func TestNewProofVerifierConfig(t *testing.T) {
	for _, cfg := range []ProofVerifierConfig{
		{Algorithms: []string{}},
		{Algorithms: []string{HS256}},
		{Algorithms: []string{"none"}},
		{MaxSize: -1},
	} {
		if _, err := NewProofVerifier(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	var nilVerifier *ProofVerifier
	if err := nilVerifier.verifyErr(rfc9449TokenRequestProof, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("nil verifier: %v", err)
	}
}

// edProof is a proof signed by the i-th of a family of Ed25519 keys, with
// that key in its header, and the key's thumbprint.
func edProof(tb testing.TB, i int) (proof, thumbprint string) {
	tb.Helper()
	seed := make([]byte, ed25519.SeedSize)
	seed[0], seed[1] = byte(i), byte(i>>8)
	key := ed25519.NewKeyFromSeed(seed)
	pub, err := jose.MarshalPublic("", "", key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	tp, err := jose.Thumbprint(key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	claims := obj{"jti": "j", "htm": "GET", "htu": "https://a.example/", "iat": testNow.Unix()}
	return sign(tb, EdDSA, key, obj{"jwk": json.RawMessage(pub)}, claims), tp
}

// The header keys a ProofVerifier remembers are bounded: a client with a new
// key per proof costs a parse each, never unbounded memory. A remembered
// key is the one parsed the first time, and a key never stands in for
// another, however many there are.
func TestProofVerifierKeyCacheBound(t *testing.T) {
	p := newTestProofVerifier(t, ProofVerifierConfig{})
	remembered := func() (keys, headers int) {
		for k := range p.keys.slots {
			if p.keys.slots[k].Load() != nil {
				keys++
			}
			if p.headers.slots[k].Load() != nil {
				headers++
			}
		}
		return keys, headers
	}
	first, _ := edProof(t, 0)
	a, err := p.Verify(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Verify(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != again.Key {
		t.Fatal("the second proof of a key parsed the key again")
	}
	for i := range 3 * proofKeyCacheSize {
		proof, tp := edProof(t, i)
		out, err := p.Verify(proof, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := out.Key.Thumbprint(); got != tp {
			t.Fatalf("proof %d verified with the key %s; it carries %s", i, got, tp)
		}
	}
	keys, headers := remembered()
	for _, n := range []int{keys, headers} {
		if n > proofKeyCacheSize || n < proofKeyCacheSize/2 {
			t.Fatalf("%d keys and %d headers remembered; the bound is %d, and most slots should be in use", keys, headers, proofKeyCacheSize)
		}
	}
}

// Once a header has verified a proof, later proofs with the same header
// skip only what depends on the header alone: each one's signature, claims
// and check are still its own, and a header that differs in any byte, with
// the same key, is checked afresh, CheckHeader included.
func TestProofVerifierRemembersHeaderChecksOnly(t *testing.T) {
	k := testKeys()
	p := newTestProofVerifier(t, ProofVerifierConfig{CheckHeader: func(h *Header) error {
		if h.Type != "dpop+jwt" {
			return Errorf(ErrTokenType, "header.typ", "not a proof")
		}
		return nil
	}})
	pub, err := jose.MarshalPublic("", "", k.ec256.Public())
	if err != nil {
		t.Fatal(err)
	}
	header := `{"alg":"ES256","jwk":` + string(pub) + `,"typ":"dpop+jwt"}`
	claims := `{"htm":"GET","htu":"https://a.example/","iat":` + fmt.Sprint(testNow.Unix()) + `,"jti":"j"}`
	first, err := p.Verify(signRaw(t, ES256, k.ec256, header, claims), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.headers.get(p.seed, strings.SplitN(first.Raw, ".", 2)[0]); !ok {
		t.Fatal("the header of a verified proof is not remembered")
	}
	second, err := p.Verify(signRaw(t, ES256, k.ec256, header, strings.Replace(claims, `"j"`, `"k"`, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.Key != first.Key || second.Header.Type != "dpop+jwt" || second.Header.Algorithm != ES256 || second.Claims.ID != "k" {
		t.Fatalf("the second proof reads alg %q typ %q jti %q", second.Header.Algorithm, second.Header.Type, second.Claims.ID)
	}
	if jwk, ok := second.Header.Get("jwk"); !ok || string(jwk) != string(pub) {
		t.Fatalf("the second proof's jwk reads %s", jwk)
	}
	good := signRaw(t, ES256, k.ec256, header, claims)
	for _, c := range []struct {
		name  string
		proof string
		check func(*Verified) error
		want  error
	}{
		{"signed by another key", signRaw(t, ES256, k.ec256Other, header, claims), nil, ErrSignature},
		{"empty signature", good[:strings.LastIndexByte(good, '.')+1], nil, ErrSignature},
		{"signature of other claims", good[:strings.IndexByte(good, '.')] + "." + b64([]byte(`{"jti":"x"}`)) + good[strings.LastIndexByte(good, '.'):], nil, ErrSignature},
		{"duplicate claim", signRaw(t, ES256, k.ec256, header, `{"jti":"a","jti":"b"}`), nil, ErrMalformed},
		{"payload not base64url", good[:strings.IndexByte(good, '.')] + ".e30=" + good[strings.LastIndexByte(good, '.'):], nil, ErrMalformed},
		{"check refuses", good, func(*Verified) error { return Errorf(ErrInvalidClaim, "htm", "stop") }, ErrInvalidClaim},
		{"same key, other typ", signRaw(t, ES256, k.ec256, `{"alg":"ES256","jwk":`+string(pub)+`,"typ":"jwt"}`, claims), nil, ErrTokenType},
		{"same key, other alg", signRaw(t, ES256, k.ec256, `{"alg":"ES384","jwk":`+string(pub)+`,"typ":"dpop+jwt"}`, claims), nil, ErrKeyMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := p.Verify(c.proof, c.check); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

// Proofs of many keys verified from several goroutines at once, more keys
// than are remembered, each verify with their own key. Run it with -race.
func TestProofVerifierConcurrentKeys(t *testing.T) {
	p := newTestProofVerifier(t, ProofVerifierConfig{})
	const keys = 64
	proofs := make([]string, keys)
	thumbs := make([]string, keys)
	for i := range proofs {
		proofs[i], thumbs[i] = edProof(t, i)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (n*7 + w) % keys
				out, err := p.Verify(proofs[i], nil)
				if err != nil {
					t.Error(err)
					return
				}
				if got, _ := out.Key.Thumbprint(); got != thumbs[i] {
					t.Errorf("proof %d verified with the key %s; it carries %s", i, got, thumbs[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzProofVerifier(f *testing.F) {
	k := testKeys()
	pub, err := jose.MarshalPublic("", "", fuzzEdKey.Public())
	if err != nil {
		f.Fatal(err)
	}
	claims := obj{"jti": "j", "htm": "GET", "htu": "https://a.example/x", "iat": testNow.Unix(), "ath": "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"}
	f.Add(rfc9449TokenRequestProof)
	f.Add(sign(f, EdDSA, fuzzEdKey, obj{"typ": "dpop+jwt", "jwk": json.RawMessage(pub)}, claims))
	f.Add(sign(f, ES256, k.ec256, obj{"typ": "dpop+jwt", "jwk": json.RawMessage(pub)}, claims))
	f.Add(signRaw(f, EdDSA, fuzzEdKey, `{"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"`+b64(fuzzEdKey.Public().(ed25519.PublicKey))+`","d":"AA"}}`, `{}`))
	f.Add("")
	f.Add("a.b.c")
	p := newTestProofVerifier(f, ProofVerifierConfig{})
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := p.Verify(raw, nil)
		if err == nil {
			if out.Key == nil || out.Key.Symmetric() {
				t.Fatal("accepted without an asymmetric key")
			}
			if _, err := out.Key.Thumbprint(); err != nil {
				t.Fatalf("accepted a key without a thumbprint: %v", err)
			}
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error %T is not a *ValidationError: %v", err, err)
		}
		if len(raw) > 16 && strings.Contains(err.Error(), raw) {
			t.Fatalf("the error echoes the proof: %v", err)
		}
	})
}

// verifyErr is Verify's error alone, for tests that only look at it.
func (p *ProofVerifier) verifyErr(raw string, check func(*Verified) error) error {
	_, err := p.Verify(raw, check)
	return err
}

// A proof is refused before its signature is checked for its alg and for
// the key in its header; what the client is told quotes neither the proof's
// own values nor the algorithms the server accepts, which the log keeps.
func TestProofRefusalsQuoteNoProofValue(t *testing.T) {
	const marker = "MARKER"
	k := testKeys()
	p, err := NewProofVerifier(ProofVerifierConfig{Algorithms: []string{"ES256"}})
	if err != nil {
		t.Fatal(err)
	}
	header := b64([]byte(`{"alg":"` + marker + `","typ":"dpop+jwt"}`))
	raw := signRaw(t, RS256, k.rsa, `{"alg":"RS256","typ":"dpop+jwt"}`, `{"jti":"x"}`)
	raw = header + raw[strings.IndexByte(raw, '.'):]
	_, err = p.Verify(raw, nil)
	assertRefused(t, err, ErrUnsupportedAlgorithm, "header.alg")
	if text := clientText(err); strings.Contains(text, marker) || strings.Contains(text, "ES256") {
		t.Errorf("the client is told %q: the proof's alg or the accepted list", text)
	}
	if !strings.Contains(err.Error(), marker) || !strings.Contains(err.Error(), "ES256") {
		t.Errorf("the log line %q lost the alg or the accepted list", err.Error())
	}

	jwk := ecJWK(&k.ec256.PublicKey, "P-256", `,"kid":"`+marker+`-kid","use":"`+marker+`-use"`)
	claims := obj{"jti": "j", "htm": "GET", "htu": "https://a.example/", "iat": testNow.Unix()}
	raw = signRaw(t, ES256, k.ec256, `{"alg":"ES256","typ":"dpop+jwt","jwk":`+jwk+`}`, mustJSON(t, claims))
	_, err = p.Verify(raw, nil)
	assertRefused(t, err, ErrKeyMismatch, "header.jwk")
	if text := clientText(err); strings.Contains(text, marker) {
		t.Errorf("the client is told %q: the proof's jwk", text)
	}
	if !strings.Contains(err.Error(), marker+"-use") {
		t.Errorf("the log line %q lost why the key does not fit", err.Error())
	}
}

// CheckHeader runs on every proof, also when the header is remembered, so
// its verdict may change (a key denied after it was used).
func TestProofVerifierChecksHeaderEveryTime(t *testing.T) {
	k := testKeys()
	deny := false
	calls := 0
	p := newTestProofVerifier(t, ProofVerifierConfig{CheckHeader: func(h *Header) error {
		calls++
		if deny {
			return Errorf(ErrTokenType, "header.jwk", "this key is denied")
		}
		return nil
	}})
	pub, err := jose.MarshalPublic("", "", k.ec256.Public())
	if err != nil {
		t.Fatal(err)
	}
	header := `{"alg":"ES256","jwk":` + string(pub) + `,"typ":"dpop+jwt"}`
	proof := func(jti string) string {
		return signRaw(t, ES256, k.ec256, header, `{"htm":"GET","htu":"https://a.example/","iat":`+fmt.Sprint(testNow.Unix())+`,"jti":"`+jti+`"}`)
	}
	for i := range 3 {
		if _, err := p.Verify(proof(fmt.Sprint(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 3 {
		t.Errorf("CheckHeader ran %d times for 3 proofs with one header", calls)
	}
	deny = true
	_, err = p.Verify(proof("after"), nil)
	assertRefused(t, err, ErrTokenType, "header.jwk")
}

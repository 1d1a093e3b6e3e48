package token

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Fuzz keys are fixed, so that seed tokens kept as files under
// testdata/fuzz verify in every run: Ed25519 and HMAC signatures are
// deterministic.
var (
	fuzzEdKey     = ed25519.NewKeyFromSeed([]byte("tokenguard fuzz key, not secret."))
	fuzzHMACKey   = []byte("tokenguard fuzz HMAC secret, not secret, 32+ bytes")
	fuzzHMACKeyID = "fuzz-hs"
	fuzzEdKeyID   = "fuzz-ed"
)

// fuzzVerifier accepts every algorithm, HMAC included, over a set with a key
// of every kind, so fuzzed tokens can reach every branch.
func fuzzVerifier(tb testing.TB) *Verifier {
	hk, err := NewSymmetricKey(KeyParams{ID: fuzzHMACKeyID, Algorithm: HS256}, fuzzHMACKey)
	if err != nil {
		tb.Fatal(err)
	}
	k := testKeys()
	set := mustSet(tb,
		hk,
		mustKey(tb, KeyParams{ID: fuzzEdKeyID}, fuzzEdKey.Public()),
		mustKey(tb, KeyParams{ID: "rsa"}, &k.rsa.PublicKey),
		mustKey(tb, KeyParams{ID: "ec256"}, &k.ec256.PublicKey),
		mustKey(tb, KeyParams{ID: "ec521", Use: "sig", Operations: []string{"verify"}}, &k.ec521.PublicKey),
	)
	return newTestVerifier(tb, set, func(c *VerifierConfig) {
		c.Algorithms = append(DefaultAlgorithms(), HS256, HS384)
		c.Critical = []string{"x-ok"}
	})
}

func FuzzVerify(f *testing.F) {
	k := testKeys()
	claims := validClaims()
	for _, tok := range []string{
		sign(f, EdDSA, fuzzEdKey, obj{"kid": fuzzEdKeyID, "typ": "JWT"}, claims),
		sign(f, EdDSA, fuzzEdKey, obj{}, claims.with("aud", []string{"a", "b"}, "nbf", 1)),
		sign(f, HS256, fuzzHMACKey, obj{"kid": fuzzHMACKeyID}, claims),
		sign(f, HS256, fuzzHMACKey, obj{"kid": fuzzHMACKeyID, "crit": []string{"x-ok"}, "x-ok": true}, claims),
		sign(f, RS256, k.rsa, obj{"kid": "rsa"}, claims),
		sign(f, PS256, k.rsa, obj{"kid": "rsa"}, claims),
		sign(f, ES256, k.ec256, obj{"kid": "ec256"}, claims),
		sign(f, ES512, k.ec521, obj{"kid": "ec521"}, claims),
		sign(f, EdDSA, fuzzEdKey, obj{"kid": fuzzEdKeyID, "jwk": obj{"kty": "OKP"}}, claims.with("exp", nil)),
		signRaw(f, EdDSA, fuzzEdKey, `{"alg":"EdDSA","kid":"fuzz-ed"}`, `{"iss":"`+testIssuer+`","exp":1e10,"iss":1}`),
		signRaw(f, EdDSA, fuzzEdKey, `{"alg":"EdDSA","kid":"fuzz-ed","crit":["b64"],"b64":false}`, `{}`),
		b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(mustJSON(f, claims))) + ".",
		`{"payload":"e30","signatures":[]}`,
		"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
		"a.b.c", "..", "", "e30.e30.", "e30=.e30.AA",
	} {
		f.Add(tok)
	}
	v := fuzzVerifier(f)
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := v.Verify(context.Background(), raw)
		if err != nil {
			if got != nil {
				t.Fatalf("result and error: %v", err)
			}
			checkFuzzError(t, err)
			if !LooksLikeJWS(raw) && len(raw) <= DefaultMaxTokenSize && !errors.Is(err, ErrMalformed) {
				t.Fatalf("a token that does not look like a JWS failed with %v, not ErrMalformed", err)
			}
			return
		}
		// Accepted: it must be a well-formed JWS from our issuer, signed by
		// one of our keys, with valid times.
		if !LooksLikeJWS(raw) || got.Raw != raw || got.Key == nil || got.Claims.Issuer != testIssuer ||
			got.Claims.ExpiresAt.IsZero() || !testNow.Before(got.Claims.ExpiresAt.Add(DefaultLeeway)) {
			t.Fatalf("accepted a token it should not have: %+v", got)
		}
		if !got.Key.fitsAlg(mustAlg(t, got.Header.Algorithm)) {
			t.Fatalf("accepted a token whose key does not fit %s", got.Header.Algorithm)
		}
		if strictjson.Valid(got.Header.JSON(), 0) != nil || strictjson.Valid(got.Claims.JSON(), 0) != nil {
			t.Fatal("accepted a token whose JSON is not strict")
		}
	})
}

func mustAlg(t *testing.T, name string) algorithm {
	a, ok := lookupAlgorithm(name)
	if !ok {
		t.Fatalf("accepted unknown alg %q", name)
	}
	return a
}

// checkFuzzError asserts that err is a *ValidationError matching exactly one
// sentinel, with a message that is valid text and does not echo large input.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is %T, not a *ValidationError", err, err)
	}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q matches %d sentinels; want exactly 1", err, n)
	}
	if msg := err.Error(); len(msg) > 1024 {
		t.Fatalf("error message of %d bytes: it echoes input", len(msg))
	}
}

func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		`{}`,
		mustJSON(f, validClaims()),
		mustJSON(f, benchClaims()),
		`{"aud":["a","b"],"exp":1.5e9,"nbf":0,"iat":-0}`,
		`{"aud":"x","x":{"y":[{"z":null}]},"t":true,"f":false}`,
		`{"exp":"1"}`, `{"aud":[1]}`, `{"a":1,"A":2}`, `{"\u017f":1,"S":2}`, `{"a":"\ud83d\ude00"}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[1]`, `1`, `{"a":1}x`, ` { "a" : [ ] } `,
		`{"exp":1e400}`, `{"exp":253402300800}`, `{"iss":"a\/b\u0041"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := string(data)
		c, err := ParseClaims(data)
		if err != nil {
			if c != nil {
				t.Fatal("claims and error")
			}
			checkFuzzError(t, err)
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidClaim) {
				t.Fatalf("ParseClaims error %v is neither ErrMalformed nor ErrInvalidClaim", err)
			}
			return
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			t.Fatal("ParseClaims accepted what encoding/json refuses, or invalid UTF-8")
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted claims encoding/json cannot read: %v", err)
		}
		names := c.Names()
		if len(names) != len(m) {
			t.Fatalf("%d names, encoding/json sees %d members", len(names), len(m))
		}
		for _, name := range names {
			raw, ok := c.Get(name)
			if !ok || !json.Valid(raw) {
				t.Fatalf("Get(%q) = %s, %v", name, raw, ok)
			}
			// Accessors never panic, and either read the value or say why not.
			if s, ok, err := c.GetString(name); ok && (err != nil || !utf8.ValidString(s)) {
				t.Fatalf("GetString(%q) = %q, %v", name, s, err)
			}
			c.GetStrings(name)
			c.GetTime(name)
			c.GetBool(name)
		}
		var rawv map[string]json.RawMessage
		if err := c.Decode(&rawv); err != nil || len(rawv) != len(names) {
			t.Fatalf("Decode into a map: %v, %d members", err, len(rawv))
		}
		var anyv map[string]any
		if err := c.Decode(&anyv); err != nil {
			// Numbers beyond float64 (1e700) do not fit an any.
			checkFuzzError(t, err)
		}
		var typed struct {
			Iss  string           `json:"iss"`
			Aud  any              `json:"aud"`
			X    *struct{ Y any } `json:"x"`
			List []struct {
				Z any `json:"z"`
			} `json:"list"`
		}
		if err := c.Decode(&typed); err != nil {
			checkFuzzError(t, err)
		}
		if string(data) != orig {
			t.Fatal("ParseClaims or Decode modified its input")
		}
	})
}

func FuzzParseKeySet(f *testing.F) {
	k := testKeys()
	rsaPub, _ := jose.MarshalPublic("rsa", RS256, &k.rsa.PublicKey)
	ecPub, _ := jose.MarshalPublic("ec", ES256, &k.ec256.PublicKey)
	ec521Pub, _ := jose.MarshalPublic("ec521", "", &k.ec521.PublicKey)
	edPub, _ := jose.MarshalPublic("ed", EdDSA, k.ed.Public())
	for _, s := range []string{
		`{"keys":[]}`,
		`{"keys":[` + string(rsaPub) + `,` + string(ecPub) + `,` + string(edPub) + `,` + string(ec521Pub) + `]}`,
		`{"keys":[` + rsaJWK(&k.rsa1024.PublicKey, `,"kid":"small"`) + `]}`,
		`{"keys":[{"kty":"oct","alg":"HS256","k":"` + b64(k.hmac[:32]) + `"}]}`,
		`{"keys":[{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","n":"` + b64Int(k.rsa.N) + `","e":"AAAAAAAAAAEAAQ"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`,
		`{"keys":[{"kty":"RSA","kid":"a","use":"enc","x5c":["MIIB"]}]}`,
		`{"keys":[1,"a",null,[],{}]}`,
		`{"keys":{}}`, `[]`, `{"keys":[],"keys":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		set, err := ParseKeySet(doc)
		if err != nil {
			if set != nil {
				t.Fatal("set and error")
			}
			checkFuzzError(t, err)
			return
		}
		var parsed struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(doc, &parsed); err != nil {
			t.Fatalf("accepted a document encoding/json cannot read: %v", err)
		}
		if set.Len()+len(set.Skipped()) != len(parsed.Keys) {
			t.Fatalf("%d keys + %d skipped != %d elements", set.Len(), len(set.Skipped()), len(parsed.Keys))
		}
		for _, key := range set.Keys() {
			if key.Symmetric() || key.Public() == nil {
				t.Fatalf("key set holds a key without a public key: %+v", key)
			}
			if !set.Contains(key) {
				t.Fatal("Contains misses a key of the set")
			}
			if key.use != "" && key.use != "sig" {
				t.Fatalf("key set holds a key with use %q", key.use)
			}
			fitsOne := false
			for _, name := range append(DefaultAlgorithms(), HS256) {
				a, _ := lookupAlgorithm(name)
				fitsOne = fitsOne || key.fitsAlg(a)
			}
			if !fitsOne {
				t.Fatalf("key set holds a key that fits no algorithm: %+v", key)
			}
		}
		for _, s := range set.Skipped() {
			if s.Reason == "" || s.Index < 0 || s.Index >= len(parsed.Keys) {
				t.Fatalf("skipped entry %+v", s)
			}
		}
	})
}

// TestFuzzVerifyCorpus keeps the seed files under testdata/fuzz/FuzzVerify
// meaningful: the ones named "*-valid" must verify, so the fuzzer starts
// from tokens that reach the signature and time checks, and the others must
// be refused.
func TestFuzzVerifyCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzVerify", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed files: %v", err)
	}
	v := fuzzVerifier(t)
	valid := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
			t.Fatalf("%s is not a string seed", name)
		}
		raw, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = v.Verify(context.Background(), raw)
		if strings.HasSuffix(name, "-valid") {
			valid++
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		} else if err == nil {
			t.Errorf("%s verified", name)
		}
	}
	if valid < 2 {
		t.Errorf("only %d valid seeds", valid)
	}
}

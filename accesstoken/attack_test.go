package accesstoken_test

// The attack table of issue 10 for the access token validator: RFC 8725's
// classes and the JWT CVE history, each refused with its exact sentinel,
// with an introspector configured so the test also proves that no hostile
// JWT is ever passed on to introspection, and a recording server that
// proves no URL in a token is ever fetched.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// recorder is a server that counts every request: URLs in hostile tokens
// point at it, and it must never be called.
func recorder(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// goodClaims are the claims of an acceptable access token of f's issuer.
func (f *fixture) goodClaims() map[string]any {
	return map[string]any{
		"iss": f.iss.URL(), "sub": f.iss.Subject(), "aud": []string{f.iss.Audience()},
		"exp": epoch.Add(time.Hour).Unix(), "iat": epoch.Unix(), "client_id": f.iss.ClientID(),
		"azp": f.iss.ClientID(), "scope": "read",
	}
}

type attack struct {
	name string
	raw  string
	want error
}

func TestAttacksRS256(t *testing.T) {
	f := newFixture(t)
	rec, fetched := recorder(t)
	kid := f.iss.KeyID()
	claims := f.goodClaims()
	payload := mustJSON(t, claims)
	good := f.iss.AccessToken(nil)

	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	attackerJWK := attackkit.RSAJWK(&attacker.PublicKey, kid)
	attackerJWK["alg"] = "RS256"
	x5c, err := attackkit.SelfSignedX5C(attacker, epoch.Add(-time.Hour), epoch.Add(time.Hour))
	require.NoError(t, err)

	// HMAC with the issuer's public key as the secret, in every encoding a
	// confused library might use (CVE-2015-9235 and kin).
	secrets, err := attackkit.PublicKeySecrets(f.iss.KeySet().Keys()[0].Public().(*rsa.PublicKey))
	require.NoError(t, err)
	hs256 := func(secret []byte) string {
		return attackkit.HS256(mustJSON(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}), payload, secret)
	}

	deepClaims := []byte(strings.TrimSuffix(string(payload), "}") + `,"x":` + attackkit.Nested(200) + `}`)

	// A header of a length that leaves padding bits in its last character.
	hdr := mustJSON(t, map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"})
	for len(b64(hdr))%4 == 0 {
		hdr = append(hdr[:len(hdr)-1], []byte(` }`)...)
	}
	paddedHeader := f.iss.SignRaw(hdr, payload)
	dot := strings.IndexByte(paddedHeader, '.')
	sig := good[strings.LastIndexByte(good, '.')+1:]
	require.NotZero(t, len(sig)%4, "an RS256 signature's encoding has padding bits")

	attacks := []attack{
		{name: "control: a good token passes", raw: good, want: nil},

		// alg none, in every spelling
		{name: "alg none, no signature", raw: attackkit.Compact(mustJSON(t, map[string]any{"alg": "none", "typ": "JWT"}), payload, ""), want: token.ErrUnsupportedAlgorithm},
		{name: "alg None", raw: attackkit.Compact(mustJSON(t, map[string]any{"alg": "None"}), payload, ""), want: token.ErrUnsupportedAlgorithm},
		{name: "alg NONE", raw: attackkit.Compact(mustJSON(t, map[string]any{"alg": "NONE"}), payload, ""), want: token.ErrUnsupportedAlgorithm},
		{name: "alg nOnE", raw: attackkit.Compact(mustJSON(t, map[string]any{"alg": "nOnE"}), payload, ""), want: token.ErrUnsupportedAlgorithm},
		{name: "alg none with a signature", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "none")), want: token.ErrUnsupportedAlgorithm},
		{name: "alg none with kid", raw: attackkit.Compact(mustJSON(t, map[string]any{"alg": "none", "kid": kid}), payload, sig), want: token.ErrUnsupportedAlgorithm},
		{name: "alg none escaped", raw: attackkit.Compact([]byte(`{"alg":"n\u006fne"}`), payload, ""), want: token.ErrUnsupportedAlgorithm},
		{name: "alg absent", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", tokentest.Omit)), want: token.ErrMalformed},
		{name: "alg empty", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "")), want: token.ErrMalformed},
		{name: "alg lower case rs256", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "rs256")), want: token.ErrUnsupportedAlgorithm},
		{name: "alg with a space", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "RS256 ")), want: token.ErrUnsupportedAlgorithm},
		{name: "alg a number", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", 256)), want: token.ErrMalformed},

		// HMAC with the public key as the secret
		{name: "HS256 with public key PKIX PEM", raw: hs256(secrets["PKIX PEM"]), want: token.ErrUnsupportedAlgorithm},
		{name: "HS256 with public key PKIX DER", raw: hs256(secrets["PKIX DER"]), want: token.ErrUnsupportedAlgorithm},
		{name: "HS256 with public key PKCS1 PEM", raw: hs256(secrets["PKCS1 PEM"]), want: token.ErrUnsupportedAlgorithm},
		{name: "HS256 with the modulus", raw: hs256(secrets["modulus"]), want: token.ErrUnsupportedAlgorithm},

		// an algorithm that does not fit the key
		{name: "ES256 header on the RSA key", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "ES256")), want: token.ErrKeyMismatch},
		{name: "EdDSA header on the RSA key", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "EdDSA")), want: token.ErrKeyMismatch},
		{name: "PS256 header on a key published for RS256", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "PS256")), want: token.ErrKeyMismatch},
		{name: "RS512 header on a key published for RS256", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "RS512")), want: token.ErrKeyMismatch},

		// keys and key URLs in the header, with the attacker's signature
		{name: "jwk header with the attacker's key", raw: f.iss.AccessToken(nil, tokentest.WithHeader("jwk", attackerJWK), tokentest.WithSigningKey(attacker)), want: token.ErrSignature},
		{name: "jwk header, no kid", raw: f.iss.AccessToken(nil, tokentest.WithHeader("jwk", attackerJWK), tokentest.WithHeader("kid", tokentest.Omit), tokentest.WithSigningKey(attacker)), want: token.ErrSignature},
		{name: "jku to the attacker's JWKS", raw: f.iss.AccessToken(nil, tokentest.WithHeader("jku", rec.URL+"/jwks.json"), tokentest.WithKeyID("attacker-key"), tokentest.WithSigningKey(attacker)), want: token.ErrKeyNotFound},
		{name: "jku with the issuer's kid", raw: f.iss.AccessToken(nil, tokentest.WithHeader("jku", rec.URL+"/jwks.json"), tokentest.WithSigningKey(attacker)), want: token.ErrSignature},
		{name: "x5u to the attacker's certificate", raw: f.iss.AccessToken(nil, tokentest.WithHeader("x5u", rec.URL+"/cert.pem"), tokentest.WithKeyID("attacker-key"), tokentest.WithSigningKey(attacker)), want: token.ErrKeyNotFound},
		{name: "x5c with the attacker's certificate", raw: f.iss.AccessToken(nil, tokentest.WithHeader("x5c", []string{x5c}), tokentest.WithSigningKey(attacker)), want: token.ErrSignature},
		{name: "forged signature, nothing in the header", raw: f.iss.AccessToken(nil, tokentest.WithSigningKey(attacker)), want: token.ErrSignature},

		// kid tricks
		{name: "kid empty", raw: f.iss.AccessToken(nil, tokentest.WithKeyID("")), want: token.ErrMalformed},
		{name: "kid very long", raw: f.iss.AccessToken(nil, tokentest.WithKeyID(strings.Repeat("k", 10_000))), want: token.ErrMalformed},
		{name: "kid a path", raw: f.iss.AccessToken(nil, tokentest.WithKeyID("../../../../../dev/null")), want: token.ErrKeyNotFound},
		{name: "kid a URL", raw: f.iss.AccessToken(nil, tokentest.WithKeyID(rec.URL+"/jwks.json?kid=1")), want: token.ErrKeyNotFound},
		{name: "kid a query", raw: f.iss.AccessToken(nil, tokentest.WithKeyID("?kid=x&jku=evil")), want: token.ErrKeyNotFound},
		{name: "kid SQL", raw: f.iss.AccessToken(nil, tokentest.WithKeyID("' OR '1'='1")), want: token.ErrKeyNotFound},
		{name: "kid NUL", raw: f.iss.AccessToken(nil, tokentest.WithKeyID(kid+"\x00")), want: token.ErrKeyNotFound},
		{name: "kid other case", raw: f.iss.AccessToken(nil, tokentest.WithKeyID(strings.ToUpper(kid)+"X")), want: token.ErrKeyNotFound},
		{name: "kid a number", raw: f.iss.AccessToken(nil, tokentest.WithHeader("kid", 1)), want: token.ErrMalformed},
		{name: "kid an array", raw: f.iss.AccessToken(nil, tokentest.WithHeader("kid", []string{kid})), want: token.ErrMalformed},

		// crit
		{name: "crit unknown extension", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", []string{"x-acme"}), tokentest.WithHeader("x-acme", true)), want: token.ErrCritical},
		{name: "crit names a missing parameter", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", []string{"exp"})), want: token.ErrCritical},
		{name: "crit empty", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", []string{})), want: token.ErrCritical},
		{name: "crit not an array", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", "x-acme"), tokentest.WithHeader("x-acme", 1)), want: token.ErrCritical},
		{name: "crit names alg", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", []string{"alg"})), want: token.ErrCritical},
		{name: "crit b64 false", raw: f.iss.AccessToken(nil, tokentest.WithHeader("crit", []string{"b64"}), tokentest.WithHeader("b64", false)), want: token.ErrCritical},

		// other serializations
		{name: "JWE compact", raw: "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.ZmFrZQ.aXY.Y2lwaGVy.dGFn", want: token.ErrMalformed},
		{name: "JWS with an enc header", raw: f.iss.AccessToken(nil, tokentest.WithHeader("enc", "A256GCM")), want: token.ErrMalformed},
		{name: "JWS JSON general", raw: attackkit.JWSJSONGeneral(b64(hdr), b64(payload), sig), want: token.ErrMalformed},
		{name: "JWS JSON flattened", raw: attackkit.JWSJSONFlattened(b64(hdr), b64(payload), sig), want: token.ErrMalformed},
		{name: "nested JWT (cty JWT)", raw: f.iss.AccessToken(nil, tokentest.WithHeader("cty", "JWT")), want: token.ErrMalformed},
		{name: "four segments", raw: good + ".x", want: token.ErrMalformed},
		{name: "two segments", raw: good[:strings.LastIndexByte(good, '.')], want: token.ErrMalformed},
		{name: "signature stripped", raw: attackkit.ReplaceSig(good, ""), want: token.ErrSignature},

		// non-canonical base64url
		{name: "signature padded with =", raw: good + "==", want: token.ErrMalformed},
		{name: "signature padding bits set", raw: attackkit.ReplaceSig(good, attackkit.FlipPaddingBit(sig)), want: token.ErrMalformed},
		{name: "header padding bits set", raw: attackkit.FlipPaddingBit(paddedHeader[:dot]) + paddedHeader[dot:], want: token.ErrMalformed},
		{name: "standard base64 alphabet", raw: attackkit.ReplaceSig(good, strings.NewReplacer("-", "+", "_", "/").Replace(sig)+"+/"), want: token.ErrMalformed},
		{name: "whitespace inside", raw: good[:20] + " " + good[20:], want: token.ErrMalformed},
		{name: "newline at the end", raw: good + "\n", want: token.ErrMalformed},
		{name: "control: padding bits clear still passes", raw: paddedHeader, want: nil},

		// duplicate and case-folded claim names
		{name: "duplicate iss", raw: f.iss.SignRaw(hdr, []byte(strings.Replace(string(payload), `{`, `{"iss":"https://evil.example",`, 1))), want: token.ErrMalformed},
		{name: "duplicate aud", raw: f.iss.SignRaw(hdr, []byte(strings.Replace(string(payload), `{`, `{"aud":"https://evil.example",`, 1))), want: token.ErrMalformed},
		{name: "duplicate scope", raw: f.iss.SignRaw(hdr, []byte(strings.Replace(string(payload), `{`, `{"scope":"admin",`, 1))), want: token.ErrMalformed},
		{name: "case-folded ISS", raw: f.iss.SignRaw(hdr, []byte(strings.Replace(string(payload), `{`, `{"ISS":"https://evil.example",`, 1))), want: token.ErrMalformed},
		{name: "duplicate header alg", raw: f.iss.SignRaw([]byte(`{"alg":"none","alg":"RS256","kid":"`+kid+`"}`), payload), want: token.ErrMalformed},
		{name: "duplicate header typ", raw: f.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+kid+`","typ":"JWT","typ":"at+jwt"}`), payload), want: token.ErrMalformed},

		// wrong JSON types
		{name: "exp a string", raw: f.iss.AccessToken(tokentest.Claims{"exp": "2030-01-01"}), want: token.ErrInvalidClaim},
		{name: "exp null", raw: f.iss.AccessToken(tokentest.Claims{"exp": nil}), want: token.ErrInvalidClaim},
		{name: "exp huge", raw: f.iss.AccessToken(tokentest.Claims{"exp": 1e300}), want: token.ErrInvalidClaim},
		{name: "exp negative", raw: f.iss.AccessToken(tokentest.Claims{"exp": -1}), want: token.ErrInvalidClaim},
		{name: "nbf a boolean", raw: f.iss.AccessToken(tokentest.Claims{"nbf": true}), want: token.ErrInvalidClaim},
		{name: "iss null", raw: f.iss.AccessToken(tokentest.Claims{"iss": nil}), want: token.ErrInvalidClaim},
		{name: "aud an object", raw: f.iss.AccessToken(tokentest.Claims{"aud": map[string]any{"x": 1}}), want: token.ErrInvalidClaim},
		{name: "scope an array", raw: f.iss.AccessToken(tokentest.Claims{"scope": []string{"admin"}}), want: token.ErrInvalidClaim},
		{name: "permissions an object", raw: f.iss.AccessToken(tokentest.Claims{"permissions": map[string]any{"admin": true}}), want: token.ErrInvalidClaim},
		{name: "claims an array", raw: f.iss.SignRaw(hdr, []byte(`[1,2]`)), want: token.ErrMalformed},
		{name: "claims null", raw: f.iss.SignRaw(hdr, []byte(`null`)), want: token.ErrMalformed},
		{name: "claims not JSON", raw: f.iss.SignRaw(hdr, []byte(`iss=me`)), want: token.ErrMalformed},
		{name: "claims invalid UTF-8", raw: f.iss.SignRaw(hdr, []byte(strings.Replace(string(payload), `"read"`, "\"r\xffd\"", 1))), want: token.ErrMalformed},
		{name: "claims with trailing data", raw: f.iss.SignRaw(hdr, append(append([]byte{}, payload...), []byte(`{}`)...)), want: token.ErrMalformed},
		{name: "header not JSON", raw: f.iss.SignRaw([]byte(`RS256`), payload), want: token.ErrMalformed},

		// size and nesting
		{name: "oversized token", raw: f.iss.AccessToken(tokentest.Claims{"pad": strings.Repeat("a", 20_000)}), want: token.ErrTooLarge},
		{name: "oversized opaque-looking string", raw: strings.Repeat("A", 1<<20), want: token.ErrTooLarge},
		{name: "deeply nested claims", raw: f.iss.SignRaw(hdr, deepClaims), want: token.ErrMalformed},
		{name: "deeply nested header", raw: f.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+kid+`","x":[[[[[[[[[[1]]]]]]]]]]}`), payload), want: token.ErrMalformed},

		// the wrong kind of token
		{name: "ID token", raw: f.iss.IDToken(nil), want: token.ErrTokenType},
		{name: "ID token for the API", raw: f.iss.IDToken(tokentest.Claims{"aud": f.iss.Audience()}), want: token.ErrTokenType},
		{name: "ID token with nonce and azp for the API", raw: f.iss.IDToken(tokentest.Claims{"aud": f.iss.Audience(), "azp": f.iss.ClientID(), "nonce": "n"}), want: token.ErrTokenType},
		{name: "logout token", raw: f.iss.AccessToken(tokentest.Claims{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}, tokentest.WithHeader("typ", "logout+jwt")), want: token.ErrTokenType},
		{name: "another issuer's token", raw: f.iss.AccessToken(tokentest.Claims{"iss": rec.URL}), want: token.ErrIssuer},
	}
	runAttacks(t, f, attacks)
	assert.Zero(t, fetched.Load(), "a URL from a token was fetched")
}

func TestAttacksES256(t *testing.T) {
	f := newFixture(t, tokentest.WithAlgorithm("ES256"))
	good := f.iss.AccessToken(nil)
	curve := elliptic.P256().Params()
	n := curve.N.FillBytes(make([]byte, 32))
	zero := make([]byte, 32)
	one := big.NewInt(1).FillBytes(make([]byte, 32))

	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	sig, err := base64.RawURLEncoding.DecodeString(good[strings.LastIndexByte(good, '.')+1:])
	require.NoError(t, err)
	require.Len(t, sig, 64)
	// The same R and S, DER-encoded as crypto/ecdsa writes them.
	der, err := attackkit.ECDSADER(sig)
	require.NoError(t, err)

	attacks := []attack{
		{name: "control: a good token passes", raw: good},
		{name: "signature all zeros (CVE-2022-21449)", raw: attackkit.ReplaceSig(good, b64(make([]byte, 64))), want: token.ErrSignature},
		{name: "r = s = n", raw: attackkit.ReplaceSig(good, b64(append(append([]byte{}, n...), n...))), want: token.ErrSignature},
		{name: "r = 0, s = 1", raw: attackkit.ReplaceSig(good, b64(append(append([]byte{}, zero...), one...))), want: token.ErrSignature},
		{name: "r = 1, s = 0", raw: attackkit.ReplaceSig(good, b64(append(append([]byte{}, one...), zero...))), want: token.ErrSignature},
		{name: "r and s all ones", raw: attackkit.ReplaceSig(good, b64(bytesOf(0xff, 64))), want: token.ErrSignature},
		{name: "DER-encoded signature", raw: attackkit.ReplaceSig(good, b64(der)), want: token.ErrSignature},
		{name: "signature one byte short", raw: attackkit.ReplaceSig(good, b64(sig[:63])), want: token.ErrSignature},
		{name: "signature one byte long", raw: attackkit.ReplaceSig(good, b64(append(append([]byte{}, sig...), 0))), want: token.ErrSignature},
		{name: "empty signature", raw: attackkit.ReplaceSig(good, ""), want: token.ErrSignature},
		{name: "s replaced by n - s (malleated)", raw: attackkit.ReplaceSig(good, b64(malleate(sig, curve.N))), want: nil},
		{name: "attacker's key", raw: f.iss.AccessToken(nil, tokentest.WithSigningKey(attacker)), want: token.ErrSignature},
		{name: "RS256 header on the EC key", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "RS256")), want: token.ErrKeyMismatch},
		{name: "ES384 header on a P-256 key", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "ES384")), want: token.ErrKeyMismatch},
		{name: "HS256 header", raw: f.iss.AccessToken(nil, tokentest.WithHeader("alg", "HS256")), want: token.ErrUnsupportedAlgorithm},
	}
	runAttacks(t, f, attacks)
}

// TestHMACConfusionWithHS256Allowed: even a validator that lists HS256
// (for a symmetric key it was given) refuses HS256 made with an RSA key's
// public bytes, because the key named by kid is not symmetric.
func TestHMACConfusionWithHS256Allowed(t *testing.T) {
	f := newFixture(t)
	secrets, err := attackkit.PublicKeySecrets(f.iss.KeySet().Keys()[0].Public().(*rsa.PublicKey))
	require.NoError(t, err)
	raw := attackkit.HS256(mustJSON(t, map[string]any{"alg": "HS256", "kid": f.iss.KeyID()}), mustJSON(t, f.goodClaims()), secrets["PKIX PEM"])

	v := f.validator(t, func(c *accesstoken.Config) { c.Algorithms = []string{"RS256", "HS256"} })
	_, err = validate(v, raw)
	requireKind(t, err, token.ErrKeyMismatch)
}

func runAttacks(t *testing.T, f *fixture, attacks []attack) {
	t.Helper()
	fake := &fakeIntrospector{resp: activeAnswer()}
	v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = fake })
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			require.NotEmpty(t, a.raw)
			at, err := validate(v, a.raw)
			if a.want == nil {
				require.NoError(t, err)
				return
			}
			requireKind(t, err, a.want)
			assert.Nil(t, at)
			if len(a.raw) > 16 {
				assert.NotContains(t, err.Error(), a.raw, "the error must not echo the token")
			}
		})
	}
	assert.Zero(t, fake.calls.Load(), "a hostile JWT reached the introspector")
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// malleate returns R || (N - S): a second valid ECDSA signature of the same
// message. JWS does not forbid it and the token's content is unchanged, so it
// is accepted; the row documents that nothing else changes.
func malleate(sig []byte, order *big.Int) []byte {
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(order, s)
	out := append([]byte{}, sig[:32]...)
	return append(out, s.FillBytes(make([]byte, 32))...)
}

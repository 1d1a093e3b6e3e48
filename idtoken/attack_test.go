package idtoken_test

import (
	"crypto/ed25519"
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

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/internal/attackkit"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Helpers that build tokens by hand, for attacks tokentest cannot express;
// the builders shared with accesstoken's attack table are in attackkit.

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signHMAC builds a token of header and claims with an HMAC-SHA256
// signature keyed with secret, whatever alg the header names.
func signHMAC(t testing.TB, header, claims map[string]any, secret []byte) string {
	t.Helper()
	return attackkit.HS256(mustJSON(t, header), mustJSON(t, claims), secret)
}

// segments splits a compact token.
func segments(t testing.TB, raw string) (h, p, s string) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token with %d segments", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

// withSignature replaces the signature of raw, a compact token.
func withSignature(t testing.TB, raw string, sig []byte) string {
	t.Helper()
	segments(t, raw)
	return attackkit.ReplaceSig(raw, b64(sig))
}

// attack holds the issuers and the attacker's material for the table.
type attack struct {
	rs, es, ed *fixture
	attacker   *rsa.PrivateKey
	attackJWK  map[string]any
	fetchURL   string // a server that counts requests: jku and x5u point here
}

// TestAttacks is the RFC 8725 and JWT-CVE table for the ID token validator:
// each hostile token is refused with the exact sentinel, and nothing is
// fetched from a URL a token names.
func TestAttacks(t *testing.T) {
	var fetched atomic.Int64
	a := &attack{rs: newFixture(t), es: newFixture(t, tokentest.WithAlgorithm("ES256")), ed: newFixture(t, tokentest.WithAlgorithm("EdDSA"))}
	var err error
	if a.attacker, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	a.attackJWK = attackkit.RSAJWK(&a.attacker.PublicKey, "attacker")
	x5c, err := attackkit.SelfSignedX5C(a.attacker, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{a.attackJWK}})
	}))
	defer srv.Close()
	a.fetchURL = srv.URL + "/jwks.json"

	rsPub := a.rs.iss.KeySet().Keys()[0].Public().(*rsa.PublicKey)
	secrets, err := attackkit.PublicKeySecrets(rsPub)
	if err != nil {
		t.Fatal(err)
	}
	rsPEM, rsDER := secrets["PKIX PEM"], secrets["PKCS1 DER"]
	bothAlgs := func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "HS256"} }
	claims := func(f *fixture) map[string]any {
		return map[string]any{"iss": f.iss.URL(), "sub": "victim", "aud": f.iss.ClientID(), "iat": at(0), "exp": at(time.Hour)}
	}
	unsigned := func(f *fixture, alg string, sig string) string {
		return attackkit.Compact(mustJSON(t, map[string]any{"alg": alg, "typ": "JWT"}), mustJSON(t, claims(f)), sig)
	}
	p256Order := elliptic.P256().Params().N.FillBytes(make([]byte, 32))

	rows := []struct {
		name string
		raw  func() string
		on   *fixture // the issuer the validator trusts; a.rs when nil
		cfg  func(*idtoken.Config)
		want error
	}{
		// alg none, in every spelling, signed or not
		{name: "alg none unsigned", raw: func() string { return unsigned(a.rs, "none", "") }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg None unsigned", raw: func() string { return unsigned(a.rs, "None", "") }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg NONE unsigned", raw: func() string { return unsigned(a.rs, "NONE", "") }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg nOnE unsigned", raw: func() string { return unsigned(a.rs, "nOnE", "") }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg none with signature", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", "none")) }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg none, none listed nowhere", raw: func() string { return unsigned(a.rs, "none", "") }, cfg: bothAlgs, want: token.ErrUnsupportedAlgorithm},
		{name: "alg empty", raw: func() string { return unsigned(a.rs, "", "") }, want: token.ErrMalformed},
		{name: "alg RS256 with trailing space", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", "RS256 ")) }, want: token.ErrUnsupportedAlgorithm},
		{name: "alg missing", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", tokentest.Omit)) }, want: token.ErrMalformed},
		{name: "alg not a string", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", 256)) }, want: token.ErrMalformed},
		{name: "RS256 token, empty signature", raw: func() string { return withSignature(t, a.rs.iss.IDToken(nil), nil) }, want: token.ErrSignature},

		// HMAC keyed with the RSA public key (CVE-2015-9235 and kin)
		{name: "HS256 with public key PEM, not allowed", raw: func() string {
			return signHMAC(t, map[string]any{"alg": "HS256", "kid": a.rs.iss.KeyID()}, claims(a.rs), rsPEM)
		}, want: token.ErrUnsupportedAlgorithm},
		{name: "HS256 with public key PEM, allowed, kid of RSA key", raw: func() string {
			return signHMAC(t, map[string]any{"alg": "HS256", "kid": a.rs.iss.KeyID()}, claims(a.rs), rsPEM)
		}, cfg: bothAlgs, want: token.ErrKeyMismatch},
		{name: "HS256 with public key DER, allowed, no kid", raw: func() string {
			return signHMAC(t, map[string]any{"alg": "HS256"}, claims(a.rs), rsDER)
		}, cfg: bothAlgs, want: token.ErrKeyNotFound},
		{name: "HS256 with modulus bytes, allowed", raw: func() string {
			return signHMAC(t, map[string]any{"alg": "HS256", "kid": a.rs.iss.KeyID()}, claims(a.rs), rsPub.N.Bytes())
		}, cfg: bothAlgs, want: token.ErrKeyMismatch},

		// an algorithm that does not fit the key
		{name: "ES256 header on RSA key", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", "ES256"))
		}, cfg: func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "ES256"} }, want: token.ErrKeyMismatch},
		{name: "PS256 header on RS256 key", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", "PS256"))
		}, cfg: func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "PS256"} }, want: token.ErrKeyMismatch},
		{name: "RS256 header on EC key", raw: func() string {
			return a.es.iss.IDToken(nil, tokentest.WithHeader("alg", "RS256"))
		}, on: a.es, cfg: func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "ES256"} }, want: token.ErrKeyMismatch},
		{name: "ES384 header on P-256 key", raw: func() string {
			return a.es.iss.IDToken(nil, tokentest.WithHeader("alg", "ES384"))
		}, on: a.es, cfg: func(c *idtoken.Config) { c.Algorithms = []string{"ES256", "ES384"} }, want: token.ErrKeyMismatch},
		{name: "EdDSA header on RSA key", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("alg", "EdDSA"))
		}, cfg: func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "EdDSA"} }, want: token.ErrKeyMismatch},

		// keys carried in the header are never used, URLs never fetched
		{name: "jwk embedded, kid of issuer", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("jwk", a.attackJWK), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrSignature},
		{name: "jwk embedded, no kid", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("jwk", a.attackJWK), tokentest.WithHeader("kid", tokentest.Omit), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrSignature},
		{name: "jwk embedded, kid of the jwk", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("jwk", a.attackJWK), tokentest.WithKeyID("attacker"), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrKeyNotFound},
		{name: "jku to attacker JWKS", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("jku", a.fetchURL), tokentest.WithKeyID("attacker"), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrKeyNotFound},
		{name: "jku, kid of issuer", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("jku", a.fetchURL), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrSignature},
		{name: "x5u to attacker", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("x5u", a.fetchURL), tokentest.WithKeyID("attacker"), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrKeyNotFound},
		{name: "x5c self-signed attacker cert", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("x5c", []string{x5c}), tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrSignature},
		{name: "attacker key, issuer kid", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithSigningKey(a.attacker))
		}, want: token.ErrSignature},

		// kid tricks
		{name: "kid empty", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID("")) }, want: token.ErrMalformed},
		{name: "kid very long", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID(strings.Repeat("k", 4000))) }, want: token.ErrMalformed},
		{name: "kid path traversal", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID("../../../../dev/null")) }, want: token.ErrKeyNotFound},
		{name: "kid query string", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID("?kid=x&jku=http://evil")) }, want: token.ErrKeyNotFound},
		{name: "kid SQL", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID("x' UNION SELECT 'secret")) }, want: token.ErrKeyNotFound},
		{name: "kid with NUL", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID(a.rs.iss.KeyID()+"\x00")) }, want: token.ErrKeyNotFound},
		{name: "kid URL", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithKeyID(a.fetchURL)) }, want: token.ErrKeyNotFound},
		{name: "kid number", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("kid", 1)) }, want: token.ErrMalformed},

		// crit
		{name: "crit unknown extension", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("crit", []string{"x-must-understand"}), tokentest.WithHeader("x-must-understand", true))
		}, want: token.ErrCritical},
		{name: "crit names a registered parameter", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("crit", []string{"exp"}))
		}, want: token.ErrCritical},
		{name: "crit empty", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("crit", []string{})) }, want: token.ErrCritical},
		{name: "crit b64 false (RFC 7797)", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("crit", []string{"b64"}), tokentest.WithHeader("b64", false))
		}, want: token.ErrCritical},

		// other serializations
		{name: "JWE compact (5 segments)", raw: func() string {
			return b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM"}`)) + ".ZW5j.aXY.Y2lwaGVy.dGFn"
		}, want: token.ErrMalformed},
		{name: "JWE header in 3 segments", raw: func() string {
			return a.rs.iss.IDToken(nil, tokentest.WithHeader("enc", "A256GCM"))
		}, want: token.ErrMalformed},
		{name: "JWS JSON general serialization", raw: func() string {
			h, p, s := segments(t, a.rs.iss.IDToken(nil))
			return attackkit.JWSJSONGeneral(h, p, s)
		}, want: token.ErrMalformed},
		{name: "JWS JSON flattened serialization", raw: func() string {
			h, p, s := segments(t, a.rs.iss.IDToken(nil))
			return attackkit.JWSJSONFlattened(h, p, s)
		}, want: token.ErrMalformed},
		{name: "nested JWT (cty JWT)", raw: func() string { return a.rs.iss.IDToken(nil, tokentest.WithHeader("cty", "JWT")) }, want: token.ErrMalformed},
		{name: "two segments", raw: func() string { h, p, _ := segments(t, a.rs.iss.IDToken(nil)); return h + "." + p }, want: token.ErrMalformed},
		{name: "four segments", raw: func() string { return a.rs.iss.IDToken(nil) + ".x" }, want: token.ErrMalformed},
		{name: "empty", raw: func() string { return "" }, want: token.ErrMalformed},
		{name: "opaque string", raw: func() string { return "2YotnFZFEjr1zCsicMWpAA" }, want: token.ErrMalformed},

		// ECDSA signatures of zeros and other invalid encodings (CVE-2022-21449)
		{name: "ES256 signature of zeros", raw: func() string { return withSignature(t, a.es.iss.IDToken(nil), make([]byte, 64)) }, on: a.es, want: token.ErrSignature},
		{name: "ES256 r = s = n", raw: func() string {
			return withSignature(t, a.es.iss.IDToken(nil), append(append([]byte{}, p256Order...), p256Order...))
		}, on: a.es, want: token.ErrSignature},
		{name: "ES256 signature in DER", raw: func() string {
			_, _, s := segments(t, a.es.iss.IDToken(nil))
			raw, _ := base64.RawURLEncoding.DecodeString(s)
			der := must(attackkit.ECDSADER(raw))
			return withSignature(t, a.es.iss.IDToken(nil), der)
		}, on: a.es, want: token.ErrSignature},
		{name: "ES256 signature truncated", raw: func() string {
			_, _, s := segments(t, a.es.iss.IDToken(nil))
			raw, _ := base64.RawURLEncoding.DecodeString(s)
			return withSignature(t, a.es.iss.IDToken(nil), raw[:63])
		}, on: a.es, want: token.ErrSignature},
		{name: "EdDSA signature of zeros", raw: func() string {
			return withSignature(t, a.ed.iss.IDToken(nil), make([]byte, ed25519.SignatureSize))
		}, on: a.ed, want: token.ErrSignature},

		// base64url that is not canonical
		{name: "signature padded", raw: func() string { return a.rs.iss.IDToken(nil) + "==" }, want: token.ErrMalformed},
		{name: "signature non-canonical last character", raw: func() string {
			h, p, s := segments(t, a.rs.iss.IDToken(nil))
			return h + "." + p + "." + attackkit.FlipPaddingBit(s)
		}, want: token.ErrMalformed},
		{name: "payload non-canonical last character", raw: func() string {
			// pad the claims until their encoding ends in a character with unused bits
			for pad := ""; ; pad += "x" {
				h, p, s := segments(t, a.rs.iss.IDToken(tokentest.Claims{"pad": pad}))
				if len(p)%4 != 0 {
					return h + "." + attackkit.FlipPaddingBit(p) + "." + s
				}
			}
		}, want: token.ErrMalformed},
		{name: "standard alphabet", raw: func() string {
			return strings.NewReplacer("-", "+", "_", "/").Replace(a.rs.iss.IDToken(tokentest.Claims{"n": "???>>>"}))
		}, want: token.ErrMalformed},
		{name: "whitespace inside", raw: func() string { h, p, s := segments(t, a.rs.iss.IDToken(nil)); return h + ".\n" + p + "." + s }, want: token.ErrMalformed},
		{name: "trailing newline", raw: func() string { return a.rs.iss.IDToken(nil) + "\n" }, want: token.ErrMalformed},

		// duplicate names
		{name: "duplicate sub", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`),
				[]byte(`{"iss":"`+a.rs.iss.URL()+`","sub":"victim","sub":"attacker","aud":"`+a.rs.iss.ClientID()+`","iat":`+itoa(at(0))+`,"exp":`+itoa(at(time.Hour))+`}`))
		}, want: token.ErrMalformed},
		{name: "duplicate aud by case (AUD)", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`),
				[]byte(`{"iss":"`+a.rs.iss.URL()+`","sub":"victim","aud":"`+a.rs.iss.ClientID()+`","AUD":"other","iat":`+itoa(at(0))+`,"exp":`+itoa(at(time.Hour))+`}`))
		}, want: token.ErrMalformed},
		{name: "duplicate alg in header", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","alg":"none","kid":"`+a.rs.iss.KeyID()+`"}`), mustJSON(t, claims(a.rs)))
		}, want: token.ErrMalformed},
		{name: "payload not JSON", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`), []byte(`iss=me`))
		}, want: token.ErrMalformed},
		{name: "payload a JSON array", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`), []byte(`[1]`))
		}, want: token.ErrMalformed},
		{name: "payload invalid UTF-8", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`), []byte("{\"iss\":\"\xff\"}"))
		}, want: token.ErrMalformed},

		// claims of the wrong JSON type
		{name: "exp string", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"exp": "9999999999"}) }, want: token.ErrInvalidClaim},
		{name: "exp negative", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"exp": -1}) }, want: token.ErrInvalidClaim},
		{name: "exp huge", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"exp": 1e300}) }, want: token.ErrInvalidClaim},
		{name: "aud object", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"aud": map[string]any{"x": 1}}) }, want: token.ErrInvalidClaim},
		{name: "email_verified string", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"email_verified": "true"}) }, want: token.ErrInvalidClaim},
		{name: "auth_time string", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"auth_time": "now"}) }, want: token.ErrInvalidClaim},

		// size and depth
		{name: "oversized token", raw: func() string { return a.rs.iss.IDToken(tokentest.Claims{"pad": strings.Repeat("a", 20<<10)}) }, want: token.ErrTooLarge},
		{name: "over the configured size", raw: func() string { return a.rs.iss.IDToken(nil) }, cfg: func(c *idtoken.Config) { c.MaxTokenSize = 200 }, want: token.ErrTooLarge},
		{name: "deeply nested claim", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+a.rs.iss.KeyID()+`"}`),
				[]byte(`{"iss":"`+a.rs.iss.URL()+`","deep":`+attackkit.Nested(200)+`}`))
		}, want: token.ErrMalformed},
		{name: "deeply nested header", raw: func() string {
			return a.rs.iss.SignRaw([]byte(`{"alg":"RS256","x":`+attackkit.Nested(50)+`}`), mustJSON(t, claims(a.rs)))
		}, want: token.ErrMalformed},

		// access tokens of the same issuer, for the same user
		{name: "access token (Auth0 profile, typ JWT)", raw: func() string { return a.rs.iss.AccessToken(tokentest.Claims{"scope": "read:appointments"}) }, want: token.ErrTokenType},
		{name: "access token at+jwt", raw: func() string { return a.rs.iss.AccessToken(nil, tokentest.AtJWT()) }, want: token.ErrTokenType},
		{name: "access token, aud is the client ID", raw: func() string {
			return a.rs.iss.AccessToken(tokentest.Claims{"aud": a.rs.iss.ClientID()})
		}, want: token.ErrTokenType},
		{name: "access token at+jwt, aud is the client ID", raw: func() string {
			return a.rs.iss.AccessToken(tokentest.Claims{"aud": a.rs.iss.ClientID()}, tokentest.AtJWT())
		}, want: token.ErrTokenType},
		{name: "access token at+jwt without client_id, aud is the client ID", raw: func() string {
			return a.rs.iss.AccessToken(tokentest.Claims{"aud": a.rs.iss.ClientID(), "client_id": tokentest.Omit}, tokentest.AtJWT())
		}, want: token.ErrTokenType},
		{name: "Entra-style access token (scp), aud is the client ID", raw: func() string {
			return a.rs.iss.AccessToken(tokentest.Claims{"aud": a.rs.iss.ClientID(), "client_id": tokentest.Omit, "scp": "User.Read"})
		}, want: token.ErrTokenType},
		{name: "logout token", raw: func() string {
			return a.rs.iss.IDToken(tokentest.Claims{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}, "sid": "s1"},
				tokentest.WithHeader("typ", "logout+jwt"))
		}, want: token.ErrTokenType},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			on := r.on
			if on == nil {
				on = a.rs
			}
			v := on.validator(t, func(c *idtoken.Config) {
				c.Algorithms = nil // the default allow-list, unless the row widens it
				if on != a.rs {
					c.Algorithms = []string{on.iss.Algorithm()}
				}
				if r.cfg != nil {
					r.cfg(c)
				}
			})
			expect(t, v, r.raw(), r.want)
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("the validator fetched a URL named by a token %d times", n)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func itoa(n int64) string { return big.NewInt(n).String() }

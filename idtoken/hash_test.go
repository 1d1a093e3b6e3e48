package idtoken

import (
	"errors"
	"testing"

	"github.com/tokenguard/tokenguard/token"
)

// The code of OIDC Core Appendix A.4 and its c_hash from the specification;
// the SHA-384 and SHA-512 values were computed independently (Python hashlib).
const specCode = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"

func TestTokenHash(t *testing.T) {
	sha256Half := "LDktKdoQak3Pk0cnXxCltA" // OIDC Core A.4
	sha384Half := "Mq-knyaEMtWGfnBi2POEZb1kiLx10_DF"
	sha512Half := "E9z1C-c0Az4eTEzE0Nm3OQ3BS2BhMgxuP7x5JAQj1_4"
	for _, tc := range []struct {
		alg, want string
	}{
		{"RS256", sha256Half}, {"PS256", sha256Half}, {"ES256", sha256Half}, {"HS256", sha256Half},
		{"RS384", sha384Half}, {"PS384", sha384Half}, {"ES384", sha384Half},
		{"RS512", sha512Half}, {"PS512", sha512Half}, {"ES512", sha512Half},
		{"EdDSA", sha512Half}, // Ed25519: SHA-512, per the OpenID Foundation's resolution
	} {
		got, ok := tokenHash(tc.alg, specCode)
		if !ok || got != tc.want {
			t.Errorf("tokenHash(%s) = %q, %v; want %q", tc.alg, got, ok, tc.want)
		}
	}
	if _, ok := tokenHash("none", specCode); ok {
		t.Error("tokenHash(none) reported a hash")
	}
}

func TestCheckTokenHash(t *testing.T) {
	good := "LDktKdoQak3Pk0cnXxCltA"
	for _, tc := range []struct {
		name             string
		alg, value, have string
		present          bool
		want             error
	}{
		{"match", "RS256", specCode, good, true, nil},
		{"other value", "RS256", specCode + "x", good, true, token.ErrTokenHash},
		{"other algorithm's hash", "RS512", specCode, good, true, token.ErrTokenHash},
		{"absent", "RS256", specCode, "", false, token.ErrTokenHash},
		{"empty expected value", "RS256", "", good, true, token.ErrTokenHash},
		{"padded", "RS256", specCode, good + "==", true, token.ErrTokenHash},
		{"unknown algorithm", "XX999", specCode, good, true, token.ErrTokenHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkTokenHash("c_hash", "authorization code", tc.alg, tc.value, tc.have, tc.present)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
		})
	}
}

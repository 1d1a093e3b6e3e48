package attackkit_test

import (
	"encoding/base64"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/attackkit"
)

// "YQ" and "YR" both decode to "a" for a lenient decoder: the second has a
// padding bit set. A validator that accepts it accepts two spellings of one
// token, so an attack table expects token.ErrMalformed for it.
func ExampleFlipPaddingBit() {
	seg := base64.RawURLEncoding.EncodeToString([]byte("a"))
	flipped := attackkit.FlipPaddingBit(seg)
	lenient, _ := base64.RawURLEncoding.DecodeString(flipped)
	_, strictErr := base64.RawURLEncoding.Strict().DecodeString(flipped)
	fmt.Println(seg, flipped, string(lenient), strictErr != nil)
	// Output: YQ YR a true
}

// An HS256 token keyed with the issuer's RSA public key, as CVE-2015-9235
// forged them; a validator must refuse it whatever the key's encoding.
func ExampleHS256() {
	header := []byte(`{"alg":"HS256","kid":"k1"}`)
	payload := []byte(`{"sub":"attacker"}`)
	fmt.Println(attackkit.HS256(header, payload, []byte("-----BEGIN PUBLIC KEY-----")))
	// Output: eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhdHRhY2tlciJ9.bgzzTjk1Sl6uAit_C0_9t-JJyDmNALhhDdRuvT6erJQ
}

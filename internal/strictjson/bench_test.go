package strictjson

import "testing"

// benchClaims is a typical access token's claims set, about 600 bytes.
var benchClaims = []byte(`{"aud":["https://api.example.com/appointments","https://issuer.example.com/userinfo"],` +
	`"azp":"kbyuFDidLLm280LIwVFiazOqjO3ty8KH","client_id":"kbyuFDidLLm280LIwVFiazOqjO3ty8KH","exp":1700003600,` +
	`"gty":"authorization_code","https://example.com/roles":["clinician"],"iat":1699999940,` +
	`"iss":"https://issuer.example.com/","jti":"3d6ea6b3-2b1c-4d5e-9f8a-7b6c5d4e3f2a",` +
	`"permissions":["read:appointments","write:appointments"],` +
	`"scope":"openid profile email read:appointments write:appointments","sub":"auth0|64b0c9a5f1e2d3c4b5a69788"}`)

// BenchmarkParseObject is the scanner's share of a token verification:
// checking and indexing a claims set.
func BenchmarkParseObject(b *testing.B) {
	dst := make([]Member, 0, 16)
	b.SetBytes(int64(len(benchClaims)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseObject(benchClaims, 16, dst); err != nil {
			b.Fatal(err)
		}
	}
}

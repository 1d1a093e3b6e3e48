package strictjson

import (
	"fmt"
	"strings"
	"testing"
)

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

// BenchmarkParseObjectSpans checks and indexes a typical claims set and
// one of 1,200 short members (the most names that fit in a token at the
// default size), with bytes/s: the cost of the second should be about its
// size's share of the first's, not more.
func BenchmarkParseObjectSpans(b *testing.B) {
	var many strings.Builder
	many.WriteString("{")
	for i := range 1200 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"m%d":0`, i)
	}
	many.WriteString("}")
	for _, doc := range []struct {
		name string
		data []byte
	}{{"typical", benchClaims}, {"1200-members", []byte(many.String())}} {
		b.Run(doc.name, func(b *testing.B) {
			var (
				spans = make([]Span, 0, 24)
				ix    Index
			)
			b.SetBytes(int64(len(doc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseObjectSpans(doc.data, 16, spans, &ix); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStrings reads an aud array of a hundred URLs, as an ID token
// for many trusted audiences carries.
func BenchmarkStrings(b *testing.B) {
	aud := make([]string, 100)
	for i := range aud {
		aud[i] = fmt.Sprintf(`"https://api.example.com/resource/%03d"`, i)
	}
	text := Checked[string]{"[" + strings.Join(aud, ",") + "]"}
	b.SetBytes(int64(len(text.text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Strings(text, nil); !ok {
			b.Fatal("not an array of strings")
		}
	}
}

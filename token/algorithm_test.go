package token

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"strings"
	"testing"
)

// digest hashes the same whether the signing input is copied to the
// caller's scratch, to the stack or streamed, and leaves no trace of an
// earlier input in the scratch it reuses.
func TestDigestEveryWay(t *testing.T) {
	want := map[crypto.Hash]func([]byte) []byte{
		crypto.SHA256: func(b []byte) []byte { d := sha256.Sum256(b); return d[:] },
		crypto.SHA384: func(b []byte) []byte { d := sha512.Sum384(b); return d[:] },
		crypto.SHA512: func(b []byte) []byte { d := sha512.Sum512(b); return d[:] },
	}
	scratch := make([]byte, 3*stackSigningInput)
	for h, ref := range want {
		for _, n := range []int{0, 1, 900, stackSigningInput, stackSigningInput + 1, 2*stackSigningInput + 7} {
			msg := strings.Repeat("eyJ", n/3) + strings.Repeat(".", n%3)
			expect := string(ref([]byte(msg)))
			for name, s := range map[string][]byte{"no scratch": nil, "short scratch": scratch[:10], "scratch": scratch} {
				var out [sha512.Size]byte
				if got := string(digest(h, msg, &out, s)); got != expect {
					t.Errorf("%v of %d bytes with %s: %x; want %x", h, n, name, got, expect)
				}
			}
		}
	}
}

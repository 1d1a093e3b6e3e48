package token

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// decodeB64URL accepts exactly what encoding/base64's strict unpadded
// base64url decoder accepts (less CR and LF, which it skips and the
// pipeline refuses) and decodes it to the same bytes, whatever the room
// left in the destination.
func FuzzDecodeB64URL(f *testing.F) {
	for _, s := range []string{"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "eyJhbGciOiJSUzI1NiJ9", "_-_-", "AA==", "A\nA", "+/+/",
		base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff, 0x01}, 40))} {
		f.Add(s, 0)
	}
	ref := base64.RawURLEncoding.Strict()
	f.Fuzz(func(t *testing.T, src string, extra int) {
		if strings.ContainsAny(src, "\r\n") {
			return
		}
		want, err := ref.DecodeString(src)
		dst := make([]byte, b64DecodedLen(len(src))+extra&15)
		n, ok := decodeB64URL(dst, src)
		if ok != (err == nil) {
			t.Fatalf("decodeB64URL(%q) ok %v; encoding/base64: %v", src, ok, err)
		}
		if ok && !bytes.Equal(dst[:n], want) {
			t.Fatalf("decodeB64URL(%q) = %x; want %x", src, dst[:n], want)
		}
	})
}

func TestDecodeB64URL(t *testing.T) {
	for _, tc := range []struct {
		src string
		ok  bool
	}{
		{"", true}, {"QQ", true}, {"QUI", true}, {"QUJD", true}, {"QUJDRA", true}, {"QUJDREVGR0g", true},
		{"Q", false}, {"QR", false}, {"QUJ", false}, {"QQ==", false}, {"QU+D", false}, {"QU/D", false}, {"QU D", false}, {"QU\x00D", false},
		{strings.Repeat("QUJD", 20) + "Q=", false}, {strings.Repeat("QUJD", 20) + "é", false},
	} {
		want, err := base64.RawURLEncoding.Strict().DecodeString(tc.src)
		if (err == nil) != tc.ok {
			t.Fatalf("the reference disagrees with the case %q: %v", tc.src, err)
		}
		dst := make([]byte, b64DecodedLen(len(tc.src)))
		n, ok := decodeB64URL(dst, tc.src)
		if ok != tc.ok || (ok && !bytes.Equal(dst[:n], want)) {
			t.Errorf("decodeB64URL(%q) = %x, %v; want %x, %v", tc.src, dst[:n], ok, want, tc.ok)
		}
	}
}

package jwks

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// FuzzParseDiscovery feeds discovery documents to ParseDiscovery: it must
// never panic, every refusal must match token.ErrMalformed, and what it
// accepts must have an issuer and keep the document as it was.
func FuzzParseDiscovery(f *testing.F) {
	for _, seed := range []string{
		`{"issuer":"https://a.example","jwks_uri":"https://a.example/jwks"}`,
		`{"issuer":"https://a.example/","jwks_uri":"https://a.example/.well-known/jwks.json","introspection_endpoint":"https://a.example/introspect","id_token_signing_alg_values_supported":["RS256","ES256"],"response_types_supported":["code"],"subject_types_supported":["public"]}`,
		`{"issuer":"https://a.example","issuer":"https://b.example"}`,
		`{"issuer":"https://a.example","ISSUER":"https://b.example"}`,
		`{"issuer":"https:\/\/a.example","scopes_supported":null,"claims_supported":["sub",1]}`,
		`{"issuer":"https://a.example","x":{"y":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}}`,
		`{"issuer":"\ud800"}`,
		`[]`, `{}`, ``, `null`,
	} {
		f.Add([]byte(seed))
	}
	// Documents of real providers, kept in testdata.
	files, _ := filepath.Glob(filepath.Join("testdata", "discovery", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := ParseDiscovery(doc)
		if err != nil {
			if !errors.Is(err, token.ErrMalformed) {
				t.Fatalf("refusal does not match ErrMalformed: %v", err)
			}
			if d != nil {
				t.Fatal("a refusal returned a document")
			}
			return
		}
		if d.Issuer == "" {
			t.Fatal("accepted a document without issuer")
		}
		if !bytes.Equal(d.Raw, doc) {
			t.Fatal("Raw differs from the document")
		}
		again, err := ParseDiscovery(d.Raw)
		if err != nil || again.Issuer != d.Issuer || again.JWKSURI != d.JWKSURI {
			t.Fatalf("Raw does not parse to the same document: %v", err)
		}
	})
}

// FuzzRefreshAfter feeds caching headers to the refresh schedule: whatever a
// server sends, the next refresh lies within [MinRefresh, MaxRefresh].
func FuzzRefreshAfter(f *testing.F) {
	for _, seed := range [][2]string{
		{"max-age=300", ""},
		{"public, max-age=86400, must-revalidate", ""},
		{"no-store", ""},
		{`max-age="60"`, ""},
		{"max-age=99999999999999999999999999", ""},
		{"max-age=-1", "Thu, 01 Jan 1970 00:00:00 GMT"},
		{"", "Mon, 02 Jan 2006 15:04:05 GMT"},
		{"", "Fri, 31 Dec 9999 23:59:59 GMT"},
		{"", "0"},
	} {
		f.Add(seed[0], seed[1])
	}
	now := time.Unix(1_700_000_000, 0)
	const lo, hi = time.Minute, 24 * time.Hour
	f.Fuzz(func(t *testing.T, cacheControl, expires string) {
		h := http.Header{}
		if cacheControl != "" {
			h.Set("Cache-Control", cacheControl)
		}
		if expires != "" {
			h.Set("Expires", expires)
		}
		if d := refreshAfter(h, now, lo, hi); d < lo || d > hi {
			t.Fatalf("refresh after %v, outside [%v, %v]", d, lo, hi)
		}
	})
}

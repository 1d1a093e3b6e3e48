package accesstoken

import (
	"strings"
	"testing"
)

func TestNormalizeHTTPURI(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/a":            "https://api.example.com/a",
		"HTTPS://API.Example.COM/a":            "https://api.example.com/a",
		"https://api.example.com:443/a":        "https://api.example.com/a",
		"http://api.example.com:80/a":          "http://api.example.com/a",
		"https://api.example.com:80/a":         "https://api.example.com:80/a",
		"https://api.example.com:0443/a":       "https://api.example.com/a",
		"https://api.example.com:/a":           "https://api.example.com/a",
		"https://api.example.com":              "https://api.example.com/",
		"https://api.example.com/a/./b/../c":   "https://api.example.com/a/c",
		"https://api.example.com/../a":         "https://api.example.com/a",
		"https://api.example.com/a/..":         "https://api.example.com/",
		"https://api.example.com/%7euser/%2f":  "https://api.example.com/~user/%2F",
		"https://api.example.com/%2e%2E/a":     "https://api.example.com/a",
		"https://api.example.com./a":           "https://api.example.com./a",
		"https://[2001:DB8::1]:443/a":          "https://[2001:db8::1]/a",
		"https://api.example.com/.well-known/": "https://api.example.com/.well-known/",
		"https://api.example.com/A":            "https://api.example.com/A",
	} {
		got, err := normalizeHTTPURI(in, false)
		if err != nil || got != want {
			t.Errorf("normalizeHTTPURI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"/a", "api.example.com/a", "ftp://api.example.com/a", "https://user@api.example.com/a",
		"https://api.example.com:99999/a", "https://api.example.com:x/a", "https:///a", "https:a",
		"https://api.example.com/a?b", "https://api.example.com/a#b", strings.Repeat("a", maxURILength+1),
		"https://\xdeapi.example.com/a", "https://api.ex\u00e4mple.com/a", // a host is ASCII
		"https://api.example.com/" + strings.Repeat("\xde", maxURILength/3+1), // grows past the bound when encoded
		// Percent-encoding in a host decodes to characters no host has.
		"http://%25", "https://api%2eexample%21.com/a", "https://a%20b/", "http://[fe80::1%25eth0]/a",
	} {
		if got, err := normalizeHTTPURI(in, false); err == nil {
			t.Errorf("normalizeHTTPURI(%q) = %q; want an error", in, got)
		}
	}
	if got, err := normalizeHTTPURI("https://api.example.com/a?b#c", true); err != nil || got != "https://api.example.com/a" {
		t.Errorf("stripping the query: %q, %v", got, err)
	}
}

// FuzzNormalizeHTTPURI checks that normalisation is idempotent, that the
// fast path for URIs already normal agrees with the parser, and that the
// result has neither query nor fragment.
func FuzzNormalizeHTTPURI(f *testing.F) {
	for _, s := range []string{
		"https://api.example.com/a", "HTTPS://API.example.com:443/./a/../b/%7e%2f", "http://[::1]:80",
		"https://a.b./.x/..", "https://x/%zz", "https://x:/", "https://x/a?b#c", "http://x/%2E%2e/",
		"http://%25", "https://%41pi.example.com/", "http://[::1%25lo]/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := normalizeHTTPURI(s, true)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "?#") {
			t.Fatalf("%q normalises to %q, with a query or fragment", s, got)
		}
		again, err := normalizeHTTPURI(got, false)
		if err != nil || again != got {
			t.Fatalf("%q normalises to %q, and that to %q, %v", s, got, again, err)
		}
		if isNormalHTTPURI(s) && got != s {
			t.Fatalf("the fast path takes %q as normal, the parser makes it %q", s, got)
		}
	})
}

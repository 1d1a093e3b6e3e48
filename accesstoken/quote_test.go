package accesstoken

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// appendQuotedExcerpt writes what strconv.Quote(excerpt.Of(s)) writes,
// for any s: the shortcut for plain audiences (and app clients) changes no refusal's words.
func FuzzAppendQuotedExcerpt(f *testing.F) {
	for _, s := range []string{
		"", "client-1", "https://api.example.com/resource/001", `a"b`, `a\b`, "tab\there", "line\nbreak",
		"café", "\x7f", "\xff", strings.Repeat("a", excerpt.Max), strings.Repeat("a", excerpt.Max+1),
		strings.Repeat("é", 40), "abc\u202Egpj.exe", " ", "~",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(appendQuotedExcerpt([]byte("x "), s))
		if want := "x " + strconv.Quote(excerpt.Of(s)); got != want {
			t.Errorf("appendQuotedExcerpt(%q) = %s; want %s", s, got, want)
		}
	})
}

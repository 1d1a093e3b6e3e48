package excerpt

import (
	"strconv"
	"strings"
	"testing"
)

// AppendQuoted writes what strconv.Quote(Of(s)) writes, for any s: the
// shortcut for plain values changes no refusal's words.
func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{
		"", "client-1", "https://api.example.com/resource/001", `a"b`, `a\b`, "tab\there", "line\nbreak",
		"café", "\x7f", "\xff", strings.Repeat("a", Max), strings.Repeat("a", Max+1),
		strings.Repeat("é", 40), "abc\u202Egpj.exe", " ", "~",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(AppendQuoted([]byte("x "), s))
		if want := "x " + strconv.Quote(Of(s)); got != want {
			t.Errorf("AppendQuoted(%q) = %s; want %s", s, got, want)
		}
	})
}

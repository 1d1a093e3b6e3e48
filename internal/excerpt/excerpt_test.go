package excerpt

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestOf(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"kid-1", "kid-1"},
		{long[:Max], long[:Max]},
		{long, long[:Max] + Ellipsis},
		{strings.Repeat("a", Max-1) + "é" + "tail", strings.Repeat("a", Max-1) + Ellipsis}, // never half a character
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"café", "café"},                                   // printable characters stay
		{"a\r\nForged: line", "a\uFFFD\uFFFDForged: line"}, // a line break cannot start a log line
		{"x\x1b[31my", "x\uFFFD[31my"},                     // nor a terminal escape
		{"abc\u202Egpj.exe", "abc\uFFFDgpj.exe"},           // nor a bidi override reorder the text
		{"\x7f", "\uFFFD"},
	} {
		if got := Of(tc.in); got != tc.want {
			t.Errorf("Of(%q) = %q; want %q", tc.in, got, tc.want)
		}
		if got := Of([]byte(tc.in)); got != tc.want {
			t.Errorf("Of([]byte(%q)) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if q := Quote(long); !strings.HasPrefix(q, `"aaaa`) || !utf8.ValidString(q) || len(q) > Max+8 {
		t.Errorf("Quote(long) = %s", q)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"invalid_token", "invalid_token"},
		{"ctl\r\nx", "ctl\uFFFD\uFFFDx"},
		{strings.Repeat("x", 500), strings.Repeat("x", MaxText) + Ellipsis},
		{strings.Repeat("x", MaxText), strings.Repeat("x", MaxText)},
		{"é", "é"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if got := Text("a sek b sek", "sek", ""); got != "a [redacted] b [redacted]" {
		t.Errorf("secret not redacted: %q", got)
	}
	// Redaction comes before the cut: a secret that straddles the limit
	// leaves none of itself behind.
	secret := strings.Repeat("S", 40)
	if got := Text(strings.Repeat("x", MaxText-10)+secret, secret); strings.Contains(got, "S") {
		t.Errorf("a cut secret shows: %q", got)
	}
}

// check asserts what every excerpt promises.
func check(t *testing.T, in, got string, max int) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("excerpt of %q is not valid UTF-8: %q", in, got)
	}
	body := strings.TrimSuffix(got, Ellipsis)
	if len(body) > 3*max { // each byte kept is at most one U+FFFD
		t.Fatalf("excerpt of %q is %d bytes", in, len(got))
	}
	for _, r := range body {
		if !unicode.IsPrint(r) && r != utf8.RuneError {
			t.Fatalf("excerpt of %q keeps %U", in, r)
		}
	}
	if len(in) <= max && utf8.ValidString(in) && strings.IndexFunc(in, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 && got != in {
		t.Fatalf("excerpt changed a short printable value %q to %q", in, got)
	}
}

func FuzzOf(f *testing.F) {
	f.Add("kid")
	f.Add(strings.Repeat("é", 40))
	f.Add("a\r\nb\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		check(t, s, Of(s), Max)
		check(t, s, Text(s), MaxText)
	})
}

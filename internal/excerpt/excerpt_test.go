package excerpt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOf(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"kid-1", "kid-1"},
		{long[:Max], long[:Max]},
		{long, long[:Max] + "…"},
		{strings.Repeat("a", Max-1) + "é" + "tail", strings.Repeat("a", Max-1) + "…"}, // never half a character
		{"bad\xffbyte", "bad\uFFFDbyte"},
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

func FuzzOf(f *testing.F) {
	f.Add("kid")
	f.Add(strings.Repeat("é", 40))
	f.Fuzz(func(t *testing.T, s string) {
		got := Of(s)
		if !utf8.ValidString(got) || len(got) > Max+len("…")+2*Max {
			t.Fatalf("Of(%q) = %q", s, got)
		}
		if utf8.ValidString(s) && len(s) <= Max && got != s {
			t.Fatalf("Of(%q) changed a short valid value to %q", s, got)
		}
	})
}

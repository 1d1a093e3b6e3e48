package accesstoken

import (
	"slices"
	"strings"
	"testing"
)

// FuzzSplitScope checks the hand-written scope splitter against the
// standard library's, for any input.
func FuzzSplitScope(f *testing.F) {
	for _, s := range []string{"", " ", "read", "read write", "  a  b  ", "a\tb c", "é ü", "a b c d e f g h i j"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := splitScope(s)
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
		if len(want) == 0 {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("splitScope(%q) = %q; want %q", s, got, want)
		}
		if len(got) != cap(got) {
			t.Fatalf("splitScope(%q) has spare capacity %d", s, cap(got)-len(got))
		}
	})
}

package scope

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitAndHas(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"read", []string{"read"}},
		{"read write", []string{"read", "write"}},
		{"  read   write  ", []string{"read", "write"}},
		{"openid profile read:appointments", []string{"openid", "profile", "read:appointments"}},
		// Only %x20 delimits (RFC 6749 §3.3): any other whitespace stays
		// inside the scope it appears in.
		{"read\u00a0admin", []string{"read\u00a0admin"}},
		{"read\tadmin", []string{"read\tadmin"}},
		{"read\nadmin", []string{"read\nadmin"}},
		{"read\u2003admin write", []string{"read\u2003admin", "write"}},
		{"read\u3000admin", []string{"read\u3000admin"}},
		{"\u00a0admin", []string{"\u00a0admin"}},
	}
	for _, tc := range tests {
		got := Split(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.want == nil && got != nil {
			t.Errorf("Split(%q) = non-nil empty slice, want nil", tc.in)
		}
		for _, s := range tc.want {
			if !Has(tc.in, s) {
				t.Errorf("Has(%q, %q) = false", tc.in, s)
			}
		}
		for _, part := range strings.FieldsFunc(tc.in, func(r rune) bool { return r != ' ' && strings.TrimSpace(string(r)) == "" }) {
			// A piece cut at other whitespace is granted only if it is
			// also a whole scope.
			if Has(tc.in, part) != slices.Contains(tc.want, part) {
				t.Errorf("Has(%q, %q) disagrees with Split", tc.in, part)
			}
		}
	}
	if Has("read admin", "") || Has("", "") {
		t.Error("the empty scope is listed")
	}
	if Has("read admin", "rea") || Has("read admin", "read admin") {
		t.Error("Has matches a part or a run of scopes")
	}
}

func TestSplitAllocatesOnce(t *testing.T) {
	s := "openid profile email read:appointments write:appointments"
	if n := testing.AllocsPerRun(100, func() { Split(s) }); n != 1 {
		t.Errorf("Split allocates %v times, want 1", n)
	}
	found := false
	if n := testing.AllocsPerRun(100, func() { found = Has(s, "write:appointments") }); n != 0 || !found {
		t.Errorf("Has allocates %v times (found %v), want 0 (true)", n, found)
	}
}

// FuzzSplit checks the hand-written splitter against the standard
// library's split at spaces, and Has against Split, for any input.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", " ", "read", "read write", "  a  b  ", "a\tb c", "é ü", "read\u00a0admin", "a b c d e f g h i j"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Split(s)
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
		if len(want) == 0 {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Split(%q) = %q; want %q", s, got, want)
		}
		if len(got) != cap(got) {
			t.Fatalf("Split(%q) has spare capacity %d", s, cap(got)-len(got))
		}
		for _, tok := range got {
			if !Has(s, tok) {
				t.Fatalf("Has(%q, %q) = false, but Split lists it", s, tok)
			}
		}
		if Has(s, s) != (len(got) == 1 && got[0] == s) {
			t.Fatalf("Has(%q, itself) disagrees with Split", s)
		}
	})
}

package httpx

import (
	"regexp"
	"testing"
)

var b64tokenRE = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

func TestInvalidB64Token(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"=", 0}, {"abc", -1}, {"a-b.c_d~e+f/g", -1}, {"abc==", -1},
		{"ab=c", 3}, {"ab c", 2}, {" abc", 0}, {"abc\x00", 3}, {"é", 0}, {"a,b", 1},
	} {
		if got := InvalidB64Token(tc.s); got != tc.want {
			t.Errorf("InvalidB64Token(%q) = %d; want %d", tc.s, got, tc.want)
		}
	}
}

func FuzzInvalidB64Token(f *testing.F) {
	for _, s := range []string{"", "abc==", "a=b", "ya29.a0AfH6", "x y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := InvalidB64Token(s)
		if (got < 0) != b64tokenRE.MatchString(s) {
			t.Fatalf("InvalidB64Token(%q) = %d; the grammar says %v", s, got, b64tokenRE.MatchString(s))
		}
		if got >= 0 && got >= len(s) && len(s) > 0 {
			t.Fatalf("offset %d past the end of %q", got, s)
		}
	})
}

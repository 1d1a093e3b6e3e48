package token

import "testing"

func TestMediaTypeIs(t *testing.T) {
	for _, tc := range []struct {
		v, name string
		want    bool
	}{
		{"at+jwt", "at+jwt", true},
		{"AT+JWT", "at+jwt", true},
		{"application/at+jwt", "at+jwt", true},
		{"Application/AT+jwt", "at+jwt", true},
		{"JWT", "JWT", true},
		{"application/jwt", "JWT", true},
		{"application/", "JWT", false},
		{"", "JWT", false},
		{"application/application/jwt", "JWT", false},
		{"text/jwt", "JWT", false},
		{"at+jwt ", "at+jwt", false},
		{"jwt", "at+jwt", false},
	} {
		if got := MediaTypeIs(tc.v, tc.name); got != tc.want {
			t.Errorf("MediaTypeIs(%q, %q) = %v; want %v", tc.v, tc.name, got, tc.want)
		}
	}
}

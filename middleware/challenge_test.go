package middleware

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestChallenge checks the WWW-Authenticate value built for each kind of
// refusal, parameter by parameter.
func TestChallenge(t *testing.T) {
	tests := []struct {
		name  string
		realm string
		e     Error
		want  string
	}{
		{name: "no token, no realm", want: `Bearer`},
		{name: "no token", realm: "api", e: Error{Description: "ignored without a code"}, want: `Bearer realm="api"`},
		{name: "error and description", realm: "api", e: Error{Code: CodeInvalidToken, Description: "token expired"},
			want: `Bearer realm="api", error="invalid_token", error_description="token expired"`},
		{name: "error without description", e: Error{Code: CodeInvalidRequest},
			want: `Bearer error="invalid_request"`},
		{name: "scope", e: Error{Code: CodeInsufficientScope, Scope: "a b"},
			want: `Bearer error="insufficient_scope", scope="a b"`},
		{name: "step-up", e: Error{Code: CodeInsufficientUserAuthentication, ACRValues: []string{"x", "y"}, MaxAge: 1500 * time.Millisecond},
			want: `Bearer error="insufficient_user_authentication", acr_values="x y", max_age="1"`},
		{name: "sub-second max_age asks for a fresh authentication", e: Error{Code: CodeInsufficientUserAuthentication, MaxAge: time.Millisecond},
			want: `Bearer error="insufficient_user_authentication", max_age="0"`},
		{name: "realm quote and backslash escaped", realm: `a"b\c`, want: `Bearer realm="a\"b\\c"`},
		{name: "realm control characters and non-ASCII dropped", realm: "a\r\nb\tc\x00d\x7fé日e", want: `Bearer realm="abcde"`},
		{name: "description quote and backslash replaced, as RFC 6750 allows neither",
			e:    Error{Code: CodeInvalidToken, Description: `alg "none" is refused \o/`},
			want: `Bearer error="invalid_token", error_description="alg 'none' is refused /o/"`},
		{name: "description control characters dropped", e: Error{Code: CodeInvalidToken, Description: "a\r\nWWW-Authenticate: x"},
			want: `Bearer error="invalid_token", error_description="aWWW-Authenticate: x"`},
		{name: "scope escaped", e: Error{Code: CodeInsufficientScope, Scope: `x" y`},
			want: `Bearer error="insufficient_scope", scope="x\" y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, challenge(tt.realm, &tt.e))
		})
	}
}

// TestChallengeDescriptionBounded checks a long description is cut in the
// header.
func TestChallengeDescriptionBounded(t *testing.T) {
	got := challenge("", &Error{Code: CodeInvalidToken, Description: strings.Repeat("x", 1000)})
	want := `Bearer error="invalid_token", error_description="` + strings.Repeat("x", maxHeaderDescription-3) + `..."`
	assert.Equal(t, want, got)
}

// TestChallengeAlwaysParses checks that whatever the values, the header
// parses back as the same parameters, in order, with nothing injected.
func TestChallengeAlwaysParses(t *testing.T) {
	nasty := []string{`"`, `\`, `\"`, "\"\\\"", "\x00\x01\n", "é\"", `a\`, `"; error="forged`, `", x="`}
	for _, v := range nasty {
		v = "x" + v
		h := challenge(v, &Error{Code: CodeInsufficientScope, Description: v, Scope: v, ACRValues: []string{v}})
		params, ok := parseChallenge(h)
		if assert.True(t, ok, "header %q does not parse", h) {
			var names []string
			for _, p := range params {
				names = append(names, p[0])
			}
			assert.Equal(t, []string{"realm", "error", "error_description", "scope", "acr_values"}, names, "header %q", h)
			assert.Equal(t, CodeInsufficientScope, params[1][1])
			printable := strings.Map(func(r rune) rune {
				if r < 0x20 || r >= 0x7f {
					return -1
				}
				return r
			}, v)
			assert.Equal(t, printable, params[0][1], "realm round-trips through the escaping")
			assert.Equal(t, printable, params[3][1], "scope round-trips through the escaping")
		}
	}
}

// parseChallenge parses a Bearer challenge as RFC 9110 §11.6.1 defines
// it (auth-params of token "=" quoted-string, separated by ", "), strictly
// enough to catch a value that escapes its quotes. It reports false for
// anything else, including characters a header may not carry.
func parseChallenge(h string) (params [][2]string, ok bool) {
	for i := 0; i < len(h); i++ {
		if h[i] < 0x20 || h[i] >= 0x7f {
			return nil, false
		}
	}
	rest, found := strings.CutPrefix(h, "Bearer")
	if !found {
		return nil, false
	}
	if rest == "" {
		return nil, true
	}
	sep := " "
	for rest != "" {
		if rest, found = strings.CutPrefix(rest, sep); !found {
			return nil, false
		}
		sep = ", "
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return nil, false
		}
		name := rest[:eq]
		for i := 0; i < len(name); i++ {
			if !isTchar(name[i]) {
				return nil, false
			}
		}
		rest = rest[eq+1:]
		if rest == "" || rest[0] != '"' {
			return nil, false
		}
		var v strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' {
				i++
				if i == len(rest) {
					return nil, false
				}
			}
			v.WriteByte(rest[i])
		}
		if i == len(rest) {
			return nil, false
		}
		params = append(params, [2]string{name, v.String()})
		rest = rest[i+1:]
	}
	return params, true
}

package idtoken

import (
	"net/http"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

// refusal reads what an answer other than 200 says about the request: the
// error and error_description auth-params of its WWW-Authenticate challenge
// (RFC 6750 §3). Text from the server is sanitized; accessToken never
// appears in it.
func refusal(resp *http.Response, accessToken string) *UserInfoRefusal {
	r := &UserInfoRefusal{StatusCode: resp.StatusCode}
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		params := authParams(h)
		if r.Code == "" {
			r.Code = excerpt.Text(params["error"], accessToken)
		}
		if r.Description == "" {
			r.Description = excerpt.Text(params["error_description"], accessToken)
		}
	}
	return r
}

// authParams returns the auth-params of a WWW-Authenticate value (RFC 9110
// §11.6.1): name=token or name="quoted string", names in lower case, the
// first of each name kept. Scheme names and token68 values are skipped;
// what cannot be parsed ends the scan.
func authParams(h string) map[string]string {
	out := map[string]string{}
	i := 0
	for i < len(h) {
		for i < len(h) && (h[i] == ' ' || h[i] == '\t' || h[i] == ',') {
			i++
		}
		start := i
		for i < len(h) && isTokenChar(h[i]) {
			i++
		}
		if i == start {
			return out
		}
		name := strings.ToLower(h[start:i])
		j := i
		for j < len(h) && (h[j] == ' ' || h[j] == '\t') {
			j++
		}
		if j >= len(h) || h[j] != '=' {
			continue // a scheme name, such as Bearer
		}
		i = j + 1
		for i < len(h) && (h[i] == ' ' || h[i] == '\t') {
			i++
		}
		var value string
		if i < len(h) && h[i] == '"' {
			var b strings.Builder
			i++
			for i < len(h) && h[i] != '"' {
				if h[i] == '\\' && i+1 < len(h) {
					i++
				}
				b.WriteByte(h[i])
				i++
			}
			i++ // the closing quote, if any
			value = b.String()
		} else {
			start := i
			for i < len(h) && h[i] != ',' && h[i] != ' ' && h[i] != '\t' {
				i++
			}
			value = h[start:i]
		}
		if _, seen := out[name]; !seen {
			out[name] = value
		}
	}
	return out
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

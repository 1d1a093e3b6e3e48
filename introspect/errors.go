package introspect

import (
	"strings"

	"github.com/tokenguard/tokenguard/token"
)

// unavailable builds the error every failure to get an answer returns. cause
// may be nil; when it is not, it must not match another token sentinel.
func unavailable(cause error, reason string) *token.ValidationError {
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: reason, Err: cause}
}

// maxDetail bounds how much of a server's own words (an OAuth error
// description, a redirect target) goes into an error message.
const maxDetail = 200

// sanitize makes text taken from a server's answer fit for an error message
// and a log line: printable ASCII only, bounded, and with every secret (the
// token, our credentials) replaced, in case a server echoes the request.
func sanitize(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	var b strings.Builder
	i := 0
	for ; i < len(s) && i < maxDetail; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b.WriteByte(c)
	}
	if i < len(s) {
		b.WriteString("...")
	}
	return b.String()
}

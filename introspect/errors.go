package introspect

import (
	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/token"
)

// unavailable builds the error every failure to get an answer returns. cause
// may be nil; when it is not, it must not match another token sentinel.
func unavailable(cause error, reason string) *token.ValidationError {
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: reason, Err: cause}
}

// sanitize makes text taken from a server's answer fit for an error message
// and a log line (see httpx.Sanitize).
func sanitize(s string, secrets ...string) string { return httpx.Sanitize(s, secrets...) }

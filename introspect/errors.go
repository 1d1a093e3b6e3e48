package introspect

import (
	"github.com/tokenguard/tokenguard/token"
)

// unavailable builds the error every failure to get an answer returns.
// detail (which endpoint, what went wrong, what to check) is for the
// server's log; the Reason, which a client may be shown, says only that
// the token could not be looked up. cause may be nil; when it is not, it
// must not match another token sentinel.
func unavailable(cause error, detail string) *token.ValidationError {
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: reasonUnreachable, Detail: detail, Err: cause}
}

// The Reasons of this package's errors: what a client may be told.
const (
	reasonUnreachable = "the authorization server could not be asked about the token"
	reasonUnusable    = "the authorization server's answer about the token is unusable"
)

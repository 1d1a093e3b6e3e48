package redisstore

import (
	"github.com/tokenguard/tokenguard/token"
)

// unavailable builds the error every failure of Redis returns: an outage,
// never a verdict on a token. cause may be nil.
func unavailable(cause error, reason string) error {
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: reason, Err: cause}
}

package tokentest_test

import (
	"testing"

	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestNilIssuerClose checks Close on a nil or zero Issuer does nothing, so a
// deferred Close after a failed Start cannot panic.
func TestNilIssuerClose(t *testing.T) {
	var nilIssuer *tokentest.Issuer
	nilIssuer.Close()
	new(tokentest.Issuer).Close()
}

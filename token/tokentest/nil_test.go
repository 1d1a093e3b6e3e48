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

// TestNilDPoPKey checks a nil DPoPKey (what NewDPoPKey returns on failure)
// reads as nothing rather than panicking.
func TestNilDPoPKey(t *testing.T) {
	var k *tokentest.DPoPKey
	if k.Algorithm() != "" || k.Thumbprint() != "" || k.Signer() != nil || k.PublicJWK() != nil || k.PrivateJWK() != nil ||
		k.Proof("GET", "https://a.example/", "", nil) != "" {
		t.Error("a nil DPoPKey holds something")
	}
}

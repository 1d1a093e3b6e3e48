package token

import "crypto/fips140"

// A Key prepares what the standard library recomputes for every
// signature: an RSA key's modulus (token/rsa.go) and an Ed25519 key's
// point (token/ed25519.go). It does not when the program asks for a
// certified module to check signatures: in FIPS 140-3 mode, the standard
// library's validated module checks every signature, and in a
// Go+BoringCrypto build, BoringCrypto checks RSA ones.

// preparedRSA reports whether RSA keys are prepared.
func preparedRSA() bool { return !fips140.Enabled() && !boringRSA() }

// preparedEd25519 reports whether Ed25519 keys are prepared.
func preparedEd25519() bool { return !fips140.Enabled() }

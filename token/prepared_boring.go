//go:build boringcrypto

package token

import "crypto/boring"

// boringRSA reports whether crypto/rsa hands RSA to BoringCrypto in this
// program (a Go+BoringCrypto build on a platform it supports), whose users
// want every RSA signature checked there: RSA keys are then not prepared
// (see preparedRSA). BoringCrypto has no Ed25519.
func boringRSA() bool { return boring.Enabled() }

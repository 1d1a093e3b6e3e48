//go:build !boringcrypto

package token

// boringRSA reports whether crypto/rsa hands RSA to BoringCrypto (see
// prepared_boring.go); without the boringcrypto build tag it never does.
func boringRSA() bool { return false }

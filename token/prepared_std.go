//go:build !goexperiment.boringcrypto

package token

// boringCrypto says the program was built with GOEXPERIMENT=boringcrypto
// (see prepared_boring.go); it was not.
const boringCrypto = false

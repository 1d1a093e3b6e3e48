//go:build goexperiment.boringcrypto

package token

// boringCrypto says the program was built with GOEXPERIMENT=boringcrypto,
// whose users want every signature checked by BoringCrypto: keys are then
// not prepared (see preparedKeys).
const boringCrypto = true

package jose_test

import (
	"crypto/ed25519"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/jose"
)

// A key's RFC 7638 thumbprint is the usual choice of kid. It depends only on
// the public key, so it is the same wherever the key is published.
func ExampleThumbprint() {
	priv := ed25519.NewKeyFromSeed([]byte("an example seed, 32 bytes long!!"))
	kid, err := jose.Thumbprint(priv.Public())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(kid)
	// Output:
	// 2gjzMT3obY4MqPreL_dnOhkJS2xVrykx-YQE6IyIgC8
}

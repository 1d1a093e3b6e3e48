package token_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/token"
)

// All walks the claims once, in token order: reading several claims, most
// of them usually absent, costs one pass instead of a lookup each.
func ExampleClaims_All() {
	claims, err := token.ParseClaims([]byte(`{"sub":"user-42","\u0061cr":"urn:mfa","roles":["viewer"],"email":null}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for name, raw := range claims.All() {
		switch name {
		case "acr", "roles", "email":
			fmt.Printf("%s = %s\n", name, raw)
		}
	}
	// Output:
	// acr = "urn:mfa"
	// roles = ["viewer"]
	// email = null
}

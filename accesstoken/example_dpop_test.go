package accesstoken_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// A DPoP-bound token (RFC 9449) is accepted with a proof from the key it is
// bound to, for this request and this token, once; never as a bearer token.
func ExampleValidator_ValidateProof() {
	iss, err := tokentest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer iss.Close()
	ats, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	client := iss.NewDPoPKey("ES256")
	tok := iss.DPoPAccessToken(client, nil)

	const uri = "https://api.example.com/appointments?week=12"
	proof := client.Proof("GET", uri, tok, nil)
	at, err := ats.ValidateProof(ctx, tok, accesstoken.Proof{DPoP: proof, Method: "GET", URI: uri})
	fmt.Println(err, at.Confirmation.JKT == client.Thumbprint())

	_, err = ats.ValidateProof(ctx, tok, accesstoken.Proof{DPoP: proof, Method: "GET", URI: uri})
	fmt.Println(errors.Is(err, token.ErrReplay))
	_, err = ats.Validate(ctx, tok)
	fmt.Println(errors.Is(err, token.ErrSenderConstrained))
	thief := iss.NewDPoPKey("ES256")
	_, err = ats.ValidateProof(ctx, tok, accesstoken.Proof{DPoP: thief.Proof("GET", uri, tok, nil), Method: "GET", URI: uri})
	fmt.Println(errors.Is(err, token.ErrBinding))
	// Output:
	// <nil> true
	// true
	// true
	// true
}

package idtoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Fetch the profile with a DPoP-bound access token (RFC 9449): the client
// holds the key the token is bound to and signs a proof for each request.
// The provider here also demands a nonce, which the client picks up with
// one retry and then remembers.
func ExampleUserInfoClient_Fetch_dPoP() {
	t := &exampleT{}
	defer t.done()
	provider := tokentest.NewIssuer(t)
	ctx := context.Background()
	ids, _ := idtoken.NewValidator(idtoken.Config{Issuer: provider.URL(), ClientID: provider.ClientID(), Keys: provider.KeySource()})
	id, err := ids.Validate(ctx, provider.IDToken(nil))
	if err != nil {
		fmt.Println(err)
		return
	}

	// The application's DPoP key (here one tokentest made; in a program
	// any crypto.Signer), and an access token bound to it.
	key := provider.NewDPoPKey(token.ES256)
	ui, err := idtoken.NewUserInfoClient(idtoken.UserInfoConfig{
		Endpoint: provider.UserInfoURL(),
		Issuer:   provider.URL(),
		ClientID: provider.ClientID(),
		Keys:     provider.KeySource(),
		DPoP:     &idtoken.DPoPKey{Signer: key.Signer(), Algorithm: key.Algorithm()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ui.Close()
	accessToken := provider.DPoPAccessToken(key, tokentest.Claims{"scope": "openid profile"})
	fmt.Println(ui.DPoPThumbprint() == key.Thumbprint()) // the dpop_jkt to ask for such tokens with

	provider.RequireUserInfoDPoPNonce("server-nonce-1")
	info, err := ui.Fetch(ctx, accessToken, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Name, provider.UserInfoRequests())

	// Another key than the token's is refused, as the token is.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	thief, _ := idtoken.NewUserInfoClient(idtoken.UserInfoConfig{
		Endpoint: provider.UserInfoURL(), Issuer: provider.URL(), ClientID: provider.ClientID(), Keys: provider.KeySource(),
		DPoP: &idtoken.DPoPKey{Signer: other},
	})
	defer thief.Close()
	_, err = thief.Fetch(ctx, accessToken, id)
	fmt.Println(errors.Is(err, token.ErrTokenRefused))
	// Output:
	// true
	// Jane Doe 2
	// true
}

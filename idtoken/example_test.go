package idtoken_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// exampleT stands in for the *testing.T a real test passes to
// tokentest.NewIssuer; examples have none.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (t *exampleT) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// Validate the ID token of a login: the nonce the application stored in its
// session when it sent the user to the provider must come back in the token.
// In a real program Keys comes from jwks.FromIssuer; here a tokentest issuer
// plays the provider.
func ExampleValidator_Validate() {
	t := &exampleT{} // in a test: the *testing.T
	defer t.done()
	provider := tokentest.NewIssuer(t)

	ids, err := idtoken.NewValidator(idtoken.Config{
		Issuer:   provider.URL(),
		ClientID: provider.ClientID(),
		Keys:     provider.KeySource(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	nonce := "n-0S6_WzA2Mj" // random per login, kept in the session
	raw := provider.IDToken(tokentest.Claims{"nonce": nonce, "name": "Jane Doe", "email": "jane@example.com"})

	id, err := ids.Validate(context.Background(), raw, idtoken.WithNonce(nonce))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.Name, id.Email, id.EmailVerified)
	// Output: Jane Doe jane@example.com true
}

// Refusals match the sentinels of package token with errors.Is, and say
// why through *token.ValidationError.
func ExampleValidator_Validate_refusal() {
	t := &exampleT{}
	defer t.done()
	provider := tokentest.NewIssuer(t, tokentest.WithClientID("my-app"))
	ids, err := idtoken.NewValidator(idtoken.Config{
		Issuer: provider.URL(), ClientID: "my-app", Keys: provider.KeySource(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	// A replayed login: the nonce is not the one this session sent.
	_, err = ids.Validate(ctx, provider.IDToken(tokentest.Claims{"nonce": "stolen"}), idtoken.WithNonce("mine"))
	fmt.Println(errors.Is(err, token.ErrNonce))

	// A token minted for another application.
	_, err = ids.Validate(ctx, provider.IDToken(tokentest.Claims{"aud": "other-app"}))
	var verr *token.ValidationError
	if errors.As(err, &verr) {
		fmt.Println(errors.Is(err, token.ErrAudience), verr.Claim)
	}

	// An access token is not an ID token, even for the same user and client.
	_, err = ids.Validate(ctx, provider.AccessToken(tokentest.Claims{"aud": "my-app"}, tokentest.AtJWT()))
	fmt.Println(err)
	// Output:
	// true
	// true aud
	// wrong token type (header.typ): typ is "at+jwt": the token is an access token
}

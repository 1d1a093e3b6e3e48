package tokentest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// exampleT stands in for the *testing.T that a real test passes to
// NewIssuer; examples have none.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (t *exampleT) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// done runs the cleanups as the testing package would.
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// Mint an access token with a scope and check it the way a resource server
// would. In a test, pass t to NewIssuer; the issuer stops when the test ends.
func ExampleIssuer_AccessToken() {
	t := &exampleT{} // in a test: the *testing.T
	defer t.done()

	iss := tokentest.NewIssuer(t)
	raw := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"}, tokentest.AtJWT())

	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer: iss.URL(),
		Keys:   iss.KeySource(), // or jwks.FromIssuer(ctx, iss.URL(), ...) to go over HTTP
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := v.Verify(context.Background(), raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	scope, _, _ := got.Claims.GetString("scope")
	fmt.Println(got.Header.Algorithm, got.Header.Type, scope)
	fmt.Println(got.Claims.Audience)
	// Output:
	// RS256 at+jwt read:appointments
	// [https://api.tokentest.example]
}

// Remove a claim with Omit, or give it a value of the wrong type, to see a
// validator refuse the token.
func ExampleOmit() {
	t := &exampleT{}
	defer t.done()

	iss := tokentest.NewIssuer(t, tokentest.WithAlgorithm("EdDSA"))
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: iss.URL(), Keys: iss.KeySource()})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	_, err = v.Verify(ctx, iss.IDToken(tokentest.Claims{"exp": tokentest.Omit}))
	fmt.Println(errors.Is(err, token.ErrMissingClaim))

	_, err = v.Verify(ctx, iss.IDToken(tokentest.Claims{"exp": "tomorrow"}))
	fmt.Println(errors.Is(err, token.ErrInvalidClaim))

	_, err = v.Verify(ctx, iss.IDToken(nil, tokentest.WithKeyID("retired-key")))
	fmt.Println(errors.Is(err, token.ErrKeyNotFound))
	// Output:
	// true
	// true
	// true
}

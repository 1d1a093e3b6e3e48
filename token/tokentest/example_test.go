package tokentest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
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

// One option makes the issuer mint a provider's shapes: here Entra ID v2.0,
// multi-tenant, whose tokens name their tenant in iss and tid.
func ExampleWithProvider() {
	t := &exampleT{}
	defer t.done()

	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2))
	const customer = "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"
	raw := iss.AccessToken(nil, tokentest.ForTenant(customer))

	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	claims, _ := token.ParseClaims(payload)
	ver, _, _ := claims.GetString("ver")
	tid, _, _ := claims.GetString("tid")
	scp, _, _ := claims.GetString("scp")
	fmt.Println(strings.TrimPrefix(iss.IssuerTemplate(), iss.JWKSURL()[:len(iss.JWKSURL())-len("/jwks.json")]))
	fmt.Println(claims.Issuer == iss.IssuerFor(customer), ver, tid == customer, scp)

	// ForTenant is for multi-tenant providers only.
	other := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Keycloak))
	fmt.Println(other.AccessToken(nil, tokentest.ForTenant(customer)) == "")
	// Output:
	// /{tenantid}/v2.0
	// true 2.0 true access_as_user
	// tokentest: AccessToken: ForTenant("0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab") needs an Entra ID issuer (WithProvider(EntraIDv1) or WithProvider(EntraIDv2)), not Keycloak
	// true
}

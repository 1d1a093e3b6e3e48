// Command quickstart shows tokenguard's main job end to end, with no network
// and no account anywhere: it starts a fake issuer in-process, mints an ID
// token and an access token, validates each with its own validator, shows
// each refused by the other's validator, and resolves an opaque token through
// introspection.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run does the whole tour and writes a report to w. It returns an error when
// anything behaves otherwise than the report says it should.
func run(ctx context.Context, w io.Writer) error {
	// An issuer like Auth0, Okta or Keycloak would be, on a loopback port:
	// discovery, a JWKS and an introspection endpoint.
	iss, err := tokentest.Start()
	if err != nil {
		return err
	}
	defer iss.Close()
	fmt.Fprintf(w, "issuer      %s (in-process, %s keys)\n\n", iss.URL(), iss.Algorithm())

	// Production code finds the keys and the introspection endpoint the
	// same way: through the issuer's discovery document.
	keys, err := jwks.FromIssuer(ctx, iss.URL(), jwks.Options{})
	if err != nil {
		return err
	}
	defer keys.Close()

	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     keys.Discovery().IntrospectionEndpoint,
		ClientID:     iss.IntrospectionClientID(),
		ClientSecret: iss.IntrospectionClientSecret(),
	})
	if err != nil {
		return err
	}
	defer client.Close()

	// The web application's validator: the audience is its client ID.
	ids, err := idtoken.NewValidator(idtoken.Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys,
	})
	if err != nil {
		return err
	}
	// The API's validator: the audience is the API identifier.
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: keys,
		Introspector: introspect.NewCache(client, introspect.CacheOptions{}),
	})
	if err != nil {
		return err
	}

	// What a token endpoint returns after a login: an access token for the
	// API and an ID token for the application, bound to each other by
	// at_hash and to the login request by the nonce.
	const nonce = "n-0S6_WzA2Mj"
	at := iss.AccessToken(tokentest.Claims{"scope": "read:appointments write:appointments"}, tokentest.AtJWT())
	idt := iss.IDToken(tokentest.Claims{"nonce": nonce}, tokentest.WithAccessTokenHash(at))

	fmt.Fprintln(w, "1. the application validates its ID token")
	id, err := ids.Validate(ctx, idt, idtoken.WithNonce(nonce), idtoken.WithAccessToken(at))
	if err != nil {
		return fmt.Errorf("ID token refused: %w", err)
	}
	fmt.Fprintf(w, "   accepted  sub=%s email=%s\n", id.Subject, id.Email)
	fmt.Fprintln(w, "   checked   signature, iss, aud = client ID, exp, iat, nonce, at_hash")

	fmt.Fprintln(w, "2. the API validates its access token")
	tok, err := ats.Validate(ctx, at)
	if err != nil {
		return fmt.Errorf("access token refused: %w", err)
	}
	fmt.Fprintf(w, "   accepted  sub=%s scopes=%s\n", tok.Subject, strings.Join(tok.Scopes, ","))
	fmt.Fprintln(w, "   checked   signature, iss, aud includes the API, exp, typ at+jwt")

	fmt.Fprintln(w, "3. the API is sent the ID token instead")
	_, err = ats.Validate(ctx, idt)
	if !errors.Is(err, token.ErrTokenType) {
		return fmt.Errorf("ID token at the API: got %v, want token.ErrTokenType", err)
	}
	fmt.Fprintf(w, "   refused   %v\n", err)

	fmt.Fprintln(w, "4. the application is sent the access token instead")
	_, err = ids.Validate(ctx, at)
	if !errors.Is(err, token.ErrTokenType) {
		return fmt.Errorf("access token at the application: got %v, want token.ErrTokenType", err)
	}
	fmt.Fprintf(w, "   refused   %v\n", err)

	fmt.Fprintln(w, "5. the API is sent an opaque access token")
	opaque := iss.OpaqueToken(tokentest.Claims{"scope": "read:appointments"})
	tok, err = ats.Validate(ctx, opaque)
	if err != nil {
		return fmt.Errorf("opaque token refused: %w", err)
	}
	fmt.Fprintf(w, "   accepted  by introspection: sub=%s scopes=%s opaque=%t\n",
		tok.Subject, strings.Join(tok.Scopes, ","), tok.Opaque)

	fmt.Fprintln(w, "6. the opaque token is revoked")
	revoked := iss.OpaqueToken(nil)
	iss.Revoke(revoked)
	_, err = ats.Validate(ctx, revoked)
	if !errors.Is(err, token.ErrInactive) {
		return fmt.Errorf("revoked token: got %v, want token.ErrInactive", err)
	}
	fmt.Fprintf(w, "   refused   %v\n", err)

	fmt.Fprintln(w, "\nEvery refusal matches a sentinel in package token, e.g. errors.Is(err, token.ErrTokenType).")
	return nil
}

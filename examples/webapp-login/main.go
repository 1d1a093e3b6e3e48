// Command webapp-login shows what a web application does with the token
// response it receives at the end of the authorization code flow: validate
// the ID token (issuer, audience = its client ID, nonce from the login
// request, at_hash binding the access token), read the user's profile from
// it, start its own session, and keep the access token for calls to the API.
// The ID token is never sent to an API.
//
// It runs against an in-process issuer and prints what it did:
//
//	go run ./examples/webapp-login
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webapp-login:", err)
		os.Exit(1)
	}
}

// tokenResponse is the token endpoint's JSON answer (OpenID Connect Core
// §3.1.3.3).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
}

// loginState is what the application kept, in its own session cookie, when
// it sent the browser to the authorization endpoint.
type loginState struct {
	Nonce string
	State string
}

// session is what the application keeps after a successful login.
type session struct {
	UserID      string
	Name        string
	Email       string
	AccessToken string // for calls to the API, never the ID token
}

// newNonce returns a fresh random nonce for a login request.
func newNonce() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// completeLogin is the callback handler's core: it trusts the token response
// only when its ID token was minted for this application, for this login.
func completeLogin(ctx context.Context, ids *idtoken.Validator, st loginState, body []byte) (*session, error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("token response is not JSON: %w", err)
	}
	if tr.IDToken == "" {
		return nil, errors.New("token response has no id_token: was the openid scope requested?")
	}
	id, err := ids.Validate(ctx, tr.IDToken,
		idtoken.WithNonce(st.Nonce),
		idtoken.WithAccessToken(tr.AccessToken))
	if err != nil {
		return nil, fmt.Errorf("login refused: %w", err)
	}
	return &session{UserID: id.Subject, Name: id.Name, Email: id.Email, AccessToken: tr.AccessToken}, nil
}

func run(ctx context.Context, w io.Writer) error {
	iss, err := tokentest.Start()
	if err != nil {
		return err
	}
	defer iss.Close()

	keys, err := jwks.FromIssuer(ctx, iss.URL(), jwks.Options{})
	if err != nil {
		return err
	}
	defer keys.Close()
	ids, err := idtoken.NewValidator(idtoken.Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys})
	if err != nil {
		return err
	}

	// The login request carried a nonce; the issuer put it in the ID token.
	st := loginState{Nonce: newNonce(), State: newNonce()}
	at := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"})
	body, _ := json.Marshal(tokenResponse{
		AccessToken: at, TokenType: "Bearer", ExpiresIn: 3600,
		IDToken: iss.IDToken(tokentest.Claims{"nonce": st.Nonce}, tokentest.WithAccessTokenHash(at)),
	})

	s, err := completeLogin(ctx, ids, st, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "logged in   %s <%s> (sub %s)\n", s.Name, s.Email, s.UserID)
	fmt.Fprintln(w, "session     keeps the access token for API calls; the ID token is done with")

	// An ID token replayed into another login (another nonce) is refused.
	_, err = completeLogin(ctx, ids, loginState{Nonce: newNonce()}, body)
	if !errors.Is(err, token.ErrNonce) {
		return fmt.Errorf("replayed ID token: got %v, want token.ErrNonce", err)
	}
	fmt.Fprintf(w, "replay      %v\n", err)

	// An access token swapped for another one breaks at_hash.
	var swapped tokenResponse
	_ = json.Unmarshal(body, &swapped)
	swapped.AccessToken = iss.AccessToken(tokentest.Claims{"scope": "admin"})
	body2, _ := json.Marshal(swapped)
	_, err = completeLogin(ctx, ids, st, body2)
	if !errors.Is(err, token.ErrTokenHash) {
		return fmt.Errorf("swapped access token: got %v, want token.ErrTokenHash", err)
	}
	fmt.Fprintf(w, "swap        %v\n", err)

	// An ID token minted for another application is refused.
	other := iss.IDToken(tokentest.Claims{"nonce": st.Nonce, "aud": "some-other-client"})
	body3, _ := json.Marshal(tokenResponse{IDToken: other})
	_, err = completeLogin(ctx, ids, st, body3)
	if !errors.Is(err, token.ErrAudience) {
		return fmt.Errorf("foreign ID token: got %v, want token.ErrAudience", err)
	}
	fmt.Fprintf(w, "foreign     %v\n", err)
	return nil
}

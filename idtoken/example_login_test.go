package idtoken_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Fetch the user's profile from the UserInfo endpoint with the access token
// of the login, and use it only when it is about the user of the ID token.
// In a real program Endpoint can stay empty when Keys comes from
// jwks.FromIssuer: the discovery document names the endpoint.
func ExampleUserInfoClient_Fetch() {
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
	accessToken := provider.AccessToken(tokentest.Claims{"scope": "openid profile email"})

	ui, err := idtoken.NewUserInfoClient(idtoken.UserInfoConfig{
		Endpoint: provider.UserInfoURL(),
		Issuer:   provider.URL(),
		ClientID: provider.ClientID(),
		Keys:     provider.KeySource(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ui.Close()

	info, err := ui.Fetch(ctx, accessToken, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Name, info.Email, info.Subject == id.Subject)

	// A provider (or anyone in its place) answering about another user.
	provider.UserInfoSubject("auth0|someone-else")
	_, err = ui.Fetch(ctx, accessToken, id)
	fmt.Println(errors.Is(err, token.ErrSubject))

	// The provider refusing the access token: not an outage.
	provider.Revoke(accessToken)
	_, err = ui.Fetch(ctx, accessToken, id)
	fmt.Println(errors.Is(err, token.ErrTokenRefused), errors.Is(err, token.ErrUnavailable))
	// Output:
	// Jane Doe jane.doe@example.com true
	// true
	// true false
}

// Serve the back-channel logout URI: the provider POSTs a logout token, the
// handler validates it and ends the session it names.
func ExampleLogoutHandler() {
	t := &exampleT{}
	defer t.done()
	provider := tokentest.NewIssuer(t)

	logouts, err := idtoken.NewLogoutValidator(idtoken.LogoutConfig{
		Issuer:   provider.URL(),
		ClientID: provider.ClientID(),
		Keys:     provider.KeySource(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sessions := map[string]string{provider.SessionID(): "Jane's browser session"}
	h := &idtoken.LogoutHandler{
		Validator: logouts,
		End: func(_ context.Context, lt *idtoken.LogoutToken) error {
			delete(sessions, lt.SessionID) // a real application also ends every session of lt.Subject when lt.SessionID is ""
			return nil
		},
	}

	send := func(logoutToken string) int {
		body := url.Values{"logout_token": {logoutToken}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/backchannel-logout", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	lt := provider.LogoutToken(nil)
	fmt.Println(send(lt), len(sessions))
	fmt.Println(send(lt))                    // the same token again: a replay
	fmt.Println(send(provider.IDToken(nil))) // an ID token is not a logout token
	// Output:
	// 200 0
	// 400
	// 400
}

// Command webapp-login shows what a web application does with the token
// response it receives at the end of the authorization code flow: validate
// the ID token (issuer, audience = its client ID, nonce from the login
// request, at_hash binding the access token), fetch the user's profile from
// the provider's UserInfo endpoint and use it only when it is about the
// user of that ID token, start its own session, and keep the access token
// for calls to the API. The ID token is never sent to an API.
//
// It also serves the back-channel logout URI: when the user logs out at the
// provider, the provider POSTs a logout token there and the application
// ends the session it names.
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
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"

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
	SessionID   string // the provider's sid, which a logout token names
	Name        string
	Email       string
	AccessToken string // for calls to the API, never the ID token
}

// app is the web application: its validators, its UserInfo client, and its
// sessions, keyed by the ID of its own session cookie.
type app struct {
	ids      *idtoken.Validator
	userinfo *idtoken.UserInfoClient
	logouts  *idtoken.LogoutValidator

	mu       sync.Mutex
	sessions map[string]*session
}

// start keeps s under a new session cookie ID and returns it.
func (a *app) start(s *session) string {
	id := newNonce()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions[id] = s
	return id
}

// lookup returns the session of a cookie ID, if it has not ended.
func (a *app) lookup(id string) (*session, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[id]
	return s, ok
}

// endSessions is the back-channel logout's End: it ends the session the
// provider names by sid or, when the logout token names only a user, every
// session of that user. A session already gone is a success.
func (a *app) endSessions(_ context.Context, lt *idtoken.LogoutToken) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, s := range a.sessions {
		if (lt.SessionID != "" && s.SessionID == lt.SessionID) || (lt.SessionID == "" && s.UserID == lt.Subject) {
			delete(a.sessions, id)
		}
	}
	return nil
}

// newNonce returns a fresh random nonce for a login request.
func newNonce() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// completeLogin is the callback handler's core: it trusts the token response
// only when its ID token was minted for this application, for this login,
// and the profile only when UserInfo answers about the same user.
func (a *app) completeLogin(ctx context.Context, st loginState, body []byte) (*session, error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("token response is not JSON: %w", err)
	}
	if tr.IDToken == "" {
		return nil, errors.New("token response has no id_token: was the openid scope requested?")
	}
	id, err := a.ids.Validate(ctx, tr.IDToken,
		idtoken.WithNonce(st.Nonce),
		idtoken.WithAccessToken(tr.AccessToken))
	if err != nil {
		return nil, fmt.Errorf("login refused: %w", err)
	}
	// The profile comes from UserInfo, with the access token of this login;
	// an answer about anyone but the ID token's user is refused.
	info, err := a.userinfo.Fetch(ctx, tr.AccessToken, id)
	if err != nil {
		return nil, fmt.Errorf("profile refused: %w", err)
	}
	return &session{UserID: id.Subject, SessionID: id.SessionID, Name: info.Name, Email: info.Email, AccessToken: tr.AccessToken}, nil
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
	a := &app{sessions: map[string]*session{}}
	if a.ids, err = idtoken.NewValidator(idtoken.Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys}); err != nil {
		return err
	}
	// No Endpoint: the discovery document jwks.FromIssuer read names it.
	if a.userinfo, err = idtoken.NewUserInfoClient(idtoken.UserInfoConfig{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys}); err != nil {
		return err
	}
	defer a.userinfo.Close()
	if a.logouts, err = idtoken.NewLogoutValidator(idtoken.LogoutConfig{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: keys}); err != nil {
		return err
	}

	// The login request carried a nonce; the issuer put it in the ID token.
	st := loginState{Nonce: newNonce(), State: newNonce()}
	at := iss.AccessToken(tokentest.Claims{"scope": "openid profile email read:appointments"})
	body, _ := json.Marshal(tokenResponse{
		AccessToken: at, TokenType: "Bearer", ExpiresIn: 3600,
		IDToken: iss.IDToken(tokentest.Claims{"nonce": st.Nonce}, tokentest.WithAccessTokenHash(at)),
	})

	s, err := a.completeLogin(ctx, st, body)
	if err != nil {
		return err
	}
	cookie := a.start(s)
	fmt.Fprintf(w, "logged in   %s <%s> (sub %s), profile from UserInfo\n", s.Name, s.Email, s.UserID)
	fmt.Fprintln(w, "session     keeps the access token for API calls; the ID token is done with")

	// A UserInfo answer about another user is never taken for this one's.
	iss.UserInfoSubject("auth0|someone-else")
	_, err = a.completeLogin(ctx, st, body)
	if !errors.Is(err, token.ErrSubject) {
		return fmt.Errorf("substituted UserInfo answer: got %v, want token.ErrSubject", err)
	}
	fmt.Fprintf(w, "userinfo    %v\n", err)
	iss.UserInfoSubject("")

	// An ID token replayed into another login (another nonce) is refused.
	_, err = a.completeLogin(ctx, loginState{Nonce: newNonce()}, body)
	if !errors.Is(err, token.ErrNonce) {
		return fmt.Errorf("replayed ID token: got %v, want token.ErrNonce", err)
	}
	fmt.Fprintf(w, "replay      %v\n", err)

	// An access token swapped for another one breaks at_hash.
	var swapped tokenResponse
	_ = json.Unmarshal(body, &swapped)
	swapped.AccessToken = iss.AccessToken(tokentest.Claims{"scope": "admin"})
	body2, _ := json.Marshal(swapped)
	_, err = a.completeLogin(ctx, st, body2)
	if !errors.Is(err, token.ErrTokenHash) {
		return fmt.Errorf("swapped access token: got %v, want token.ErrTokenHash", err)
	}
	fmt.Fprintf(w, "swap        %v\n", err)

	// An ID token minted for another application is refused.
	other := iss.IDToken(tokentest.Claims{"nonce": st.Nonce, "aud": "some-other-client"})
	body3, _ := json.Marshal(tokenResponse{IDToken: other})
	_, err = a.completeLogin(ctx, st, body3)
	if !errors.Is(err, token.ErrAudience) {
		return fmt.Errorf("foreign ID token: got %v, want token.ErrAudience", err)
	}
	fmt.Fprintf(w, "foreign     %v\n", err)

	// The same user also logged in on another device: another provider
	// session, another sid.
	phone, err := json.Marshal(tokenResponse{
		AccessToken: at, TokenType: "Bearer", ExpiresIn: 3600,
		IDToken: iss.IDToken(tokentest.Claims{"nonce": st.Nonce, "sid": "phone-session"}, tokentest.WithAccessTokenHash(at)),
	})
	if err != nil {
		return err
	}
	s2, err := a.completeLogin(ctx, st, phone)
	if err != nil {
		return err
	}
	phoneCookie := a.start(s2)

	// The user logs out at the provider, which POSTs a logout token to the
	// application's back-channel logout URI (here on a loopback server).
	mux := http.NewServeMux()
	mux.Handle("POST /backchannel-logout", &idtoken.LogoutHandler{Validator: a.logouts, End: a.endSessions})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	logoutToken := iss.LogoutToken(nil) // names the session of the ID token by its sid
	status, err := postLogout(ctx, srv.URL+"/backchannel-logout", logoutToken)
	if err != nil {
		return err
	}
	_, alive := a.lookup(cookie)
	_, phoneAlive := a.lookup(phoneCookie)
	if status != http.StatusOK || alive || !phoneAlive {
		return fmt.Errorf("back-channel logout by sid: status %d, session alive %t, other device's alive %t; want 200, only the named session ended", status, alive, phoneAlive)
	}
	fmt.Fprintf(w, "logout      %d: the provider ended the session (sid); the application's session is gone, the other device's stays\n", status)

	// A logout token naming only the user ends every session of the user.
	status, err = postLogout(ctx, srv.URL+"/backchannel-logout", iss.LogoutToken(tokentest.Claims{"sid": tokentest.Omit}))
	if err != nil {
		return err
	}
	if _, phoneAlive = a.lookup(phoneCookie); status != http.StatusOK || phoneAlive {
		return fmt.Errorf("back-channel logout by sub: status %d, session alive %t; want 200 and every session of the user ended", status, phoneAlive)
	}
	fmt.Fprintf(w, "logout      %d: the provider ended every session of the user (sub, no sid); none is left\n", status)

	// The same logout token again, or an ID token in its place, is refused.
	for what, raw := range map[string]string{"replayed": logoutToken, "ID token": iss.IDToken(nil)} {
		status, err := postLogout(ctx, srv.URL+"/backchannel-logout", raw)
		if err != nil {
			return err
		}
		if status != http.StatusBadRequest {
			return fmt.Errorf("%s logout token: status %d, want 400", what, status)
		}
	}
	fmt.Fprintln(w, "logout      400 for the same logout token again, and for an ID token in its place")
	return nil
}

// postLogout sends a back-channel logout request, as the provider does
// (Back-Channel Logout 1.0 §2.5), and returns the status of the answer.
func postLogout(ctx context.Context, uri, logoutToken string) (int, error) {
	form := url.Values{"logout_token": {logoutToken}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(form))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, nil
}

package snippets

// The Go blocks of README.md, each inside the code it assumes around it.
// The functions that would reach a real issuer (tenant.example.com) are
// compiled and never run; TestAppointmentsNeedReadScope runs newAPI and
// listAppointments against a tokentest issuer.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Compiled, never run: they would reach https://tenant.example.com/.
var _ = []any{readmeIDToken, readmeProtectAPI, readmeOpaque, readmeAfterLogin, readmeSenderConstrained, readmeSeveralIssuers, readmeRoles}

// oauthTokens and loginSession stand for what a web application holds
// after the authorization code flow.
type oauthTokens struct{ IDToken, AccessToken string }

type loginSession struct{ Nonce string }

// README "Validate an ID token (a web application, after login)".
func readmeIDToken(ctx context.Context, tokenResponse oauthTokens, session loginSession) error {
	keys, err := jwks.FromIssuer(ctx, "https://tenant.example.com/", jwks.Options{})
	if err != nil {
		return err // discovery or the first JWKS fetch failed
	}
	defer keys.Close()

	ids, err := idtoken.NewValidator(idtoken.Config{
		Issuer:   "https://tenant.example.com/",
		ClientID: "my-web-app-client-id",
		Keys:     keys,
	})
	if err != nil {
		return err
	}
	id, err := ids.Validate(ctx, tokenResponse.IDToken,
		idtoken.WithNonce(session.Nonce),                   // the nonce you sent with the login
		idtoken.WithAccessToken(tokenResponse.AccessToken)) // checks at_hash
	if err != nil {
		return err // errors.Is(err, token.ErrNonce), token.ErrAudience, token.ErrExpired, ...
	}
	fmt.Println(id.Subject, id.Email, id.EmailVerified, id.Name)
	var mine struct {
		Roles []string `json:"https://example.com/roles"`
	}
	err = id.Claims(&mine)
	return err
}

// sessionStore stands for the web application's own session storage.
type sessionStore interface {
	End(ctx context.Context, issuer, subject, sessionID string) error
}

// README "After login: the profile from UserInfo, and back-channel logout".
func readmeAfterLogin(ctx context.Context, keys *jwks.Remote, tokenResponse oauthTokens, id *idtoken.Token, mux *http.ServeMux, sessions sessionStore) error {
	ui, err := idtoken.NewUserInfoClient(idtoken.UserInfoConfig{
		Issuer: "https://tenant.example.com/", ClientID: "my-web-app-client-id",
		Keys: keys, // from jwks.FromIssuer: its discovery document names userinfo_endpoint
	})
	if err != nil {
		return err
	}
	defer ui.Close()
	info, err := ui.Fetch(ctx, tokenResponse.AccessToken, id) // id: the ID token validated above
	switch {
	case errors.Is(err, token.ErrSubject): // an answer about another user: never use it
		return err
	case errors.Is(err, token.ErrTokenRefused): // 401/403: the access token is expired, revoked or lacks a scope
		return err
	case err != nil: // token.ErrUnavailable: the endpoint is down, try again later
		return err
	}
	fmt.Println(info.Name, info.Email) // the same StandardClaims type as id's

	logouts, err := idtoken.NewLogoutValidator(idtoken.LogoutConfig{
		Issuer: "https://tenant.example.com/", ClientID: "my-web-app-client-id", Keys: keys,
	})
	if err != nil {
		return err
	}
	mux.Handle("POST /backchannel-logout", &idtoken.LogoutHandler{
		Validator: logouts,
		End: func(ctx context.Context, lt *idtoken.LogoutToken) error {
			return sessions.End(ctx, lt.Issuer, lt.Subject, lt.SessionID) // by sid, or every session of sub
		},
	})
	return nil
}

// README "Protect an API (a resource server)".
func readmeProtectAPI(keys token.KeySource) error {
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:   "https://tenant.example.com/",
		Audience: "https://api.example.com",
		Keys:     keys,
	})
	if err != nil {
		return err
	}
	mw := middleware.New(ats, middleware.Options{Realm: "appointments"})
	return http.ListenAndServe(":8080", newAPI(mw))
}

func newAPI(mw *middleware.Middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /appointments", mw.Require("read:appointments")(http.HandlerFunc(listAppointments)))
	mux.Handle("POST /appointments", mw.Require("write:appointments")(http.HandlerFunc(createAppointment)))
	return mux
}

func listAppointments(w http.ResponseWriter, r *http.Request) {
	at, _ := middleware.TokenFrom(r.Context())
	// at.Subject, at.Scopes, at.Permissions, at.ClientID, at.HasScope("...")
	fmt.Fprintf(w, "appointments of %s\n", at.Subject)
}

func createAppointment(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusCreated)
}

// README "Opaque access tokens (introspection)"; serve stands for the rest
// of the program, which uses the validator while the client is open.
func readmeOpaque(keys *jwks.Remote, serve func(*accesstoken.Validator) error) error {
	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     keys.Discovery().IntrospectionEndpoint,
		ClientID:     "my-api",
		ClientSecret: os.Getenv("INTROSPECTION_SECRET"),
	})
	if err != nil {
		return err // e.g. the discovery document names no introspection_endpoint
	}
	defer client.Close() // its idle connections
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.example.com/", Audience: "https://api.example.com", Keys: keys,
		Introspector: introspect.NewCache(client, introspect.CacheOptions{MaxTTL: time.Minute}),
	})
	if err != nil {
		return err
	}
	return serve(ats)
}

// README "Testing your own code with tokentest".
func TestAppointmentsNeedReadScope(t *testing.T) {
	iss := tokentest.NewIssuer(t) // RS256; tokentest.WithAlgorithm("ES256") for others
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(newAPI(middleware.New(ats, middleware.Options{})))
	defer srv.Close()

	good := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"})
	narrow := iss.AccessToken(tokentest.Claims{"scope": "profile"})
	expired := iss.AccessToken(tokentest.Claims{"exp": time.Now().Add(-time.Hour).Unix()})
	otherAPI := iss.AccessToken(tokentest.Claims{"aud": "https://another-api.example"})
	for tok, want := range map[string]int{good: 200, narrow: 403, expired: 401, otherAPI: 401} {
		req, err := http.NewRequest("GET", srv.URL+"/appointments", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode)
	}
}

// README "Sender-constrained tokens: DPoP and mutual TLS".
func readmeSenderConstrained(iss string, keys token.KeySource, nonces accesstoken.DPoPNonceSource) (*middleware.Middleware, error) {
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss, Audience: "https://api.example.com", Keys: keys,
		DPoP: accesstoken.DPoPConfig{
			Algorithms:  []string{"ES256", "EdDSA"}, // sent as algs in challenges
			ReplayStore: nil,                        // nil: bounded in memory; share one in a fleet
			Nonces:      nonces,                     // optional: accesstoken.NewDPoPNonces(secret, 0, nil)
		},
	})
	mw := middleware.New(ats, middleware.Options{
		Realm: "appointments",
		DPoP: middleware.DPoPOptions{
			Mode:        middleware.DPoPAllowed,    // default BearerOnly; or DPoPRequired
			ExternalURL: "https://api.example.com", // what clients address, for htu, behind a proxy
		},
		ClientCertificateHeader: "X-Client-Cert", // mTLS behind a TLS-terminating proxy
	})
	return mw, err
}

// README "Several issuers and the providers as they really issue tokens".
func readmeSeveralIssuers(auth0Keys, partnerKeys token.KeySource, customerTenant string) error {
	// Static: each issuer with its own keys (and, for access tokens, its own audiences).
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.eu.auth0.com/", Audience: "https://api.example.com", Keys: auth0Keys,
		Issuers: []accesstoken.Issuer{
			{Issuer: "https://login.example.com/", Keys: auth0Keys}, // the tenant's custom domain
			{Issuer: "https://keycloak.example.com/realms/partners", Keys: partnerKeys,
				Audiences: []string{"orders-api"}, Provider: accesstoken.Keycloak},
		},
	})
	if err != nil {
		return err
	}

	// At run time: the tenants of a multi-tenant provider.
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{
		Templates: []string{"https://login.microsoftonline.com/{tenantid}/v2.0"},
		Tenants:   []string{"72f988bf-86f1-41af-91ab-2d7cd011db47", customerTenant},
	})
	if err != nil {
		return err
	}
	defer tenants.Close() // closes every tenant's key source it made
	entra, err := accesstoken.NewValidator(accesstoken.Config{
		Audience: "api://orders", IssuerKeys: tenants, Provider: accesstoken.EntraID,
	})
	use(ats, entra)
	return err
}

// users stands for the API's own user store.
type userStore interface {
	Active(ctx context.Context, subject string) error
}

// README "Roles, groups and checks of your own".
func readmeRoles(iss string, keys token.KeySource, users userStore, mux *http.ServeMux, mw *middleware.Middleware, h http.Handler) error {
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss, Audience: "https://api.example.com", Keys: keys,
		Require: []token.Requirement{
			token.Claim("realm_access", "roles").Contains("clinician"),           // Keycloak
			token.Claim("https://example.com/roles").ContainsAny("admin", "ops"), // Auth0
		},
		Check: func(ctx context.Context, at *accesstoken.Token) error {
			return users.Active(ctx, at.Subject) // runs on every call, cache hits too
		},
	})
	if err != nil {
		return err
	}
	mux.Handle("POST /orders", mw.RequireClaims(token.Claim("roles").Contains("Orders.Write"))(h)) // Entra ID
	use(ats)
	return nil
}

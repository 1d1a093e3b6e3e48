package snippets

// The Go code blocks of the module's doc comments, each inside the code it
// assumes around it. Those that would reach a real issuer are compiled and
// never run; TestAppointments (from package tokentest's comment) runs.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Compiled, never run.
var _ = []any{
	docAccesstoken, docAccesstokenOpaque, docIDToken, docIntrospectWiring,
	docIntrospectDiscovery, docJWKS, docMiddleware, docMiddlewareLayers, docToken,
	docIntrospectorFunc, docMiddlewareRequireClaims, docTokenRequirement,
}

// use stands for the rest of a program, which goes on to use what a snippet
// made.
func use(...any) {}

// Package accesstoken's comment.
func docAccesstoken(ctx context.Context, keys token.KeySource, raw string) error {
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:   "https://tenant.example.com/",
		Audience: "https://api.example.com",
		Keys:     keys, // jwks.FromIssuer, jwks.New or jwks.Static
	})
	if err != nil {
		return err
	}
	at, err := ats.Validate(ctx, raw)
	if err != nil {
		return err // errors.Is(err, token.ErrExpired), token.ErrAudience, ...
	}
	fmt.Println(at.Subject, at.HasScope("read:appointments"))
	return nil
}

// Package accesstoken's comment, on opaque tokens.
func docAccesstokenOpaque(keys token.KeySource, u, id, s, iss string) error {
	client, err := introspect.NewClient(introspect.Config{Endpoint: u, ClientID: id, ClientSecret: s})
	if err != nil {
		return err
	}
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss, Audience: "https://api.example.com", Keys: keys,
		Introspector: introspect.NewCache(client, introspect.CacheOptions{}),
	})
	use(ats)
	return err
}

// Package idtoken's comment.
func docIDToken(ctx context.Context, keys token.KeySource, raw, nonceFromSession string) error {
	ids, err := idtoken.NewValidator(idtoken.Config{
		Issuer:   "https://tenant.example.com/",
		ClientID: "my-client-id",
		Keys:     keys, // jwks.FromIssuer(ctx, issuer, jwks.Options{})
	})
	if err != nil {
		return err
	}
	id, err := ids.Validate(ctx, raw, idtoken.WithNonce(nonceFromSession))
	if err != nil {
		return err // errors.Is(err, token.ErrNonce) when it is not this session's nonce
	}
	var mine struct {
		Roles []string `json:"https://example.com/roles"`
	}
	if err := id.Claims(&mine); err != nil {
		return err
	}
	fmt.Println(id.Subject, id.Email, mine.Roles)
	return nil
}

// Package introspect's comment, "Wiring".
func docIntrospectWiring(keys token.KeySource, secret string) error {
	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     "https://tenant.example.com/oauth/introspect",
		ClientID:     "my-api",
		ClientSecret: secret,
	})
	if err != nil {
		return err
	}
	cached := introspect.NewCache(client, introspect.CacheOptions{})
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.example.com/", Audience: "https://api.example.com", Keys: keys,
		Introspector: cached,
	})
	use(ats)
	return err
}

// Package introspect's comment, on discovery.
func docIntrospectDiscovery(ctx context.Context, issuer string) error {
	keys, err := jwks.FromIssuer(ctx, issuer, jwks.Options{})
	if err != nil {
		return err
	}
	endpoint := keys.Discovery().IntrospectionEndpoint
	use(endpoint)
	return keys.Close()
}

// Package jwks's comment.
func docJWKS(ctx context.Context, id string) error {
	keys, err := jwks.FromIssuer(ctx, "https://tenant.example.com/", jwks.Options{})
	if err != nil {
		return err // matches token.ErrUnavailable, or ErrURL
	}
	defer keys.Close()
	ids, err := idtoken.NewValidator(idtoken.Config{Issuer: "https://tenant.example.com/", ClientID: id, Keys: keys})
	use(ids)
	return err
}

// Package middleware's comment.
func docMiddleware(mux *http.ServeMux, keys token.KeySource, iss string) error {
	ats, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss, Audience: "https://my-api", Keys: keys})
	if err != nil {
		return err
	}
	mw := middleware.New(ats, middleware.Options{Realm: "appointments"})
	mux.Handle("GET /appointments", mw.Require("read:appointments")(http.HandlerFunc(list)))
	return nil
}

func list(w http.ResponseWriter, r *http.Request) {
	at, _ := middleware.TokenFrom(r.Context())
	fmt.Fprintf(w, "appointments of %s\n", at.Subject)
}

// chiRouter is the part of github.com/go-chi/chi's Router that the
// layering snippet uses.
type chiRouter interface {
	Use(middlewares ...func(http.Handler) http.Handler)
	With(middlewares ...func(http.Handler) http.Handler) chiRouter
	Post(pattern string, h http.HandlerFunc)
}

// Package middleware's comment, "Layers".
func docMiddlewareLayers(r chiRouter, mw *middleware.Middleware, create http.HandlerFunc) {
	r.Use(mw.Handler) // chi: every route in the group
	r.With(mw.Require("write:appointments")).Post("/", create)
}

// Package token's comment.
func docToken(err error) {
	if errors.Is(err, token.ErrExpired) {
		log.Print("the token has expired")
	}
	var verr *token.ValidationError
	if errors.As(err, &verr) {
		log.Print(verr.Claim, verr.Reason)
	}
}

// introspect.IntrospectorFunc's comment.
func docIntrospectorFunc() introspect.Introspector {
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		return &introspect.Response{Active: tok == "good", Scope: "read"}, nil
	})
	return fake
}

// Package tokentest's comment: runs.
func TestAppointments(t *testing.T) {
	iss := tokentest.NewIssuer(t) // closed by t.Cleanup
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"})
	if _, err := v.Validate(t.Context(), raw); err != nil {
		t.Errorf("a good token was refused: %v", err)
	}
	expired := iss.AccessToken(tokentest.Claims{"exp": time.Now().Add(-time.Hour).Unix()})
	if _, err := v.Validate(t.Context(), expired); !errors.Is(err, token.ErrExpired) {
		t.Errorf("an expired token: got %v, want token.ErrExpired", err)
	}
	idTok := iss.IDToken(nil) // an ID token is never an access token
	if _, err := v.Validate(t.Context(), idTok); !errors.Is(err, token.ErrTokenType) {
		t.Errorf("an ID token: got %v, want token.ErrTokenType", err)
	}
}

// Package middleware, RequireClaims.
func docMiddlewareRequireClaims(mw *middleware.Middleware) {
	mw.RequireClaims(token.Claim("roles").Contains("Orders.Write"))
	mw.RequireClaims(token.Claim("realm_access", "roles").Contains("admin"))
}

// Package token, Requirement.
func docTokenRequirement() {
	token.Claim("roles").Contains("Orders.Write")
	token.Claim("realm_access", "roles").Contains("admin")
	token.Claim("resource_access", "orders-api", "roles").ContainsAny("reader", "writer")
	token.Claim("https://example.com/roles").Contains("admin")
}

package accesstoken_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// exampleKey is a fixed Ed25519 key, so the examples need no issuer.
var exampleKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// exampleJWT signs header and claims with exampleKey; an issuer does this.
func exampleJWT(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(exampleKey, []byte(input)))
}

// A resource server validating JWT access tokens, and refusing an ID token
// sent in their place.
func ExampleValidator_Validate() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	key, _ := token.NewPublicKey(token.KeyParams{ID: "k1", Algorithm: token.EdDSA}, exampleKey.Public())
	set, _ := token.NewKeySet(key)

	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:   "https://tenant.example.com/",
		Audience: "https://api.example.com",
		Keys:     jwks.Static(set), // usually jwks.FromIssuer(ctx, issuer, jwks.Options{})
		Now:      func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	accessToken := exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}, map[string]any{
		"iss": "https://tenant.example.com/", "sub": "auth0|42", "aud": []string{"https://api.example.com"},
		"client_id": "spa-client", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": "8f2c41a0",
		"scope": "read:appointments", "permissions": []string{"read:appointments"},
	})
	at, err := ats.Validate(ctx, accessToken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(at.Subject, at.ClientID, at.Scopes, at.HasScope("read:appointments"), at.HasPermission("delete:appointments"))

	idToken := exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "JWT"}, map[string]any{
		"iss": "https://tenant.example.com/", "sub": "auth0|42", "aud": "https://api.example.com",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": "n-0S6_WzA2Mj", "email": "jane@example.com",
	})
	_, err = ats.Validate(ctx, idToken)
	fmt.Println(errors.Is(err, token.ErrTokenType))
	fmt.Println(err)
	// Output:
	// auth0|42 spa-client [read:appointments] true false
	// true
	// wrong token type (nonce): the token carries nonce, a claim of OpenID Connect ID tokens; an ID token is for the client application and is never accepted as an access token
}

// Opaque access tokens go to an introspector: usually an introspect.Client
// wrapped in an introspect.Cache, here a function.
func ExampleValidator_Validate_opaque() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		switch tok {
		case "2YotnFZFEjr1zCsicMWpAA":
			return &introspect.Response{Active: true, Scope: "read:appointments", Subject: "user-42",
				Audience: []string{"https://api.example.com"}, TokenType: "Bearer", ExpiresAt: now.Add(time.Hour)}, nil
		case "tGzv3JOkF0XG5Qx2TlKWIA":
			return &introspect.Response{Active: true, Subject: "user-42", TokenType: "refresh_token"}, nil
		}
		return &introspect.Response{Active: false}, nil
	})
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:       "https://tenant.example.com/",
		Audience:     "https://api.example.com",
		Introspector: fake,
		Now:          func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	at, err := ats.Validate(ctx, "2YotnFZFEjr1zCsicMWpAA")
	fmt.Println(at.Opaque, at.Subject, at.Scopes, err)

	_, err = ats.Validate(ctx, "tGzv3JOkF0XG5Qx2TlKWIA") // a refresh token
	fmt.Println(errors.Is(err, token.ErrTokenType))

	_, err = ats.Validate(ctx, "revoked-token")
	fmt.Println(errors.Is(err, token.ErrInactive))
	// Output:
	// true user-42 [read:appointments] <nil>
	// true
	// true
}

// Claims the Token does not type, such as a provider's namespaced ones.
func ExampleToken_Claims() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	key, _ := token.NewPublicKey(token.KeyParams{ID: "k1"}, exampleKey.Public())
	set, _ := token.NewKeySet(key)
	ats, _ := accesstoken.NewValidator(accesstoken.Config{
		Issuer: "https://tenant.example.com/", Audience: "https://api.example.com",
		Keys: jwks.Static(set), Now: func() time.Time { return now },
	})
	raw := exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1"}, map[string]any{
		"iss": "https://tenant.example.com/", "sub": "auth0|42", "aud": "https://api.example.com",
		"azp": "spa-client", "exp": now.Add(time.Hour).Unix(), "scope": "read:appointments",
		"https://example.com/tenant": "acme", "https://example.com/roles": []string{"admin"},
	})
	at, err := ats.Validate(context.Background(), raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	var mine struct {
		Tenant string   `json:"https://example.com/tenant"`
		Roles  []string `json:"https://example.com/roles"`
	}
	if err := at.Claims(&mine); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mine.Tenant, mine.Roles)
	// Output:
	// acme [admin]
}

// An API that trusts two issuers, each with its own keys and audience, and
// requires a role. A token is verified only with the keys of the issuer it
// names; an issuer not configured is refused before any key is looked up.
func ExampleConfig_issuers() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	key, _ := token.NewPublicKey(token.KeyParams{ID: "k1", Algorithm: token.EdDSA}, exampleKey.Public())
	set, _ := token.NewKeySet(key)
	otherSet, _ := token.NewKeySet() // the partners' realm: keys of its own

	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer:   "https://tenant.example.com/",
		Audience: "https://api.example.com",
		Keys:     jwks.Static(set),
		Issuers: []accesstoken.Issuer{{
			Issuer: "https://keycloak.example.com/realms/partners", Keys: jwks.Static(otherSet),
			Audiences: []string{"orders-api"}, Provider: accesstoken.Keycloak,
		}},
		Require: []token.Requirement{token.Claim("https://example.com/roles").Contains("clinician")},
		Now:     func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mint := func(iss, aud string, roles ...string) string {
		return exampleJWT(map[string]any{"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}, map[string]any{
			"iss": iss, "sub": "auth0|42", "aud": aud, "client_id": "spa-client",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "at-1", "https://example.com/roles": roles,
		})
	}
	for _, raw := range []string{
		mint("https://tenant.example.com/", "https://api.example.com", "clinician"),
		mint("https://tenant.example.com/", "https://api.example.com", "viewer"),
		mint("https://keycloak.example.com/realms/partners", "orders-api", "clinician"), // signed with another issuer's key
		mint("https://attacker.example/", "https://api.example.com", "clinician"),
	} {
		_, err := ats.Validate(context.Background(), raw)
		switch {
		case err == nil:
			fmt.Println("accepted")
		case errors.Is(err, token.ErrInsufficientScope):
			fmt.Println("403:", err)
		default:
			fmt.Println("401:", err)
		}
	}
	// Output:
	// accepted
	// 403: insufficient scope (https://example.com/roles): https://example.com/roles does not contain "clinician"
	// 401: signing key not found (header.kid): no key in the issuer's key set has the token's kid; kid "k1"
	// 401: wrong issuer (iss): the token's issuer is not the one this validator accepts; issuer is "https://attacker.example/"; expected one of "https://tenant.example.com/", "https://keycloak.example.com/realms/partners"
}

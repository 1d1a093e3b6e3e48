package token_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// signEdDSA makes a compact JWS with the standard library, as an issuer
// would. Ed25519 signatures are deterministic, so the example's output is
// stable.
func signEdDSA(priv ed25519.PrivateKey, header, claims string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	return input + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(input)))
}

// A Verifier runs the checks ID tokens and access tokens share: form,
// header, algorithm, issuer, key, signature and times. Failures match the
// sentinels with errors.Is, and errors.As gives the claim at fault.
func ExampleNewVerifier() {
	priv := ed25519.NewKeyFromSeed([]byte("an example seed, 32 bytes long!!"))
	key, err := token.NewPublicKey(token.KeyParams{ID: "key-1", Algorithm: token.EdDSA}, priv.Public())
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := token.NewKeySet(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer: "https://issuer.example/",
		Keys: token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
			return set, nil // a fixed set; package jwks fetches and refreshes real ones
		}),
		Now: func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	raw := signEdDSA(priv, `{"alg":"EdDSA","kid":"key-1","typ":"JWT"}`,
		fmt.Sprintf(`{"iss":"https://issuer.example/","sub":"user-42","aud":"my-api","exp":%d}`, now.Add(time.Hour).Unix()))
	got, err := v.Verify(context.Background(), raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Claims.Subject, got.Claims.Audience, got.Claims.ExpiresAt.Format(time.RFC3339), got.Key.ID())

	// The same claims, expired two minutes ago (beyond the default one
	// minute of leeway).
	expired := signEdDSA(priv, `{"alg":"EdDSA","kid":"key-1"}`,
		fmt.Sprintf(`{"iss":"https://issuer.example/","sub":"user-42","exp":%d}`, now.Add(-2*time.Minute).Unix()))
	_, err = v.Verify(context.Background(), expired)
	var verr *token.ValidationError
	fmt.Println(errors.Is(err, token.ErrExpired), errors.As(err, &verr) && verr.Claim == "exp")

	// "alg":"none" is never accepted, whatever its spelling.
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"None"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://issuer.example/","sub":"admin"}`)) + "."
	_, err = v.Verify(context.Background(), unsigned)
	fmt.Println(errors.Is(err, token.ErrUnsupportedAlgorithm))
	fmt.Println(err)
	// Output:
	// user-42 [my-api] 2025-06-01T13:00:00Z key-1
	// true true
	// true
	// unsupported algorithm (header.alg): the token is signed with an algorithm this validator does not accept; alg is "None"; allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA
}

// Claims beyond the registered ones are read by name, exactly as the token
// spells them, or decoded into a struct.
func ExampleClaims_Decode() {
	// Two names that differ only by case make the claims ambiguous: refused.
	_, err := token.ParseClaims([]byte(`{"sub":"user-42","scope":"read write","Email":"shadow@example.com","email":"user@example.com"}`))
	fmt.Println(err)

	// A lone "EMAIL" is kept, but never fills a field tagged "email".
	claims, err := token.ParseClaims([]byte(`{"sub":"user-42","scope":"read write","EMAIL":"shadow@example.com"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	scope, _, _ := claims.GetString("scope")
	var mine struct {
		Scope string `json:"scope"`
		Email string `json:"email"`
	}
	if err := claims.Decode(&mine); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("scope %q, email %q\n", scope, mine.Email)
	// Output:
	// malformed token (claims): the claims are not a strict JSON object: invalid JSON at byte 67: duplicate member name "email"
	// scope "read write", email ""
}

// Requirements state the roles and groups a token must hold, the way each
// provider expresses them; validators take them in Config.Require and the
// middleware in RequireClaims.
func ExampleClaim() {
	claims, err := token.ParseClaims([]byte(`{
		"realm_access": {"roles": ["clinician", "offline_access"]},
		"https://example.com/roles": ["viewer"]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range []token.Requirement{
		token.Claim("realm_access", "roles").Contains("clinician"),
		token.Claim("https://example.com/roles").ContainsAny("admin", "ops"),
	} {
		err := r.Check(claims)
		fmt.Printf("%s: %v (insufficient scope: %t)\n", r, err == nil, errors.Is(err, token.ErrInsufficientScope))
	}
	// Output:
	// realm_access.roles contains "clinician": true (insufficient scope: false)
	// https://example.com/roles contains one of "admin", "ops": false (insufficient scope: true)
}

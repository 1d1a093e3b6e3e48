// Package tokentest is a fake OpenID Connect / OAuth 2.0 issuer for unit
// tests: an in-process authorization server on net/http/httptest with a
// discovery document, a JWKS endpoint, an RFC 7662 introspection endpoint and
// an OpenID Connect UserInfo endpoint, that mints ID tokens, JWT access
// tokens, opaque access tokens, refresh tokens and back-channel logout
// tokens with realistic (Auth0-style) defaults which a test overrides claim
// by claim.
//
// A typical test:
//
//	func TestAppointments(t *testing.T) {
//		iss := tokentest.NewIssuer(t) // closed by t.Cleanup
//		v, err := accesstoken.NewValidator(accesstoken.Config{
//			Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		raw := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"})
//		if _, err := v.Validate(t.Context(), raw); err != nil {
//			t.Errorf("a good token was refused: %v", err)
//		}
//		expired := iss.AccessToken(tokentest.Claims{"exp": time.Now().Add(-time.Hour).Unix()})
//		if _, err := v.Validate(t.Context(), expired); !errors.Is(err, token.ErrExpired) {
//			t.Errorf("an expired token: got %v, want token.ErrExpired", err)
//		}
//		idTok := iss.IDToken(nil) // an ID token is never an access token
//		if _, err := v.Validate(t.Context(), idTok); !errors.Is(err, token.ErrTokenType) {
//			t.Errorf("an ID token: got %v, want token.ErrTokenType", err)
//		}
//	}
//
// Beside well-formed tokens the issuer makes bad ones on request: any claim
// or header parameter can be overridden with any value (including values of
// the wrong JSON type) or removed with Omit; Sign and SignRaw sign exactly
// what they are given; WithSigningKey forges a signature with another key.
// RotateKey and DropOldKeys exercise key rotation; FailJWKS, SlowJWKS,
// FailIntrospection, SlowIntrospection, FailUserInfo and SlowUserInfo make
// the endpoints misbehave until Heal, so code under test can show how it
// copes. The
// UserInfo endpoint answers JSON or, after SignUserInfo(true), a signed JWT;
// UserInfoSubject makes it answer about another user, the substitution a
// relying party must refuse.
//
// Sender-constrained tokens are minted too: NewDPoPKey makes a client's DPoP
// key, DPoPAccessToken and DPoPOpaqueToken bind tokens to it (cnf.jkt,
// token_type DPoP), and DPoPKey.Proof mints the DPoP proofs a client sends
// with them, hostile ones through WithHeader and WithSigningKey;
// NewClientCertificate, CertificateBoundToken and CertificateBoundOpaqueToken
// do the same for mutual TLS (cnf.x5t#S256).
//
// WithProvider makes the issuer mint a real provider's shapes (Auth0, Okta,
// Entra ID v1.0 and v2.0, Keycloak, Cognito, Google, ZITADEL): its issuer
// form and discovery paths, its claims and its header typ, so a handler
// test looks like production. An Entra ID issuer is multi-tenant: it
// answers every tenant's discovery document and mints any tenant's tokens
// with ForTenant.
//
// In a program rather than a test (the module's examples, a demo), Start
// returns an issuer that the caller Closes.
//
// Everything here is for tests only. The server speaks plain HTTP on
// 127.0.0.1, the private keys live in memory, and nothing about the issuer
// is meant to be secure.
package tokentest

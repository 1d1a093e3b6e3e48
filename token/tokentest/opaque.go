package tokentest

import (
	"crypto/rand"
	"fmt"
	"time"
)

// OpaqueToken mints an opaque access token: a random string of base64url
// characters without dots, which only the introspection endpoint can
// resolve. Until Revoke, introspection answers active true with iss URL(),
// sub Subject(), aud Audience() (a string), client_id ClientID(), iat now,
// exp an hour from now and token_type "Bearer"; c overrides, adds or removes
// (Omit) members, "active" included. The answer is exactly those members:
// the endpoint does not itself judge exp, so a test can check that a
// validator does.
func (i *Issuer) OpaqueToken(c Claims) string {
	if i.t != nil {
		i.t.Helper()
	}
	now := i.now()
	answer := map[string]any{
		"active":     true,
		"iss":        i.url,
		"sub":        i.subject,
		"aud":        i.cfg.audience,
		"client_id":  i.cfg.clientID,
		"iat":        now.Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"token_type": "Bearer",
	}
	return i.registerOpaque("OpaqueToken", answer, c)
}

// RefreshToken mints an opaque refresh token. Until Revoke, introspection
// answers it as panva's oidc-provider (a certified OpenID provider; seen
// with version 8.8.1) does: active true with iss, sub, client_id, scope
// "openid offline_access", iat now and exp thirty days from now, and
// neither aud nor token_type. That is the hardest shape for a resource server, which
// must not take it for an access token although nothing in it says
// "refresh"; add Claims{"token_type": "refresh_token"} for servers that
// say so. c works as for OpaqueToken.
func (i *Issuer) RefreshToken(c Claims) string {
	if i.t != nil {
		i.t.Helper()
	}
	now := i.now()
	answer := map[string]any{
		"active":    true,
		"iss":       i.url,
		"sub":       i.subject,
		"client_id": i.cfg.clientID,
		"scope":     "openid offline_access",
		"iat":       now.Unix(),
		"exp":       now.Add(30 * 24 * time.Hour).Unix(),
	}
	return i.registerOpaque("RefreshToken", answer, c)
}

// registerOpaque applies the overrides c to answer and registers a fresh
// opaque token with it; what names the caller in a failure.
func (i *Issuer) registerOpaque(what string, answer map[string]any, c Claims) string {
	merge(answer, c)
	tok := randomOpaque()
	if err := i.register(tok, answer); err != nil {
		i.errorf("tokentest: %s: %v", what, err)
		return ""
	}
	return tok
}

// Revoke makes the introspection endpoint answer {"active":false} for tok
// from now on. It works for opaque tokens, refresh tokens and JWT access
// tokens minted by AccessToken; a JWT's signature of course stays valid.
func (i *Issuer) Revoke(tok string) {
	i.mu.Lock()
	delete(i.tokens, tok)
	i.mu.Unlock()
}

// register stores the introspection answer for tok, encoded now so later
// changes to the caller's values do not show.
func (i *Issuer) register(tok string, answer map[string]any) error {
	body, err := marshal(answer)
	if err != nil {
		return fmt.Errorf("encoding the introspection answer: %w", err)
	}
	i.mu.Lock()
	i.tokens[tok] = body
	i.mu.Unlock()
	return nil
}

// lookupToken returns the stored introspection answer for tok, if any.
func (i *Issuer) lookupToken(tok string) ([]byte, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	b, ok := i.tokens[tok]
	return b, ok
}

// randomOpaque returns 32 random bytes, base64url-encoded: 43 characters
// that do not look like a JWS.
func randomOpaque() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b64(b)
}

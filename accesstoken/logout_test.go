package accesstoken_test

import (
	"context"
	"testing"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestLogoutTokensRefused: a back-channel logout token signed by the same
// issuer is never an access token, even when it is not typed logout+jwt,
// is addressed to the API and names a client.
func TestLogoutTokensRefused(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t)
	strict := f.validator(t, func(c *accesstoken.Config) { c.StrictRFC9068 = true })
	api := tokentest.Claims{"aud": f.iss.Audience(), "client_id": f.iss.ClientID(), "azp": f.iss.ClientID()}
	for name, raw := range map[string]string{
		"typed logout+jwt":          f.iss.LogoutToken(nil),
		"typed logout+jwt, for API": f.iss.LogoutToken(api),
		"typed JWT, for the API":    f.iss.LogoutToken(api, tokentest.WithHeader("typ", "JWT")),
		"untyped, for the API":      f.iss.LogoutToken(api, tokentest.WithHeader("typ", tokentest.Omit)),
		"typed at+jwt, for the API": f.iss.LogoutToken(api, tokentest.AtJWT()),
		"any security event, typed JWT": f.iss.LogoutToken(tokentest.Claims{"aud": f.iss.Audience(), "client_id": f.iss.ClientID(),
			"events": map[string]any{"urn:example:event": map[string]any{}}}, tokentest.WithHeader("typ", "JWT")),
	} {
		t.Run(name, func(t *testing.T) {
			for _, val := range []*accesstoken.Validator{v, strict} {
				_, err := val.Validate(context.Background(), raw)
				requireKind(t, err, token.ErrTokenType)
			}
		})
	}
}

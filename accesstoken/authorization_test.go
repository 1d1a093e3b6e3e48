package accesstoken_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestConfigRequireAsKeycloakExpressesRoles(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.Keycloak), tokentest.WithAudience("orders-api"))
	v := validator(t, accesstoken.Config{
		Issuer: iss.URL(), Audience: "orders-api", Keys: iss.KeySource(), Provider: accesstoken.Keycloak,
		Require: []token.Requirement{
			token.Claim("realm_access", "roles").Contains("offline_access"),
			token.Claim("resource_access", "orders-api", "roles").ContainsAny("reader", "writer"),
		},
	})
	good := iss.AccessToken(tokentest.Claims{"resource_access": map[string]any{"orders-api": map[string]any{"roles": []string{"writer"}}}})
	accept(t, v, good)
	accept(t, v, good) // from the cache
	_, err := v.Validate(context.Background(), iss.AccessToken(nil))
	require.ErrorIs(t, err, token.ErrInsufficientScope)
	var ve *token.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "resource_access.orders-api.roles", ve.Claim)
	refuse(t, v, iss.AccessToken(tokentest.Claims{"realm_access": map[string]any{"roles": []string{"admin"}}}), token.ErrInsufficientScope)
}

func TestConfigRequireOnIntrospectionAnswers(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	client, err := introspect.NewClient(introspect.Config{
		Endpoint: iss.IntrospectionURL(), ClientID: iss.IntrospectionClientID(), ClientSecret: iss.IntrospectionClientSecret(),
	})
	require.NoError(t, err)
	defer client.Close()
	v := validator(t, accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Introspector: client,
		Require: []token.Requirement{token.Claim("groups").Contains("Admins")},
	})
	accept(t, v, iss.OpaqueToken(tokentest.Claims{"groups": []string{"Everyone", "Admins"}}))
	refuse(t, v, iss.OpaqueToken(tokentest.Claims{"groups": []string{"Everyone"}}), token.ErrInsufficientScope)
}

func TestConfigCheckRunsOnCacheHits(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	var calls atomic.Int64
	var suspended atomic.Bool
	errSuspended := errors.New("the account is suspended")
	v := validator(t, accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
		Check: func(_ context.Context, at *accesstoken.Token) error {
			calls.Add(1)
			if suspended.Load() && at.Subject == iss.Subject() {
				return errSuspended
			}
			return nil
		},
	})
	raw := iss.AccessToken(nil)
	accept(t, v, raw)
	accept(t, v, raw)
	require.EqualValues(t, 2, calls.Load(), "once per call, the cache hit included")

	suspended.Store(true)
	_, err := v.Validate(context.Background(), raw) // a cache hit
	require.ErrorIs(t, err, token.ErrInsufficientScope)
	require.ErrorIs(t, err, errSuspended)
	var ve *token.ValidationError
	require.ErrorAs(t, err, &ve)
	require.NotContains(t, ve.Reason, "suspended", "the check's own words stay in the cause, for logs")
}

func TestConfigCheckChoosesItsSentinel(t *testing.T) {
	iss := tokentest.NewIssuer(t)
	for _, tc := range []struct {
		err  error
		want error
	}{
		{token.Errorf(token.ErrTokenType, "", "not for this API"), token.ErrTokenType},
		{errors.Join(errors.New("user store"), token.ErrUnavailable), token.ErrUnavailable},
		{errors.New("no"), token.ErrInsufficientScope},
	} {
		v := validator(t, accesstoken.Config{
			Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
			Check: func(context.Context, *accesstoken.Token) error { return tc.err },
		})
		refuse(t, v, iss.AccessToken(nil), tc.want)
	}
}

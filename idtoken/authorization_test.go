package idtoken_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestConfigRequireAndCheck(t *testing.T) {
	iss := tokentest.NewIssuer(t, tokentest.WithProvider(tokentest.EntraIDv2))
	var calls atomic.Int64
	var deny atomic.Bool
	v := newValidator(t, idtoken.Config{
		Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(),
		Require: []token.Requirement{token.Claim("roles").Contains("Approver")},
		Check: func(_ context.Context, id *idtoken.Token) error {
			calls.Add(1)
			if deny.Load() {
				return errors.New("tenant suspended")
			}
			return nil
		},
	})
	raw := iss.IDToken(tokentest.Claims{"roles": []string{"Approver"}})
	expect(t, v, raw, nil)
	expect(t, v, raw, nil)
	require.EqualValues(t, 2, calls.Load(), "the check runs on the cache hit too")
	deny.Store(true)
	expect(t, v, raw, token.ErrInsufficientScope)
	deny.Store(false)

	expect(t, v, iss.IDToken(nil), token.ErrInsufficientScope)
	expect(t, v, iss.IDToken(tokentest.Claims{"roles": "Approver"}), nil)
	id := expect(t, v, raw, nil)
	require.NoError(t, id.Meets(token.Claim("tid").Contains(iss.TenantID())))
	require.ErrorIs(t, id.Meets(token.Claim("roles").Contains("Admin")), token.ErrInsufficientScope)
	require.ErrorIs(t, (*idtoken.Token)(nil).Meets(token.Claim("roles").Contains("Admin")), token.ErrInsufficientScope)
}

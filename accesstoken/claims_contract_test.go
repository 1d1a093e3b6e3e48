package accesstoken_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// hostileClaims are claims whose names differ only by case from the names
// an application decodes: a user or an application can often choose such
// names (metadata), so they must never stand in for the ones the issuer
// vouches for.
var hostileClaims = tokentest.Claims{
	"Roles":  []string{"admin"},            // not "roles"
	"admin":  true,                         // not "Admin", the untagged field's name
	"org":    map[string]any{"ID": "evil"}, // not "id", one level down
	"teams":  []any{map[string]any{"NAME": "root"}, map[string]any{"name": "dev"}},
	"groups": []string{"staff"}, // exactly named: decoded
}

// appClaims is what an application decodes with Token.Claims.
type appClaims struct {
	Roles []string `json:"roles"`
	Admin bool
	Org   struct {
		ID string `json:"id"`
	} `json:"org"`
	Teams []struct {
		Name string `json:"name"`
	} `json:"teams"`
	Groups []string `json:"groups"`
}

// TestClaimsMatchNamesExactlyInBothValidators decodes one hostile claim set
// from an ID token, a JWT access token and an introspection answer: all
// three give the same result, and no member matching a field only by case
// reaches it.
func TestClaimsMatchNamesExactlyInBothValidators(t *testing.T) {
	ctx := context.Background()
	iss := tokentest.NewIssuer(t)
	ids, err := idtoken.NewValidator(idtoken.Config{Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource()})
	require.NoError(t, err)
	client, err := introspect.NewClient(introspect.Config{
		Endpoint: iss.IntrospectionURL(), ClientID: iss.IntrospectionClientID(), ClientSecret: iss.IntrospectionClientSecret(),
	})
	require.NoError(t, err)
	defer client.Close()
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(), Introspector: client,
	})
	require.NoError(t, err)

	id, err := ids.Validate(ctx, iss.IDToken(hostileClaims))
	require.NoError(t, err)
	jwt, err := ats.Validate(ctx, iss.AccessToken(hostileClaims))
	require.NoError(t, err)
	opaque, err := ats.Validate(ctx, iss.OpaqueToken(hostileClaims))
	require.NoError(t, err)

	want := appClaims{Groups: []string{"staff"}, Teams: []struct {
		Name string `json:"name"`
	}{{}, {Name: "dev"}}}
	for name, decode := range map[string]func(any) error{
		"ID token": id.Claims, "JWT access token": jwt.Claims, "introspection answer": opaque.Claims,
	} {
		var got appClaims
		require.NoError(t, decode(&got), name)
		assert.Equal(t, want, got, name)

		// A JSON type that does not fit is the same error in all three.
		var wrong struct {
			Groups string `json:"groups"`
		}
		assert.ErrorIs(t, decode(&wrong), token.ErrInvalidClaim, name)
		assert.ErrorIs(t, decode(nil), token.ErrInvalidClaim, name)
	}
}

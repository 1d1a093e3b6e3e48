package token

import (
	"errors"
	"fmt"
	"testing"
)

func mustClaims(t *testing.T, doc string) *Claims {
	t.Helper()
	c, err := ParseClaims([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequirementsAsProvidersExpressRoles(t *testing.T) {
	// Shapes from the providers' documentation.
	entra := mustClaims(t, `{"roles":["Orders.Read","Orders.Write"],"scp":"access_as_user"}`)
	keycloak := mustClaims(t, `{"realm_access":{"roles":["admin","offline_access"]},"resource_access":{"orders-api":{"roles":["writer"]},"account":{"roles":["view-profile"]}}}`)
	okta := mustClaims(t, `{"groups":["Everyone","Admins"]}`)
	auth0 := mustClaims(t, `{"https://example.com/roles":["admin"],"https://example.com/tier":"gold"}`)
	cognito := mustClaims(t, `{"cognito:groups":["tokentest-users"]}`)
	zitadel := mustClaims(t, `{"urn:zitadel:iam:org:project:roles":{"admin":{"2493763":"example.zitadel.cloud"}}}`)

	for _, tc := range []struct {
		c    *Claims
		r    Requirement
		want error
	}{
		{entra, Claim("roles").Contains("Orders.Write"), nil},
		{entra, Claim("roles").Contains("Orders.Write", "Orders.Read"), nil},
		{entra, Claim("roles").Contains("Orders.Write", "Orders.Delete"), ErrInsufficientScope},
		{entra, Claim("roles").ContainsAny("Orders.Delete", "Orders.Read"), nil},
		{entra, Claim("roles").ContainsAny("Orders.Delete", "Orders.Admin"), ErrInsufficientScope},
		{entra, Claim("roles").Contains("orders.write"), ErrInsufficientScope}, // exact, no case folding
		{entra, Claim("groups").Contains("x"), ErrInsufficientScope},
		{keycloak, Claim("realm_access", "roles").Contains("admin"), nil},
		{keycloak, Claim("resource_access", "orders-api", "roles").Contains("writer"), nil},
		{keycloak, Claim("resource_access", "account", "roles").Contains("writer"), ErrInsufficientScope},
		{keycloak, Claim("resource_access", "billing-api", "roles").Contains("writer"), ErrInsufficientScope},
		{keycloak, Claim("realm_access").Contains("roles"), nil}, // an object holds its member names
		{okta, Claim("groups").Contains("Admins"), nil},
		{auth0, Claim("https://example.com/roles").Contains("admin"), nil},
		{auth0, Claim("https://example.com/tier").Contains("gold"), nil},
		{auth0, Claim("https://example.com", "roles").Contains("admin"), ErrInsufficientScope},
		{cognito, Claim("cognito:groups").Contains("tokentest-users"), nil},
		{zitadel, Claim("urn:zitadel:iam:org:project:roles").Contains("admin"), nil},
		{zitadel, Claim("urn:zitadel:iam:org:project:roles").Contains("owner"), ErrInsufficientScope},
		{okta, Requirement{}, nil},
		{okta, Claim("groups").Contains(), nil},
	} {
		t.Run(tc.r.String(), func(t *testing.T) {
			err := tc.r.Check(tc.c)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertRefused(t, err, tc.want, tc.r.Claim())
		})
	}
}

func TestRequirementWrongTypes(t *testing.T) {
	c := mustClaims(t, `{"roles":5,"realm_access":["admin"],"groups":[1,"Admins"],"nothing":null}`)
	assertRefused(t, Claim("roles").Contains("admin").Check(c), ErrInvalidClaim, "roles")
	assertRefused(t, Claim("realm_access", "roles").Contains("admin").Check(c), ErrInvalidClaim, "realm_access.roles")
	assertRefused(t, Claim("nothing").Contains("admin").Check(c), ErrInsufficientScope, "nothing")
	assertRefused(t, Claim("nothing", "roles").Contains("admin").Check(c), ErrInsufficientScope, "nothing.roles")
	if err := Claim("groups").Contains("Admins").Check(c); err != nil {
		t.Fatalf("a non-string element is simply not the value: %v", err)
	}
}

func TestRequirementString(t *testing.T) {
	if s := Claim("realm_access", "roles").ContainsAny("a", "b").String(); s != `realm_access.roles contains one of "a", "b"` {
		t.Error(s)
	}
	if s := Claim("roles").Contains("a").String(); s != `roles contains "a"` {
		t.Error(s)
	}
}

func TestCheckFailed(t *testing.T) {
	if CheckFailed(nil) != nil {
		t.Fatal("nil must stay nil")
	}
	mine := errors.New("account suspended")
	err := CheckFailed(mine)
	assertRefused(t, err, ErrInsufficientScope, "")
	if !errors.Is(err, mine) {
		t.Error("the cause is kept")
	}
	var ve *ValidationError
	if errors.As(err, &ve) && ve.Reason == mine.Error() {
		t.Error("the cause is not what a client is told")
	}
	chosen := Errorf(ErrTokenType, "typ", "not for us")
	if CheckFailed(chosen) != error(chosen) {
		t.Error("a ValidationError is kept as it is")
	}
	assertRefused(t, CheckFailed(fmt.Errorf("store: %w", ErrUnavailable)), ErrUnavailable, "")
}

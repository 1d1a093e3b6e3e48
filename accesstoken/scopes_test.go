package accesstoken_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestScopesMeanTheSameOnBothPaths sends one scope string as a JWT's scope
// claim, as an introspection answer's scope member, and as Entra ID's
// string scp, and checks that every path grants exactly the same scopes:
// split at spaces only (RFC 6749 §3.3), so that no other whitespace can
// make one scope into two.
func TestScopesMeanTheSameOnBothPaths(t *testing.T) {
	tests := []struct {
		scope string
		want  []string
		not   []string // scopes that must not be granted
	}{
		{"read write", []string{"read", "write"}, []string{"read write"}},
		{"  read   write ", []string{"read", "write"}, nil},
		{"read\u00a0admin", []string{"read\u00a0admin"}, []string{"read", "admin"}},
		{"read\tadmin", []string{"read\tadmin"}, []string{"read", "admin"}},
		{"read\nadmin", []string{"read\nadmin"}, []string{"read", "admin"}},
		{"read\u2003admin\u3000root write", []string{"read\u2003admin\u3000root", "write"}, []string{"admin", "root"}},
		{"read\u0085admin", []string{"read\u0085admin"}, []string{"read", "admin"}},
		{"", nil, []string{""}},
	}
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) { c.Introspector = f.client(t) })
	for _, tc := range tests {
		t.Run(tc.scope, func(t *testing.T) {
			paths := map[string]string{
				"JWT scope":           f.iss.AccessToken(tokentest.Claims{"scope": tc.scope}),
				"JWT scp string":      f.iss.AccessToken(tokentest.Claims{"scp": tc.scope}),
				"introspection scope": f.iss.OpaqueToken(tokentest.Claims{"scope": tc.scope}),
				"introspection scp":   f.iss.OpaqueToken(tokentest.Claims{"scp": tc.scope}),
				"at+jwt":              f.iss.AccessToken(tokentest.Claims{"scope": tc.scope, "jti": "j-1"}, tokentest.AtJWT()),
			}
			for name, raw := range paths {
				at, err := validate(v, raw)
				require.NoError(t, err, name)
				assert.Equal(t, tc.want, at.Scopes, name)
				for _, s := range tc.want {
					assert.True(t, at.HasScope(s), "%s: %q", name, s)
				}
				for _, s := range tc.not {
					assert.False(t, at.HasScope(s), "%s grants %q", name, s)
				}
			}
		})
	}
}

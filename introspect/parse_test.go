package introspect

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

func TestParseResponseEveryMemberTyped(t *testing.T) {
	body := `{
		"active": true,
		"scope": "read:appointments write:appointments",
		"client_id": "l238j323ds-23ij4",
		"username": "jdoe",
		"token_type": "access_token",
		"exp": 1419356238,
		"iat": 1419350238.5,
		"nbf": 1419350000,
		"sub": "Z5O3upPC88QrAjx00dis",
		"aud": "https://protected.example.net/resource",
		"iss": "https://server.example.com/",
		"jti": "JlbmMiOiJBMTI4Q0JDLUhTMjU2In",
		"extension_field": "twenty-seven",
		"permissions": ["read:appointments"],
		"nested": {"a": [1, 2, {"b": null}]}
	}`
	r, err := ParseResponse([]byte(body))
	require.NoError(t, err)
	want := &Response{
		Active:    true,
		Scope:     "read:appointments write:appointments",
		ClientID:  "l238j323ds-23ij4",
		Username:  "jdoe",
		TokenType: "access_token",
		ExpiresAt: time.Unix(1419356238, 0).UTC(),
		IssuedAt:  time.Unix(1419350238, 5e8).UTC(),
		NotBefore: time.Unix(1419350000, 0).UTC(),
		Subject:   "Z5O3upPC88QrAjx00dis",
		Audience:  []string{"https://protected.example.net/resource"},
		Issuer:    "https://server.example.com/",
		ID:        "JlbmMiOiJBMTI4Q0JDLUhTMjU2In",
		Extra: map[string]json.RawMessage{
			"extension_field": json.RawMessage(`"twenty-seven"`),
			"permissions":     json.RawMessage(`["read:appointments"]`),
			"nested":          json.RawMessage(`{"a": [1, 2, {"b": null}]}`),
		},
	}
	assert.Equal(t, want, r)
	assert.Equal(t, []string{"read:appointments", "write:appointments"}, r.Scopes())
	assert.True(t, r.HasScope("write:appointments"))
	assert.False(t, r.HasScope("write"))
	assert.False(t, r.HasScope(""))
}

func TestParseResponseAudience(t *testing.T) {
	tests := []struct {
		name string
		aud  string
		want []string
	}{
		{"string", `"https://api.example.com"`, []string{"https://api.example.com"}},
		{"array", `["https://api.example.com","https://other.example.com"]`, []string{"https://api.example.com", "https://other.example.com"}},
		{"empty array", `[]`, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseResponse([]byte(`{"active":true,"aud":` + tt.aud + `}`))
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Audience)
		})
	}
}

func TestParseResponseActiveOnlyWhenJSONTrue(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		active bool
		state  activeState
	}{
		{"true", `{"active":true,"sub":"a"}`, true, activeTrue},
		{"false", `{"active":false}`, false, activeFalse},
		{"string true", `{"active":"true","sub":"a"}`, false, activeNotBoolean},
		{"number 1", `{"active":1,"sub":"a"}`, false, activeNotBoolean},
		{"null", `{"active":null}`, false, activeNotBoolean},
		{"object", `{"active":{"value":true}}`, false, activeNotBoolean},
		{"array", `{"active":[true]}`, false, activeNotBoolean},
		{"missing", `{"sub":"a","scope":"read"}`, false, activeMissing},
		{"empty object", `{}`, false, activeMissing},
		{"case differs", `{"Active":true,"sub":"a"}`, false, activeMissing},
		// An inactive answer carries nothing usable, so the types of its other
		// members are not examined and nothing else is reported.
		{"inactive with junk members", `{"active":false,"exp":"soon","sub":"a","x":1}`, false, activeFalse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, state, err := parseResponse([]byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.active, r.Active)
			assert.Equal(t, tt.state, state)
			if !tt.active {
				assert.Equal(t, &Response{}, r, "an inactive answer reports nothing else")
			}
		})
	}
}

// Every registered member of the wrong JSON type makes the whole answer
// unusable: token.ErrUnavailable, never token.ErrInvalidClaim (which would
// blame the token), with the member named.
func TestParseResponseWrongTypesAreUnavailable(t *testing.T) {
	tests := []struct {
		member, value string
	}{
		{"scope", `["read","write"]`},
		{"scope", `null`},
		{"client_id", `42`},
		{"username", `true`},
		{"token_type", `{}`},
		{"exp", `"1419356238"`},
		{"exp", `-1`},
		{"exp", `1e300`},
		{"iat", `null`},
		{"nbf", `[1]`},
		{"sub", `123`},
		{"aud", `123`},
		{"aud", `["ok", 1]`},
		{"iss", `false`},
		{"jti", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.member+"="+tt.value, func(t *testing.T) {
			r, err := ParseResponse([]byte(`{"active":true,"` + tt.member + `":` + tt.value + `}`))
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, token.ErrUnavailable)
			assert.NotErrorIs(t, err, token.ErrInvalidClaim)
			assert.NotErrorIs(t, err, token.ErrMalformed)
			var ve *token.ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, tt.member, ve.Claim)
			assert.Contains(t, err.Error(), `"`+tt.member+`"`)
			assert.Contains(t, err.Error(), "unusable")
		})
	}
}

func TestParseResponseMalformedIsUnavailable(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"empty", ``},
		{"not JSON", `active=true`},
		{"truncated", `{"active":true,"sub":"a"`},
		{"array", `[{"active":true}]`},
		{"string", `"active"`},
		{"trailing data", `{"active":true} {"active":false}`},
		{"duplicate active", `{"active":false,"active":true}`},
		{"duplicate active reversed", `{"active":true,"active":false}`},
		{"duplicate sub", `{"active":true,"sub":"a","sub":"b"}`},
		{"duplicate by case", `{"active":true,"scope":"read","SCOPE":"admin"}`},
		{"duplicate extra", `{"active":true,"x":1,"x":2}`},
		{"invalid UTF-8", "{\"active\":true,\"sub\":\"\xff\"}"},
		{"lone surrogate", `{"active":true,"sub":"\ud800"}`},
		{"too deep", `{"active":true,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseResponse([]byte(tt.body))
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, token.ErrUnavailable)
			assert.NotErrorIs(t, err, token.ErrMalformed)
			assert.Contains(t, err.Error(), "not a strict JSON object")
		})
	}
}

func TestParseResponseExtraDoesNotAliasBody(t *testing.T) {
	body := []byte(`{"active":true,"x":"abc","y":[1]}`)
	r, err := ParseResponse(body)
	require.NoError(t, err)
	for i := range body {
		body[i] = ' '
	}
	assert.JSONEq(t, `"abc"`, string(r.Extra["x"]))
	assert.JSONEq(t, `[1]`, string(r.Extra["y"]))
}

func TestCloneIsDeep(t *testing.T) {
	orig := &Response{
		Active:   true,
		Audience: []string{"a", "b"},
		Extra:    map[string]json.RawMessage{"x": json.RawMessage(`"abc"`), "y": json.RawMessage(`[1]`)},
	}
	c := orig.Clone()
	assert.Equal(t, orig, c)
	c.Audience[0] = "changed"
	c.Extra["x"][1] = 'Z'
	c.Extra["z"] = json.RawMessage(`1`)
	c.Active = false
	assert.Equal(t, []string{"a", "b"}, orig.Audience)
	assert.Equal(t, `"abc"`, string(orig.Extra["x"]))
	assert.NotContains(t, orig.Extra, "z")
	assert.True(t, orig.Active)
	// Appending to one clone's extra value must not write into another's.
	c.Extra["x"] = append(c.Extra["x"], '!')
	assert.Equal(t, `[1]`, string(c.Extra["y"]))

	for _, aud := range [][]string{nil, {}, {"a"}, {"a", "b"}, {"a", "b", "c"}} {
		orig := &Response{Active: true, Audience: aud}
		c := orig.Clone()
		assert.Equal(t, orig, c)
		if len(aud) > 0 {
			c.Audience = append(c.Audience, "appended")
			c.Audience[0] = "changed"
			assert.Equal(t, "a", orig.Audience[0])
			assert.Len(t, orig.Audience, len(aud))
		}
	}

	assert.Nil(t, (*Response)(nil).Clone())
	assert.Equal(t, &Response{}, (&Response{}).Clone())
}

func TestMarshalJSONRoundTrip(t *testing.T) {
	tests := []*Response{
		{Active: false},
		{Active: true},
		{
			Active: true, Scope: "read write", ClientID: "c", Username: "u <&>", TokenType: "access_token",
			ExpiresAt: time.Unix(2000000000, 0).UTC(), IssuedAt: time.Unix(1900000000, 0).UTC(),
			NotBefore: time.Unix(1900000000, 250000000).UTC(),
			Subject:   "s", Audience: []string{"a"}, Issuer: "https://i.example/", ID: "j",
			Extra: map[string]json.RawMessage{"permissions": json.RawMessage(`["p"]`), "n": json.RawMessage(`{"k":1}`)},
		},
		{Active: true, Audience: []string{"a", "b"}},
	}
	for i, r := range tests {
		b, err := r.MarshalJSON()
		require.NoError(t, err, i)
		back, err := ParseResponse(b)
		require.NoError(t, err, string(b))
		assert.Equal(t, r, back, string(b))
	}
}

func TestMarshalJSONRefusesBadExtra(t *testing.T) {
	tests := map[string]map[string]json.RawMessage{
		"registered name": {"active": json.RawMessage(`true`)},
		"invalid JSON":    {"x": json.RawMessage(`{`)},
		"empty value":     {"x": nil},
		"case duplicates": {"x": json.RawMessage(`1`), "X": json.RawMessage(`2`)},
	}
	for name, extra := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := (&Response{Active: true, Extra: extra}).MarshalJSON()
			assert.Error(t, err)
		})
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"active":true,"scope":"a b","aud":["x","y"],"exp":1700000000,"x":{"y":[1]}}`))
	f.Add([]byte(`{"active":false}`))
	f.Add([]byte(`{"active":"true"}`))
	f.Add([]byte(`{"active":true,"active":true}`))
	f.Add([]byte(`{"active":true,"iat":1.5e9,"sub":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			if !errors.Is(err, token.ErrUnavailable) {
				t.Fatalf("error does not match ErrUnavailable: %v", err)
			}
			if r != nil {
				t.Fatal("both a response and an error")
			}
			return
		}
		out, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("cannot marshal a parsed response: %v", err)
		}
		back, err := ParseResponse(out)
		if err != nil {
			t.Fatalf("cannot parse a marshalled response %s: %v", out, err)
		}
		if back.Active != r.Active || back.Scope != r.Scope || back.Subject != r.Subject ||
			len(back.Audience) != len(r.Audience) || len(back.Extra) != len(r.Extra) {
			t.Fatalf("round trip changed the response: %+v -> %+v", r, back)
		}
	})
}

// TestScopesSplitAtSpacesOnly: Scopes and HasScope split the scope member
// exactly as a JWT access token's scope claim is split, at spaces only
// (RFC 6749 §3.3); any other whitespace stays inside its scope.
func TestScopesSplitAtSpacesOnly(t *testing.T) {
	tests := []struct {
		scope string
		want  []string
		not   []string
	}{
		{"read  write", []string{"read", "write"}, []string{"read  write", ""}},
		{"read\u00a0admin", []string{"read\u00a0admin"}, []string{"read", "admin"}},
		{"read\tadmin", []string{"read\tadmin"}, []string{"read", "admin"}},
		{"read\r\nadmin write", []string{"read\r\nadmin", "write"}, []string{"read", "admin"}},
		{"read\u2028admin", []string{"read\u2028admin"}, []string{"read", "admin"}},
		{"", nil, []string{""}},
	}
	for _, tc := range tests {
		r := &Response{Active: true, Scope: tc.scope}
		assert.Equal(t, tc.want, r.Scopes(), "%q", tc.scope)
		for _, s := range tc.want {
			assert.True(t, r.HasScope(s), "%q lists %q", tc.scope, s)
		}
		for _, s := range tc.not {
			assert.False(t, r.HasScope(s), "%q does not list %q", tc.scope, s)
		}
	}
	var nilResp *Response
	assert.Nil(t, nilResp.Scopes())
	assert.False(t, nilResp.HasScope("read"))
}

package idtoken

import (
	"context"
	"errors"
	"testing"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// FuzzUserInfoAnswer feeds arbitrary bodies, as JSON and as JWT answers, to
// the reading of a UserInfo answer, seeded with good and hostile ones. It
// must never panic, must refuse with a *token.ValidationError, and whatever
// it accepts must be about the ID token's subject, and verified when it came
// as a JWT.
func FuzzUserInfoAnswer(f *testing.F) {
	iss := tokentest.NewIssuer(f)
	const sub = "auth0|64b0c9a5f1e2d3c4b5a69788"
	c, err := NewUserInfoClient(UserInfoConfig{
		Endpoint: iss.UserInfoURL(), Issuer: iss.URL(), ClientID: iss.ClientID(), Keys: iss.KeySource(),
	})
	if err != nil {
		f.Fatal(err)
	}
	signed := func(claims tokentest.Claims) string {
		base := tokentest.Claims{"iss": iss.URL(), "aud": iss.ClientID(), "sub": sub}
		for k, v := range claims {
			base[k] = v
		}
		return iss.Sign(nil, base)
	}
	for _, seed := range []struct {
		body string
		jwt  bool
	}{
		{`{"sub":"` + sub + `","name":"Jane","email_verified":true,"address":{"country":"FR"},"updated_at":"2024-01-02T03:04:05Z"}`, false},
		{`{"sub":"` + sub + `","sub":"x"}`, false},
		{`{"sub":"other"}`, false},
		{`{"sub":null,"name":null}`, false},
		{`{"sub":"` + sub + `","address":{"country":1}}`, false},
		{`[]`, false},
		{``, false},
		{signed(nil), true},
		{signed(tokentest.Claims{"aud": "other"}), true},
		{signed(tokentest.Claims{"sub": "other"}), true},
		{signed(nil) + "\n", true},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", true},
		{"a.b.c.d.e", true},
	} {
		f.Add([]byte(seed.body), seed.jwt)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte, jwt bool) {
		mt := "application/json"
		if jwt {
			mt = "application/jwt"
		}
		u, err := c.read(ctx, body, mt, sub)
		if err != nil {
			var ve *token.ValidationError
			if u != nil || !errors.As(err, &ve) {
				t.Fatalf("answer %v and error %v (%T)", u, err, err)
			}
			return
		}
		if u.Subject != sub {
			t.Fatalf("accepted an answer about %q", u.Subject)
		}
		if jwt && (!u.Signed || u.Issuer != iss.URL()) {
			t.Fatalf("accepted a JWT answer that was not verified: %+v", u)
		}
	})
}

// FuzzAuthParams feeds arbitrary WWW-Authenticate values, as a hostile
// UserInfo endpoint may send with a 401, to the challenge reader. It must
// end and never panic, and what it reads must come from the value.
func FuzzAuthParams(f *testing.F) {
	for _, seed := range []string{
		`Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
		`DPoP algs="ES256", Bearer error=insufficient_scope, scope="openid profile"`,
		`Bearer error="unterminated`,
		`Bearer abc==, error="x\"y\\z"`,
		`, , ,=,==`,
		``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for name, value := range authParams(h) {
			if name == "" || len(name) > len(h) || len(value) > len(h) {
				t.Fatalf("read %q=%q from %q", name, value, h)
			}
		}
	})
}

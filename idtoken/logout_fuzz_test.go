package idtoken_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// FuzzLogoutToken feeds arbitrary strings, seeded with real and hostile
// logout tokens and with the issuer's other tokens, to a LogoutValidator. It
// must never panic, and whatever it accepts must be a logout token by every
// rule: the issuer, the client alone as audience, a user or a session, a jti
// seen once, a lifetime.
func FuzzLogoutToken(f *testing.F) {
	fx := newFixture(f)
	iss := fx.iss
	for _, seed := range []string{
		iss.LogoutToken(nil),
		iss.LogoutToken(tokentest.Claims{"sid": tokentest.Omit}),
		iss.LogoutToken(tokentest.Claims{"sub": tokentest.Omit}),
		iss.LogoutToken(tokentest.Claims{"nonce": "n"}),
		iss.LogoutToken(tokentest.Claims{"events": map[string]any{bclEvent: true}}),
		iss.LogoutToken(tokentest.Claims{"aud": []string{iss.ClientID(), "x"}}),
		iss.LogoutToken(nil, tokentest.WithHeader("typ", "JWT")),
		iss.IDToken(nil),
		iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}),
		iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+iss.KeyID()+`","typ":"logout+jwt"}`), []byte(`{"events":{"`+bclEvent+`":{}},"events":{}}`)),
		"eyJhbGciOiJub25lIn0.e30.",
		"",
		strings.Repeat("A", 100) + "." + strings.Repeat("B", 100) + "." + strings.Repeat("C", 100),
	} {
		f.Add(seed)
	}
	v := fx.logoutValidator(f, nil)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		lt, err := v.Validate(ctx, raw)
		if err != nil {
			if lt != nil {
				t.Fatal("a logout token and an error")
			}
			return
		}
		if lt.Issuer != iss.URL() || len(lt.Audience) != 1 || lt.Audience[0] != iss.ClientID() ||
			(lt.Subject == "" && lt.SessionID == "") || lt.ID == "" || lt.IssuedAt.IsZero() || lt.Raw != raw ||
			!fx.clock.Now().Before(lt.ExpiresAt.Add(time.Minute)) {
			t.Fatalf("accepted a token that breaks the rules: %+v", lt)
		}
		var c struct {
			Events map[string]map[string]any `json:"events"`
			Nonce  *string                   `json:"nonce"`
		}
		if err := lt.Claims(&c); err != nil || c.Events[bclEvent] == nil || c.Nonce != nil {
			t.Fatalf("accepted a token without the logout event or with a nonce: %+v, %v", c, err)
		}
		if _, err := v.Validate(ctx, raw); !errors.Is(err, token.ErrReplay) {
			t.Fatalf("the same token passed twice: %v", err)
		}
	})
}

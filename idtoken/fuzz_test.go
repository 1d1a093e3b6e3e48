package idtoken_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// FuzzValidate feeds arbitrary strings, seeded with real and hostile tokens,
// to Validate. It must never panic, and whatever it accepts must satisfy the
// rules: the configured issuer and client, a subject, and a lifetime.
func FuzzValidate(f *testing.F) {
	fx := newFixture(f)
	iss := fx.iss
	for _, seed := range []string{
		iss.IDToken(nil),
		iss.IDToken(tokentest.Claims{"nonce": "n1", "amr": []string{"pwd"}, "address": map[string]any{"country": "US"}}),
		iss.IDToken(tokentest.Claims{"aud": []string{iss.ClientID(), trustedAud}, "azp": iss.ClientID()}),
		iss.IDToken(nil, tokentest.WithHeader("kid", tokentest.Omit)),
		iss.IDToken(tokentest.Claims{"email_verified": "true"}),
		iss.IDToken(nil, tokentest.AtJWT()),
		iss.AccessToken(tokentest.Claims{"aud": iss.ClientID()}),
		iss.SignRaw([]byte(`{"alg":"RS256","kid":"`+iss.KeyID()+`"}`), []byte(`{"iss":"`+iss.URL()+`","sub":"a","sub":"b"}`)),
		iss.SignRaw([]byte(`{"alg":"none"}`), []byte(`{}`)),
		"eyJhbGciOiJub25lIn0.e30.",
		"a.b.c.d.e",
		`{"payload":"e30","signatures":[]}`,
		"",
		strings.Repeat("A", 100) + "." + strings.Repeat("B", 100) + "." + strings.Repeat("C", 100),
	} {
		f.Add(seed, "n1")
	}
	v := fx.validator(f, trust)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw, nonce string) {
		opts := []idtoken.Option{}
		if nonce != "" {
			opts = append(opts, idtoken.WithNonce(nonce))
		}
		tok, err := v.Validate(ctx, raw, opts...)
		if err != nil {
			if tok != nil {
				t.Fatal("a token and an error")
			}
			return
		}
		if tok.Issuer != iss.URL() || tok.Subject == "" || !slices.Contains(tok.Audience, iss.ClientID()) ||
			tok.ExpiresAt.IsZero() || tok.IssuedAt.IsZero() || tok.Raw != raw {
			t.Fatalf("accepted a token that breaks the rules: %+v", tok)
		}
		if len(tok.Audience) > 1 && tok.AuthorizedParty != iss.ClientID() {
			t.Fatalf("accepted several audiences without azp: %+v", tok)
		}
		if nonce != "" && tok.Nonce != nonce {
			t.Fatalf("accepted nonce %q; want %q", tok.Nonce, nonce)
		}
		if !fx.clock.Now().Before(tok.ExpiresAt.Add(time.Minute)) {
			t.Fatal("accepted an expired token")
		}
	})
}

package accesstoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Tokens refused for their audience, their times or their issuer are
// refused before any key is looked up or any signature checked, with the
// sentinel the full rules give them (an ID token sent to the API is still
// ErrTokenType, whatever its audience), and with messages that quote none
// of their values: a forged signature does not change the answer.
func TestRefusalsBeforeTheSignature(t *testing.T) {
	f := newFixture(t)
	var lookups atomic.Int32
	counting := token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
		lookups.Add(1)
		return f.iss.KeySource().Keys(ctx, kid)
	})
	v := f.validator(t, func(c *accesstoken.Config) { c.Keys = counting })
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "https://MARKER-7f3a.example"
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
		want   error
	}{
		{"another API", tokentest.Claims{"aud": []string{marker}}, token.ErrAudience},
		{"no audience", tokentest.Claims{"aud": tokentest.Omit}, token.ErrMissingClaim},
		{"an ID token for its client, which is not this API", tokentest.Claims{"aud": marker, "client_id": tokentest.Omit, "azp": marker}, token.ErrAudience},
		{"an ID token with a nonce", tokentest.Claims{"aud": marker, "nonce": marker}, token.ErrTokenType},
		{"client_id and azp apart, for another API", tokentest.Claims{"aud": []string{marker}, "azp": marker}, token.ErrInvalidClaim},
		{"expired", tokentest.Claims{"iat": epoch.Add(-3 * time.Hour).Unix(), "exp": epoch.Add(-2 * time.Hour).Unix(), "sub": marker}, token.ErrExpired},
		{"another issuer", tokentest.Claims{"iss": marker}, token.ErrIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, forged := range []bool{false, true} {
				var opts []tokentest.MintOption
				if forged {
					opts = append(opts, tokentest.WithSigningKey(forger))
				}
				before := lookups.Load()
				_, err := v.Validate(context.Background(), f.iss.AccessToken(tc.claims, opts...))
				if !errors.Is(err, tc.want) {
					t.Fatalf("forged %v: %v; want %v", forged, err, tc.want)
				}
				if n := lookups.Load() - before; n != 0 {
					t.Errorf("forged %v: the refusal cost %d key lookups", forged, n)
				}
				for _, leak := range []string{"MARKER", epoch.Add(-2 * time.Hour).Format(time.RFC3339)} {
					if strings.Contains(clientText(err), leak) {
						t.Errorf("what the client is told, %q, quotes the token (%s)", clientText(err), leak)
					}
				}
			}
		})
	}
}

// clientText is what a client is told of err: its ValidationError's
// Description (the Detail is for the server's log).
func clientText(err error) string {
	var ve *token.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	return ve.Description()
}

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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// With several issuers, each issuer's own audience and provider rules run
// before the signature too: a token naming issuer B but addressed to issuer
// A's API, or a Cognito token without aud naming an app client that is not
// allowed, costs no key lookup at any issuer, and what the client is told
// quotes none of its values.
func TestPerIssuerRefusalsBeforeTheSignature(t *testing.T) {
	f := newFixture(t)
	const (
		partner = "https://partner.example/"
		cognito = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
		marker  = "MARKER-7f3a"
	)
	var lookups atomic.Int32
	counting := token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
		lookups.Add(1)
		return f.iss.KeySource().Keys(ctx, kid)
	})
	v := f.validator(t, func(c *accesstoken.Config) {
		c.Keys = counting
		c.Issuers = []accesstoken.Issuer{
			{Issuer: partner, Keys: counting, Audiences: []string{"orders-api"}},
			{Issuer: cognito, Keys: counting, Provider: accesstoken.Cognito, AppClientIDs: []string{"app-1"}},
		}
	})
	untyped := tokentest.WithHeader("typ", tokentest.Omit)
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
		opts   []tokentest.MintOption
		want   error
	}{
		{"the partner's token for the default API", tokentest.Claims{"iss": partner, "sub": marker}, nil, token.ErrAudience},
		{"the default issuer's token for the partner's API", tokentest.Claims{"aud": "orders-api", "sub": marker}, nil, token.ErrAudience},
		{"a Cognito token without aud for another app client", tokentest.Claims{"iss": cognito, "aud": tokentest.Omit, "azp": tokentest.Omit, "token_use": "access", "client_id": marker}, []tokentest.MintOption{untyped}, token.ErrAudience},
		{"a Cognito token without aud and of another use", tokentest.Claims{"iss": cognito, "aud": tokentest.Omit, "token_use": marker, "client_id": "app-1"}, []tokentest.MintOption{untyped}, token.ErrTokenType},
		{"a Keycloak-style typ claim of another kind", tokentest.Claims{"aud": "https://elsewhere.example", "typ": marker}, []tokentest.MintOption{untyped}, token.ErrTokenType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := lookups.Load()
			_, err := v.Validate(context.Background(), f.iss.AccessToken(tc.claims, tc.opts...))
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v; want %v", err, tc.want)
			}
			if n := lookups.Load() - before; n != 0 {
				t.Errorf("the refusal cost %d key lookups", n)
			}
			if strings.Contains(clientText(err), marker) {
				t.Errorf("what the client is told, %q, quotes the token", clientText(err))
			}
		})
	}
	// The same issuers' good tokens pass, each checked against its own
	// audiences.
	for _, claims := range []tokentest.Claims{
		nil,
		{"iss": partner, "aud": "orders-api"},
		{"iss": cognito, "aud": tokentest.Omit, "azp": tokentest.Omit, "token_use": "access", "client_id": "app-1"},
	} {
		var opts []tokentest.MintOption
		if claims["iss"] == cognito {
			opts = append(opts, untyped)
		}
		if _, err := v.Validate(context.Background(), f.iss.AccessToken(claims, opts...)); err != nil {
			t.Errorf("%v: %v", claims, err)
		}
	}
}

// A cached token asks the key source of its own issuer, and only that one,
// whether its key is still published: when issuer B stops publishing the
// key (both issuers use the same kid), B's cached token stops being a hit
// and is refused, while A's cached token stays a hit and never asks B.
func TestCachedTokenAsksItsOwnIssuersKeys(t *testing.T) {
	f := newFixture(t)
	const partner = "https://partner.example/"
	var gone atomic.Bool
	var askedA, askedB atomic.Int32
	srcA := token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
		askedA.Add(1)
		return f.iss.KeySource().Keys(ctx, kid)
	})
	srcB := token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
		askedB.Add(1)
		if gone.Load() {
			return token.NewKeySet()
		}
		return f.iss.KeySource().Keys(ctx, kid)
	})
	v := f.validator(t, func(c *accesstoken.Config) {
		c.Keys = srcA
		c.Issuers = []accesstoken.Issuer{{Issuer: partner, Keys: srcB}}
	})
	rawA := f.iss.AccessToken(nil)
	rawB := f.iss.AccessToken(tokentest.Claims{"iss": partner})
	for _, raw := range []string{rawA, rawB} {
		if _, err := v.Validate(context.Background(), raw); err != nil {
			t.Fatal(err)
		}
	}
	gone.Store(true)
	a0, b0 := askedA.Load(), askedB.Load()
	if _, err := v.Validate(context.Background(), rawA); err != nil {
		t.Fatalf("issuer A's cached token: %v", err)
	}
	if askedA.Load() != a0+1 || askedB.Load() != b0 {
		t.Errorf("A's cache hit asked A %d and B %d times; want 1 and 0", askedA.Load()-a0, askedB.Load()-b0)
	}
	if _, err := v.Validate(context.Background(), rawB); !errors.Is(err, token.ErrKeyNotFound) {
		t.Fatalf("issuer B's cached token after B dropped its key: %v; want ErrKeyNotFound", err)
	}
}

// A token for another API is refused with ErrAudience; the server's log
// (Detail) names the audiences it carried, quoted and cut to a few, and
// the ones accepted, while the client is told none of them.
func TestAudienceRefusalDetail(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *accesstoken.Config) { c.Audiences = []string{"https://second-api.example"} })
	for _, tc := range []struct {
		aud  any
		want string
	}{
		{[]string{"https://other.example"}, `the token is for "https://other.example"; expected one of "` + f.iss.Audience() + `", "https://second-api.example"`},
		{[]string{"a", "b\n", "c", "d", "e"}, `the token is for "a", "b�", "c", "d", …; expected one of`},
		{[]string{}, `the token is for no audience; expected`},
	} {
		_, err := v.Validate(context.Background(), f.iss.AccessToken(tokentest.Claims{"aud": tc.aud}))
		require.ErrorIs(t, err, token.ErrAudience)
		var ve *token.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.True(t, strings.HasPrefix(ve.Detail, tc.want), "Detail %q, want it to begin %q", ve.Detail, tc.want)
		assert.NotContains(t, clientText(err), "other.example")
		assert.NotContains(t, clientText(err), "second-api")
	}
}

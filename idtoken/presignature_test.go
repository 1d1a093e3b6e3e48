package idtoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// Tokens refused for their audience, their times or their issuer are
// refused before any key is looked up or any signature checked, with the
// sentinel the full rules give them, and with messages that quote none of
// their values: a forged signature does not change the answer, and a
// client learns nothing it did not send.
func TestRefusalsBeforeTheSignature(t *testing.T) {
	f := newFixture(t, tokentest.WithAlgorithm("ES256"))
	var lookups atomic.Int32
	counting := token.KeySourceFunc(func(ctx context.Context, kid string) (*token.KeySet, error) {
		lookups.Add(1)
		return f.iss.KeySource().Keys(ctx, kid)
	})
	v := f.validator(t, func(c *idtoken.Config) { c.Keys = counting; c.TrustedAudiences = []string{"https://api.example"} })
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "MARKER-7f3a"
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
		want   error
	}{
		{"another client", tokentest.Claims{"aud": marker}, token.ErrAudience},
		{"an untrusted audience beside the client", tokentest.Claims{"aud": []string{f.iss.ClientID(), marker}, "azp": f.iss.ClientID()}, token.ErrAudience},
		{"an access token for another audience", tokentest.Claims{"aud": marker, "client_id": marker}, token.ErrTokenType},
		{"a token_use that is not id, for another audience", tokentest.Claims{"aud": marker, "token_use": marker}, token.ErrTokenType},
		{"no subject, for another audience", tokentest.Claims{"aud": marker, "sub": tokentest.Omit}, token.ErrMissingClaim},
		{"expired", tokentest.Claims{"iat": at(-3 * time.Hour), "exp": at(-2 * time.Hour), "sub": marker}, token.ErrExpired},
		{"not yet valid", tokentest.Claims{"nbf": at(2 * time.Hour), "sub": marker}, token.ErrNotYetValid},
		{"another issuer", tokentest.Claims{"iss": "https://" + marker + ".example/"}, token.ErrIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, forged := range []bool{false, true} {
				var opts []tokentest.MintOption
				if forged {
					opts = append(opts, tokentest.WithSigningKey(forger))
				}
				before := lookups.Load()
				_, err := v.Validate(context.Background(), f.iss.IDToken(tc.claims, opts...))
				if !errors.Is(err, tc.want) {
					t.Fatalf("forged %v: %v; want %v", forged, err, tc.want)
				}
				if n := lookups.Load() - before; n != 0 {
					t.Errorf("forged %v: the refusal cost %d key lookups", forged, n)
				}
				for _, leak := range []string{marker, t0.Add(-2 * time.Hour).Format(time.RFC3339)} {
					if strings.Contains(clientText(err), leak) {
						t.Errorf("what the client is told, %q, quotes the token (%s)", clientText(err), leak)
					}
				}
			}
		})
	}
}

// Many trusted audiences are looked up, not searched: a token naming each
// of a hundred passes, one naming any other audience is refused.
func TestManyTrustedAudiences(t *testing.T) {
	f := newFixture(t)
	trusted := make([]string, 100)
	for i := range trusted {
		trusted[i] = fmt.Sprintf("https://api.example/%03d", i)
	}
	v := f.validator(t, func(c *idtoken.Config) { c.TrustedAudiences = trusted })
	aud := append([]string{f.iss.ClientID()}, trusted...)
	if _, err := v.Validate(context.Background(), f.iss.IDToken(tokentest.Claims{"aud": aud, "azp": f.iss.ClientID()})); err != nil {
		t.Fatalf("a hundred trusted audiences refused: %v", err)
	}
	bad := append(append([]string{}, aud...), "https://api.example/100")
	if _, err := v.Validate(context.Background(), f.iss.IDToken(tokentest.Claims{"aud": bad, "azp": f.iss.ClientID()})); !errors.Is(err, token.ErrAudience) {
		t.Fatalf("an untrusted audience among a hundred trusted ones: %v; want ErrAudience", err)
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

// An audience refusal tells the server's log which client ID was expected
// (and, for an untrusted audience, which one the token named, shortened),
// and the client nothing of either: the log is where a misconfigured
// client ID is found.
func TestAudienceRefusalsNameTheClientForTheLog(t *testing.T) {
	f := newFixture(t)
	other := tokentest.NewIssuer(t, tokentest.WithClock(newClock().Now))
	v := f.validator(t, func(c *idtoken.Config) {
		c.Issuers = []idtoken.Issuer{{Issuer: other.URL(), Keys: other.KeySource(), ClientID: "other-client"}}
	})
	for _, tc := range []struct {
		name string
		raw  string
		want error
		log  []string
	}{
		{"another client", f.iss.IDToken(tokentest.Claims{"aud": "someone-else"}), token.ErrAudience,
			[]string{`aud names "someone-else"`, fmt.Sprintf("expected the client ID %q", f.iss.ClientID())}},
		{"no aud", f.iss.IDToken(tokentest.Claims{"aud": tokentest.Omit}), token.ErrMissingClaim,
			[]string{fmt.Sprintf("expected the client ID %q", f.iss.ClientID())}},
		{"empty aud", f.iss.IDToken(tokentest.Claims{"aud": []string{}}), token.ErrAudience,
			[]string{fmt.Sprintf("expected the client ID %q", f.iss.ClientID())}},
		{"an issuer with a client ID of its own", other.IDToken(tokentest.Claims{"aud": other.ClientID()}), token.ErrAudience,
			[]string{`aud names "tokentest-client"; expected the client ID "other-client"`}},
		{"no aud, for an issuer with a client ID of its own", other.IDToken(tokentest.Claims{"aud": tokentest.Omit}), token.ErrMissingClaim,
			[]string{`expected the client ID "other-client"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Validate(context.Background(), tc.raw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v; want %v", err, tc.want)
			}
			for _, s := range tc.log {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the log's text %q lacks %q", err.Error(), s)
				}
				if strings.Contains(clientText(err), s) {
					t.Errorf("the client is told %q", clientText(err))
				}
			}
		})
	}
}

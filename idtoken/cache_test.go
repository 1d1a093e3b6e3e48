package idtoken_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// TestCacheHitSkipsSignature shows a hit is far cheaper than a validation:
// it allocates a fraction of what a full validation does.
func TestCacheHitSkipsSignature(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{"nonce": "n1"})
	ctx := context.Background()
	cached := f.validator(t, nil)
	uncached := f.validator(t, func(c *idtoken.Config) { c.CacheSize = -1 })
	if _, err := cached.Validate(ctx, raw); err != nil {
		t.Fatal(err)
	}
	hit := testing.AllocsPerRun(50, func() { _, _ = cached.Validate(ctx, raw, idtoken.WithNonce("n1")) })
	full := testing.AllocsPerRun(50, func() { _, _ = uncached.Validate(ctx, raw, idtoken.WithNonce("n1")) })
	t.Logf("allocations: cache hit %.0f, full validation %.0f", hit, full)
	if hit*2 > full {
		t.Errorf("a cache hit allocates %.0f times, a full validation %.0f: the hit did not skip the work", hit, full)
	}
}

// TestCachedTokenIsNotShared: what a caller does to its Token does not reach
// the cache or other callers.
func TestCachedTokenIsNotShared(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{
		"aud": []string{f.iss.ClientID(), trustedAud}, "azp": f.iss.ClientID(),
		"amr": []string{"pwd"}, "address": map[string]any{"country": "US"},
	})
	v := f.validator(t, trust)
	first := expect(t, v, raw, nil)
	first.Subject = "attacker"
	first.Audience[0] = "attacker"
	first.AMR[0] = "mfa"
	first.Address.Country = "XX"
	second := expect(t, v, raw, nil)
	if second == first {
		t.Fatal("two calls returned the same *Token")
	}
	if second.Subject == "attacker" || second.Audience[0] != f.iss.ClientID() || second.AMR[0] != "pwd" || second.Address.Country != "US" {
		t.Fatalf("a change to a returned Token reached the cache: %+v", second)
	}
	second.AMR[0] = "otp"
	if third := expect(t, v, raw, nil); third.AMR[0] != "pwd" {
		t.Fatal("a change to a Token returned by a cache hit reached the cache")
	}
}

// TestCacheRerunsPerCallChecks: every option, and the time rules, apply to a
// token served from the cache. The first call caches the token (a hit is
// shown by TestCacheHitSkipsSignature); every later call is a hit.
func TestCacheRerunsPerCallChecks(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{"nonce": "n1", "acr": "silver", "auth_time": at(-5 * time.Minute)},
		tokentest.WithAccessTokenHash(accessToken), tokentest.WithCodeHash(authCode))
	v := f.validator(t, func(c *idtoken.Config) { c.MaxAge = 2 * time.Hour })
	all := []idtoken.Option{idtoken.WithNonce("n1"), idtoken.WithAccessToken(accessToken), idtoken.WithCode(authCode),
		idtoken.WithMaxAge(10 * time.Minute), idtoken.WithACR("silver")}
	expect(t, v, raw, nil, all...) // fills the cache

	for _, tc := range []struct {
		name string
		opts []idtoken.Option
		want error
	}{
		{"all options again", all, nil},
		{"no options", nil, nil},
		{"other nonce", []idtoken.Option{idtoken.WithNonce("n2")}, token.ErrNonce},
		{"empty nonce", []idtoken.Option{idtoken.WithNonce("")}, token.ErrNonce},
		{"other access token", []idtoken.Option{idtoken.WithAccessToken("other")}, token.ErrTokenHash},
		{"other code", []idtoken.Option{idtoken.WithCode("other")}, token.ErrTokenHash},
		{"stricter max_age", []idtoken.Option{idtoken.WithMaxAge(time.Minute)}, token.ErrAuthTime},
		{"other acr", []idtoken.Option{idtoken.WithACR("gold")}, token.ErrACR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, v, raw, tc.want, tc.opts...)
		})
	}

	// Time moves on: max_age first, then Config.MaxAge, then exp.
	f.clock.Advance(10 * time.Minute)
	expect(t, v, raw, token.ErrAuthTime, idtoken.WithMaxAge(10*time.Minute))
	expect(t, v, raw, nil)
	f.clock.Advance(time.Hour) // 1 h 10 min after iat: exp (1 h) has passed
	expect(t, v, raw, token.ErrExpired)
}

func TestCacheHonoursMaxAge(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(nil)
	v := f.validator(t, func(c *idtoken.Config) { c.MaxAge = 10 * time.Minute })
	expect(t, v, raw, nil)
	f.clock.Advance(10*time.Minute + 30*time.Second) // within the leeway
	expect(t, v, raw, nil)
	f.clock.Advance(time.Minute)
	expect(t, v, raw, token.ErrExpired)
}

// TestCacheRechecksNotBefore: a clock that moves back past nbf (or iat)
// refuses a cached token exactly as it would refuse a fresh one.
func TestCacheRechecksNotBefore(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{"nbf": at(0)})
	v := f.validator(t, nil)
	expect(t, v, raw, nil)
	f.clock.Advance(-30 * time.Minute)
	expect(t, v, raw, token.ErrNotYetValid)
	uncached := f.validator(t, func(c *idtoken.Config) { c.CacheSize = -1 })
	expect(t, uncached, raw, token.ErrNotYetValid)

	// Without nbf, the iat of a cached token is checked as an iat.
	g := newFixture(t)
	raw = g.iss.IDToken(tokentest.Claims{"iat": at(0), "nbf": tokentest.Omit})
	v = g.validator(t, nil)
	expect(t, v, raw, nil)
	g.clock.Advance(-30 * time.Minute)
	expect(t, v, raw, token.ErrIssuedInFuture)
}

func TestCacheHonoursExpiry(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(nil)
	v := f.validator(t, nil)
	expect(t, v, raw, nil)
	f.clock.Advance(time.Hour + 30*time.Second) // past exp, within the leeway
	expect(t, v, raw, nil)
	f.clock.Advance(time.Minute)
	expect(t, v, raw, token.ErrExpired)
}

// TestCacheDropsRotatedKeys: a cached token dies with the key that verified
// it.
func TestCacheDropsRotatedKeys(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(nil)
	v := f.validator(t, nil)
	expect(t, v, raw, nil)
	f.iss.RotateKey()
	expect(t, v, raw, nil) // the old key is still published
	f.iss.DropOldKeys()
	expect(t, v, raw, token.ErrKeyNotFound)
	expect(t, v, f.iss.IDToken(nil), nil)
}

// TestConcurrentValidation exercises the validator and its cache from many
// goroutines (run with -race): the same token, distinct tokens, and refusals.
func TestConcurrentValidation(t *testing.T) {
	f := newFixture(t)
	v := f.validator(t, func(c *idtoken.Config) { c.CacheSize = 16 })
	const workers = 8
	tokens := make([]string, 32)
	for i := range tokens {
		tokens[i] = f.iss.IDToken(tokentest.Claims{"nonce": fmt.Sprint("n", i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < 40; i++ {
				n := (w*7 + i) % len(tokens)
				tok, err := v.Validate(ctx, tokens[n], idtoken.WithNonce(fmt.Sprint("n", n)))
				if err != nil {
					errs <- err
					return
				}
				tok.Name = "mine" // callers may write to their copy
				if _, err := v.Validate(ctx, tokens[n], idtoken.WithNonce("wrong")); err == nil {
					errs <- fmt.Errorf("token %d accepted with a wrong nonce", n)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A Token from a cache hit decodes the same claims as the one from the
// first validation: the cache keeps no claims set, and Claims reads it
// again from the token.
func TestCacheHitClaims(t *testing.T) {
	f := newFixture(t)
	raw := f.iss.IDToken(tokentest.Claims{"https://example.com/roles": []string{"admin"}, "Roles": "x"})
	v := f.validator(t, nil)
	type custom struct {
		Roles []string `json:"https://example.com/roles"`
		Lower string   `json:"roles"`
		Email string   `json:"email"`
	}
	var want, got custom
	first := expect(t, v, raw, nil)
	if err := first.Claims(&want); err != nil {
		t.Fatal(err)
	}
	second := expect(t, v, raw, nil)
	if err := second.Claims(&got); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(want) != fmt.Sprint(got) || len(got.Roles) != 1 || got.Lower != "" || got.Email == "" {
		t.Errorf("claims from a cache hit %+v; from the first validation %+v", got, want)
	}
}

package accesstoken

// White-box tests of the verified-token cache: a hit is recognised by the
// cached claims being shared, which no miss can produce.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var cacheEpoch = time.Unix(1_800_000_000, 0).UTC()

func cacheFixture(t *testing.T, edit ...func(*Config)) (*tokentest.Issuer, *testClock, *Validator) {
	t.Helper()
	clk := &testClock{t: cacheEpoch}
	iss := tokentest.NewIssuer(t, tokentest.WithClock(clk.Now))
	cfg := Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(), Now: clk.Now}
	for _, e := range edit {
		e(&cfg)
	}
	v, err := NewValidator(cfg)
	require.NoError(t, err)
	return iss, clk, v
}

func TestCacheHitSharesNothingMutable(t *testing.T) {
	iss, _, v := cacheFixture(t)
	ctx := context.Background()
	raw := iss.AccessToken(tokentest.Claims{"scope": "read write", "permissions": []string{"p"}})

	first, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	second, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	require.False(t, first.fromCache, "the first call verifies")
	require.True(t, second.fromCache, "the second call should be a cache hit")
	require.NotSame(t, first, second)

	// Whatever a caller does to its Token, the next caller sees the original.
	first.Scopes[0] = "admin"
	first.Scopes = append(first.Scopes, "delete")
	first.Audience[0] = "https://evil"
	first.Permissions[0] = "everything"
	first.Subject = "someone-else"
	second.Audience = append(second.Audience, "x") // must not reach into another slice
	third, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	assert.True(t, third.fromCache)
	assert.Equal(t, []string{"read", "write"}, third.Scopes)
	assert.Equal(t, []string{iss.Audience()}, third.Audience)
	assert.Equal(t, []string{"p"}, third.Permissions)
	assert.Equal(t, iss.Subject(), third.Subject)
	assert.Equal(t, []string{"read", "write"}, second.Scopes)
	assert.Equal(t, []string{"p"}, second.Permissions)
}

func TestCacheDisabled(t *testing.T) {
	iss, _, v := cacheFixture(t, func(c *Config) { c.CacheSize = -1 })
	raw := iss.AccessToken(nil)
	a, err := v.Validate(context.Background(), raw)
	require.NoError(t, err)
	b, err := v.Validate(context.Background(), raw)
	require.NoError(t, err)
	assert.False(t, b.fromCache)
	assert.NotSame(t, a.claims, b.claims)
	assert.Nil(t, v.cache)
}

// A hit checks each of its times as the time it is: an iat in the future
// (the clock set back, no nbf) is ErrIssuedInFuture, as without the cache,
// never taken for an nbf.
func TestCacheHitChecksEachTimeAsItself(t *testing.T) {
	iss, clk, v := cacheFixture(t)
	ctx := context.Background()
	raw := iss.AccessToken(tokentest.Claims{"iat": cacheEpoch.Unix(), "nbf": tokentest.Omit})
	_, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	clk.Set(cacheEpoch.Add(-5 * time.Minute))
	_, err = v.Validate(ctx, raw)
	require.ErrorIs(t, err, token.ErrIssuedInFuture)
	require.NotErrorIs(t, err, token.ErrNotYetValid)
}

func TestCacheHitStillChecksTime(t *testing.T) {
	iss, clk, v := cacheFixture(t)
	ctx := context.Background()
	raw := iss.AccessToken(tokentest.Claims{"nbf": cacheEpoch.Add(-30 * time.Second).Unix()})
	_, err := v.Validate(ctx, raw)
	require.NoError(t, err)

	// A clock set back before nbf (beyond the leeway): the hit is refused.
	clk.Set(cacheEpoch.Add(-5 * time.Minute))
	_, err = v.Validate(ctx, raw)
	require.ErrorIs(t, err, token.ErrNotYetValid)

	// Past exp plus leeway: refused, and forgotten.
	clk.Set(cacheEpoch.Add(time.Hour + 2*time.Minute))
	_, err = v.Validate(ctx, raw)
	require.ErrorIs(t, err, token.ErrExpired)
	assert.Zero(t, v.cache.Len())
}

func TestCacheEntryDiesWithItsKey(t *testing.T) {
	iss, _, v := cacheFixture(t)
	ctx := context.Background()
	raw := iss.AccessToken(nil)
	_, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	assert.Equal(t, 1, v.cache.Len())

	iss.RotateKey()
	_, err = v.Validate(ctx, raw) // old key still published
	require.NoError(t, err)

	iss.DropOldKeys()
	_, err = v.Validate(ctx, raw)
	require.ErrorIs(t, err, token.ErrKeyNotFound)
	assert.Zero(t, v.cache.Len())
}

func TestCacheKeepsOnlyAcceptedTokens(t *testing.T) {
	iss, _, v := cacheFixture(t)
	for _, raw := range []string{
		iss.AccessToken(tokentest.Claims{"aud": "https://other"}),
		iss.IDToken(nil),
		iss.AccessToken(tokentest.Claims{"scope": 7}),
	} {
		_, err := v.Validate(context.Background(), raw)
		require.Error(t, err)
	}
	assert.Zero(t, v.cache.Len())
}

func TestCacheWithIntrospectJWTs(t *testing.T) {
	active := true
	var mu sync.Mutex
	calls := 0
	fake := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return &introspect.Response{Active: active}, nil
	})
	iss, _, v := cacheFixture(t, func(c *Config) { c.Introspector = fake; c.IntrospectJWTs = true })
	ctx := context.Background()
	raw := iss.AccessToken(nil)
	_, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	b, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	assert.True(t, b.fromCache, "the second call should be a cache hit")
	assert.Equal(t, 2, calls, "a cache hit is introspected too")

	mu.Lock()
	active = false
	mu.Unlock()
	_, err = v.Validate(ctx, raw)
	require.ErrorIs(t, err, token.ErrInactive)
}

func TestCacheConcurrentUse(t *testing.T) {
	iss, _, v := cacheFixture(t, func(c *Config) { c.CacheSize = 8 })
	toks := make([]string, 32)
	for i := range toks {
		toks[i] = iss.AccessToken(tokentest.Claims{"scope": "read"})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				at, err := v.Validate(context.Background(), toks[(g*7+i)%len(toks)])
				if err != nil {
					errs <- err
					return
				}
				at.Scopes[0] = "mutated"
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	assert.LessOrEqual(t, v.cache.Len(), 16) // 16 shards of at least one entry
	at, err := v.Validate(context.Background(), toks[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"read"}, at.Scopes)
}

// A Token from a cache hit decodes the same claims as the one from the
// first validation: the cache keeps no claims set, and Claims reads it
// again from the token, names matched exactly as ever.
func TestCacheHitClaims(t *testing.T) {
	iss, _, v := cacheFixture(t)
	ctx := context.Background()
	raw := iss.AccessToken(tokentest.Claims{"https://example.com/roles": []string{"admin"}, "Roles": "x", "scope": "a b"})
	type custom struct {
		Roles []string `json:"https://example.com/roles"`
		Lower string   `json:"roles"`
		Scope string   `json:"scope"`
	}
	var want, got custom
	first, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	require.NoError(t, first.Claims(&want))
	second, err := v.Validate(ctx, raw)
	require.NoError(t, err)
	require.True(t, second.fromCache)
	require.NoError(t, second.Claims(&got))
	assert.Equal(t, want, got)
	assert.Equal(t, custom{Roles: []string{"admin"}, Scope: "a b"}, got, "\"Roles\" must not fill a field tagged \"roles\"")
}

// A hit gives back every field of the Token the first validation gave:
// strings longer than a one-byte length, lists past every size class, a
// binding, times with fractions of a second and times that are absent.
func TestCacheHitGivesTheSameToken(t *testing.T) {
	many := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s:%03d", prefix, i)
		}
		return out
	}
	long := strings.Repeat("s", 300)
	cert, err := tokentest.NewClientCertificate("client")
	require.NoError(t, err)
	leaf := cert.Leaf
	for _, tc := range []struct {
		name   string
		claims tokentest.Claims
		bound  bool
	}{
		{"plain", tokentest.Claims{"scope": "read"}, false},
		{"no scopes, fractional times", tokentest.Claims{"iat": float64(cacheEpoch.Unix()) - 0.25, "nbf": float64(cacheEpoch.Unix()) - 1.5}, false},
		{"long values", tokentest.Claims{"scope": long + " " + long, "sub": long, "jti": long}, false},
		{"one list of each class", tokentest.Claims{"scope": strings.Join(many("s", 3), " "), "permissions": many("p", 5)}, false},
		{"past the largest class", tokentest.Claims{"scope": strings.Join(many("s", 30), " "), "permissions": many("p", 10)}, false},
		{"bound to a certificate", tokentest.Claims{"scope": "read"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss, _, v := cacheFixture(t)
			raw := iss.AccessToken(tc.claims)
			if tc.bound {
				raw = iss.CertificateBoundToken(leaf, tc.claims)
			}
			ctx := context.Background()
			first, err := v.ValidateProof(ctx, raw, Proof{Certificate: leaf})
			require.NoError(t, err)
			second, err := v.ValidateProof(ctx, raw, Proof{Certificate: leaf})
			require.NoError(t, err)
			require.True(t, second.fromCache, "the second call should be a cache hit")
			assert.Equal(t, tc.bound, second.Confirmation.X5TS256 != "")
			want := *first
			want.claims, want.fromCache = nil, true
			assert.Equal(t, want, *second)
		})
	}
}

// A token whose values do not fit an entry's 16-bit offsets (possible only
// with a MaxTokenSize far above the default) is validated every time and
// never cached, rather than cached wrong.
func TestCacheSkipsTokensTooLargeForAnEntry(t *testing.T) {
	iss, _, v := cacheFixture(t, func(c *Config) { c.MaxTokenSize = 1 << 18 })
	raw := iss.AccessToken(tokentest.Claims{"scope": strings.Repeat("s", 70_000) + " read"})
	for range 2 {
		at, err := v.Validate(context.Background(), raw)
		require.NoError(t, err)
		assert.False(t, at.fromCache)
		assert.Equal(t, []string{strings.Repeat("s", 70_000), "read"}, at.Scopes)
	}
	assert.Zero(t, v.cache.Len())
}

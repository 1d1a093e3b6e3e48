package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/token"
)

func newStore(t testing.TB, c redis.UniversalClient, opts redisstore.StoreOptions) *redisstore.Store {
	t.Helper()
	s, err := redisstore.NewStore(c, opts)
	require.NoError(t, err)
	return s
}

func activeAnswer(exp time.Time) *introspect.Response {
	return &introspect.Response{
		Active: true, Scope: "read write", ClientID: "app", Username: "jane", TokenType: "Bearer",
		Subject: "user-1", Audience: []string{"https://api.example.com"}, Issuer: "https://issuer.example.com/",
		ID: "jti-1", ExpiresAt: exp.Truncate(time.Second).UTC(), IssuedAt: exp.Add(-time.Hour).Truncate(time.Second).UTC(),
		Extra: map[string]json.RawMessage{"tenant": json.RawMessage(`"acme"`)},
	}
}

// answerKey is where a Store with the default prefix keeps the answer
// for tok.
func answerKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return redisstore.DefaultStorePrefix + "{" + hex.EncodeToString(sum[:]) + "}"
}

func TestStoreRoundTrip(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	a, b := newStore(t, newClient(t, srv), redisstore.StoreOptions{}), newStore(t, newClient(t, srv), redisstore.StoreOptions{})
	k := sha256.Sum256([]byte("opaque-token"))

	_, ok, err := a.Get(ctx, k)
	require.NoError(t, err)
	assert.False(t, ok, "nothing stored yet")

	want := activeAnswer(time.Now().Add(time.Hour))
	require.NoError(t, a.Put(ctx, k, want, time.Now().Add(time.Minute)))
	got, ok, err := b.Get(ctx, k)
	require.NoError(t, err)
	require.True(t, ok, "another server sees the answer")
	assert.Equal(t, want, got)

	got.Audience[0] = "changed"
	again, _, err := b.Get(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, "https://api.example.com", again.Audience[0], "each Get returns its own copy")

	require.NoError(t, a.Put(ctx, k, &introspect.Response{Active: false}, time.Now().Add(time.Minute)))
	got, ok, err = b.Get(ctx, k)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, &introspect.Response{Active: false}, got, "Put replaces the answer")
}

func TestStoreKeepsNoTokenAndSetsExpiry(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := newClient(t, srv)
	s := newStore(t, c, redisstore.StoreOptions{})
	tok := "opaque-token-that-must-not-appear-in-redis"
	k := sha256.Sum256([]byte(tok))
	require.NoError(t, s.Put(ctx, k, activeAnswer(time.Now().Add(time.Hour)), time.Now().Add(90*time.Second)))

	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{answerKey(tok)}, keys)
	v, err := c.Get(ctx, answerKey(tok)).Result()
	require.NoError(t, err)
	assert.NotContains(t, v, tok)

	pttl, err := c.PTTL(ctx, answerKey(tok)).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 85*time.Second)
	assert.LessOrEqual(t, pttl, 90*time.Second, "the key never lives past the expiry Put was given")

	custom := newStore(t, c, redisstore.StoreOptions{Prefix: "api-2:"})
	require.NoError(t, custom.Put(ctx, k, activeAnswer(time.Now().Add(time.Hour)), time.Now().Add(time.Minute)))
	n, err := c.Exists(ctx, "api-2:{"+hex.EncodeToString(k[:])+"}").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "Prefix is the start of every key")
}

func TestStoreAnswerNeverOutlivesItsExpiry(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := newClient(t, srv)
	now := time.Now()
	clock := func() time.Time { return now }
	s := newStore(t, c, redisstore.StoreOptions{Now: clock})
	k := sha256.Sum256([]byte("tok"))

	// Redis keeps the key for the minute Put was given, but a reader
	// whose clock is past the expiry written in the value drops it.
	require.NoError(t, s.Put(ctx, k, activeAnswer(now.Add(time.Hour)), now.Add(time.Minute)))
	now = now.Add(time.Minute)
	_, ok, err := s.Get(ctx, k)
	require.NoError(t, err)
	assert.False(t, ok, "an answer is not used past the expiry it was stored with")

	// Nor past the token's own exp, whatever the stored expiry says.
	now = time.Now()
	require.NoError(t, s.Put(ctx, k, activeAnswer(now.Add(30*time.Second)), now.Add(time.Minute)))
	now = now.Add(31 * time.Second)
	_, ok, err = s.Get(ctx, k)
	require.NoError(t, err)
	assert.False(t, ok, "an active answer is not used past the token's exp")

	// An expiry already past removes the answer.
	now = time.Now()
	require.NoError(t, s.Put(ctx, k, activeAnswer(now.Add(time.Hour)), now.Add(time.Minute)))
	require.NoError(t, s.Put(ctx, k, activeAnswer(now.Add(time.Hour)), now.Add(-time.Second)))
	n, err := c.Exists(ctx, answerKey("tok")).Result()
	require.NoError(t, err)
	assert.Zero(t, n)

	// And Redis itself drops it when it expires.
	require.NoError(t, s.Put(ctx, k, activeAnswer(now.Add(time.Hour)), now.Add(50*time.Millisecond)))
	assert.Eventually(t, func() bool {
		n, err := c.Exists(ctx, answerKey("tok")).Result()
		return err == nil && n == 0
	}, 2*time.Second, 10*time.Millisecond)
}

// TestStoreNonsenseIsAnOutage writes values this package never writes under
// a token's key: each lookup fails with token.ErrUnavailable, so no verdict
// (neither an answer nor "not cached") is drawn from it.
func TestStoreNonsenseIsAnOutage(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := newClient(t, srv)
	s := newStore(t, c, redisstore.StoreOptions{MaxValueSize: 1024})
	k := sha256.Sum256([]byte("tok"))
	future := time.Now().Add(time.Hour).UnixMilli()
	ms := func(v int64) string { return strconv.FormatInt(v, 10) }

	cases := map[string]string{
		"plain text":              "hello",
		"bare JSON":               `{"active":true}`,
		"other version":           "tg2:" + ms(future) + `:{"active":true}`,
		"no expiry":               `tg1::{"active":true}`,
		"signed expiry":           "tg1:+" + ms(future) + `:{"active":true}`,
		"leading zero":            "tg1:0" + ms(future) + `:{"active":true}`,
		"expiry too long":         "tg1:99999999999999:" + `{"active":true}`,
		"expiry not a number":     "tg1:12ab:" + `{"active":true}`,
		"answer not JSON":         "tg1:" + ms(future) + ":active",
		"duplicate members":       "tg1:" + ms(future) + `:{"active":true,"scope":"a","scope":"admin"}`,
		"members differ by case":  "tg1:" + ms(future) + `:{"active":true,"scope":"a","SCOPE":"admin"}`,
		"wrong member type":       "tg1:" + ms(future) + `:{"active":true,"exp":"tomorrow"}`,
		"trailing garbage":        "tg1:" + ms(future) + `:{"active":true} x`,
		"larger than the bound":   "tg1:" + ms(future) + `:{"active":true,"x":"` + strings.Repeat("a", 2000) + `"}`,
		"invalid UTF-8 in answer": "tg1:" + ms(future) + ":{\"active\":true,\"sub\":\"\xff\"}",
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, c.Set(ctx, answerKey("tok"), v, time.Minute).Err())
			r, ok, err := s.Get(ctx, k)
			require.ErrorIs(t, err, token.ErrUnavailable)
			assert.False(t, ok)
			assert.Nil(t, r)
			assert.NotContains(t, err.Error(), "admin", "the value is not echoed")
		})
	}
	t.Run("key of another type", func(t *testing.T) {
		require.NoError(t, c.Del(ctx, answerKey("tok")).Err())
		require.NoError(t, c.RPush(ctx, answerKey("tok"), "x").Err())
		_, _, err := s.Get(ctx, k)
		require.ErrorIs(t, err, token.ErrUnavailable)
		// Put replaces whatever was there.
		require.NoError(t, s.Put(ctx, k, activeAnswer(time.Now().Add(time.Hour)), time.Now().Add(time.Minute)))
		_, ok, err := s.Get(ctx, k)
		require.NoError(t, err)
		assert.True(t, ok)
	})
}

func TestStorePutRefusesWhatItCannotKeep(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	s := newStore(t, newClient(t, srv), redisstore.StoreOptions{MaxValueSize: 512})
	k := sha256.Sum256([]byte("tok"))
	exp := time.Now().Add(time.Minute)

	require.ErrorIs(t, s.Put(ctx, k, nil, exp), token.ErrUnavailable)
	big := activeAnswer(time.Now().Add(time.Hour))
	big.Extra["blob"] = json.RawMessage(`"` + strings.Repeat("b", 600) + `"`)
	require.ErrorIs(t, s.Put(ctx, k, big, exp), token.ErrUnavailable)
	bad := activeAnswer(time.Now().Add(time.Hour))
	bad.Extra["scope"] = json.RawMessage(`"admin"`)
	require.ErrorIs(t, s.Put(ctx, k, bad, exp), token.ErrUnavailable, "an answer MarshalJSON refuses is not stored")
	_, ok, err := s.Get(ctx, k)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestNewStoreRefusesBadOptions(t *testing.T) {
	good := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	noCtx := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer noCtx.Close()

	for name, tc := range map[string]struct {
		client redis.UniversalClient
		opts   redisstore.StoreOptions
		want   string
	}{
		"no client":                {nil, redisstore.StoreOptions{}, "no Redis client"},
		"context timeouts ignored": {noCtx, redisstore.StoreOptions{}, "ContextTimeoutEnabled"},
		"negative timeout":         {good, redisstore.StoreOptions{Timeout: -1}, "Timeout"},
		"negative value size":      {good, redisstore.StoreOptions{MaxValueSize: -1}, "MaxValueSize"},
		"negative forget window":   {good, redisstore.StoreOptions{ForgetWindow: -time.Second}, "ForgetWindow"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := redisstore.NewStore(tc.client, tc.opts)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	_, err := redisstore.NewReplayStore(cluster, redisstore.ReplayOptions{})
	assert.ErrorContains(t, err, "ContextTimeoutEnabled", "cluster clients are held to the same rule")
}

func TestNilStoresFailAsOutages(t *testing.T) {
	ctx := context.Background()
	var s *redisstore.Store
	_, _, err := s.Get(ctx, [32]byte{})
	assert.ErrorIs(t, err, token.ErrUnavailable)
	assert.ErrorIs(t, s.Put(ctx, [32]byte{}, &introspect.Response{}, time.Now().Add(time.Minute)), token.ErrUnavailable)
	assert.ErrorIs(t, s.Delete(ctx, [32]byte{}), token.ErrUnavailable)
	assert.ErrorIs(t, new(redisstore.Store).Delete(ctx, [32]byte{}), token.ErrUnavailable)
	var r *redisstore.ReplayStore
	assert.ErrorIs(t, r.Use(ctx, "jti", time.Now().Add(time.Minute)), token.ErrUnavailable)
	assert.ErrorIs(t, new(redisstore.ReplayStore).Use(ctx, "jti", time.Now().Add(time.Minute)), token.ErrUnavailable)
}

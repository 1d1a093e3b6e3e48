package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/token"
)

func TestReplayStoreSeesAReplayOnAnotherServer(t *testing.T) {
	srv := startRedis(t)
	ctx := context.Background()
	c := newClient(t, srv)
	a, err := redisstore.NewReplayStore(c, redisstore.ReplayOptions{})
	require.NoError(t, err)
	b, err := redisstore.NewReplayStore(newClient(t, srv), redisstore.ReplayOptions{})
	require.NoError(t, err)
	exp := time.Now().Add(time.Minute)

	require.NoError(t, a.Use(ctx, "jti-1", exp))
	err = b.Use(ctx, "jti-1", exp)
	require.ErrorIs(t, err, token.ErrReplay, "the other server refuses the replay")
	var ve *token.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "jti", ve.Claim)
	require.ErrorIs(t, a.Use(ctx, "jti-1", exp), token.ErrReplay, "and so does the first")
	require.NoError(t, b.Use(ctx, "jti-2", exp), "another identifier is fresh")

	// The key is a hash under the prefix, and lives until expires, rounded
	// up to the millisecond (never forgotten early).
	sum := sha256.Sum256([]byte("jti-1"))
	pttl, err := c.PTTL(ctx, redisstore.DefaultReplayPrefix+hex.EncodeToString(sum[:])).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 55*time.Second)
	assert.LessOrEqual(t, pttl, time.Minute+time.Millisecond)
	n, err := c.Exists(ctx, "jti-1").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the identifier itself is not a key")

	// A past expiry records nothing, but a recorded identifier is still a
	// replay.
	require.NoError(t, a.Use(ctx, "jti-3", time.Now().Add(-time.Second)))
	require.NoError(t, a.Use(ctx, "jti-3", exp), "nothing was recorded for a past expiry")
	require.ErrorIs(t, a.Use(ctx, "jti-1", time.Now().Add(-time.Second)), token.ErrReplay)

	// Once the identifier expires it may be used again. Its second use
	// comes one round trip later, well within the second it lives, even on
	// a loaded machine.
	require.NoError(t, a.Use(ctx, "jti-short", time.Now().Add(time.Second)))
	require.ErrorIs(t, b.Use(ctx, "jti-short", time.Now().Add(time.Minute)), token.ErrReplay)
	assert.Eventually(t, func() bool {
		return b.Use(ctx, "jti-short", time.Now().Add(time.Minute)) == nil
	}, 5*time.Second, 10*time.Millisecond)
}

// TestReplayRaceAcrossServers presents the same jti from many goroutines
// on several servers (each with its own client and connections) at once:
// exactly one may be accepted, every other gets token.ErrReplay.
func TestReplayRaceAcrossServers(t *testing.T) {
	srv := startRedis(t)
	const servers, perServer, rounds = 4, 16, 20
	stores := make([]*redisstore.ReplayStore, servers)
	for i := range stores {
		s, err := redisstore.NewReplayStore(newClient(t, srv), redisstore.ReplayOptions{})
		require.NoError(t, err)
		stores[i] = s
	}
	ctx := context.Background()
	for round := range rounds {
		jti := "raced-" + strconv.Itoa(round)
		var accepted, replays, other atomic.Int32
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, s := range stores {
			for range perServer {
				wg.Go(func() {
					<-start
					switch err := s.Use(ctx, jti, time.Now().Add(time.Minute)); {
					case err == nil:
						accepted.Add(1)
					case errors.Is(err, token.ErrReplay):
						replays.Add(1)
					default:
						other.Add(1)
						t.Errorf("Use: %v", err)
					}
				})
			}
		}
		close(start)
		wg.Wait()
		require.EqualValues(t, 1, accepted.Load(), "round %d: exactly one presentation is accepted", round)
		require.EqualValues(t, servers*perServer-1, replays.Load(), "round %d: every other is a replay", round)
		require.Zero(t, other.Load())
	}
}

// TestReplayStoreFullRedisRefuses runs Redis with a tiny memory limit and
// no eviction: once full, Use fails as an outage, never accepting an
// identifier it could not record.
func TestReplayStoreFullRedisRefuses(t *testing.T) {
	srv := startRedis(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	ctx := context.Background()
	s, err := redisstore.NewReplayStore(newClient(t, srv), redisstore.ReplayOptions{})
	require.NoError(t, err)
	var full error
	for i := 0; i < 200_000 && full == nil; i++ {
		full = s.Use(ctx, "jti-"+strconv.Itoa(i), time.Now().Add(time.Hour))
	}
	require.ErrorIs(t, full, token.ErrUnavailable, "a full Redis is an outage")
	assert.NotErrorIs(t, full, token.ErrReplay)
}

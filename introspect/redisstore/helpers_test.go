package redisstore_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/introspect/redisstore/internal/redistest"
)

// startRedis starts a real redis-server for the test and stops it when the
// test ends. Where redis-server is not installed the test is skipped on a
// developer's machine, but fails under CI (CI set), which must install it:
// these tests are the proof that the stores work on a real Redis.
func startRedis(t testing.TB, extra ...string) *redistest.Server {
	t.Helper()
	srv, err := redistest.Start(extra...)
	if errors.Is(err, redistest.ErrNoBinary) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; CI must install it (.ci/run does)", err)
		}
		t.Skipf("%v; skipped outside CI", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client of srv, closed when the test ends. Each
// server of a fleet has its own.
func newClient(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  srv.Addr(),
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		// Failures must show as they happen, not be hidden by retries.
		MaxRetries: -1,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the tests that stop Redis on purpose
	// would fill the output with them.
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

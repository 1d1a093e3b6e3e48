// Command fleet runs a small fleet of API replicas in one process, all
// sharing one Redis, and shows what the sharing gives: an opaque token
// introspected once for the whole fleet, a revocation heard by one replica
// reaching every replica at once, and a single-use identifier (as a DPoP
// proof's jti) accepted by exactly one replica however it is raced.
//
// It needs a Redis. Given one with -redis (or REDIS_ADDR), it uses it, under
// a key prefix of its own whose keys all expire; otherwise it starts
// redis-server from PATH on a free loopback port, keeping nothing on disk,
// and stops it at the end. With neither, it says how to get one and exits
// with status 2.
//
//	go run ./examples/fleet                       # from introspect/redisstore
//	go run ./examples/fleet -redis 127.0.0.1:6379
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/introspect/redisstore"
	"github.com/tokenguard/tokenguard/introspect/redisstore/internal/redistest"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// replicas is the size of the fleet.
const replicas = 3

func main() {
	addr := flag.String("redis", os.Getenv("REDIS_ADDR"), "address (host:port) of a Redis to use; empty starts redis-server from PATH")
	flag.Parse()
	if err := start(context.Background(), *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		if errors.Is(err, redistest.ErrNoBinary) {
			fmt.Fprintln(os.Stderr, "fleet: this example needs a Redis: pass -redis host:port (or set REDIS_ADDR), or install redis-server (apt-get install redis-server) and it starts one on loopback")
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// start finds or starts the Redis, then runs the fleet against it.
func start(ctx context.Context, addr string, w io.Writer) error {
	if addr == "" {
		srv, err := redistest.Start()
		if err != nil {
			return err
		}
		defer srv.Close()
		addr = srv.Addr()
		fmt.Fprintf(w, "started redis-server on loopback for this run\n")
	} else {
		if err := reachable(ctx, addr); err != nil {
			return err
		}
		fmt.Fprintf(w, "using the Redis at %s\n", addr)
	}
	return run(ctx, addr, w)
}

// reachable checks that a Redis answers at addr, so that a wrong address
// is reported as such rather than as the fleet's 503 answers.
func reachable(ctx context.Context, addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("no Redis answers at %s: %w", addr, err)
	}
	return nil
}

// replica is one API server of the fleet.
type replica struct {
	name    string
	answers *redisstore.Store
	api     *httptest.Server
	cache   *introspect.Cache
	replays *redisstore.ReplayStore
}

func run(ctx context.Context, addr string, w io.Writer) error {
	iss, err := tokentest.Start()
	if err != nil {
		return err
	}
	defer iss.Close()

	// A prefix of this run's own, so nothing else in that Redis is touched;
	// every key it writes expires.
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	prefix := "tokenguard-fleet-example:" + hex.EncodeToString(nonce[:]) + ":"

	fleet := make([]replica, replicas)
	for i := range fleet {
		r, cleanup, err := newReplica(i+1, iss, addr, prefix)
		if err != nil {
			return err
		}
		defer cleanup()
		fleet[i] = r
	}
	fmt.Fprintf(w, "%d API replicas share one Redis\n\n", replicas)

	good := iss.OpaqueToken(tokentest.Claims{"scope": "read:reports"})
	fmt.Fprintln(w, "one opaque token, sent to each replica in turn:")
	for _, r := range fleet {
		if err := expect(ctx, w, r, good, http.StatusOK); err != nil {
			return err
		}
		// A Cache stores an answer just after handing it to the request;
		// wait for that, so the count below does not depend on timing.
		if err := awaitStored(ctx, r.answers, good); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "introspection requests: %d for %d requests on %d replicas (separate in-memory caches would make %d)\n\n",
		iss.IntrospectionRequests(), replicas, replicas, replicas)

	iss.Revoke(good)
	fmt.Fprintln(w, "the issuer revokes it; the cached answer still says active:")
	if err := expect(ctx, w, fleet[0], good, http.StatusOK); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s hears of the logout and calls Cache.Forget; every replica refuses the token at once:\n", fleet[1].name)
	if err := fleet[1].cache.Forget(ctx, good); err != nil {
		return err
	}
	for _, r := range fleet {
		if err := expect(ctx, w, r, good, http.StatusUnauthorized); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\na single-use identifier (as a DPoP proof's jti), used on one replica and replayed on another:")
	exp := time.Now().Add(time.Minute)
	if err := fleet[0].replays.Use(ctx, "jti-1", exp); err != nil {
		return fmt.Errorf("first use: %w", err)
	}
	fmt.Fprintf(w, "  %s  first use   accepted\n", fleet[0].name)
	err = fleet[2].replays.Use(ctx, "jti-1", exp)
	if !errors.Is(err, token.ErrReplay) {
		return fmt.Errorf("replay on another replica: got %v, want token.ErrReplay", err)
	}
	fmt.Fprintf(w, "  %s  replay      refused (token.ErrReplay)\n", fleet[2].name)

	const perReplica = 10
	var accepted, refused atomic.Int32
	var wg sync.WaitGroup
	for _, r := range fleet {
		for range perReplica {
			wg.Go(func() {
				switch err := r.replays.Use(ctx, "jti-raced", exp); {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, token.ErrReplay):
					refused.Add(1)
				}
			})
		}
	}
	wg.Wait()
	fmt.Fprintf(w, "%d concurrent uses of one new jti on %d replicas: %d accepted, %d refused as replays\n",
		replicas*perReplica, replicas, accepted.Load(), refused.Load())
	if accepted.Load() != 1 || refused.Load() != replicas*perReplica-1 {
		return errors.New("the race was not decided once")
	}
	return nil
}

// newReplica builds replica n: its own Redis client, introspection client,
// cache, validator and HTTP server, as a separate process would have.
func newReplica(n int, iss *tokentest.Issuer, addr, prefix string) (replica, func(), error) {
	name := fmt.Sprintf("replica %d", n)
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     iss.IntrospectionURL(),
		ClientID:     iss.IntrospectionClientID(),
		ClientSecret: iss.IntrospectionClientSecret(),
		Timeout:      2 * time.Second,
	})
	if err != nil {
		_ = rdb.Close()
		return replica{}, nil, err
	}
	cleanup := func() { _ = client.Close(); _ = rdb.Close() }
	// A Timeout above the default (500 ms), so the demonstration also runs
	// on a busy machine.
	answers, err := redisstore.NewStore(rdb, redisstore.StoreOptions{Prefix: prefix + "introspect:", Timeout: 2 * time.Second})
	if err != nil {
		cleanup()
		return replica{}, nil, err
	}
	replays, err := redisstore.NewReplayStore(rdb, redisstore.ReplayOptions{Prefix: prefix + "replay:", Timeout: 2 * time.Second})
	if err != nil {
		cleanup()
		return replica{}, nil, err
	}
	cache := introspect.NewCache(client, introspect.CacheOptions{Store: answers, MaxTTL: time.Minute})
	v, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss.URL(), Audience: iss.Audience(), Introspector: cache})
	if err != nil {
		cleanup()
		return replica{}, nil, err
	}
	mw := middleware.New(v, middleware.Options{Realm: "reports"})
	api := httptest.NewServer(mw.Require("read:reports")(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(rw, "reports, served by %s\n", name)
	})))
	return replica{name: name, answers: answers, api: api, cache: cache, replays: replays}, func() { api.Close(); cleanup() }, nil
}

// expect sends tok to r and checks the status.
func expect(ctx context.Context, w io.Writer, r replica, tok string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.api.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := r.api.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != want {
		return fmt.Errorf("%s answered %d, want %d (%s)", r.name, resp.StatusCode, want, resp.Header.Get("WWW-Authenticate"))
	}
	fmt.Fprintf(w, "  %s  %d %s\n", r.name, resp.StatusCode, http.StatusText(resp.StatusCode))
	return nil
}

// awaitStored waits, for five seconds at most, until answers holds the
// answer for tok.
func awaitStored(ctx context.Context, answers *redisstore.Store, tok string) error {
	key := sha256.Sum256([]byte(tok))
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, ok, err := answers.Get(ctx, key)
		switch {
		case err != nil:
			return err
		case ok:
			return nil
		case time.Now().After(deadline):
			return errors.New("the introspection answer was not stored within five seconds")
		}
		time.Sleep(time.Millisecond)
	}
}

package redisstore

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults, used when the matching option is zero.
const (
	// DefaultStorePrefix is put before the key of every introspection
	// answer a Store keeps.
	DefaultStorePrefix = "tokenguard:introspect:"
	// DefaultReplayPrefix is put before the key of every identifier a
	// ReplayStore records.
	DefaultReplayPrefix = "tokenguard:replay:"
	// DefaultTimeout bounds one call to Redis: a Redis that has not
	// answered by then is an outage for that call.
	DefaultTimeout = 500 * time.Millisecond
	// DefaultMaxValueSize bounds a stored answer, as this package encodes
	// it: room for the largest answer a Client accepts
	// (introspect.DefaultMaxResponseSize, 64 KiB) and more.
	DefaultMaxValueSize = 128 << 10
	// DefaultForgetWindow is how long, after Forget, an active answer for
	// the forgotten token is not stored by any replica.
	DefaultForgetWindow = time.Minute
)

// settings are the options both stores share, resolved.
type settings struct {
	prefix  string
	timeout time.Duration
	now     func() time.Time
}

// resolve checks the client and the shared options. name is the options
// type, for messages.
func resolve(client redis.UniversalClient, name, prefix, defPrefix string, timeout time.Duration, now func() time.Time) (settings, error) {
	s := settings{prefix: prefix, timeout: timeout, now: now}
	if client == nil {
		return s, fmt.Errorf("redisstore: no Redis client; pass one made by redis.NewClient (or NewClusterClient, NewFailoverClient)")
	}
	if err := contextTimeouts(client); err != nil {
		return s, err
	}
	if s.prefix == "" {
		s.prefix = defPrefix
	}
	switch {
	case s.timeout == 0:
		s.timeout = DefaultTimeout
	case s.timeout < 0:
		return s, fmt.Errorf("redisstore: %s.Timeout is %v; it must be positive (or zero for the default, %v)", name, timeout, DefaultTimeout)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// contextTimeouts refuses a client that would ignore the deadline of a
// call's context: go-redis applies it to reads and writes only when
// ContextTimeoutEnabled is set, and without it a slow Redis would hold a
// call for the client's ReadTimeout (3 seconds by default) whatever
// Timeout says.
func contextTimeouts(client redis.UniversalClient) error {
	enabled := true
	switch c := client.(type) {
	case *redis.Client:
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		enabled = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		enabled = c.Options().ContextTimeoutEnabled
	}
	if !enabled {
		return fmt.Errorf("redisstore: the Redis client's options have ContextTimeoutEnabled false, so it would ignore the deadline of each call (Timeout) and a slow Redis could hold a request for the client's ReadTimeout; set ContextTimeoutEnabled: true")
	}
	return nil
}

package jwks

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/internal/settings"
)

// Defaults used when a field of Options is zero.
const (
	// DefaultTimeout bounds one fetch: connecting, the answer and its body.
	DefaultTimeout = 10 * time.Second
	// DefaultMinRefresh is the shortest interval between background
	// refreshes, whatever the server's caching headers say. It is also the
	// interval used when the answer carries neither Cache-Control max-age
	// nor Expires, and the longest wait between retries while the endpoint
	// fails.
	DefaultMinRefresh = 5 * time.Minute
	// DefaultMaxRefresh is the longest interval between background
	// refreshes, however long the server allows caching.
	DefaultMaxRefresh = 24 * time.Hour
	// DefaultRefetchCooldown is how long after a refetch for an unknown kid
	// the next one may start.
	DefaultRefetchCooldown = 30 * time.Second
	// DefaultMaxBodySize bounds a JWKS or discovery document. Real key sets
	// are a few kilobytes.
	DefaultMaxBodySize = 1 << 20
)

// firstRetry is the wait before the first retry after a failed background
// refresh; it doubles with each further failure up to MinRefresh.
const firstRetry = 10 * time.Second

// maxResponseHeaderBytes bounds the answer's headers on the transport this
// package builds when Options.HTTPClient is nil.
const maxResponseHeaderBytes = 64 << 10

// Options configures New and FromIssuer. The zero value is the safe default
// for every field, and a negative duration or size is an error, as package
// token's rule for configuration values says.
type Options struct {
	// HTTPClient sends the requests. Nil means a client of this package's
	// own: a transport like http.DefaultTransport with answers' headers
	// bounded to 64 KiB; Timeout bounds each request. A client given here is
	// copied and its copy's CheckRedirect replaced, so that a redirect is
	// followed only within the same host and port and never from https to
	// http; its Transport and Timeout are used as they are.
	HTTPClient *http.Client

	// Timeout bounds each fetch, from connecting to reading the last byte,
	// and so bounds how long a Keys call for an unknown kid may wait. Zero
	// means DefaultTimeout (10s).
	Timeout time.Duration

	// MinRefresh and MaxRefresh clamp the background refresh interval that
	// the server's Cache-Control max-age (or, without it, Expires) asks for.
	// An answer with neither is refreshed after MinRefresh. Zero means
	// DefaultMinRefresh (5m) and DefaultMaxRefresh (24h); when only one is
	// set and it lies outside the other's default, the other follows it.
	// MinRefresh greater than MaxRefresh is an error.
	MinRefresh, MaxRefresh time.Duration

	// RefetchCooldown is the least time between two refetches caused by a
	// token whose kid is not in the key set; in between, an unknown kid is
	// refused at once with token.ErrKeyNotFound. It limits how hard tokens
	// with made-up kids can make this process hit the issuer. Zero means
	// DefaultRefetchCooldown (30s).
	RefetchCooldown time.Duration

	// MaxBodySize bounds the JWKS and discovery documents in bytes; a longer
	// answer is refused without being read to its end. Zero means
	// DefaultMaxBodySize (1 MiB).
	MaxBodySize int64

	// AllowInsecureHTTP permits plain http URLs on hosts that are not loopback
	// addresses. Anyone on the network path could then substitute their own
	// keys; use it only inside a network you trust completely. http to
	// localhost, 127.0.0.0/8 and ::1 is always allowed.
	AllowInsecureHTTP bool

	// Logger, if not nil, receives a warning for each failed fetch, an info
	// line when the key set changes, and debug lines for each fetch and each
	// key skipped as unusable. Nil means no logging.
	Logger *slog.Logger

	// now and after replace the clock and timers in tests.
	now   func() time.Time
	after func(time.Duration) (<-chan time.Time, func() bool)
}

// config is Options with the defaults filled in.
type config struct {
	client     *http.Client
	ownsClient bool
	timeout    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	cooldown   time.Duration
	maxBody    int64
	allowHTTP  bool
	log        *slog.Logger
	now        func() time.Time
	after      func(time.Duration) (<-chan time.Time, func() bool)
}

func (o *Options) config() (*config, error) {
	c := &config{
		allowHTTP: o.AllowInsecureHTTP,
		log:       o.Logger,
		after:     o.after,
	}
	var err error
	if c.timeout, err = settings.Limit("jwks: Options.Timeout", o.Timeout, DefaultTimeout); err != nil {
		return nil, err
	}
	if c.cooldown, err = settings.Limit("jwks: Options.RefetchCooldown", o.RefetchCooldown, DefaultRefetchCooldown); err != nil {
		return nil, err
	}
	if c.maxBody, err = settings.Limit("jwks: Options.MaxBodySize", o.MaxBodySize, DefaultMaxBodySize); err != nil {
		return nil, err
	}
	// MinRefresh and MaxRefresh default together: one set alone moves the
	// other's default so that the two stay ordered.
	if _, err := settings.Limit("jwks: Options.MinRefresh", o.MinRefresh, DefaultMinRefresh); err != nil {
		return nil, err
	}
	if _, err := settings.Limit("jwks: Options.MaxRefresh", o.MaxRefresh, DefaultMaxRefresh); err != nil {
		return nil, err
	}
	c.minRefresh, c.maxRefresh = o.MinRefresh, o.MaxRefresh
	switch {
	case c.minRefresh == 0 && c.maxRefresh == 0:
		c.minRefresh, c.maxRefresh = DefaultMinRefresh, DefaultMaxRefresh
	case c.minRefresh == 0:
		c.minRefresh = min(DefaultMinRefresh, c.maxRefresh)
	case c.maxRefresh == 0:
		c.maxRefresh = max(DefaultMaxRefresh, c.minRefresh)
	case c.minRefresh > c.maxRefresh:
		return nil, fmt.Errorf("jwks: Options.MinRefresh (%v) is greater than Options.MaxRefresh (%v)", o.MinRefresh, o.MaxRefresh)
	}
	c.now = settings.Clock(o.now)
	if c.after == nil {
		c.after = realAfter
	}
	if o.HTTPClient != nil {
		hc := *o.HTTPClient
		c.client = &hc
	} else {
		// Timeout applies through each request's context (see get), which
		// tells a timeout apart from the caller's own deadline.
		c.client = &http.Client{Transport: httpx.NewTransport(maxResponseHeaderBytes)}
		c.ownsClient = true
	}
	c.client.CheckRedirect = checkRedirect
	return c, nil
}

func realAfter(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// release closes the idle connections of the client this package built, so
// that no connection goroutine outlives the Remote. A caller's own client is
// left alone.
func (c *config) release() {
	if c.ownsClient {
		c.client.CloseIdleConnections()
	}
}

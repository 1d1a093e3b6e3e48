package jwks

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Stats describes a Remote's fetches, for a service to export as metrics or
// show on a health page.
type Stats struct {
	// URL is the JWKS URL, with any query shown as "...".
	URL string
	// Keys is the number of usable keys in the current set.
	Keys int
	// Skipped is the number of keys the last successful fetch left out as
	// unusable for signatures (use "enc", unsupported kty, RSA too small).
	Skipped int
	// Fetches counts every fetch that ended, the first one included, and
	// Failures those of them that failed.
	Fetches, Failures uint64
	// Refetches counts the fetches started because a token named a kid not
	// in the set.
	Refetches uint64
	// ConsecutiveFailures counts the failed fetches since the last success.
	ConsecutiveFailures int
	// LastSuccess and LastFailure are when the last successful and the last
	// failed fetch ended; zero if none has.
	LastSuccess, LastFailure time.Time
	// LastError is the error of the most recent fetch, or "" when it
	// succeeded.
	LastError string
	// NextRefresh is when the background refresh is next due; zero once
	// the Remote is closed.
	NextRefresh time.Time
}

// recorder keeps a Remote's Stats.
type recorder struct {
	mu sync.Mutex
	s  Stats
}

func (rec *recorder) fetched(now time.Time, skipped int, err error) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.s.Fetches++
	if err != nil {
		rec.s.Failures++
		rec.s.ConsecutiveFailures++
		rec.s.LastFailure = now
		rec.s.LastError = err.Error()
		return
	}
	rec.s.ConsecutiveFailures = 0
	rec.s.LastSuccess = now
	rec.s.LastError = ""
	rec.s.Skipped = skipped
}

func (rec *recorder) refetch() {
	rec.mu.Lock()
	rec.s.Refetches++
	rec.mu.Unlock()
}

func (rec *recorder) scheduled(at time.Time) {
	rec.mu.Lock()
	rec.s.NextRefresh = at
	rec.mu.Unlock()
}

func (rec *recorder) snapshot() Stats {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.s
}

// logger wraps an optional *slog.Logger; its zero value logs nothing.
type logger struct{ l *slog.Logger }

func (lg logger) log(level slog.Level, msg string, args ...any) {
	if lg.l == nil {
		return
	}
	lg.l.Log(context.Background(), level, msg, args...)
}

package jwks

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// refreshAfter computes when a key set fetched at now should be fetched
// again: the Cache-Control max-age if there is one, else Expires (relative to
// the answer's Date, or now without one), less the answer's Age when a cache
// on the way already held it that long (RFC 9111 §4.2.3), clamped to
// [lo, hi]. no-store, no-cache, max-age=0 and an Expires in the past all
// mean lo; an answer with no caching headers at all also gets lo.
func refreshAfter(h http.Header, now time.Time, lo, hi time.Duration) time.Duration {
	d, ok := maxAge(h.Values("Cache-Control"))
	relative := ok
	if !ok {
		d, ok = expiresIn(h, now)
		// An Expires read against now is already the time left; against
		// Date it is the lifetime from the origin's answer, which Age
		// has partly used up.
		relative = ok && h.Get("Date") != ""
	}
	if !ok {
		return lo
	}
	if relative {
		d = max(d-age(h.Get("Age")), 0)
	}
	return min(max(d, lo), hi)
}

// age reads the Age header (RFC 9111 §5.1): the first member of its value,
// in seconds. An invalid value is ignored (zero).
func age(v string) time.Duration {
	first, _, _ := strings.Cut(v, ",")
	first = strings.TrimSpace(first)
	if !isDigits(first) {
		return 0
	}
	secs, err := strconv.ParseUint(first, 10, 64)
	if err != nil { // too many digits for uint64: older than anything
		secs = math.MaxUint64
	}
	return secondsToDuration(secs)
}

// maxAge reads the max-age directive of Cache-Control (RFC 9111 §5.2.2.1).
// no-store and no-cache count as max-age=0. ok is false when there is
// neither.
func maxAge(fields []string) (d time.Duration, ok bool) {
	noCache := false
	for _, field := range fields {
		for dir := range strings.SplitSeq(field, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				noCache = true
			case "max-age":
				if ok {
					continue // the first max-age counts
				}
				value = strings.Trim(strings.TrimSpace(value), `"`)
				secs, err := strconv.ParseUint(value, 10, 64)
				if err != nil {
					if isDigits(value) { // too many digits for uint64: forever
						secs, err = math.MaxUint64, nil
					} else {
						continue
					}
				}
				d, ok = secondsToDuration(secs), true
			}
		}
	}
	if noCache {
		return 0, true
	}
	return d, ok
}

// expiresIn reads Expires (RFC 9111 §5.3) against Date. An Expires that does
// not parse means "already expired".
func expiresIn(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Expires")
	if v == "" {
		return 0, false
	}
	exp, err := http.ParseTime(v)
	if err != nil {
		return 0, true
	}
	base := now
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		base = date
	}
	return max(exp.Sub(base), 0), true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func secondsToDuration(secs uint64) time.Duration {
	if secs > uint64(math.MaxInt64/int64(time.Second)) {
		return math.MaxInt64
	}
	return time.Duration(secs) * time.Second
}

// retryAfter is the wait after the n-th consecutive failed refresh (n ≥ 1):
// firstRetry, doubling with each failure, never more than lo (MinRefresh).
func retryAfter(n int, lo time.Duration) time.Duration {
	if n < 1 {
		n = 1
	}
	d := firstRetry
	for i := 1; i < n && d < lo; i++ {
		d *= 2
	}
	return min(d, lo)
}

// loop refreshes the key set in the background until r.ctx ends: after
// each success when the caching headers say (next), after each failure
// with backoff, keeping the last good keys meanwhile. On its way out it
// stops the fetches in flight and waits for them.
func (r *Remote) loop(next time.Duration) {
	defer close(r.loopDone)
	defer r.shutdown()
	failures := 0
	for {
		r.stats.scheduled(r.cfg.now().Add(next))
		tick, stop := r.cfg.after(next)
		select {
		case <-r.ctx.Done():
			stop()
			return
		case <-tick:
		}
		c, _ := r.flight.do(nil, r.fetch)
		if c == nil {
			return // closed
		}
		select {
		case <-r.ctx.Done():
			return
		case <-c.done:
		}
		if c.err != nil {
			failures++
			next = retryAfter(failures, r.cfg.minRefresh)
			continue
		}
		failures = 0
		next = c.next
	}
}

package jwks

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRefreshAfter(t *testing.T) {
	now := time.Date(2023, 11, 14, 22, 0, 0, 0, time.UTC)
	const lo, hi = time.Minute, time.Hour
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"no header", http.Header{}, lo},
		{"max-age", http.Header{"Cache-Control": {"max-age=600"}}, 10 * time.Minute},
		{"max-age among other directives", http.Header{"Cache-Control": {"public, must-revalidate, max-age=900"}}, 15 * time.Minute},
		{"max-age spelled in capitals", http.Header{"Cache-Control": {"Max-Age=900"}}, 15 * time.Minute},
		{"quoted max-age", http.Header{"Cache-Control": {`max-age="900"`}}, 15 * time.Minute},
		{"max-age in a second header line", http.Header{"Cache-Control": {"public", "max-age=900"}}, 15 * time.Minute},
		{"first max-age counts", http.Header{"Cache-Control": {"max-age=900, max-age=60000"}}, 15 * time.Minute},
		{"max-age below the minimum", http.Header{"Cache-Control": {"max-age=1"}}, lo},
		{"max-age=0", http.Header{"Cache-Control": {"max-age=0"}}, lo},
		{"max-age above the maximum", http.Header{"Cache-Control": {"max-age=86400"}}, hi},
		{"max-age beyond uint64", http.Header{"Cache-Control": {"max-age=99999999999999999999999"}}, hi},
		{"max-age beyond Duration", http.Header{"Cache-Control": {"max-age=9999999999999"}}, hi},
		{"invalid max-age falls back to Expires", http.Header{"Cache-Control": {"max-age=soon"}, "Expires": {date(20 * time.Minute)}}, 20 * time.Minute},
		{"negative max-age is invalid", http.Header{"Cache-Control": {"max-age=-5"}}, lo},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, lo},
		{"no-store beats max-age", http.Header{"Cache-Control": {"no-store, max-age=900"}}, lo},
		{"s-maxage alone is for shared caches", http.Header{"Cache-Control": {"s-maxage=900"}}, lo},
		{"max-age beats Expires", http.Header{"Cache-Control": {"max-age=900"}, "Expires": {date(50 * time.Minute)}}, 15 * time.Minute},
		{"Expires against now", http.Header{"Expires": {date(20 * time.Minute)}}, 20 * time.Minute},
		{"Expires against Date", http.Header{"Expires": {date(50 * time.Minute)}, "Date": {date(10 * time.Minute)}}, 40 * time.Minute},
		{"Expires in the past", http.Header{"Expires": {date(-time.Hour)}}, lo},
		{"Expires invalid means expired", http.Header{"Expires": {"0"}}, lo},
		{"Expires beyond the maximum", http.Header{"Expires": {date(48 * time.Hour)}}, hi},
		{"Age is taken from max-age", http.Header{"Cache-Control": {"max-age=900"}, "Age": {"300"}}, 10 * time.Minute},
		{"Age beyond max-age means lo", http.Header{"Cache-Control": {"max-age=900"}, "Age": {"1000"}}, lo},
		{"Age is taken before clamping to hi", http.Header{"Cache-Control": {"max-age=86400"}, "Age": {"84600"}}, 30 * time.Minute},
		{"first Age member counts", http.Header{"Cache-Control": {"max-age=900"}, "Age": {"300, 10"}}, 10 * time.Minute},
		{"invalid Age is ignored", http.Header{"Cache-Control": {"max-age=900"}, "Age": {"-300"}}, 15 * time.Minute},
		{"Age beyond uint64", http.Header{"Cache-Control": {"max-age=900"}, "Age": {"99999999999999999999999"}}, lo},
		{"Age is taken from Expires against Date", http.Header{"Expires": {date(50 * time.Minute)}, "Date": {date(10 * time.Minute)}, "Age": {"600"}}, 30 * time.Minute},
		{"Age with no-cache stays lo", http.Header{"Cache-Control": {"no-cache"}, "Age": {"600"}}, lo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, refreshAfter(tc.header, now, lo, hi))
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		failures int
		lo       time.Duration
		want     time.Duration
	}{
		{0, 5 * time.Minute, 10 * time.Second},
		{1, 5 * time.Minute, 10 * time.Second},
		{2, 5 * time.Minute, 20 * time.Second},
		{5, 5 * time.Minute, 160 * time.Second},
		{6, 5 * time.Minute, 5 * time.Minute},
		{1000, 5 * time.Minute, 5 * time.Minute},
		{1, time.Second, time.Second},
		{3, time.Second, time.Second},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, retryAfter(tc.failures, tc.lo), "failure %d, MinRefresh %v", tc.failures, tc.lo)
	}
}

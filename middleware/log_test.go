package middleware_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/middleware"
)

// lockedBuffer is a bytes.Buffer the server's goroutines and the test can
// share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// TestLogger checks each refusal is logged once, at its level, with the
// reason, and never with the token or the query string.
func TestLogger(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := middleware.New(fakeValidator, middleware.Options{Logger: logger, AllowQuery: true})
	srv := httptest.NewServer(m.Require("write:appointments")(whoami))
	defer srv.Close()

	tests := []struct {
		name   string
		req    request
		level  string
		status string
		has    string
	}{
		{name: "no token", level: "DEBUG", status: "401", has: `reason="this resource requires a bearer access token (RFC 6750)"`},
		{name: "malformed", req: request{auth: []string{"Bearer a=b"}}, level: "DEBUG", status: "400", has: "error=invalid_request"},
		{name: "expired", req: request{auth: []string{"Bearer " + expiredToken}}, level: "INFO", status: "401",
			has: `reason="token expired (exp): expired at 2025-01-01T00:00:00Z, 1h0m0s ago"`},
		{name: "leaky validator", req: request{auth: []string{"Bearer " + leakyToken}}, level: "INFO", status: "401", has: "[token]"},
		{name: "scope from the query", req: request{target: "/appointments?access_token=" + goodToken}, level: "INFO", status: "403",
			has: "path=/appointments"},
		{name: "unavailable", req: request{auth: []string{"Bearer " + unavailableToken}}, level: "WARN", status: "503",
			has: `cause="validation unavailable: introspection endpoint answered 503: connection refused"`},
		{name: "plain error", req: request{auth: []string{"Bearer " + plainErrToken}}, level: "INFO", status: "401",
			has: `reason="the access token is not valid"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send(t, srv, tt.req)
			out := buf.take()
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 1, "one line per refusal: %q", out)
			assert.Contains(t, out, "level="+tt.level)
			assert.Contains(t, out, "status="+tt.status)
			assert.Contains(t, out, tt.has)
			for _, tok := range []string{goodToken, expiredToken, leakyToken, unavailableToken, plainErrToken, "access_token"} {
				assert.NotContains(t, out, tok)
			}
			for _, part := range strings.Split(leakyToken, ".") {
				assert.NotContains(t, out, part)
			}
		})
	}
}

// TestLoggerLevelFilter checks nothing is logged below the handler's level.
func TestLoggerLevelFilter(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := middleware.New(fakeValidator, middleware.Options{Logger: logger})
	srv := httptest.NewServer(m.Handler(whoami))
	defer srv.Close()
	send(t, srv, request{})
	send(t, srv, request{auth: []string{"Bearer " + expiredToken}})
	assert.Empty(t, buf.take())
	send(t, srv, request{auth: []string{"Bearer " + unavailableToken}})
	assert.Contains(t, buf.take(), "level=WARN")
}

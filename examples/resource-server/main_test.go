package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what run prints while run is still going.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	expectLine = regexp.MustCompile(`^# (.*): expect (\d{3})$`)
	curlArgs   = regexp.MustCompile(`'[^']*'|\S+`)
)

// TestPrintedCurlCommands runs the example on a free port and replays every
// curl command it prints, checking each gets the status printed beside it.
func TestPrintedCurlCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "expect") < 6 {
		if time.Now().After(deadline) {
			t.Fatalf("run printed no curl commands:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	cases := 0
	for sc.Scan() {
		m := expectLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if !sc.Scan() {
			t.Fatalf("no command after %q", m[0])
		}
		want, _ := strconv.Atoi(m[2])
		got := replay(t, sc.Text())
		if got != want {
			t.Errorf("%s: got status %d, want %d", m[1], got, want)
		}
		cases++
	}
	if cases != 6 {
		t.Errorf("replayed %d commands, want 6", cases)
	}
}

// replay performs what a printed curl command asks and returns the status.
func replay(t *testing.T, cmd string) int {
	t.Helper()
	args := curlArgs.FindAllString(cmd, -1)
	method, body, url := http.MethodGet, "", ""
	header := http.Header{}
	for i := 1; i < len(args); i++ {
		a := strings.Trim(args[i], "'")
		switch a {
		case "-i":
		case "-X":
			i++
			method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(strings.Trim(args[i], "'"), ": ")
			header.Set(k, v)
		case "-d":
			i++
			body = strings.Trim(args[i], "'")
		default:
			url = a
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAudienceRequiredWithIssuer(t *testing.T) {
	err := run(context.Background(), []string{"-issuer", "https://tenant.example.com/"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-audience") {
		t.Fatalf("got %v, want an error naming -audience", err)
	}
}

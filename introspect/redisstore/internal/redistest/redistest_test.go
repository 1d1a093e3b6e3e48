package redistest

import (
	"errors"
	"os"
	"testing"
)

func start(t *testing.T, extra ...string) *Server {
	t.Helper()
	srv, err := Start(extra...)
	if errors.Is(err, ErrNoBinary) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; CI must install it", err)
		}
		t.Skipf("%v; skipped outside CI", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestServerLifecycle(t *testing.T) {
	srv := start(t)
	if err := ping(srv.Addr()); err != nil {
		t.Fatalf("a started server answers: %v", err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := ping(srv.Addr()); err == nil {
		t.Fatal("a paused server answered")
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := ping(srv.Addr()); err != nil {
		t.Fatalf("a resumed server answers: %v", err)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := ping(srv.Addr()); err == nil {
		t.Fatal("a killed server answered")
	}
	if err := srv.Pause(); err == nil {
		t.Fatal("Pause of a killed server did not fail")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := ping(srv.Addr()); err != nil {
		t.Fatalf("a restarted server answers on the same address: %v", err)
	}
	if err := srv.Restart(); err == nil {
		t.Fatal("Restart of a running server did not fail")
	}
	srv.Close()
	if _, err := os.Stat(srv.dir); !os.IsNotExist(err) {
		t.Fatalf("Close left the directory behind: %v", err)
	}
}

func TestStartReportsAFailingServer(t *testing.T) {
	start(t) // skips or fails as above when redis-server is missing
	_, err := Start("--no-such-option", "x")
	if err == nil {
		t.Fatal("a server that cannot start was reported as started")
	}
}

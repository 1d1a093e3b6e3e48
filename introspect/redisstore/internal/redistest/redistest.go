// Package redistest starts and stops a real redis-server on a loopback port,
// for the tests and the example of package redisstore: it can kill, restart,
// pause and resume the server, to show what the stores do when Redis fails.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Binary is the name of the server program Start runs, looked up in PATH.
const Binary = "redis-server"

// ErrNoBinary is returned by Start when redis-server is not installed.
var ErrNoBinary = errors.New("redistest: redis-server is not installed (on Debian or Ubuntu: apt-get install redis-server)")

// startTimeout bounds how long Start and Restart wait for the server to
// answer PING.
const startTimeout = 10 * time.Second

// Server is a redis-server process started by Start, listening on
// 127.0.0.1 only, keeping nothing on disk (--save "" --appendonly no) in a
// temporary directory of its own.
type Server struct {
	addr string
	dir  string
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
	out *logTail
}

// Start runs redis-server on a free loopback port, with extra appended to
// its arguments (such as "--maxmemory", "1mb"), and waits until it answers.
func Start(extra ...string) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, ErrNoBinary
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	var last error
	// The free port is found by listening on port 0 and closing; another
	// process may take it meanwhile, so try a few.
	for range 3 {
		port, err := freePort()
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir}
		s.args = append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--daemonize", "no", "--protected-mode", "yes", "--logfile", "",
		}, extra...)
		s.args = append([]string{bin}, s.args...)
		if last = s.start(); last == nil {
			return s, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, last
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("redistest: the server is already running")
	}
	cmd := exec.Command(s.args[0], s.args[1:]...)
	out := new(logTail)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		if ping(s.addr) == nil {
			s.cmd, s.out = cmd, out
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redistest: redis-server exited before answering: %s", out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redistest: redis-server did not answer PING within %v", startTimeout)
		}
	}
}

// Kill ends the server at once (SIGKILL), as a crash would, and waits
// until its port is closed.
func (s *Server) Kill() error {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // a paused process dies too
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	deadline := time.Now().Add(startTimeout)
	for ping(s.addr) == nil {
		if time.Now().After(deadline) {
			return errors.New("redistest: the server still answers after SIGKILL")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// Restart starts the server again on the same port, empty (it kept nothing
// on disk). The server must have been killed.
func (s *Server) Restart() error { return s.start() }

// Pause stops the server's process (SIGSTOP): it keeps its port and its
// connections but answers nothing, as a Redis stuck in a long command
// would, until Resume.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redistest: the server is not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Close kills the server and removes its directory.
func (s *Server) Close() {
	_ = s.Kill()
	_ = os.RemoveAll(s.dir)
}

// ping sends PING on a new connection and checks for +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("redistest: PING answered %q", line)
	}
	return nil
}

// logTail keeps the end of the server's output, for an error message;
// the process's stdout and stderr share it.
type logTail struct {
	mu sync.Mutex
	b  []byte
}

const maxLog = 2 << 10

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if len(l.b) > maxLog {
		l.b = append(l.b[:0], l.b[len(l.b)-maxLog:]...)
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(bytes.TrimSpace(l.b))
}

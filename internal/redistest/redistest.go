// Package redistest starts and stops a redis-server for the tests of this
// repository's modules (redisrevoke, integration), which share it from
// here rather than each keeping a copy. It is for tests only.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/syncbuf"
)

// startTimeout bounds how long a redis-server may take to answer PING.
const startTimeout = 10 * time.Second

// Server is a redis-server process owned by one test: loopback only, no
// RDB or AOF persistence, working directory in t.TempDir().
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	conf string   // the config file's text, "" for none
	args []string // extra arguments, after the defaults

	cmd  *exec.Cmd
	done chan struct{}   // closed once cmd has exited and been waited for
	out  *syncbuf.Buffer // the server's log, shown when something goes wrong
}

// Start starts a redis-server on a free loopback port and waits until it
// answers PING. It skips the test when redis-server is not installed, and
// fails it instead when $CI is set. The server is killed when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, "")
}

// StartWith is Start with a config file and extra arguments: conf, when
// not empty, is written to redis.conf in the server's directory and passed
// first (redis-server needs one with --sentinel, and rewrites it); args
// follow the defaults, so they override them ("--appendonly", "yes";
// "--cluster-enabled", "yes"; "--sentinel"). The server must answer PING
// on its port, as a sentinel does.
func StartWith(t testing.TB, conf string, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install redis-server)"
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so this is a failure: %v", msg, err)
		}
		t.Skipf("%s: %v", msg, err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), conf: conf, args: args}
	t.Cleanup(s.Stop)
	// Another process may take the free port before redis-server binds it:
	// try a few ports.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("finding a free port for redis-server: %v", err)
		}
		s.port = port
		err = s.start()
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("starting redis-server: %v", err)
		}
		t.Logf("redis-server on port %d did not start (%v); trying another port", port, err)
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's port, on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// start runs redis-server on s.port and s.dir and waits for PING.
func (s *Server) start() error {
	if s.cmd != nil {
		return errors.New("redis-server is already running")
	}
	var args []string
	if s.conf != "" {
		path := filepath.Join(s.dir, "redis.conf")
		if err := os.WriteFile(path, []byte(s.conf), 0o600); err != nil {
			return err
		}
		args = append(args, path)
	}
	args = append(args,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
	)
	cmd := exec.Command(s.bin, append(args, s.args...)...)
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status of a killed server says nothing
		close(done)
	}()
	s.cmd, s.done, s.out = cmd, done, out
	if err := WaitForPing(s.Addr(), startTimeout, done); err != nil {
		s.Stop()
		return fmt.Errorf("%w; redis-server output:\n%s", err, out.String())
	}
	return nil
}

// Stop kills the server and waits until it has exited. It does nothing
// when the server is not running.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // fails only when it already exited
	<-s.done
	s.cmd = nil
}

// Pause stops the server with SIGSTOP: it keeps its connections and
// answers nothing, as a server stalled by the machine would, until Resume.
func (s *Server) Pause() {
	s.t.Helper()
	s.signal(syscall.SIGSTOP)
}

// Resume continues a server paused by Pause.
func (s *Server) Resume() {
	s.t.Helper()
	s.signal(syscall.SIGCONT)
}

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatalf("redis-server on port %d: %v: not running", s.port, sig)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redis-server on port %d: %v: %v", s.port, sig, err)
	}
}

// Log returns what the server wrote to its standard output and error
// since it last started, for a test's failure message.
func (s *Server) Log() string {
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// Dir is the server's working directory, where it keeps its config file,
// data and cluster state.
func (s *Server) Dir() string { return s.dir }

// Restart starts the server again on the same port and directory.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restarting redis-server on port %d: %v", s.port, err)
	}
}

// WaitForPing polls addr until a Redis there answers PING with PONG, the
// timeout passes, or exited (when not nil) is closed.
func WaitForPing(addr string, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = Ping(addr); last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before answering PING (last attempt: %v)", last)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v: %w", addr, timeout, last)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// Ping sends one PING to addr over a fresh connection and expects +PONG.
func Ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

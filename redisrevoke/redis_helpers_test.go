package redisrevoke_test

// Helpers for the ScaleOut tests and benchmarks: a real redis-server per
// test, a TCP proxy that cuts one client off Redis, and a counter of the
// commands Redis executed.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process owned by one test: loopback only,
// no persistence, working directory in tb.TempDir(). It is killed when the
// test ends.
type redisServer struct {
	tb   testing.TB
	bin  string
	dir  string
	port int

	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has exited
	out  *syncBuffer   // the server's log, shown when it does not start
}

// startRedis starts a redis-server on a free loopback port and waits until
// it answers PING. It skips the test when redis-server is not installed,
// and fails it instead when $CI is set.
func startRedis(tb testing.TB) *redisServer {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not on PATH (Debian/Ubuntu: apt-get install redis-server)"
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s; CI is set, so this is a failure: %v", msg, err)
		}
		tb.Skipf("%s: %v", msg, err)
	}
	s := &redisServer{tb: tb, bin: bin, dir: tb.TempDir()}
	tb.Cleanup(s.Stop)
	// Another process may take the free port before redis-server binds it.
	for attempt := 1; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			tb.Fatalf("finding a free port for redis-server: %v", err)
		}
		if err = s.start(); err == nil {
			return s
		}
		if attempt == 3 {
			tb.Fatalf("starting redis-server: %v", err)
		}
	}
}

// Addr is the server's host:port.
func (s *redisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *redisServer) start() error {
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	s.out = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		_ = cmd.Wait() // the exit status of a killed server says nothing
		close(done)
	}(s.done)
	if err := waitForPing(s.Addr(), 10*time.Second, s.done); err != nil {
		s.Stop()
		return fmt.Errorf("%w; redis-server output:\n%s", err, s.out.String())
	}
	return nil
}

// Stop kills the server and waits until it has exited. It does nothing
// when the server is not running.
func (s *redisServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill() // fails only when it already exited
	<-s.done
	s.cmd = nil
}

// Restart starts the server again, empty, on the same port.
func (s *redisServer) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("Restart: redis-server is running")
	}
	if err := s.start(); err != nil {
		s.tb.Fatalf("restarting redis-server on port %d: %v", s.port, err)
	}
}

// waitForPing polls addr until a Redis there answers PING, timeout passes
// or exited is closed.
func waitForPing(addr string, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ping(addr)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before answering PING (last attempt: %w)", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v: %w", addr, timeout, err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// ping sends one PING to addr over a fresh connection.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
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

// syncBuffer is a bytes.Buffer safe for os/exec's writer and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient returns a go-redis client of addr with go-redis's defaults,
// closed when the test ends.
func newClient(tb testing.TB, addr, name string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, ClientName: "fiberjwt-test-" + name})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// The states of a proxy.
const (
	proxyOpen    int32 = iota // forwards both ways
	proxyCut                  // closes every connection, old and new
	proxyStalled              // keeps connections open, forwards nothing
)

// proxy forwards TCP connections from a loopback port to a Redis server,
// so that a test can cut one client off Redis while the others stay
// connected. It is closed when the test ends.
type proxy struct {
	ln     net.Listener
	target string
	state  atomic.Int32

	mu    sync.Mutex
	conns map[net.Conn]struct{} // both ends of every forwarded connection
	wg    sync.WaitGroup
}

// startProxy listens on a free loopback port and forwards to target.
func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proxy: listen: %v", err)
	}
	p := &proxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(func() {
		_ = ln.Close()
		p.closeAll(proxyCut)
		p.wg.Wait()
	})
	return p
}

// Addr is the address clients dial.
func (p *proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection and closes new ones as soon as they are
// accepted: the client sees its connection break and Redis refuse it.
func (p *proxy) Cut() { p.closeAll(proxyCut) }

// Stall keeps every connection open but forwards nothing, either way: a
// silent partition, which the client notices only by the lack of answers.
func (p *proxy) Stall() { p.state.Store(proxyStalled) }

// Restore forwards again. Connections held open by Stall are closed first,
// as a partition that heals resets them.
func (p *proxy) Restore() { p.closeAll(proxyOpen) }

// closeAll sets the state and closes every connection.
func (p *proxy) closeAll(state int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close() // before the state changes: nothing stalled gets through
	}
	p.state.Store(state)
}

// track records c, or closes it and reports false when the proxy is cut.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state.Load() == proxyCut {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed at the end of the test
		}
		if !p.track(client) {
			continue
		}
		p.wg.Add(1)
		go p.forward(client)
	}
}

// forward copies between client and a new connection to the target until
// either side closes.
func (p *proxy) forward(client net.Conn) {
	defer p.wg.Done()
	upstream, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		p.untrack(client) // Redis is down: refuse as it would
		return
	}
	if !p.track(upstream) {
		p.untrack(client)
		return
	}
	var pipes sync.WaitGroup
	pipes.Add(2)
	pipe := func(dst, src net.Conn) {
		defer pipes.Done()
		defer p.untrack(client, upstream)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 && p.state.Load() == proxyOpen {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(upstream, client)
	go pipe(client, upstream)
	pipes.Wait()
}

// commandCalls returns how many times Redis executed each command since it
// started (INFO commandstats; subcommands as "client|setinfo"), without
// the INFO commands themselves, and their sum.
func commandCalls(tb testing.TB, c *redis.Client) (total int64, calls map[string]int64) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		tb.Fatalf("INFO commandstats: %v", err)
	}
	calls = make(map[string]int64)
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_ping:calls=4,usec=12,usec_per_call=3.00,...
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd || name == "info" {
			continue
		}
		field, _, _ := strings.Cut(stats, ",")
		n, err := strconv.ParseInt(strings.TrimPrefix(field, "calls="), 10, 64)
		if err != nil || !strings.HasPrefix(field, "calls=") {
			tb.Fatalf("INFO commandstats: cannot read %q", line)
		}
		calls[name] = n
		total += n
	}
	return total, calls
}

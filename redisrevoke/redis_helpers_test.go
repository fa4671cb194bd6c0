package redisrevoke_test

// Helpers for the ScaleOut tests and benchmarks: a real redis-server per
// test, a TCP proxy that cuts one client off Redis, and a counter of the
// commands Redis executed.

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process owned by one test (see
// internal/redistest).
type redisServer = redistest.Server

// startRedis starts a redis-server for tb.
func startRedis(tb testing.TB) *redisServer { return redistest.Start(tb) }

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

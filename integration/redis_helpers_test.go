package integration

// Helpers for the ScaleOut tests: a real redis-server process per test (or
// the server at $REDIS_ADDR), started and stopped by the test itself.

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/redistest"
)

// testRedis returns the host and port of the Redis the test should use: the
// server at $REDIS_ADDR when that is set, otherwise a redis-server started
// for this test and stopped when it ends.
func testRedis(t testing.TB) (host string, port int) {
	t.Helper()
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		h, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("REDIS_ADDR=%q is not host:port: %v", addr, err)
		}
		port, err := strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			t.Fatalf("REDIS_ADDR=%q: bad port %q", addr, p)
		}
		if err := redistest.WaitForPing(addr, 10*time.Second, nil); err != nil { // nil: not ours, it cannot exit
			t.Fatalf("REDIS_ADDR=%q does not answer PING: %v", addr, err)
		}
		return h, port
	}
	return "127.0.0.1", redistest.Start(t).Port()
}

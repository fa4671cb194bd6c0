package main

import (
	"io"
	"net"
	"sync"
	"time"
)

// Listen opens addr for the demo's server. The connections it accepts close
// with a lingering close (see lingerConn), so that a client still sending
// a request the server refused, such as one whose headers are over
// readBufferSize, reads the answer instead of a reset connection.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return Lingering(ln), nil
}

// Lingering makes the connections ln accepts close with a lingering close.
func Lingering(ln net.Listener) net.Listener { return lingerListener{ln} }

// lingerListener hands out its TCP connections as *lingerConn.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &lingerConn{TCPConn: tc}, nil
	}
	return c, err
}

// Bounds of a lingering close: how long, and how much, it reads and
// discards of what the client still sends after the last response.
const (
	lingerTimeout  = time.Second
	lingerMaxBytes = 256 << 10
)

// lingerConn is a TCP connection whose Close does a lingering close, as
// RFC 9112 section 9.6 describes and net/http does (closeWriteAndWait).
//
// fasthttp answers a request whose headers do not fit its read buffer with
// 431 and "Connection: close", then closes the connection while the client
// may still be sending the rest of the request. Closing a socket with
// unread data makes the kernel send a TCP reset: the client's write fails
// ("connection reset by peer", "broken pipe"), and clients such as Go's
// net/http then report that error and never read the 431, which a reset
// may even erase from the client's receive buffer (RFC 9112 says so; Linux
// keeps it).
//
// Close instead shuts down the write side (the client sees the response,
// then end of file), then in the background reads and discards what the
// client still sends until it closes its side, for at most lingerTimeout
// and lingerMaxBytes, and only then closes the socket. A client that has
// finished sending closes at once, so the linger usually ends in a round
// trip. It runs in the background because fasthttp calls Close from its
// worker and, in Shutdown, for idle connections while it holds a lock.
type lingerConn struct {
	*net.TCPConn
	once sync.Once
}

// Close starts the lingering close and returns. It is safe to call more
// than once and from several goroutines (fasthttp's Shutdown and the
// connection's worker can both close an idle connection): only the first
// call does anything.
func (c *lingerConn) Close() error {
	var err error
	c.once.Do(func() {
		if err = c.TCPConn.CloseWrite(); err != nil {
			// Already reset or closed: nothing to linger for.
			err = c.TCPConn.Close()
			return
		}
		go c.drainAndClose()
	})
	return err
}

func (c *lingerConn) drainAndClose() {
	// The timer, not a read deadline, bounds the wait: fasthttp sets and
	// clears read deadlines on the connection itself, and after Shutdown
	// closes an idle connection its worker may still be reading.
	t := time.AfterFunc(lingerTimeout, func() { c.TCPConn.Close() })
	defer t.Stop()
	// EOF, an error or the timer: each ends the linger.
	io.Copy(io.Discard, io.LimitReader(c.TCPConn, lingerMaxBytes))
	c.TCPConn.Close()
}

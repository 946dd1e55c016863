package debug

import (
	"net"
	"sync"
)

// clientListener tells which debugger clients come and go on delve's listener, so that
// the session knows when the last one has left.
//
// A connection counts from the first bytes it sends until it reads an error or is
// closed: a port probe that connects and hangs up, or a connection delve refuses
// (another user's), is no client at all. delve does not close a connection that
// ends before its first byte, so a read error counts as the end too.
type clientListener struct {
	net.Listener
	seen func(remote string, open bool)
}

func (l *clientListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &clientConn{Conn: c, seen: l.seen}, nil
}

type clientConn struct {
	net.Conn
	seen func(remote string, open bool)

	mu     sync.Mutex
	opened bool
	ended  bool
}

func (c *clientConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.open()
	}
	if err != nil {
		c.end()
	}
	return n, err
}

func (c *clientConn) Close() error {
	c.end()
	return c.Conn.Close()
}

func (c *clientConn) open() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened || c.ended {
		return
	}
	c.opened = true
	c.seen(c.RemoteAddr().String(), true)
}

func (c *clientConn) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	if c.opened {
		c.seen(c.RemoteAddr().String(), false)
	}
}

package debug

import (
	"net"
	"regexp"
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
	// resumed, when set, hears each time a client asks the process to run (see
	// resumeRequest).
	resumed func(remote string)
}

func (l *clientListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &clientConn{Conn: c, seen: l.seen, resumed: l.resumed}, nil
}

type clientConn struct {
	net.Conn
	seen    func(remote string, open bool)
	resumed func(remote string)

	mu     sync.Mutex
	opened bool
	ended  bool
	tail   []byte // the end of what the client sent, for a request split across reads
}

// resumeRequest is a client telling delve to let the process run once it has set
// its breakpoints: continue over JSON-RPC (dlv connect, GoLand), configurationDone or
// continue over DAP (VS Code). --debug-wait holds the first call until then, so that
// the call meets the breakpoints.
var resumeRequest = regexp.MustCompile(`"name"\s*:\s*"continue"|"command"\s*:\s*"(?:configurationDone|continue)"`)

// resumeTail is how much of a read is kept to find a request split across two reads.
const resumeTail = 64

func (c *clientConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.open()
		if c.resumed != nil {
			c.scan(p[:n])
		}
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

// scan looks for a resume request in what the client sent, with the end of its
// previous read in front. Reads come one at a time (delve's server reads a
// connection from one goroutine), so tail needs no lock.
func (c *clientConn) scan(b []byte) {
	buf := append(c.tail, b...)
	if resumeRequest.Match(buf) {
		c.resumed(c.RemoteAddr().String())
		buf = nil // one request, one report
	}
	if len(buf) > resumeTail {
		buf = buf[len(buf)-resumeTail:]
	}
	c.tail = append(c.tail[:0:0], buf...)
}

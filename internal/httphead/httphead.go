// Package httphead is what dev's own HTTP/1.1 servers (the Go Runtime API and the Node
// inspector proxy, which parse requests with net/http but do not use its server) need
// to bound a request's head as net/http's server does, and to close a connection they
// refuse without the close overtaking their answer.
package httphead

import (
	"errors"
	"io"
	"math"
	"net"
	"time"
)

// ErrTooLarge is a read past a Limit.
var ErrTooLarge = errors.New("request headers too large")

// Limit ends reads at a bound set with Bound; until then, or after Lift, it reads
// without one.
type Limit struct {
	r    io.Reader
	left int64
	hit  bool
}

// NewLimit reads r with no bound yet.
func NewLimit(r io.Reader) *Limit { return &Limit{r: r, left: math.MaxInt64} }

// Bound lets n more bytes be read.
func (l *Limit) Bound(n int64) { l.left, l.hit = n, false }

// Lift removes the bound.
func (l *Limit) Lift() { l.left = math.MaxInt64 }

// Hit reports whether a read stopped at the bound.
func (l *Limit) Hit() bool { return l.hit }

func (l *Limit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		l.hit = true
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// How much of a refused request Linger reads and drops, at most, before the close.
const (
	LingerBytes = 256 << 10
	LingerTime  = 500 * time.Millisecond
)

// Linger lets the client read the answer already written to c before c is closed: a
// close with unread input resets the connection, and the reset can overtake the
// answer. It ends c's writing side and drops what the client still sends, within
// LingerBytes and LingerTime.
func Linger(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(LingerTime))
	io.CopyN(io.Discard, c, LingerBytes)
}

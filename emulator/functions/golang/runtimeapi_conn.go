package golang

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/internal/httphead"
)

// The Runtime API speaks HTTP/1.1 on connections of its own rather than through
// net/http's server, so that Invoke can write an invocation on the connection its
// /next came on and read the answer from it, with no goroutine between the two
// processes. Requests are parsed by net/http (http.ReadRequest: chunked bodies and
// trailers as aws-lambda-go sends them); answers are small and written here.

// apiConn is one connection from the function's process.
type apiConn struct {
	a   *runtimeAPI
	nc  net.Conn
	lim *httphead.Limit
	br  *bufio.Reader
	bw  *bufio.Writer

	mu          sync.Mutex
	reading     bool // Invoke waits for a request on it
	interrupted bool // and was told to stop waiting
}

// serve accepts the function's connections until the API closes.
func (a *runtimeAPI) serve() {
	for {
		nc, err := a.ln.Accept()
		if err != nil {
			return
		}
		lim := httphead.NewLimit(nc)
		c := &apiConn{a: a, nc: nc, lim: lim, br: bufio.NewReader(lim), bw: bufio.NewWriter(nc)}
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			nc.Close()
			return
		}
		a.conns[c] = true
		a.mu.Unlock()
		go c.serve()
	}
}

// serve answers c's requests in order, until the function closes c or a request
// cannot be read.
func (c *apiConn) serve() {
	defer func() {
		c.nc.Close()
		c.a.mu.Lock()
		delete(c.a.conns, c)
		c.a.mu.Unlock()
	}()
	var r *http.Request
	for {
		if r == nil {
			var err error
			if r, err = c.readRequest(); err != nil {
				switch {
				case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
				case errors.Is(err, httphead.ErrTooLarge):
					c.refuse(nil, http.StatusRequestHeaderFieldsTooLarge, "InvalidRequest", "The request's headers are over 1 MiB.")
				default:
					c.refuse(nil, http.StatusBadRequest, "InvalidRequest", "The request could not be read: "+err.Error())
				}
				return
			}
		}
		r = c.a.handle(c, r)
	}
}

// maxHeaderBytes bounds a request's line and headers, as net/http's server does.
const maxHeaderBytes = 1 << 20

// readRequest reads the next request's line and headers, at most maxHeaderBytes of
// them; its body is read by whoever answers it.
func (c *apiConn) readRequest() (*http.Request, error) {
	c.lim.Bound(maxHeaderBytes + int64(c.br.Size()))
	defer c.lim.Lift()
	return http.ReadRequest(c.br)
}

// interrupt stops Invoke's wait for a request on c, if it waits.
func (c *apiConn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reading {
		c.interrupted = true
		c.nc.SetReadDeadline(time.Unix(1, 0))
	}
}

// waiting marks the start and end of Invoke's wait; at the end a deadline the wait
// was interrupted with is lifted, so that a request under way is read whole.
func (c *apiConn) waiting(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = on
	if !on && c.interrupted {
		c.interrupted = false
		c.nc.SetReadDeadline(time.Time{})
	}
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// reply runs handler for r and writes its answer. r's body is read to its end first,
// if the handler did not, so that the next request starts where it should; a body too
// long for that, or a client that asked for it, closes the connection after the answer.
func (c *apiConn) reply(r *http.Request, handler func(w http.ResponseWriter)) {
	if r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// The client waits for this before it sends the body, as net/http's server does.
		c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		if c.bw.Flush() != nil {
			c.nc.Close()
			return
		}
	}
	w := &answer{header: http.Header{}}
	handler(w)
	if w.broken {
		c.nc.Close()
		return
	}
	unread := !drain(r)
	last := r.Close || unread
	c.write(w, r.Method == http.MethodHead, last)
	if unread {
		httphead.Linger(c.nc)
	}
	if last {
		c.nc.Close()
	}
}

// refuse answers r (nil: a request that could not be read) with an error, without
// reading its body, and closes the connection.
func (c *apiConn) refuse(r *http.Request, status int, typ, msg string) {
	w := &answer{header: http.Header{}}
	apiError(w, status, typ, msg)
	c.write(w, r != nil && r.Method == http.MethodHead, true)
	httphead.Linger(c.nc)
	c.nc.Close()
}

// write writes an answer: its headers, and its body but to HEAD.
func (c *apiConn) write(w *answer, head, last bool) {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	b := c.bw
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(status))
	b.WriteByte(' ')
	b.WriteString(http.StatusText(status))
	b.WriteString("\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(w.body.Len()))
	for k, vs := range w.header {
		for _, v := range vs {
			writeHeader(b, k, v)
		}
	}
	if last {
		b.WriteString("\r\nConnection: close")
	}
	b.WriteString("\r\n\r\n")
	if !head {
		b.Write(w.body.Bytes())
	}
	if err := b.Flush(); err != nil {
		c.nc.Close()
	}
}

// drain reads what is left of r's body, up to maxDrain, and reports whether that was
// all of it.
func drain(r *http.Request) bool {
	n, err := io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain+1))
	return err == nil && n <= maxDrain
}

// maxDrain is how much of a body nobody read is skipped to reach the next request.
const maxDrain = 256 << 10

// writeHeader writes "\r\nKey: value", the value on one line whatever it holds.
func writeHeader(b *bufio.Writer, key, value string) {
	b.WriteString("\r\n")
	b.WriteString(key)
	b.WriteString(": ")
	if strings.ContainsAny(value, "\r\n") {
		value = strings.NewReplacer("\r", " ", "\n", " ").Replace(value)
	}
	b.WriteString(value)
}

// answer collects what a handler answers.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
	broken bool // the request could not be read whole: no answer, the connection closes
}

// broken marks w's request as one that could not be read whole.
func broken(w http.ResponseWriter) {
	if a, ok := w.(*answer); ok {
		a.broken = true
	}
}

func (w *answer) Header() http.Header { return w.header }

func (w *answer) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *answer) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

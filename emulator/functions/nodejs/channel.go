package nodejs

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"time"
)

// A channel carries frames between dev and one worker. On Unix it is two pipes the worker
// inherits as fd 3 (requests) and fd 4 (answers). Windows cannot pass extra descriptors, so
// there the worker connects to a loopback listener and proves itself with a one-time token.
type channel struct {
	arg      string // the worker's <channel> argument
	requests requestWriter
	answers  *bufio.Reader
	// answersEnd is the file or connection answers reads, for its deadline; set
	// once a tcp channel's worker connects, under endMu.
	endMu      sync.Mutex
	answersEnd interface{ SetReadDeadline(time.Time) error }
	closers    []io.Closer // dev's ends

	childFiles []*os.File // the worker's ends, closed in dev once it started
	listener   net.Listener
	token      string
}

type requestWriter interface {
	io.WriteCloser
	SetWriteDeadline(time.Time) error
}

const answerBuffer = 64 << 10

func pipeChannel(cmd *exec.Cmd) (*channel, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{reqR, ansW} // fd 3, fd 4
	return &channel{
		arg:        "fds",
		requests:   reqW,
		answers:    bufio.NewReaderSize(ansR, answerBuffer),
		answersEnd: ansR,
		closers:    []io.Closer{reqW, ansR},
		childFiles: []*os.File{reqR, ansW},
	}, nil
}

func tcpChannel() (*channel, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var raw [16]byte
	rand.Read(raw[:])
	token := hex.EncodeToString(raw[:])
	port := ln.Addr().(*net.TCPAddr).Port
	return &channel{arg: fmt.Sprintf("tcp:%d:%s", port, token), listener: ln, token: token}, nil
}

// readDeadline sets when a read of the answers gives up (the zero time: never).
func (c *channel) readDeadline(t time.Time) {
	c.endMu.Lock()
	defer c.endMu.Unlock()
	if c.answersEnd != nil {
		c.answersEnd.SetReadDeadline(t)
	}
}

// started closes dev's copies of the worker's ends, so that the worker's exit is seen as EOF.
func (c *channel) started() {
	for _, f := range c.childFiles {
		f.Close()
	}
	c.childFiles = nil
}

func (c *channel) close() {
	c.started()
	if c.listener != nil {
		c.listener.Close()
	}
	for _, cl := range c.closers {
		cl.Close()
	}
}

var errWorkerGone = errors.New("the worker exited before it connected")

// connect waits for the worker's connection on a tcp channel; pipes are ready at once.
func (c *channel) connect(ctx context.Context, exited <-chan struct{}) error {
	if c.listener == nil {
		return nil
	}
	type accepted struct {
		conn    net.Conn
		answers *bufio.Reader
		err     error
	}
	got := make(chan accepted, 1)
	go func() {
		for {
			conn, err := c.listener.Accept()
			if err != nil {
				got <- accepted{err: err}
				return
			}
			if answers, ok := c.verify(conn); ok {
				got <- accepted{conn: conn, answers: answers}
				return
			}
			conn.Close()
		}
	}()
	var stopped error
	select {
	case a := <-got:
		c.listener.Close()
		if a.err != nil {
			return a.err
		}
		c.requests, c.answers = a.conn.(*net.TCPConn), a.answers
		c.endMu.Lock()
		c.answersEnd = a.conn
		c.endMu.Unlock()
		c.closers = append(c.closers, a.conn)
		return nil
	case <-ctx.Done():
		stopped = ctx.Err()
	case <-exited:
		stopped = errWorkerGone
	}
	c.listener.Close()
	if a := <-got; a.conn != nil {
		a.conn.Close()
	}
	return stopped
}

// verify reads the worker's token frame; anything else on the port is not our worker.
func (c *channel) verify(conn net.Conn) (*bufio.Reader, bool) {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	r := bufio.NewReaderSize(conn, answerBuffer)
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || head[4] != frameToken {
		return nil, false
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n != uint32(len(c.token)) {
		return nil, false
	}
	token := make([]byte, n)
	if _, err := io.ReadFull(r, token); err != nil {
		return nil, false
	}
	return r, subtle.ConstantTimeCompare(token, []byte(c.token)) == 1
}

package devserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// inspectorProxy stands on a JS function's public inspector port and forwards to the
// worker's own, so dev knows when a debugger attaches and leaves (Node says the first,
// never the second): while a WebSocket session is open the function's time limits are
// suspended. It also keeps the port stable when a rebuild starts a new worker.
type inspectorProxy struct {
	ln       net.Listener
	public   string
	mu       sync.Mutex
	backend  string // the worker's inspector address
	sessions int
	onChange func(attached bool)
	// onRun hears a client send Runtime.runIfWaitingForDebugger: it has set its
	// breakpoints and lets the program run (what node --inspect-brk waits for).
	onRun func()
	// onPause hears Node tell a client that the worker stopped (Debugger.paused).
	onPause func()
}

func newInspectorProxy(public string, onChange func(attached bool), onRun, onPause func()) (*inspectorProxy, error) {
	ln, err := net.Listen("tcp", public)
	if err != nil {
		return nil, err
	}
	p := &inspectorProxy{ln: ln, public: public, onChange: onChange, onRun: onRun, onPause: onPause}
	go p.serve()
	return p, nil
}

func (p *inspectorProxy) setBackend(addr string) {
	p.mu.Lock()
	p.backend = addr
	p.mu.Unlock()
}

func (p *inspectorProxy) close() { p.ln.Close() }

func (p *inspectorProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *inspectorProxy) handle(client net.Conn) {
	defer client.Close()
	head := &headLimit{r: client, left: maxInspectorHeaderBytes}
	br := bufio.NewReader(head)
	req, err := http.ReadRequest(br)
	if err != nil {
		if head.hit {
			refuseHead(client)
		}
		return
	}
	head.lift()
	p.mu.Lock()
	backend := p.backend
	p.mu.Unlock()
	if backend == "" {
		io.WriteString(client, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	server, err := net.Dial("tcp", backend)
	if err != nil {
		io.WriteString(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	defer server.Close()
	if !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		p.forwardHTTP(client, server, req, backend)
		return
	}
	if err := req.Write(server); err != nil {
		return
	}
	p.session(+1)
	defer p.session(-1)
	done := make(chan struct{}, 2)
	go func() { copyFrames(server, br, runIfWaiting, p.onRun); done <- struct{}{} }()
	go func() {
		// Node's 101 answer first, then its frames.
		sr := bufio.NewReader(server)
		if upgraded, err := copyHead(client, sr); err == nil && upgraded {
			copyFrames(client, sr, debuggerPaused, p.onPause)
		} else if err == nil {
			io.Copy(client, sr) // Node refused the upgrade (a stale target id): its answer as it is
		}
		done <- struct{}{}
	}()
	<-done
}

// forwardHTTP answers /json and /json/list with the worker's addresses replaced by
// the public one, so clients come back through the proxy.
func (p *inspectorProxy) forwardHTTP(client, server net.Conn, req *http.Request, backend string) {
	req.Header.Set("Connection", "close")
	if err := req.Write(server); err != nil {
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(server), req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	body = bytes.ReplaceAll(body, []byte(backend), []byte(p.public))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Close = true
	resp.Write(client)
}

// maxInspectorHeaderBytes bounds the request line and headers the proxy reads, as
// net/http's DefaultMaxHeaderBytes bounds a server's. Node's inspector sets no bound of
// its own (Node 20 took 16 MiB of headers); DevTools clients send well under 8 KiB,
// and browser cookies for 127.0.0.1 leave a wide margin under this.
const maxInspectorHeaderBytes = 1 << 20

// headLimit lets the proxy read at most left bytes of a connection until lift: the
// request's head must fit, the WebSocket frames after it need not.
type headLimit struct {
	r    io.Reader
	left int64
	hit  bool
}

var errHeadTooLarge = errors.New("inspector proxy: request header too large")

func (l *headLimit) Read(b []byte) (int, error) {
	if l.left <= 0 {
		l.hit = true
		return 0, errHeadTooLarge
	}
	if int64(len(b)) > l.left {
		b = b[:l.left]
	}
	n, err := l.r.Read(b)
	l.left -= int64(n)
	return n, err
}

func (l *headLimit) lift() { l.left = math.MaxInt64 }

// refuseHead answers a request whose head passed the limit with 431, as net/http
// does, and ends the connection without reading the rest of it. The answer goes out
// before a FIN; a short, bounded drain then lets the client read it before the close
// resets the connection (the kernel resets a socket closed with unread data).
func refuseHead(client net.Conn) {
	const body = "431 Request Header Fields Too Large"
	io.WriteString(client, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	if tc, ok := client.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	client.SetReadDeadline(time.Now().Add(refuseDrainTime))
	io.CopyN(io.Discard, client, refuseDrainBytes)
}

// How much of a refused request is read and dropped, at most, before the close.
const (
	refuseDrainBytes = 256 << 10
	refuseDrainTime  = 500 * time.Millisecond
)

func (p *inspectorProxy) session(delta int) {
	p.mu.Lock()
	before := p.sessions
	p.sessions += delta
	after := p.sessions
	p.mu.Unlock()
	if before == 0 && after > 0 {
		p.onChange(true)
	} else if before > 0 && after == 0 {
		p.onChange(false)
	}
}

// maxScannedFrame bounds the client frames read whole to look into; larger ones (a big
// Runtime.evaluate) are passed on as they come. CDP commands are a few hundred bytes.
const maxScannedFrame = 1 << 20

// copyHead passes on an HTTP response's head, its lines up to and with the empty one,
// and tells whether it switched to WebSocket (101).
func copyHead(dst io.Writer, src *bufio.Reader) (upgraded bool, err error) {
	for first := true; ; first = false {
		line, err := src.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		if first {
			upgraded = bytes.HasPrefix(line, []byte("HTTP/1.1 101 "))
		}
		if _, err := dst.Write(line); err != nil {
			return false, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return upgraded, nil
		}
	}
}

// The CDP messages the proxy looks for: a client's, and Node's.
var (
	runIfWaiting   = []byte(`"Runtime.runIfWaitingForDebugger"`)
	debuggerPaused = []byte(`"Debugger.paused"`)
)

// copyFrames passes WebSocket frames on unchanged, and calls found for each that
// carries needle. A client's frames are masked (RFC 6455 5.3), Node's are not; the
// inspector negotiates no extension, so payloads are plain text. Each frame is looked
// into alone: a message split into continuation frames could hide the needle, but
// neither Node nor the DevTools clients fragment CDP messages.
func copyFrames(dst io.Writer, src *bufio.Reader, needle []byte, found func()) error {
	for {
		head := make([]byte, 2, 14)
		if _, err := io.ReadFull(src, head); err != nil {
			return err
		}
		masked := head[1]&0x80 != 0
		size := uint64(head[1] & 0x7f)
		switch size {
		case 126:
			ext := make([]byte, 2)
			if _, err := io.ReadFull(src, ext); err != nil {
				return err
			}
			head = append(head, ext...)
			size = uint64(binary.BigEndian.Uint16(ext))
		case 127:
			ext := make([]byte, 8)
			if _, err := io.ReadFull(src, ext); err != nil {
				return err
			}
			head = append(head, ext...)
			size = binary.BigEndian.Uint64(ext)
		}
		var key []byte
		if masked {
			key = make([]byte, 4)
			if _, err := io.ReadFull(src, key); err != nil {
				return err
			}
			head = append(head, key...)
		}
		if _, err := dst.Write(head); err != nil {
			return err
		}
		if size > maxScannedFrame {
			if _, err := io.CopyN(dst, src, int64(size)); err != nil {
				return err
			}
			continue
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(src, payload); err != nil {
			return err
		}
		if _, err := dst.Write(payload); err != nil {
			return err
		}
		if found == nil {
			continue
		}
		if masked {
			for i := range payload {
				payload[i] ^= key[i%4]
			}
		}
		if bytes.Contains(payload, needle) {
			found()
		}
	}
}

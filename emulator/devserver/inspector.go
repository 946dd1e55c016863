package devserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/identity-dev/dev/emulator/debug/inspector"
	"github.com/identity-dev/dev/internal/httphead"
)

// inspectorProxy stands on a JS function's public inspector port, in front of the
// worker's own. An editor's WebSocket ends here: emulator/debug/inspector keeps it, and
// its breakpoints, across the workers a rebuild starts (workerStarted moves every
// session to the new worker before it takes a call). dev also knows when a debugger
// attaches and leaves (Node says the first, never the second): while a session is
// open the function's time limits are suspended.
type inspectorProxy struct {
	ln       net.Listener
	public   string
	mu       sync.Mutex
	backend  string // the worker's inspector address
	name     string
	log      func(msg string)
	sessions map[*inspector.Session]bool
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
	p := &inspectorProxy{ln: ln, public: public, onChange: onChange, onRun: onRun, onPause: onPause,
		log: func(string) {}, sessions: map[*inspector.Session]bool{}}
	go p.serve()
	return p, nil
}

// describe names the function and where its messages go.
func (p *inspectorProxy) describe(name string, log func(msg string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.name, p.log = name, log
}

func (p *inspectorProxy) setBackend(addr string) {
	p.mu.Lock()
	p.backend = addr
	p.mu.Unlock()
}

// close stops listening and ends the sessions.
func (p *inspectorProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	sessions := p.sessions
	p.sessions = map[*inspector.Session]bool{}
	p.mu.Unlock()
	for s := range sessions {
		s.Close()
	}
}

// workerStarted moves every editor's session to a new worker, with its breakpoints,
// and returns once they are set there (or failed to be, as the log says).
func (p *inspectorProxy) workerStarted() {
	p.mu.Lock()
	backend, log := p.backend, p.log
	sessions := make([]*inspector.Session, 0, len(p.sessions))
	for s := range p.sessions {
		sessions = append(sessions, s)
	}
	p.mu.Unlock()
	if len(sessions) == 0 {
		return
	}
	var wg sync.WaitGroup
	var moved atomic.Bool
	for _, s := range sessions {
		wg.Go(func() {
			m, err := s.Attach(backend)
			if err != nil {
				log("the debugger's session could not be moved to the new worker: " + err.Error())
				return
			}
			if m {
				moved.Store(true)
			}
		})
	}
	wg.Wait()
	if moved.Load() {
		log("the debugger stays attached to the new worker; its breakpoints are set again there")
	}
}

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
	head := httphead.NewLimit(client)
	head.Bound(maxInspectorHeaderBytes)
	br := bufio.NewReader(head)
	req, err := http.ReadRequest(br)
	if err != nil {
		if head.Hit() {
			refuseHead(client)
		}
		return
	}
	head.Lift()
	p.mu.Lock()
	backend, name, log := p.backend, p.name, p.log
	p.mu.Unlock()
	if why := inspectorRefusal(req); why != "" {
		log("refused a debugger connection: " + why)
		io.WriteString(client, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"+why+"\n")
		return
	}
	if strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		p.debugSession(client, br, req, name, log, backend)
		return
	}
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
	p.forwardHTTP(client, server, req, backend)
}

// debugSession serves an editor's WebSocket: whatever target id its URL names (a
// stale one after a rebuild too), it reaches the current worker.
func (p *inspectorProxy) debugSession(client net.Conn, br *bufio.Reader, req *http.Request, name string, log func(string), backend string) {
	s, err := inspector.Accept(client, br, req, inspector.Options{Name: name, Log: log, OnRun: p.onRun, OnPause: p.onPause})
	if err != nil {
		return
	}
	p.mu.Lock()
	p.sessions[s] = true
	first := len(p.sessions) == 1
	p.mu.Unlock()
	if first {
		p.onChange(true)
	}
	defer func() {
		p.mu.Lock()
		_, had := p.sessions[s]
		delete(p.sessions, s)
		last := had && len(p.sessions) == 0
		p.mu.Unlock()
		if last {
			p.onChange(false)
		}
	}()
	if backend != "" {
		go func() {
			// The worker may be starting (or gone, and its successor being built):
			// its requests wait, and workerStarted brings the next one.
			if _, err := s.Attach(backend); err != nil {
				log("the debugger's session waits for the next worker: " + err.Error())
			}
		}()
	}
	s.Serve()
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

// refuseHead answers a request whose head passed the limit with 431, as net/http
// does, and ends the connection without reading the rest of it. The answer goes out
// before a FIN; a short, bounded drain then lets the client read it before the close
// resets the connection (the kernel resets a socket closed with unread data).
func refuseHead(client net.Conn) {
	const body = "431 Request Header Fields Too Large"
	io.WriteString(client, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	httphead.Linger(client)
}

// inspectorLocal is who may reach an inspector port by name: this machine only.
var inspectorLocal = newHostPolicy("127.0.0.1", "", nil)

// inspectorRefusal says why a request to the inspector port must be refused, or "".
// Node's own inspector refuses a Host that is not this machine (DNS rebinding) and
// keeps its session URLs unguessable; the proxy takes any session path (a stale one
// after a rebuild too) and ends WebSockets itself, so it refuses what Node would, and
// every web page: a browser names the page behind a WebSocket in Origin, and only
// DevTools' own front end (devtools://) may drive a function from a browser.
func inspectorRefusal(req *http.Request) string {
	if !inspectorLocal.allows(req.Host) {
		return fmt.Sprintf("host %q is not this machine", normalHost(req.Host))
	}
	if origin := req.Header.Get("Origin"); origin != "" {
		if u, err := url.Parse(origin); err != nil || (u.Scheme != "devtools" && u.Scheme != "chrome-devtools") {
			return fmt.Sprintf("a page on %s may not drive a debugged function", origin)
		}
	}
	return ""
}

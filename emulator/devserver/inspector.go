package devserver

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
}

func newInspectorProxy(public string, onChange func(attached bool)) (*inspectorProxy, error) {
	ln, err := net.Listen("tcp", public)
	if err != nil {
		return nil, err
	}
	p := &inspectorProxy{ln: ln, public: public, onChange: onChange}
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
	br := bufio.NewReader(client)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
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
	go func() { io.Copy(server, br); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
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

package debug

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// The proxy stands on the session's public address, in dev's own process, between the
// editors and the delve of whichever process is attached. It is what lets an editor's
// session outlive a rebuild: its connection is the proxy's, not delve's, so it stays
// open when delve goes; the breakpoints it set are recorded (book.go for JSON-RPC,
// the DAP session's own requests in proxy_dap.go) and set again in the next process;
// and while there is no process, its requests wait for one a bounded time and are
// then answered with the reason.

// targetWait bounds how long a client's request waits for a process to debug (the
// function is being built, or its new process attached) before it is answered with
// why there is none.
var targetWait = 30 * time.Second

// proxyConn is one client's connection, by protocol.
type proxyConn interface {
	// serve forwards the client's requests until it leaves.
	serve()
	// rebind moves the connection to a newly attached process, halted, bringing what
	// the client set up on the last one; nil if the client has nothing to resume.
	rebind(a *attachment) *resumer
	// close ends the connection: dev is stopping.
	close()
}

// resumer lets a newly attached process run on a client's behalf (see
// GoSession.restore).
type resumer struct {
	dap  bool
	run  func() error
	skip func(why string)
}

type proxy struct {
	opts GoOptions
	book *book

	mu       sync.Mutex
	ln       net.Listener
	public   string
	target   *attachment // the process requests go to; nil while there is none
	why      string      // why there is none
	hopeless bool        // and none will come until something changes: do not wait
	buildErr string      // the last build failed: its process, when gone, has no successor
	changed  chan struct{}
	conns    map[proxyConn]bool
	clients  int
	closed   bool
}

func newProxy(opts GoOptions) *proxy {
	return &proxy{opts: opts, book: &book{name: opts.Name}, public: opts.Addr,
		why:     fmt.Sprintf("%s has not started yet: dev attaches the debugger once it is built", opts.Name),
		changed: make(chan struct{}), conns: map[proxyConn]bool{}}
}

func (p *proxy) addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.public
}

// listen opens the public address, once.
func (p *proxy) listen() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	if p.closed {
		return ErrClosed
	}
	ln, err := net.Listen("tcp", p.public)
	if err != nil {
		if strings.Contains(err.Error(), "address already in use") {
			return fmt.Errorf("debug %s: %s is taken by another program: stop it, or give the debugger another address", p.opts.Name, p.public)
		}
		return fmt.Errorf("debug %s: listening on %s: %w", p.opts.Name, p.public, err)
	}
	p.ln = ln
	p.public = ln.Addr().String()
	go p.serve(ln)
	return nil
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

// handle serves one client. delve tells the protocols apart by the first byte, and so
// does the proxy: DAP starts with its Content-Length header, JSON-RPC with a brace.
// A connection that sends nothing (a port probe) is no client.
func (p *proxy) handle(c net.Conn) {
	if same, err := sameUser(c); !same {
		why := "it runs as another user"
		if err != nil {
			why = "its user could not be told: " + err.Error()
		}
		p.opts.Log(fmt.Sprintf("refused the debugger client at %s: %s", c.RemoteAddr(), why))
		c.Close()
		return
	}
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		c.Close()
		return
	}
	var pc proxyConn
	if first[0] == 'C' {
		pc = newDAPConn(p, c, br)
	} else {
		pc = newRPCConn(p, c, br)
	}
	if !p.add(pc) {
		c.Close()
		return
	}
	defer p.remove(pc)
	pc.serve()
}

func (p *proxy) add(pc proxyConn) bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	p.conns[pc] = true
	p.clients++
	first := p.clients == 1
	p.mu.Unlock()
	if first {
		p.opts.OnClient(true)
	}
	return true
}

// remove forgets a client that left; when it was the last, the breakpoints go (see
// attachment.clear).
func (p *proxy) remove(pc proxyConn) {
	p.mu.Lock()
	if !p.conns[pc] {
		p.mu.Unlock()
		return
	}
	delete(p.conns, pc)
	p.clients--
	last := p.clients == 0 && !p.closed
	target := p.target
	p.mu.Unlock()
	pc.close()
	if !last {
		return
	}
	p.opts.OnClient(false)
	p.forget()
	if target != nil {
		select {
		case target.release <- struct{}{}:
		default:
		}
	}
}

// connected reports whether any client is connected.
func (p *proxy) connected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clients > 0
}

// forget drops the recorded breakpoints: nobody is left who set them.
func (p *proxy) forget() { p.book.reset() }

// current is the process a request goes to. While there is none it waits for one,
// at most targetWait, and then says why there is none; done ends the wait early.
func (p *proxy) current(done <-chan struct{}) (*attachment, error) {
	timer := time.NewTimer(targetWait)
	defer timer.Stop()
	for {
		select {
		case <-done:
			return nil, errors.New("the client left")
		default:
		}
		p.mu.Lock()
		target, why, hopeless, changed, closed := p.target, p.why, p.hopeless, p.changed, p.closed
		p.mu.Unlock()
		switch {
		case target != nil && !target.retired.Load():
			return target, nil
		case closed:
			return nil, fmt.Errorf("dev: the debugger of %s is closed", p.opts.Name)
		case hopeless:
			return nil, fmt.Errorf("dev: %s", why)
		}
		select {
		case <-changed:
		case <-done:
			return nil, errors.New("the client left")
		case <-timer.C:
			return nil, fmt.Errorf("dev: no process of %s to debug after waiting %s: %s", p.opts.Name, targetWait, why)
		}
	}
}

// set changes what requests go to, and wakes those waiting.
func (p *proxy) set(target *attachment, why string, hopeless bool) {
	p.target, p.why, p.hopeless = target, why, hopeless
	close(p.changed)
	p.changed = make(chan struct{})
}

// suspend holds requests: a process is being attached or let go of.
func (p *proxy) suspend(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(nil, why, false)
}

// fail answers requests at once with why: no process is coming.
func (p *proxy) fail(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(nil, why, true)
}

// ready lets requests through to a newly attached process. If the last client left
// while it was being set up, its breakpoints go.
func (p *proxy) ready(a *attachment) {
	p.mu.Lock()
	p.set(a, "", false)
	alone := p.clients == 0
	p.mu.Unlock()
	if alone && a.restored {
		select {
		case a.release <- struct{}{}:
		default:
		}
	}
}

// lost says that a's process is gone (it ended, or a client detached delve).
// Requests wait for the next one, unless the last build failed: then none comes.
func (p *proxy) lost(a *attachment, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target != a {
		return
	}
	if p.buildErr != "" {
		p.set(nil, p.buildErr, true)
		return
	}
	p.set(nil, why+"; waiting for its next process (after a rebuild dev starts it at once, otherwise at the next call)", false)
}

// building and built follow the function's builds (see GoSession.Building).
func (p *proxy) building(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buildErr = ""
	if p.target == nil {
		p.set(nil, why, false)
	}
}

func (p *proxy) built(failure string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buildErr = failure
	if p.target == nil && failure != "" {
		p.set(nil, failure, true)
	}
}

// rebind moves every client to a newly attached process (see proxyConn.rebind).
func (p *proxy) rebind(a *attachment) []*resumer {
	p.mu.Lock()
	conns := make([]proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	var out []*resumer
	for _, c := range conns {
		if r := c.rebind(a); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// close frees the address and ends every client's connection.
func (p *proxy) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.set(nil, fmt.Sprintf("the debugger of %s is closed", p.opts.Name), true)
	if p.ln != nil {
		p.ln.Close()
	}
	conns := p.conns
	p.conns = map[proxyConn]bool{}
	had := p.clients > 0
	p.clients = 0
	p.mu.Unlock()
	for c := range conns {
		c.close()
	}
	if had {
		p.opts.OnClient(false)
	}
}

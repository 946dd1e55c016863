package debug

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/go-dap"
)

// dapConn is a DAP client's connection (VS Code's "remote" attach). delve keeps a DAP
// session per connection (its initialize and attach, its breakpoints, named after the
// requests that set them, and the stops it reports: only those of the runs it started
// itself), so a client moved to a new process gets a new delve session set up as its
// last one was: the proxy replays the client's initialize, attach and breakpoint
// requests, answering them itself, then lets the process run through that session,
// whose stops thus reach the client. The ids of requests are the proxy's own.
type dapConn struct {
	p      *proxy
	client net.Conn
	in     *bufio.Reader
	done   chan struct{}
	once   sync.Once
	wmu    sync.Mutex // writes to the client

	mu         sync.Mutex
	back       *dapBackend
	seq        int
	pending    map[int]*dapCall // by the proxy's seq
	init       json.RawMessage  // the arguments of the client's initialize
	attach     json.RawMessage  // and of its attach
	sources    map[string]*dapBreakpoints
	order      []string // sources, in the order they were first set
	functions  *dapBreakpoints
	exceptions json.RawMessage
	configured bool        // it sent configurationDone
	running    bool        // as the client sees it: from a continue (or step) to a stop
	leaving    bool        // it sent disconnect
	ids        map[int]int // a breakpoint's id in this delve → the one the client knows
}

// dapBreakpoints are the arguments of the last setBreakpoints of a source (or of
// setFunctionBreakpoints), and the ids the client was given, by position.
type dapBreakpoints struct {
	args json.RawMessage
	ids  []int
}

type dapBackend struct {
	a     *attachment
	conn  net.Conn
	wmu   sync.Mutex
	quiet bool // being set up by the proxy: its events are not the client's (under dapConn.mu)
}

type dapCall struct {
	clientSeq int
	command   string
	args      json.RawMessage
	back      *dapBackend
	reply     chan *dapMessage // the proxy's own requests
}

// dapMessage is any DAP message: a request, a response or an event.
type dapMessage struct {
	Seq        int             `json:"seq"`
	Type       string          `json:"type"`
	Command    string          `json:"command,omitempty"`
	Event      string          `json:"event,omitempty"`
	RequestSeq int             `json:"request_seq,omitempty"`
	Success    *bool           `json:"success,omitempty"`
	Message    string          `json:"message,omitempty"`
	Arguments  json.RawMessage `json:"arguments,omitempty"`
	Body       json.RawMessage `json:"body,omitempty"`
}

// replayTimeout bounds each request the proxy replays to a new delve session.
const replayTimeout = 10 * time.Second

func newDAPConn(p *proxy, c net.Conn, br *bufio.Reader) *dapConn {
	return &dapConn{p: p, client: c, in: br, done: make(chan struct{}), pending: map[int]*dapCall{},
		sources: map[string]*dapBreakpoints{}, ids: map[int]int{}}
}

func (c *dapConn) serve() {
	for {
		content, err := dap.ReadBaseMessage(c.in)
		if err != nil {
			return
		}
		var m dapMessage
		if json.Unmarshal(content, &m) != nil || m.Type != "request" {
			continue
		}
		c.request(&m)
	}
}

// resumes tells the requests that let the process run (or stop it).
func resumes(command string) bool {
	switch command {
	case "configurationDone", "continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "pause", "attach":
		return true
	}
	return false
}

func (c *dapConn) request(m *dapMessage) {
	if m.Command == "disconnect" {
		c.mu.Lock()
		c.leaving = true
		c.mu.Unlock()
	}
	a, err := c.p.current(c.done)
	if err != nil {
		if m.Command == "disconnect" { // nothing to detach from: done
			c.respond(m.Seq, m.Command, true, "")
			c.event("terminated", nil)
			c.client.Close()
			return
		}
		c.respond(m.Seq, m.Command, false, err.Error())
		return
	}
	b, err := c.backend(a)
	if err != nil {
		c.respond(m.Seq, m.Command, false, err.Error())
		return
	}
	if m.Command == "configurationDone" || m.Command == "continue" {
		c.p.opts.OnResume()
	}
	if resumes(m.Command) {
		a.epoch.Add(1)
		a.ownStop.Store(nil)
		if m.Command != "pause" && m.Command != "attach" {
			a.yield() // a continue queued behind the session's would run past its stop
		}
	}
	c.send(b, &dapCall{clientSeq: m.Seq, command: m.Command, args: m.Arguments})
}

// backend is the connection to a's delve. A client that set up a session on an
// earlier process was moved by rebind; if that failed, it must start again.
func (c *dapConn) backend(a *attachment) (*dapBackend, error) {
	c.mu.Lock()
	b, init := c.back, c.init
	c.mu.Unlock()
	if b != nil && b.a == a {
		return b, nil
	}
	if init != nil {
		return nil, fmt.Errorf("dev: this debug session could not be moved to %s's new process; disconnect and attach again", c.p.opts.Name)
	}
	return c.dial(a, false)
}

func (c *dapConn) dial(a *attachment, quiet bool) (*dapBackend, error) {
	conn, err := a.dial()
	if err != nil {
		return nil, err
	}
	b := &dapBackend{a: a, conn: conn, quiet: quiet}
	c.mu.Lock()
	old := c.back
	c.back = b
	c.mu.Unlock()
	if old != nil {
		old.conn.Close()
	}
	go c.read(b)
	return b, nil
}

func (c *dapConn) send(b *dapBackend, call *dapCall) error {
	c.mu.Lock()
	c.seq++
	seq := c.seq
	call.back = b
	c.pending[seq] = call
	c.mu.Unlock()
	msg, _ := json.Marshal(dapMessage{Seq: seq, Type: "request", Command: call.command, Arguments: call.args})
	b.wmu.Lock()
	err := dap.WriteBaseMessage(b.conn, msg)
	b.wmu.Unlock()
	if err != nil {
		b.conn.Close() // read answers what it left
	}
	return err
}

// ask sends a request of the proxy's own and waits for delve's answer.
func (c *dapConn) ask(b *dapBackend, command string, args json.RawMessage) (*dapMessage, error) {
	call := &dapCall{command: command, args: args, reply: make(chan *dapMessage, 1)}
	c.send(b, call)
	select {
	case m := <-call.reply:
		if m == nil {
			return nil, fmt.Errorf("%s: delve went away", command)
		}
		if m.Success == nil || !*m.Success {
			return m, fmt.Errorf("%s: %s", command, m.Message)
		}
		return m, nil
	case <-time.After(replayTimeout):
		return nil, fmt.Errorf("%s: delve did not answer within %s", command, replayTimeout)
	}
}

// read passes delve's answers and events to the client until the connection to delve
// ends; the requests it left unanswered are answered then.
func (c *dapConn) read(b *dapBackend) {
	br := bufio.NewReader(b.conn)
	for {
		content, err := dap.ReadBaseMessage(br)
		if err != nil {
			break
		}
		var m dapMessage
		if json.Unmarshal(content, &m) != nil {
			continue
		}
		switch m.Type {
		case "response":
			c.response(&m)
		case "event":
			c.fromDelve(b, &m)
		}
	}
	b.conn.Close()
	var left []*dapCall
	c.mu.Lock()
	for seq, call := range c.pending {
		if call.back == b {
			left = append(left, call)
			delete(c.pending, seq)
		}
	}
	leaving := c.leaving && c.back == b
	c.mu.Unlock()
	for _, call := range left {
		if call.reply != nil {
			call.reply <- nil
			continue
		}
		c.respond(call.clientSeq, call.command, false,
			fmt.Sprintf("dev: %s's process went away before delve answered; ask again", c.p.opts.Name))
	}
	if leaving {
		c.client.Close() // the client disconnected, and delve is done with it
	}
}

func (c *dapConn) response(m *dapMessage) {
	c.mu.Lock()
	call := c.pending[m.RequestSeq]
	delete(c.pending, m.RequestSeq)
	c.mu.Unlock()
	if call == nil {
		return
	}
	if call.reply != nil {
		call.reply <- m
		return
	}
	if m.Success != nil && *m.Success {
		c.record(call, m)
	}
	m.RequestSeq = call.clientSeq
	c.write(m)
}

// record keeps what a later delve session must be told again.
func (c *dapConn) record(call *dapCall, m *dapMessage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch call.command {
	case "initialize":
		c.init = call.args
	case "attach":
		c.attach = call.args
	case "setBreakpoints":
		var args dap.SetBreakpointsArguments
		var body dap.SetBreakpointsResponseBody
		if json.Unmarshal(call.args, &args) != nil || json.Unmarshal(m.Body, &body) != nil {
			return
		}
		path := args.Source.Path
		if len(args.Breakpoints) == 0 {
			delete(c.sources, path)
			return
		}
		if _, ok := c.sources[path]; !ok {
			c.order = append(c.order, path)
		}
		c.sources[path] = &dapBreakpoints{args: call.args, ids: c.known(body.Breakpoints)}
	case "setFunctionBreakpoints":
		var body dap.SetFunctionBreakpointsResponseBody
		if json.Unmarshal(m.Body, &body) == nil {
			c.functions = &dapBreakpoints{args: call.args, ids: c.known(body.Breakpoints)}
		}
	case "setExceptionBreakpoints":
		c.exceptions = call.args
	case "configurationDone":
		c.configured, c.running = true, true
	case "continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue":
		c.running = true
	}
}

// known takes the ids delve gave the client: they are the client's own from now on.
func (c *dapConn) known(bps []dap.Breakpoint) []int {
	ids := make([]int, len(bps))
	for i, bp := range bps {
		ids[i] = bp.Id
		delete(c.ids, bp.Id)
	}
	return ids
}

// fromDelve passes an event on. A process that ends is replaced, not gone: its exited
// and terminated events would end the editor's session, so they reach only a client
// that asked to disconnect.
func (c *dapConn) fromDelve(b *dapBackend, m *dapMessage) {
	c.mu.Lock()
	current, quiet, leaving := c.back == b, b.quiet, c.leaving
	switch m.Event {
	case "stopped":
		if current && !quiet {
			c.running = false
		}
	case "continued":
		if current && !quiet {
			c.running = true
		}
	}
	ids := len(c.ids) > 0
	c.mu.Unlock()
	if !current || quiet {
		return
	}
	switch m.Event {
	case "exited", "terminated":
		if !leaving {
			return
		}
	case "stopped":
		if ids {
			m.Body = c.clientIDs(m.Body)
		}
	}
	c.write(m)
}

// clientIDs gives a stop the breakpoint ids the client knows.
func (c *dapConn) clientIDs(body json.RawMessage) json.RawMessage {
	var b dap.StoppedEventBody
	if json.Unmarshal(body, &b) != nil {
		return body
	}
	c.mu.Lock()
	for i, id := range b.HitBreakpointIds {
		if known, ok := c.ids[id]; ok {
			b.HitBreakpointIds[i] = known
		}
	}
	c.mu.Unlock()
	out, err := json.Marshal(b)
	if err != nil {
		return body
	}
	return out
}

// rebind gives the client a delve session on a newly attached process, halted, set up
// as its last one was, and reports the breakpoints that no longer resolve.
func (c *dapConn) rebind(a *attachment) *resumer {
	c.mu.Lock()
	init, attach, leaving := c.init, c.attach, c.leaving
	c.mu.Unlock()
	if init == nil || leaving {
		return nil // it never set up a session: its first request dials
	}
	b, err := c.dial(a, true)
	if err == nil {
		err = c.replay(b, init, attach)
	}
	if err != nil {
		c.p.opts.Log(fmt.Sprintf("a DAP client's session could not be moved to %s's new process: %v", c.p.opts.Name, err))
		c.output(fmt.Sprintf("dev: this session could not be moved to %s's new process (%v); disconnect and attach again", c.p.opts.Name, err))
		c.mu.Lock()
		if c.back == b {
			c.back = nil
		}
		c.mu.Unlock()
		if b != nil {
			b.conn.Close()
		}
		return nil
	}
	c.mu.Lock()
	configured, paused := c.configured, !c.running
	c.mu.Unlock()
	if !configured {
		c.unquiet(b)
		return nil
	}
	if paused { // it was stopped in the old process; the new one runs
		c.event("continued", dap.ContinuedEventBody{ThreadId: 1, AllThreadsContinued: true})
	}
	return &resumer{dap: true,
		run: func() error {
			defer c.unquiet(b)
			if _, err := c.ask(b, "configurationDone", nil); err != nil {
				return err
			}
			c.mu.Lock()
			c.running = true
			c.mu.Unlock()
			return a.waitRunning(func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return !c.running
			})
		},
		skip: func(string) { c.unquiet(b) },
	}
}

func (c *dapConn) unquiet(b *dapBackend) {
	c.mu.Lock()
	b.quiet = false
	c.mu.Unlock()
}

// replay sets up the new session: initialize, attach, then every breakpoint request.
func (c *dapConn) replay(b *dapBackend, init, attach json.RawMessage) error {
	if _, err := c.ask(b, "initialize", init); err != nil {
		return err
	}
	if attach != nil {
		if _, err := c.ask(b, "attach", attach); err != nil {
			return err
		}
	}
	c.mu.Lock()
	order := append([]string(nil), c.order...)
	sources := map[string]*dapBreakpoints{}
	for k, v := range c.sources {
		sources[k] = v
	}
	functions, exceptions := c.functions, c.exceptions
	c.mu.Unlock()
	for _, path := range order {
		src := sources[path]
		if src == nil {
			continue
		}
		m, err := c.ask(b, "setBreakpoints", src.args)
		if err != nil {
			return err
		}
		var args dap.SetBreakpointsArguments
		var body dap.SetBreakpointsResponseBody
		json.Unmarshal(src.args, &args)
		json.Unmarshal(m.Body, &body)
		for i, got := range body.Breakpoints {
			if i >= len(args.Breakpoints) {
				break
			}
			c.compare(got, src.ids, i, &args.Source, args.Breakpoints[i].Line,
				fmt.Sprintf("%s:%d", filepath.Base(path), args.Breakpoints[i].Line))
		}
	}
	if functions != nil {
		m, err := c.ask(b, "setFunctionBreakpoints", functions.args)
		if err != nil {
			return err
		}
		var args dap.SetFunctionBreakpointsArguments
		var body dap.SetFunctionBreakpointsResponseBody
		json.Unmarshal(functions.args, &args)
		json.Unmarshal(m.Body, &body)
		for i, got := range body.Breakpoints {
			if i < len(args.Breakpoints) {
				c.compare(got, functions.ids, i, got.Source, got.Line, args.Breakpoints[i].Name)
			}
		}
	}
	if exceptions != nil {
		if _, err := c.ask(b, "setExceptionBreakpoints", exceptions); err != nil {
			return err
		}
	}
	return nil
}

// compare reports a breakpoint set again: one that no longer resolves becomes
// unverified in the editor, with delve's reason, and is said in the log; one that
// moved is shown where it is now.
func (c *dapConn) compare(got dap.Breakpoint, ids []int, i int, source *dap.Source, line int, where string) {
	id := 0
	if i < len(ids) {
		id = ids[i]
	}
	if got.Id != 0 && id != 0 {
		c.mu.Lock()
		c.ids[got.Id] = id
		c.mu.Unlock()
	}
	bp := dap.Breakpoint{Id: id, Verified: got.Verified, Source: source, Line: line}
	if !got.Verified {
		bp.Message = fmt.Sprintf("no longer resolves in the rebuilt %s: %s", c.p.opts.Name, got.Message)
		msg := fmt.Sprintf("breakpoint at %s %s; set it on a line with code", where, bp.Message)
		c.p.opts.Log(msg)
		c.output("dev: " + msg)
	} else if got.Line == line || got.Line == 0 {
		return // as the client has it
	} else {
		bp.Line = got.Line
	}
	c.event("breakpoint", dap.BreakpointEventBody{Reason: "changed", Breakpoint: bp})
}

// output tells the client something in its debug console.
func (c *dapConn) output(msg string) {
	c.event("output", dap.OutputEventBody{Category: "console", Output: msg + "\n"})
}

func (c *dapConn) event(name string, body any) {
	m := &dapMessage{Type: "event", Event: name}
	if body != nil {
		m.Body, _ = json.Marshal(body)
	}
	c.write(m)
}

func (c *dapConn) respond(seq int, command string, ok bool, msg string) {
	c.write(&dapMessage{Type: "response", RequestSeq: seq, Command: command, Success: &ok, Message: msg})
}

func (c *dapConn) write(m *dapMessage) {
	if m.Type == "response" && m.Success == nil {
		f := false
		m.Success = &f
	}
	msg, _ := json.Marshal(m)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	dap.WriteBaseMessage(c.client, msg)
}

// close ends the connection; a client still attached hears that the session ended.
func (c *dapConn) close() {
	c.once.Do(func() {
		c.mu.Lock()
		leaving, b := c.leaving, c.back
		c.mu.Unlock()
		if !leaving {
			c.event("terminated", nil)
		}
		close(c.done)
		c.client.Close()
		if b != nil {
			b.conn.Close()
		}
	})
}

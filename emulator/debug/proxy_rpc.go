package debug

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// rpcConn is a JSON-RPC client's connection (dlv connect, GoLand): net/rpc's JSON
// codec, one object per request and per answer, matched by id. The proxy numbers the
// requests it passes on itself, so that a request can move to another process, or be
// answered by the proxy, without the client noticing.
type rpcConn struct {
	p      *proxy
	client net.Conn
	in     *json.Decoder
	done   chan struct{} // closed when the connection ends
	once   sync.Once
	wmu    sync.Mutex // writes to the client

	mu      sync.Mutex
	back    *rpcBackend
	next    uint64
	pending map[uint64]*rpcCall // by the proxy's id
	parked  *rpcCall            // a continue whose process went away, for the next one
}

type rpcBackend struct {
	a    *attachment
	conn net.Conn
	wmu  sync.Mutex
}

type rpcCall struct {
	id       json.RawMessage // the client's
	method   string
	params   json.RawMessage
	run      bool  // a Command that runs the process: answered at its next stop
	giveBack bool  // the session's continue was halted for it: resume it after the answer
	epoch    int64 // the attachment's epoch when it was halted
	back     *rpcBackend
	answered chan struct{}
}

type rpcRequest struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	ID     json.RawMessage `json:"id"`
}

type rpcAnswer struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func newRPCConn(p *proxy, c net.Conn, br *bufio.Reader) *rpcConn {
	return &rpcConn{p: p, client: c, in: json.NewDecoder(br), done: make(chan struct{}), pending: map[uint64]*rpcCall{}}
}

func (c *rpcConn) serve() {
	for {
		var req rpcRequest
		if err := c.in.Decode(&req); err != nil {
			return
		}
		c.request(&req)
	}
}

// commandName is the Name of an RPCServer.Command request: continue, halt, next, ….
func commandName(params json.RawMessage) string {
	var args []api.DebuggerCommand
	if json.Unmarshal(params, &args) != nil || len(args) == 0 {
		return ""
	}
	return args[0].Name
}

// waitsForStop tells the requests that delve answers only once the target is
// stopped: all but these.
func waitsForStop(method, command string) bool {
	switch strings.TrimPrefix(method, "RPCServer.") {
	case "State", "GetVersion", "SetApiVersion", "IsMulticlient", "ProcessPid", "LastModified", "Recorded", "Detach":
		return false
	case "Command":
		return command != api.Halt
	}
	return true
}

func (c *rpcConn) request(req *rpcRequest) {
	call := &rpcCall{id: req.ID, method: req.Method, params: req.Params, answered: make(chan struct{})}
	command := ""
	if req.Method == "RPCServer.Command" {
		command = commandName(req.Params)
		call.run = command != api.Halt && command != api.SwitchThread && command != api.SwitchGoroutine
	}
	if c.clearsMissing(call) || c.answersItself(call) {
		return
	}
	a, err := c.p.current(c.done)
	if err != nil {
		c.reply(call.id, nil, err.Error())
		return
	}
	b, err := c.backend(a)
	if err != nil {
		c.reply(call.id, nil, err.Error())
		return
	}
	if command == api.Halt && c.haltsStopped(a, call) {
		return
	}
	if command == api.Continue {
		c.p.opts.OnResume()
	}
	if req.Method == "RPCServer.Command" {
		a.epoch.Add(1)
	}
	if command == api.Continue && c.continuesOwn(a, b, call) {
		return
	}
	if waitsForStop(req.Method, command) && a.yield() && !call.run {
		call.giveBack, call.epoch = true, a.epoch.Load()
	}
	c.send(b, call)
}

// answersItself answers what clients ask as they connect and needs no process, so
// that they connect at once even while the function is still being built: the API
// version (2 is delve's default, so the process's delve need not hear it) and whether
// several clients may connect.
func (c *rpcConn) answersItself(call *rpcCall) bool {
	switch call.method {
	case "RPCServer.SetApiVersion":
		var in []api.SetAPIVersionIn
		if json.Unmarshal(call.params, &in) != nil || len(in) == 0 || in[0].APIVersion != 2 {
			c.reply(call.id, nil, "unknown API version")
			return true
		}
		c.reply(call.id, json.RawMessage("{}"), "")
		return true
	case "RPCServer.IsMulticlient":
		c.reply(call.id, json.RawMessage(`{"IsMulticlient":true}`), "")
		return true
	}
	return false
}

// continuesOwn answers a continue with the session's own: the stop at a breakpoint
// where it ended just before (the stop is this continue's, not to be run past), or the
// one it comes to (see attachment.adopt).
func (c *rpcConn) continuesOwn(a *attachment, b *rpcBackend, call *rpcCall) bool {
	if st := a.ownStop.Swap(nil); st != nil {
		out, _ := json.Marshal(rpc2.CommandOut{State: *st})
		c.answered(b, call, &rpcAnswer{Result: out})
		return true
	}
	ch := a.adopt()
	if ch == nil {
		return false
	}
	go func() {
		st := <-ch
		ans := &rpcAnswer{}
		switch {
		case st == nil:
			ans.Error, _ = json.Marshal("the continue ended without a state")
		case st.Err != nil:
			ans.Error, _ = json.Marshal(st.Err.Error())
		default:
			ans.Result, _ = json.Marshal(rpc2.CommandOut{State: *st})
		}
		c.answered(b, call, ans)
	}()
	return true
}

// haltsStopped answers a halt of a process that is already stopped with its state, as
// delve would, without passing it on: delve's native backend sends the process a
// SIGTRAP even then, which stays pending and stops the next continue at once (an
// editor that halts first to set its breakpoints then sees a stop that is no
// breakpoint's, or a function let go with it pending dies of it).
func (c *rpcConn) haltsStopped(a *attachment, call *rpcCall) bool {
	st, err := a.state()
	if err != nil || st.Running {
		return false
	}
	a.epoch.Add(1)
	a.ownStop.Store(nil) // the client sees where it stopped now
	out, _ := json.Marshal(rpc2.CommandOut{State: *st})
	c.reply(call.id, out, "")
	return true
}

// clearsMissing answers a client clearing a breakpoint that the current process does
// not have because it no longer resolves after a rebuild: the proxy forgets it.
func (c *rpcConn) clearsMissing(call *rpcCall) bool {
	if call.method != "RPCServer.ClearBreakpoint" {
		return false
	}
	var in []rpc2.ClearBreakpointIn
	if json.Unmarshal(call.params, &in) != nil || len(in) == 0 {
		return false
	}
	bp := c.p.book.missingOne(in[0].Id, in[0].Name)
	if bp == nil {
		return false
	}
	c.p.book.cleared(bp.ID, "")
	out, _ := json.Marshal(rpc2.ClearBreakpointOut{Breakpoint: bp})
	c.reply(call.id, out, "")
	return true
}

// backend is the connection to a's delve, dialled on first use.
func (c *rpcConn) backend(a *attachment) (*rpcBackend, error) {
	c.mu.Lock()
	b := c.back
	c.mu.Unlock()
	if b != nil && b.a == a {
		return b, nil
	}
	conn, err := a.dial()
	if err != nil {
		return nil, err
	}
	nb := &rpcBackend{a: a, conn: conn}
	c.mu.Lock()
	if c.back != nil && c.back.a == a {
		b = c.back
		c.mu.Unlock()
		conn.Close()
		return b, nil
	}
	old := c.back
	c.back = nb
	c.mu.Unlock()
	if old != nil {
		old.conn.Close()
	}
	go c.read(nb)
	return nb, nil
}

// send passes a request on under the proxy's own id.
func (c *rpcConn) send(b *rpcBackend, call *rpcCall) {
	c.mu.Lock()
	c.next++
	id := c.next
	call.back = b
	c.pending[id] = call
	c.mu.Unlock()
	msg, _ := json.Marshal(struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		ID     uint64          `json:"id"`
	}{call.method, call.params, id})
	b.wmu.Lock()
	_, err := b.conn.Write(append(msg, '\n'))
	b.wmu.Unlock()
	if err == nil {
		return
	}
	c.mu.Lock()
	_, still := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if still {
		c.unanswered(call)
	}
}

// read passes delve's answers back under the client's ids, until the connection to
// delve ends; the requests it left unanswered are answered then.
func (c *rpcConn) read(b *rpcBackend) {
	dec := json.NewDecoder(b.conn)
	for {
		var ans rpcAnswer
		if err := dec.Decode(&ans); err != nil {
			break
		}
		var id uint64
		json.Unmarshal(ans.ID, &id)
		c.mu.Lock()
		call := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if call != nil {
			c.answered(b, call, &ans)
		}
	}
	b.conn.Close()
	var left []*rpcCall
	c.mu.Lock()
	for id, call := range c.pending {
		if call.back == b {
			left = append(left, call)
			delete(c.pending, id)
		}
	}
	c.mu.Unlock()
	for _, call := range left {
		c.unanswered(call)
	}
}

func (c *rpcConn) answered(b *rpcBackend, call *rpcCall, ans *rpcAnswer) {
	if call.run && (b.a.retired.Load() || exited(ans)) {
		b.a.retired.Store(true) // its process is gone: no more requests go there
		c.park(call)
		return
	}
	if isNull(ans.Error) {
		c.record(call, ans.Result)
	}
	close(call.answered)
	c.write(call.id, ans.Result, ans.Error)
	if call.giveBack {
		go b.a.giveBack(call.epoch)
	}
}

// unanswered deals with a request whose process went away before delve answered: a
// continue waits for the next process, anything else is answered with the reason.
func (c *rpcConn) unanswered(call *rpcCall) {
	if call.run {
		c.park(call)
		return
	}
	close(call.answered)
	c.reply(call.id, nil, fmt.Sprintf("dev: %s's process went away before delve answered %s; ask again", c.p.opts.Name, call.method))
}

// park keeps a continue for the next process, a bounded time (see proxy.current).
// A client that has left keeps nothing.
func (c *rpcConn) park(call *rpcCall) {
	select {
	case <-c.done:
		return
	default:
	}
	c.mu.Lock()
	c.parked = call
	c.mu.Unlock()
	go c.waitParked(call)
}

func (c *rpcConn) waitParked(call *rpcCall) {
	a, err := c.p.current(c.done)
	c.mu.Lock()
	still := c.parked == call
	if still {
		c.parked = nil
	}
	c.mu.Unlock()
	if !still {
		return // the next process took it (see rebind)
	}
	if err != nil {
		close(call.answered)
		c.reply(call.id, nil, err.Error()+"; continue again then")
		return
	}
	// A process came that was set up before this continue was parked: run it there.
	b, err := c.backend(a)
	if err != nil {
		close(call.answered)
		c.reply(call.id, nil, err.Error())
		return
	}
	a.yield()
	c.send(b, call)
}

// rebind: a JSON-RPC client has nothing to set up again (its breakpoints are in the
// book), only a continue to carry over.
func (c *rpcConn) rebind(a *attachment) *resumer {
	c.mu.Lock()
	parked := c.parked
	c.mu.Unlock()
	if parked == nil {
		return nil
	}
	take := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.parked != parked {
			return false
		}
		c.parked = nil
		return true
	}
	return &resumer{
		run: func() error {
			if !take() {
				return a.resume()
			}
			b, err := c.backend(a)
			if err != nil {
				close(parked.answered)
				c.reply(parked.id, nil, err.Error())
				return a.resume()
			}
			c.send(b, parked)
			return a.waitRunning(func() bool {
				select {
				case <-parked.answered:
					return true
				default:
					return false
				}
			})
		},
		skip: func(why string) {
			if take() {
				close(parked.answered)
				c.reply(parked.id, nil, "dev: "+why+"; continue again")
			}
		},
	}
}

// record keeps the book up to date with what a client did to its breakpoints.
func (c *rpcConn) record(call *rpcCall, result json.RawMessage) {
	switch call.method {
	case "RPCServer.CreateBreakpoint":
		var in []rpc2.CreateBreakpointIn
		var out rpc2.CreateBreakpointOut
		if json.Unmarshal(call.params, &in) == nil && len(in) > 0 && json.Unmarshal(result, &out) == nil {
			c.p.book.created(in[0], out.Breakpoint)
		}
	case "RPCServer.ClearBreakpoint":
		var in []rpc2.ClearBreakpointIn
		var out rpc2.ClearBreakpointOut
		if json.Unmarshal(result, &out) == nil && out.Breakpoint != nil {
			c.p.book.cleared(out.Breakpoint.ID, "")
		} else if json.Unmarshal(call.params, &in) == nil && len(in) > 0 {
			c.p.book.cleared(in[0].Id, in[0].Name)
		}
	case "RPCServer.AmendBreakpoint":
		var in []rpc2.AmendBreakpointIn
		if json.Unmarshal(call.params, &in) == nil && len(in) > 0 {
			c.p.book.amended(in[0].Breakpoint)
		}
	case "RPCServer.ToggleBreakpoint":
		var out rpc2.ToggleBreakpointOut
		if json.Unmarshal(result, &out) == nil && out.Breakpoint != nil {
			c.p.book.amended(*out.Breakpoint)
		}
	case "RPCServer.Detach":
		c.p.book.reset() // delve let go of the process and cleared them
	}
}

// exited tells an answer to a continue saying that the process ended.
func exited(ans *rpcAnswer) bool {
	var out rpc2.CommandOut
	if json.Unmarshal(ans.Result, &out) == nil && out.State.Exited {
		return true
	}
	var msg string
	return json.Unmarshal(ans.Error, &msg) == nil && strings.Contains(msg, "has exited with status")
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// reply answers the client: with result, or with the error message msg.
func (c *rpcConn) reply(id, result json.RawMessage, msg string) {
	errJSON := json.RawMessage("null")
	if msg != "" {
		errJSON, _ = json.Marshal(msg)
	}
	c.write(id, result, errJSON)
}

func (c *rpcConn) write(id, result, errJSON json.RawMessage) {
	if isNull(result) {
		result = json.RawMessage("null")
	}
	if isNull(errJSON) {
		errJSON = json.RawMessage("null")
	}
	msg, _ := json.Marshal(rpcAnswer{ID: id, Result: result, Error: errJSON})
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.client.Write(append(msg, '\n'))
}

func (c *rpcConn) close() {
	c.once.Do(func() {
		close(c.done)
		c.client.Close()
		c.mu.Lock()
		b := c.back
		c.mu.Unlock()
		if b != nil {
			b.conn.Close()
		}
	})
}

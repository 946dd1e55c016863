package devserver

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/debug"
	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
	"github.com/identity-dev/dev/emulator/term"
)

// Default debugger ports: delve's and Node's usual ones; more functions take the next.
const (
	DefaultDebugPort   = 2345
	DefaultInspectPort = 9229
)

// DebugTarget is a function dev serve runs under a debugger, and where to attach: the
// dev API's type, which the state file and dev debug read.
type DebugTarget = devapi.DebugTarget

// debugger runs the functions --debug names: JS workers with the Node inspector on
// their own port, Go binaries built without optimisations under delve (see debug_go.go),
// one instance each so one attach serves every call, and their time limits suspended
// while a debugger holds them.
type debugger struct {
	s       *Server
	all     bool
	names   map[string]bool
	host    string
	nextGo  int
	nextJS  int
	mu      sync.Mutex
	targets map[string]*DebugTarget
	attach  map[string]bool // a debugger holds the function
	proxies map[string]*inspectorProxy
	// wait holds the first invocations of each function until a debugger is ready.
	wait     bool
	readyCh  map[string]chan struct{} // closed once a debugger is ready (see ready)
	sessions map[string]*debug.GoSession
	dlv      string // --debugger dlv: the installed dlv the sessions run; "" for dev's own delve
}

func newDebugger(s *Server, names []string, goPort, jsPort int) *debugger {
	d := &debugger{s: s, names: map[string]bool{}, host: "127.0.0.1", nextGo: goPort, nextJS: jsPort,
		targets: map[string]*DebugTarget{}, attach: map[string]bool{}, proxies: map[string]*inspectorProxy{},
		readyCh: map[string]chan struct{}{}}
	if d.nextGo == 0 {
		d.nextGo = DefaultDebugPort
	}
	if d.nextJS == 0 {
		d.nextJS = DefaultInspectPort
	}
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			if part = strings.TrimSpace(part); part == "all" {
				d.all = true
			} else if part != "" {
				d.names[part] = true
			}
		}
	}
	return d
}

func (d *debugger) wants(name string) bool {
	return d != nil && (d.all || d.names[name])
}

// target is the function's debug address, given once and kept across rebuilds.
func (d *debugger) target(fn *functions.Function) *DebugTarget {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.targets[fn.Name]; ok && t.Runtime == fn.Kind {
		return t
	}
	port := &d.nextJS
	if fn.Kind == functions.KindGo {
		port = &d.nextGo
	}
	for !portFree(d.host, *port) {
		*port++
	}
	t := &DebugTarget{Function: fn.Name, Runtime: fn.Kind, Addr: net.JoinHostPort(d.host, strconv.Itoa(*port)), Source: rel(d.s.opts.SiteDir, fn.Entry)}
	*port++
	d.targets[fn.Name] = t
	return t
}

// runtimeFor gives a debugged function a runtime of its own.
func (d *debugger) runtimeFor(fn *functions.Function) functions.Runtime {
	if !d.wants(fn.Name) {
		return nil
	}
	t := d.target(fn)
	switch fn.Kind {
	case functions.KindJS:
		return d.jsRuntime(fn, t)
	case functions.KindGo:
		return d.goRuntime(fn, t)
	}
	return nil
}

func (d *debugger) concurrencyFor(name string) int {
	if d.wants(name) {
		return 1 // one process: one attach serves every call
	}
	return 0
}

// jsRuntime runs the worker with the Node inspector on a port of its own, behind a
// proxy on the public port that keeps the debuggers' sessions across workers and
// tells when a debugger attaches and leaves.
func (d *debugger) jsRuntime(fn *functions.Function, t *DebugTarget) functions.Runtime {
	d.mu.Lock()
	proxy := d.proxies[fn.Name]
	d.mu.Unlock()
	if proxy == nil {
		var err error
		name := fn.Name
		proxy, err = newInspectorProxy(t.Addr, func(attached bool) { d.held(name, attached) },
			func() { d.ready(name) }, func() { d.paused(name) })
		if err != nil {
			d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Fail, "inspector port: "+err.Error(), 0)
			return nil
		}
		proxy.describe(name, func(msg string) { d.s.opts.Log.Event(term.KindDebug, name, term.Info, msg, 0) })
		d.mu.Lock()
		d.proxies[fn.Name] = proxy
		d.mu.Unlock()
	}
	inner := net.JoinHostPort(d.host, strconv.Itoa(freePort(d.host)))
	proxy.setBackend(inner)
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Info, "Node inspector at "+t.Addr+" (dev debug vscode prints the attach entry)", 0)
	// No start limit: a breakpoint in the module's top level holds its loading.
	return nodejs.New(nodejs.Options{ExtraNodeArgs: []string{"--inspect=" + inner}, StartTimeout: -1})
}

// onStart follows each new instance of a debugged function: a Go process gets delve
// attached, a JS worker gets the connected debuggers' sessions; either way before it
// takes its first call, so that the breakpoints set before a rebuild stop that call.
func (d *debugger) onStart(fn *functions.Function, in functions.Instance) {
	if !d.wants(fn.Name) {
		return
	}
	switch fn.Kind {
	case functions.KindGo:
		d.goStarted(fn, in)
	case functions.KindJS:
		d.mu.Lock()
		proxy := d.proxies[fn.Name]
		d.mu.Unlock()
		if proxy != nil {
			proxy.workerStarted()
		}
	}
}

// onOutput keeps Node's own inspector chatter, which names the inner port, out of the log.
func (d *debugger) onOutput(fn *functions.Function, stream, line string) bool {
	if !d.wants(fn.Name) || fn.Kind != functions.KindJS || stream != "stderr" {
		return false
	}
	for _, prefix := range []string{"Debugger listening on", "For help, see: https://nodejs.org/en/docs/inspector", "Debugger attached.", "Waiting for the debugger to disconnect", "Debugger ending"} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// close stops the inspector proxies.
func (d *debugger) close() {
	if d == nil {
		return
	}
	d.mu.Lock()
	sessions := d.sessions
	for _, p := range d.proxies {
		p.close()
	}
	d.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
}

// held suspends or restores a function's time limits, and says so.
func (d *debugger) held(name string, on bool) {
	d.mu.Lock()
	was := d.attach[name]
	d.attach[name] = on
	d.mu.Unlock()
	if was == on {
		return
	}
	if on {
		d.s.opts.Log.Event(term.KindDebug, name, term.Warn, fmt.Sprintf(
			"is held by the debugger; its time limit is suspended, production would have given up after %s", d.limitOf(name)), 0)
		return
	}
	d.s.opts.Log.Event(term.KindDebug, name, term.Info, "the debugger let go: its time limits are back", 0)
}

// paused says, once per function, that a debugger stopped it while its clock is off.
func (d *debugger) paused(name string) {
	if d.s.notes.once("paused:" + name) {
		d.s.opts.Log.Event(term.KindDebug, name, term.Warn, fmt.Sprintf(
			"is paused in the debugger; its time limit is suspended, production would have given up after %s", d.limitOf(name)), 0)
	}
}

func (d *debugger) limitOf(name string) time.Duration {
	if strings.HasPrefix(name, "identity-") {
		if d.s.opts.HookTimeout > 0 {
			return d.s.opts.HookTimeout
		}
		return 5 * time.Second
	}
	if d.s.opts.FunctionTimeout > 0 {
		return d.s.opts.FunctionTimeout
	}
	return functions.DefaultTimeout
}

func (d *debugger) readyChan(name string) chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.readyChanLocked(name)
}

func (d *debugger) readyChanLocked(name string) chan struct{} {
	ch, ok := d.readyCh[name]
	if !ok {
		ch = make(chan struct{})
		d.readyCh[name] = ch
	}
	return ch
}

// ready lets go of the calls --debug-wait holds: a debugger client attached, set its
// breakpoints and let the function run (Runtime.runIfWaitingForDebugger for Node;
// continue or configurationDone for delve).
func (d *debugger) ready(name string) {
	d.mu.Lock() // two clients can be ready at once: one close
	defer d.mu.Unlock()
	ch := d.readyChanLocked(name)
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// heldFn tells the function server a debugged function's time limits are suspended:
// while a debugger holds it, and with --debug-wait until the first one is ready
// (waiting for the debugger must not time out).
func (d *debugger) heldFn(name string) bool {
	if !d.wants(name) {
		return false
	}
	d.mu.Lock()
	attached := d.attach[name]
	d.mu.Unlock()
	if attached {
		return true
	}
	if !d.wait {
		return false
	}
	select {
	case <-d.readyChan(name):
		return false
	default:
		return true
	}
}

// beforeInvoke holds, with --debug-wait, a debugged function's invocations until a
// debugger has attached once and let it run, so that the first call meets the
// breakpoints (node --inspect-brk's semantics, for Go too).
func (d *debugger) beforeInvoke(ctx context.Context, name string) error {
	if !d.wait || !d.wants(name) {
		return nil
	}
	ch := d.readyChan(name)
	select {
	case <-ch:
		return nil
	default:
	}
	d.s.opts.Log.Event(term.KindDebug, name, term.Warn, "waits for a debugger to attach, set its breakpoints and continue (--debug-wait); dev debug vscode prints how", 0)
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Targets lists the functions under a debugger, by name.
func (d *debugger) Targets() []DebugTarget {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]DebugTarget, 0, len(d.targets))
	for _, t := range d.targets {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

// freePort is a port nobody listens on now.
func freePort(host string) int {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func portFree(host string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

package debug

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"

	"github.com/identity-dev/dev/emulator/functions"
)

const (
	// attachTimeout bounds starting the helper and attaching: delve reads the
	// binary's DWARF, a fraction of a second for a function.
	attachTimeout = 30 * time.Second
	// stopTimeout is how long the helper gets to put the function's code back.
	stopTimeout = 10 * time.Second
	// callTimeout bounds each request of the session's own clients. delve answers the
	// requests of one connection in order, and most wait for the target to stop: an
	// unbounded one once hung dev for good (see resume).
	callTimeout = 5 * time.Second
	// runTimeout bounds waiting for delve to say the process runs after a continue.
	runTimeout = 5 * time.Second
	// stateTimeout bounds one question whether the process runs, which delve answers at
	// once unless the question is stuck (see state).
	stateTimeout = time.Second
)

// innerAddr is where each helper's delve listens: a free loopback port. Editors reach
// it through the session's proxy on the public address.
const innerAddr = "127.0.0.1:0"

// attachment is one helper serving one process.
type attachment struct {
	opts   GoOptions
	pid    int
	addr   string // where its delve listens (innerAddr, then the port it took)
	helper *exec.Cmd
	proc   *functions.Child // the helper's process: it dies with dev
	ctl    *os.File         // the helper's stdin: closing it stops the helper
	events chan helperEvent // from the helper's stdout; closed when it exits
	exited chan struct{}    // closed once the helper is reaped

	// The session's own clients: one for requests, one for its continue, which
	// delve would otherwise let no request of the same connection pass.
	conns  []net.Conn
	client *rpc2.RPCClient
	runner *rpc2.RPCClient
	// The connection state asks on, dialled again when a question sticks (see state).
	probeMu   sync.Mutex
	probe     *rpc2.RPCClient
	probeConn net.Conn
	ownRun    atomic.Bool   // the session's continue is under way
	halted    chan struct{} // the session's continue returned: the target stopped
	// ownStop is where the session's continue stopped at a breakpoint, until a client
	// continues: that client's continue is answered with it (see rpcConn.request).
	ownStop  atomic.Pointer[api.DebuggerState]
	runMu    sync.Mutex
	adopters []chan *api.DebuggerState // clients' continues waiting on the session's (see adopt)
	// epoch counts the clients' requests that run or stop the process: the session
	// gives back its continue, halted for a client's request, only if none came since.
	epoch atomic.Int64

	retired  atomic.Bool   // the process is ending or being let go: answers about it are stale
	release  chan struct{} // the last client left: clear the breakpoints (see watch)
	restored bool          // clients' breakpoints were set again in it (see GoSession.restore)

	quit     chan struct{} // closed by stop
	loopDone chan struct{} // closed when watch returns
	stopOnce sync.Once
	stopErr  error

	// Owned by watch (and by stop once watch has returned).
	paused      bool
	haltedAlone int // polls in a row that found the target halted with no client
}

// attach starts a helper that attaches delve to pid and connects the session's own
// clients. The process is left stopped: the session sets the breakpoints again and
// lets it run (see GoSession.restore) before any editor's request reaches it.
func attach(opts GoOptions, pid int) (*attachment, error) {
	a, err := startHelper(opts, innerAddr, pid)
	if err != nil {
		return nil, err
	}
	if err := a.handshake(); err != nil {
		a.kill()
		return nil, err
	}
	if err := a.connect(); err != nil {
		a.stopHelper()
		return nil, err
	}
	return a, nil
}

func startHelper(opts GoOptions, addr string, pid int) (*attachment, error) {
	exe := opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("debug %s: finding this program to start the debugger: %w", opts.Name, err)
		}
	}
	cfg, _ := json.Marshal(helperConfig{Pid: pid, Addr: addr, Dlv: opts.Dlv})
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("debug %s: %w", opts.Name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, fmt.Errorf("debug %s: %w", opts.Name, err)
	}
	// The argument makes a program that forgot to call HelperMain fail at once
	// (an unknown command) rather than start a second dev.
	cmd := exec.Command(exe, helperArg)
	cmd.Env = append(os.Environ(), helperEnv+"="+string(cfg))
	cmd.Stdin = ctlR
	cmd.Stdout = outW
	prefix := "delve: " // what the debugger says, as the log shows it
	if opts.Dlv != "" {
		prefix = "dlv: "
	}
	cmd.Stderr = &lineLog{log: func(line string) { opts.Log(prefix + line) }}
	cmd.WaitDelay = time.Second
	// Its own process group (a Ctrl-C is for dev, which stops it by closing ctl) that the
	// kernel kills if dev dies: the function it traces dies with dev too.
	proc, err := functions.StartChild(cmd)
	ctlR.Close()
	outW.Close()
	if err != nil {
		ctlW.Close()
		outR.Close()
		return nil, fmt.Errorf("debug %s: starting the debugger (%s): %w", opts.Name, exe, err)
	}
	a := &attachment{
		opts:     opts,
		pid:      pid,
		addr:     addr,
		helper:   cmd,
		proc:     proc,
		ctl:      ctlW,
		events:   make(chan helperEvent, 16),
		exited:   make(chan struct{}),
		halted:   make(chan struct{}, 1),
		release:  make(chan struct{}, 1),
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go func() {
		readEvents(outR, a.events, func(line string) { opts.Log(prefix + line) })
		outR.Close()
	}()
	go func() {
		proc.Wait()
		close(a.exited)
	}()
	return a, nil
}

// handshake waits until the helper holds the process.
func (a *attachment) handshake() error {
	timer := time.NewTimer(attachTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-a.events:
			if !ok {
				<-a.exited
				return fmt.Errorf("debug %s: the debugger ended before it attached (%v); its messages are above. "+
					"(%s must call debug.HelperMain first thing in main.)", a.opts.Name, a.helper.ProcessState, a.helper.Path)
			}
			switch ev.Event {
			case eventListening:
				a.addr = ev.Addr
			case eventAttached:
				return nil
			case eventFailed:
				return a.explain(ev.Error)
			}
		case <-timer.C:
			return fmt.Errorf("debug %s: the debugger did not attach to pid %d within %s", a.opts.Name, a.pid, attachTimeout)
		}
	}
}

// explain turns the helper's failure into what the user can do about it.
func (a *attachment) explain(msg string) error {
	if strings.Contains(msg, "operation not permitted") || strings.Contains(msg, "kernel security setting") {
		hint := "the system does not let dev's debugger trace the function's process"
		if scope := YamaPtraceScope(); scope != "" && scope != "0" {
			hint = "Linux's Yama ptrace_scope is " + scope +
				", which lets a debugger trace only its own children; allow it with `sudo sysctl kernel.yama.ptrace_scope=0`"
		}
		return fmt.Errorf("debug %s: attaching to pid %d: %s (%s)", a.opts.Name, a.pid, hint, msg)
	}
	return fmt.Errorf("debug %s: attaching to pid %d: %s", a.opts.Name, a.pid, msg)
}

// connect dials the session's own clients.
func (a *attachment) connect() error {
	for _, c := range []**rpc2.RPCClient{&a.client, &a.runner} {
		conn, err := a.dial()
		if err != nil {
			return err
		}
		a.conns = append(a.conns, conn)
		*c = rpc2.NewClientFromConn(conn)
	}
	return nil
}

// dial connects to the helper's delve.
func (a *attachment) dial() (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", a.addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("debug %s: connecting to the debugger at %s: %w", a.opts.Name, a.addr, err)
	}
	return conn, nil
}

// errNoAnswer is a request of the session's that delve did not answer in time.
var errNoAnswer = errors.New("delve did not answer within " + callTimeout.String())

// call runs one request of the session's own client within callTimeout. A request
// that times out is left to finish (or to fail when the helper goes); the next ones
// queue behind it and time out too until delve answers.
func (a *attachment) call(f func(c *rpc2.RPCClient) error) error {
	done := make(chan error, 1)
	go func() { done <- f(a.client) }()
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return errNoAnswer
	case <-a.exited:
		return fmt.Errorf("the debugger of %s ended", a.opts.Name)
	}
}

// state asks delve whether the process runs, without waiting for it to stop.
//
// It asks on a connection of its own, and gives that connection up when an answer
// does not come within stateTimeout. delve's non-blocking state is not quite: it
// looks whether a continue runs, and if none does, waits for the target's lock. A
// continue that takes the lock in between (the session's or a client's) holds it until
// the process next stops, which for a function let run freely may be never, and delve
// answers a connection's requests in order, so every later question on it would wait
// too (the detach that "did not let hello run within 5s" of a CI run). A new
// connection asks again; by then the continue is under way and is seen.
func (a *attachment) state() (*api.DebuggerState, error) {
	c, err := a.prober()
	if err != nil {
		return nil, err
	}
	type answer struct {
		st  *api.DebuggerState
		err error
	}
	done := make(chan answer, 1)
	go func() {
		st, err := c.GetStateNonBlocking()
		done <- answer{st, err}
	}()
	timer := time.NewTimer(stateTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.st, r.err
	case <-timer.C:
		a.dropProbe(c)
		return nil, fmt.Errorf("delve did not say within %s whether %s runs", stateTimeout, a.opts.Name)
	case <-a.exited:
		return nil, fmt.Errorf("the debugger of %s ended", a.opts.Name)
	}
}

// prober is the connection state asks on, dialled when there is none.
func (a *attachment) prober() (*rpc2.RPCClient, error) {
	a.probeMu.Lock()
	defer a.probeMu.Unlock()
	if a.probe != nil {
		return a.probe, nil
	}
	if a.retired.Load() {
		return nil, fmt.Errorf("the debugger of %s is letting go", a.opts.Name)
	}
	conn, err := a.dial()
	if err != nil {
		return nil, err
	}
	a.probe, a.probeConn = rpc2.NewClientFromConn(conn), conn
	return a.probe, nil
}

// dropProbe gives up a connection whose question stuck; its pending call returns
// with an error once the connection is closed.
func (a *attachment) dropProbe(c *rpc2.RPCClient) {
	a.probeMu.Lock()
	defer a.probeMu.Unlock()
	if a.probe != c {
		return
	}
	a.probeConn.Close()
	a.probe, a.probeConn = nil, nil
}

// resume lets the process run with the session's own continue, as dlv --continue
// does, and returns once delve says it runs. The continue is made on a connection of
// its own: delve reads no more requests from a connection whose continue has not yet
// resumed the target, so a state request behind it on the same connection would wait
// until some other client's continue had stopped (the "15 minutes with nothing" of
// issue #12).
func (a *attachment) resume() error {
	if !a.ownRun.CompareAndSwap(false, true) {
		return nil // it runs already, through the session
	}
	a.ownStop.Store(nil)
	states := a.runner.Continue()
	go func() {
		var last *api.DebuggerState
		for st := range states {
			last = st
		}
		a.runMu.Lock()
		adopters := a.adopters
		a.adopters = nil
		if len(adopters) == 0 && last != nil && last.Err == nil && !last.Exited && atBreakpoint(last) {
			a.ownStop.Store(last)
		}
		a.ownRun.Store(false)
		a.runMu.Unlock()
		for _, ch := range adopters {
			ch <- last
		}
		select {
		case a.halted <- struct{}{}:
		default:
		}
	}()
	return a.waitRunning(func() bool { return !a.ownRun.Load() })
}

// adopt makes a client's continue, come while the session's own continue runs the
// process, wait for that one to end and take its stop, as if it had run the process
// itself. Halting the session's to pass the client's on instead loses a breakpoint hit
// in between to the session, and can leave delve a stale SIGTRAP. It returns nil when
// the session's continue is not under way.
func (a *attachment) adopt() <-chan *api.DebuggerState {
	a.runMu.Lock()
	defer a.runMu.Unlock()
	if !a.ownRun.Load() {
		return nil
	}
	ch := make(chan *api.DebuggerState, 1)
	a.adopters = append(a.adopters, ch)
	return ch
}

// atBreakpoint tells a stop at a breakpoint (or at delve's own, on a panic) from a
// halt.
func atBreakpoint(st *api.DebuggerState) bool {
	if st.CurrentThread != nil && st.CurrentThread.Breakpoint != nil {
		return true
	}
	for _, th := range st.Threads {
		if th.Breakpoint != nil {
			return true
		}
	}
	return false
}

// waitRunning waits until delve says the process runs, or ended reports that the
// continue that was to run it has already returned (it stopped at once, at a
// breakpoint, or the process ended).
func (a *attachment) waitRunning(ended func() bool) error {
	deadline := time.Now().Add(runTimeout)
	for {
		st, err := a.state()
		if err == nil && st.Running {
			return nil
		}
		if ended() {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("it is still stopped")
			}
			return fmt.Errorf("the debugger did not let %s (pid %d) run within %s: %w", a.opts.Name, a.pid, runTimeout, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// yield stops the session's own continue, if one is under way, before a client's
// request that needs the target stopped: delve would keep that request until the
// target stopped by itself, and a client's continue queued behind ours would let the
// process run on through the very breakpoint that stopped it, the stop going to the
// session (the first signup "ran straight through the breakpoint" in issue #12). It
// reports whether it stopped one.
func (a *attachment) yield() bool {
	if !a.ownRun.Load() {
		return false
	}
	// Halting a process that is stopped leaves a SIGTRAP pending with delve's native
	// backend: the next continue stops at once, or the function dies of it once let go.
	if st, err := a.state(); err != nil || !st.Running {
		a.settle()
		return false
	}
	if err := a.call(func(c *rpc2.RPCClient) error { _, err := c.Halt(); return err }); err != nil {
		a.opts.Log(fmt.Sprintf("the debugger could not halt %s for a client's request: %v", a.opts.Name, err))
		return false
	}
	a.settle()
	return true
}

// settle waits (a bounded time) for the session's continue, which delve has ended or
// is ending, to have returned.
func (a *attachment) settle() {
	for deadline := time.Now().Add(callTimeout); a.ownRun.Load() && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
}

// giveBack resumes the session's continue, halted for a client's request (see yield),
// unless a client has run or stopped the process since.
func (a *attachment) giveBack(epoch int64) {
	if a.epoch.Load() != epoch || a.ownRun.Load() || a.retired.Load() || a.ownStop.Load() != nil {
		return // a client took over, or a breakpoint stopped it meanwhile: that stop is a client's
	}
	if st, err := a.state(); err != nil || st.Running || a.epoch.Load() != epoch {
		return
	}
	if err := a.resume(); err != nil {
		a.opts.Log(err.Error())
	}
}

// stop lets go of the process and waits for the helper to end.
func (a *attachment) stop() error {
	a.stopOnce.Do(func() {
		a.retired.Store(true)
		close(a.quit)
		<-a.loopDone
		a.stopErr = a.stopHelper()
		a.end()
	})
	return a.stopErr
}

// stopHelper asks the helper to detach, and kills it if it does not.
func (a *attachment) stopHelper() error {
	a.retired.Store(true)
	go a.drain()
	a.ctl.Close()
	var err error
	select {
	case <-a.exited:
	case <-time.After(stopTimeout):
		a.proc.Signal(syscall.SIGKILL)
		<-a.exited
		err = fmt.Errorf("debug %s: the debugger did not let go of pid %d within %s, so it was killed; "+
			"the function may crash at a breakpoint left behind", a.opts.Name, a.pid, stopTimeout)
	}
	for _, c := range a.conns {
		c.Close()
	}
	a.probeMu.Lock()
	if a.probeConn != nil {
		a.probeConn.Close()
		a.probe, a.probeConn = nil, nil
	}
	a.probeMu.Unlock()
	return err
}

// kill ends a helper that never attached.
func (a *attachment) kill() {
	go a.drain()
	a.ctl.Close()
	a.proc.Signal(syscall.SIGKILL)
	<-a.exited
}

// YamaPtraceScope is Linux's kernel.yama.ptrace_scope, or "" where there is none. Above
// 0, a debugger may trace only its own children, and dev's cannot attach.
func YamaPtraceScope() string {
	b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// lineLog passes on what a process writes, line by line.
type lineLog struct {
	mu  sync.Mutex
	buf []byte
	log func(string)
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(l.buf[:i]), "\r"); line != "" {
			l.log(line)
		}
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// drain reads the helper's remaining events once nobody watches them, so that it
// is not kept from writing its last ones.
func (a *attachment) drain() {
	for range a.events {
	}
}

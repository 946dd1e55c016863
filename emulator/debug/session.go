// Package debug lets an editor's debugger stop inside the Go functions dev serves.
//
// A GoSession attaches delve to a function's process, which the Go runtime started
// (with the function's environment and its Runtime API) from a build without
// optimisations (-gcflags=all=-N -l). delve runs in a helper process of its own, this
// same executable started again (see HelperMain), because on Linux it cannot share a
// process with anything else that has children; it listens on a loopback port of its
// own.
//
// Editors connect to the session's address, by JSON-RPC (dlv connect, GoLand) or by
// DAP (VS Code's "remote" attach), and reach delve through a proxy the session owns
// (proxy.go). The proxy keeps their connections when the function is rebuilt and its
// new process attached: it records the breakpoints they set and sets them again in
// the new process before that process takes its first invocation; it holds their
// requests while there is no process to debug (a bounded time, then answers why); and
// a client waiting in continue across a rebuild waits on in the new process. The
// session keeps its own clients on delve: it lets the process run when no client
// does, reports when a client has stopped it, and when the last client leaves it
// clears the breakpoints and lets the function run, so no call hangs on a breakpoint
// nobody is watching.
package debug

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/go-delve/delve/pkg/goversion"
)

// DefaultAddr is where editors connect unless told otherwise: dlv's own default.
const DefaultAddr = "127.0.0.1:2345"

// ErrClosed is what Attach returns once the session is closed.
var ErrClosed = errors.New("debug: the session is closed")

// GoOptions configure a GoSession.
type GoOptions struct {
	Name string // the function's name, for messages
	// Addr is host:port where editors connect; DefaultAddr when empty. With port 0
	// the session picks a free port when it starts listening (see Addr).
	Addr string
	// Log receives what the user should read: the session's notices and delve's own
	// messages.
	Log func(msg string)
	// OnPause reports that a client stopped the function (true: a breakpoint was hit,
	// or a client halted it) and that it runs again (false).
	OnPause func(paused bool)
	// OnClient reports that the first debugger client connected (true) and that the
	// last one left (false). Clients stay connected across rebuilds.
	OnClient func(connected bool)
	// OnResume reports that a client asked the function to run, as an editor does once
	// it has set its breakpoints: continue over JSON-RPC, configurationDone or continue
	// over DAP.
	OnResume func()
	// Executable is the program started as the helper; this executable by default.
	// Its main must call HelperMain first.
	Executable string
	// Dlv is the path of an installed dlv to use instead of the delve linked into this
	// program: the helper runs it (dlv attach --headless) and forwards its own address
	// to it, so everything above works the same.
	Dlv string
}

// The callbacks are called one at a time, from the session's goroutines or from
// Attach, Detach and Close; they must not call the session.

// GoSession debugs one Go function: one process at a time, on one address.
type GoSession struct {
	opts  GoOptions
	proxy *proxy

	mu     sync.Mutex
	cur    *attachment
	closed bool
}

// NewGoSession returns a session that neither listens nor is attached yet.
func NewGoSession(opts GoOptions) *GoSession {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	if opts.OnPause == nil {
		opts.OnPause = func(bool) {}
	}
	if opts.OnClient == nil {
		opts.OnClient = func(bool) {}
	}
	if opts.OnResume == nil {
		opts.OnResume = func() {}
	}
	return &GoSession{opts: opts, proxy: newProxy(opts)}
}

// Addr is where editors connect: GoOptions.Addr, with the port picked once listening.
func (s *GoSession) Addr() string { return s.proxy.addr() }

// Listen opens the session's address, so that editors may connect before the
// function's first process is attached (their requests wait for it). Attach listens
// too; Listen is for starting earlier.
func (s *GoSession) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.proxy.listen()
}

// Building says that the function is being built: a new process follows. Clients go
// on with the process they have until it ends.
func (s *GoSession) Building() {
	s.proxy.building(fmt.Sprintf("%s is being built; its new process is attached once it starts", s.opts.Name))
}

// Built says how the build ended. After a failed build no process comes until the
// next one: requests that wait for a process are answered with the build's error.
func (s *GoSession) Built(err error) {
	if err == nil {
		s.proxy.built("")
		return
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i] + " …"
	}
	s.proxy.built(fmt.Sprintf("the build of %s failed (%s); fix it and save: the debugger stays connected and sets your breakpoints again in the next build", s.opts.Name, msg))
}

// Attach starts serving a debugger for the process pid on the session's address. A
// process attached before is let go of first. The breakpoints the connected clients
// set are set again in the new process, and it runs, when Attach returns; those that
// no longer resolve are reported in the log (and to DAP clients).
func (s *GoSession) Attach(pid int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.proxy.listen(); err != nil {
		return err
	}
	s.proxy.suspend(fmt.Sprintf("dev is attaching the debugger to %s's new process (pid %d)", s.opts.Name, pid))
	if s.cur != nil {
		s.cur.stop()
		s.cur = nil
	}
	s.warnGoVersion(pid)
	a, err := attach(s.opts, pid)
	if err != nil {
		s.proxy.fail(err.Error())
		return err
	}
	s.restore(a)
	s.cur = a
	go a.watch(s.proxy)
	s.proxy.ready(a)
	return nil
}

// restore sets the clients' breakpoints again in a newly attached process, halted,
// and lets it run: through a client that expects to (a DAP client, which hears of its
// stops only from its own continue, or a JSON-RPC client whose continue outlived the
// last process), or else through the session's own continue. Only one continue: a
// second, queued in delve behind the first, would resume the process at the stop
// meant for the first.
func (s *GoSession) restore(a *attachment) {
	set, failed := s.proxy.book.recreate(a)
	resumers := s.proxy.rebind(a)
	a.restored = len(set)+len(failed)+len(resumers) > 0
	var runner *resumer
	for _, r := range resumers {
		if runner == nil || (r.dap && !runner.dap) {
			runner = r
		}
	}
	for _, r := range resumers {
		if r != runner {
			r.skip(fmt.Sprintf("another debugger client let %s's new process run", s.opts.Name))
		}
	}
	var err error
	if runner != nil {
		err = runner.run()
	} else {
		err = a.resume()
	}
	if err != nil {
		s.opts.Log(err.Error())
	}
	if len(set) > 0 {
		s.opts.Log(fmt.Sprintf("breakpoints set again in pid %d: %s", a.pid, strings.Join(set, ", ")))
	}
	for _, f := range failed {
		s.opts.Log(f)
	}
}

// Detach lets go of the process: its breakpoints are cleared and it runs on (the
// process is the runtime's to stop). Clients stay connected; their requests wait for
// the next Attach.
func (s *GoSession) Detach() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	s.proxy.suspend(fmt.Sprintf("%s is not under the debugger (dev let go of it); it is attached again when it restarts", s.opts.Name))
	err := s.cur.stop()
	s.cur = nil
	return err
}

// Close detaches, ends the clients' connections and frees the address; safe to call
// twice.
func (s *GoSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.proxy.suspend(fmt.Sprintf("the debugger of %s is closing", s.opts.Name))
	var err error
	if s.cur != nil {
		err = s.cur.stop()
		s.cur = nil
	}
	s.proxy.close()
	return err
}

// warnGoVersion says when the function was built by a Go that this delve does not
// support. Attaching does not check it (launching does): delve would just misbehave.
func (s *GoSession) warnGoVersion(pid int) {
	info, err := buildinfo.ReadFile("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return // not Linux, or no build info: nothing to tell
	}
	if msg := unsupportedGo(info.GoVersion); msg != "" {
		s.opts.Log(fmt.Sprintf("%s was built with %s: breakpoints and variables may be wrong", s.opts.Name, msg))
	}
}

// unsupportedGo says what is wrong with a target built by Go version v ("go1.26.8"),
// or "" when delve supports it.
func unsupportedGo(v string) string {
	ver, ok := goversion.Parse(v)
	if !ok || ver.IsDevelBuild() {
		return ""
	}
	lo := goversion.GoVersion{Major: goversion.MinSupportedVersionOfGoMajor, Minor: goversion.MinSupportedVersionOfGoMinor, Rev: -1 << 20}
	hi := goversion.GoVersion{Major: goversion.MaxSupportedVersionOfGoMajor, Minor: goversion.MaxSupportedVersionOfGoMinor + 1, Rev: -1 << 20}
	if ver.AfterOrEqual(lo) && !ver.AfterOrEqual(hi) {
		return ""
	}
	return fmt.Sprintf("%s, but the debugger supports Go %d.%d to %d.%d; build it with a Go in that range to debug it reliably",
		v, lo.Major, lo.Minor, hi.Major, hi.Minor-1)
}

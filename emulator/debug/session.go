// Package debug lets an editor's debugger stop inside the Go functions dev serves.
//
// A GoSession attaches delve to a function's process, which the Go runtime started
// (with the function's environment and its Runtime API) from a build without
// optimisations (-gcflags=all=-N -l). Editors connect to one address, by JSON-RPC
// (dlv connect, GoLand) or by DAP (VS Code's "remote" attach): delve tells them apart
// by the first byte. delve runs in a helper process of its own, this same executable
// started again (see HelperMain), because on Linux it cannot share a process with
// anything else that has children. The session keeps its own client on the address:
// it reports when a client has stopped the function, and when the last client leaves
// it clears the breakpoints and lets the function run, so no call hangs on a
// breakpoint nobody is watching.
package debug

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"strconv"
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
	// the first Attach picks a free port and later ones keep it (see Addr).
	Addr string
	// Log receives what the user should read: the session's notices and delve's own
	// messages.
	Log func(msg string)
	// OnPause reports that a client stopped the function (true: a breakpoint was hit,
	// or a client halted it) and that it runs again (false).
	OnPause func(paused bool)
	// OnClient reports that the first debugger client connected (true) and that the
	// last one left (false).
	OnClient func(connected bool)
	// OnResume reports that a client asked the function to run, as an editor does once
	// it has set its breakpoints: continue over JSON-RPC, configurationDone or continue
	// over DAP.
	OnResume func()
	// Executable is the program started as the helper; this executable by default.
	// Its main must call HelperMain first.
	Executable string
	// Dlv is the path of an installed dlv to use instead of the delve linked into this
	// program: the helper runs it (dlv attach --headless) and forwards the session's
	// address to it, so everything above works the same.
	Dlv string
}

// The callbacks are called one at a time, from the session's goroutine or from
// Detach and Close; they must not call the session.

// GoSession debugs one Go function: one process at a time, on one address.
type GoSession struct {
	opts GoOptions

	mu     sync.Mutex
	addr   string
	cur    *attachment
	closed bool
}

// NewGoSession returns a session that is not attached yet.
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
	return &GoSession{opts: opts, addr: opts.Addr}
}

// Addr is where editors connect: GoOptions.Addr, with the port the first Attach picked.
func (s *GoSession) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Attach starts serving a debugger for the process pid on the session's address, and
// returns once the process runs again. A process attached before is let go of first.
func (s *GoSession) Attach(pid int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.cur != nil {
		s.cur.stop()
		s.cur = nil
	}
	s.warnGoVersion(pid)
	a, err := attach(s.opts, s.addr, pid)
	if err != nil {
		return err
	}
	s.cur = a
	s.addr = a.addr
	return nil
}

// Detach lets go of the process: its breakpoints are cleared and it runs on (the
// process is the runtime's to stop). The address is free again when Detach returns.
func (s *GoSession) Detach() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	err := s.cur.stop()
	s.cur = nil
	return err
}

// Close detaches and ends the session; safe to call twice.
func (s *GoSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cur == nil {
		return nil
	}
	err := s.cur.stop()
	s.cur = nil
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

package devserver

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"

	"github.com/identity-dev/dev/emulator/debug"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/term"
)

// goRuntime builds a debugged Go function without optimisations, so every line and
// variable is there for the debugger, and makes its delve session: delve (in a helper
// process, see emulator/debug) attaches to each instance the runtime starts, behind
// the session's proxy on the function's port (JSON-RPC and DAP). The port opens now,
// before the first build, and an editor's connection and breakpoints outlive rebuilds.
func (d *debugger) goRuntime(fn *functions.Function, t *DebugTarget) functions.Runtime {
	d.mu.Lock()
	if d.sessions == nil {
		d.sessions = map[string]*debug.GoSession{}
	}
	session := d.sessions[fn.Name]
	if session == nil {
		name := fn.Name
		session = debug.NewGoSession(debug.GoOptions{
			Name: name, Addr: t.Addr, Dlv: d.dlv,
			Log:      func(msg string) { d.s.opts.Log.Event(term.KindDebug, name, term.Info, msg, 0) },
			OnClient: func(connected bool) { d.held(name, connected) },
			OnResume: func() { d.ready(name) },
			OnPause: func(paused bool) {
				if paused {
					d.paused(name)
				}
			},
		})
		d.sessions[name] = session
	}
	d.mu.Unlock()
	if err := session.Listen(); err != nil {
		d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Fail, err.Error(), 0)
	}
	which := "delve"
	if d.dlv != "" {
		which = "dlv (" + d.dlv + ")"
	}
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Info, "built with -gcflags=all=-N -l; "+which+" (JSON-RPC and DAP) at "+t.Addr+" (dev debug vscode prints the attach entry)", 0)
	return sessionRuntime{Runtime: golang.New(golang.Options{BuildFlags: []string{"-gcflags=all=-N -l"}}), session: session}
}

// sessionRuntime tells a function's debugger session about its builds, so that an
// editor waiting on the next process learns why none comes when a build fails.
type sessionRuntime struct {
	functions.Runtime
	session *debug.GoSession
}

func (r sessionRuntime) Build(ctx context.Context, fn *functions.Function) (functions.Artifact, error) {
	r.session.Building()
	a, err := r.Runtime.Build(ctx, fn)
	r.session.Built(err)
	return a, err
}

// goStarted attaches delve to each new instance of a debugged Go function: one
// instance serves every call, and after a rebuild the new one is attached on the same
// port, with the breakpoints of the debuggers connected, before it takes a call.
func (d *debugger) goStarted(fn *functions.Function, in functions.Instance) {
	d.mu.Lock()
	session := d.sessions[fn.Name]
	d.mu.Unlock()
	gi, ok := in.(*golang.Instance)
	if session == nil || !ok {
		return
	}
	if err := session.Attach(gi.Pid()); err != nil {
		d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Fail, d.debuggerName()+" could not attach: "+err.Error(), 0)
		return
	}
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.OK, d.debuggerName()+" attached to pid "+strconv.Itoa(gi.Pid())+
		"; connected debuggers stay connected across rebuilds, and their breakpoints are set again in each new process", 0)
}

// debuggerName is what the log calls the debugger: delve, or dlv for --debugger dlv.
func (d *debugger) debuggerName() string {
	if d.dlv != "" {
		return "dlv"
	}
	return "delve"
}

// findDlv resolves --debugger: "" for dev's own delve, or the path of the dlv on PATH.
func findDlv(debugger string) (string, error) {
	switch debugger {
	case "", "delve":
		return "", nil
	case "dlv":
		path, err := exec.LookPath("dlv")
		if err != nil {
			return "", fmt.Errorf("--debugger dlv: there is no dlv on PATH; install it with `go install github.com/go-delve/delve/cmd/dlv@latest`, or leave out --debugger to use the delve built into dev")
		}
		return path, nil
	}
	return "", fmt.Errorf("--debugger %q: use delve (built into dev) or dlv (the one on PATH)", debugger)
}

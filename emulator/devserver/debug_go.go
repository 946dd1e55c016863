package devserver

import (
	"fmt"
	"strconv"

	"github.com/identity-dev/dev/emulator/debug"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/term"
)

// goRuntime builds a debugged Go function without optimisations, so every line and
// variable is there for the debugger, and makes its delve session: delve (in a helper
// process, see emulator/debug) attaches to each instance the runtime starts, and serves
// JSON-RPC and DAP on the function's port.
func (d *debugger) goRuntime(fn *functions.Function, t *DebugTarget) functions.Runtime {
	d.mu.Lock()
	if d.sessions == nil {
		d.sessions = map[string]*debug.GoSession{}
	}
	if d.sessions[fn.Name] == nil {
		name := fn.Name
		d.sessions[name] = debug.NewGoSession(debug.GoOptions{
			Name: name, Addr: t.Addr,
			Log:      func(msg string) { d.s.opts.Log.Event(term.KindDebug, name, term.Info, msg, 0) },
			OnClient: func(connected bool) { d.held(name, connected) },
			OnPause: func(paused bool) {
				if paused && d.s.notes.once("paused:"+name) {
					d.s.opts.Log.Event(term.KindDebug, name, term.Warn, fmt.Sprintf(
						"is paused in the debugger; its time limit is suspended, production would have given up after %s", d.limitOf(name)), 0)
				}
			},
		})
	}
	d.mu.Unlock()
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Info, "built with -gcflags=all=-N -l; delve (JSON-RPC and DAP) at "+t.Addr+" (dev debug vscode prints the attach entry)", 0)
	return golang.New(golang.Options{BuildFlags: []string{"-gcflags=all=-N -l"}})
}

// onStart attaches delve to each new instance of a debugged Go function: one instance
// serves every call, and after a rebuild the new one is attached on the same port.
func (d *debugger) onStart(fn *functions.Function, in functions.Instance) {
	if fn.Kind != functions.KindGo || !d.wants(fn.Name) {
		return
	}
	d.mu.Lock()
	session := d.sessions[fn.Name]
	d.mu.Unlock()
	gi, ok := in.(*golang.Instance)
	if session == nil || !ok {
		return
	}
	if err := session.Attach(gi.Pid()); err != nil {
		d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Fail, "delve could not attach: "+err.Error(), 0)
		return
	}
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.OK, "delve attached to pid "+strconv.Itoa(gi.Pid())+"; breakpoints set before a rebuild must be set again if your editor does not do it", 0)
}

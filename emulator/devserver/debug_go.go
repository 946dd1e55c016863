package devserver

import (
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/term"
)

// goRuntime builds a debugged Go function without optimisations, so every line and
// variable is there for the debugger.
func (d *debugger) goRuntime(fn *functions.Function, t *DebugTarget) functions.Runtime {
	d.s.opts.Log.Event(term.KindDebug, fn.Name, term.Info, "built with -gcflags=all=-N -l for the debugger at "+t.Addr, 0)
	return golang.New(golang.Options{BuildFlags: []string{"-gcflags=all=-N -l"}})
}

// onStart attaches the debugger to a new instance of a debugged Go function.
func (d *debugger) onStart(fn *functions.Function, in functions.Instance) {}

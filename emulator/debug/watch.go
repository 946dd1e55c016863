package debug

import (
	"fmt"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// pollInterval is how often the session asks delve whether the process runs: the
// delay before OnPause hears of a stop made by a client, or of a resume.
const pollInterval = 150 * time.Millisecond

// watch follows the helper's events and the process's state until stop or the end
// of the helper. p is the session's proxy: who is connected, and where to report that
// the process is gone.
func (a *attachment) watch(p *proxy) {
	defer close(a.loopDone)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-a.quit:
			return
		case ev, ok := <-a.events:
			if !ok {
				a.gone(p, fmt.Sprintf("the debugger of %s stopped unexpectedly; its messages are above", a.opts.Name))
				return
			}
			if why, done := a.handle(ev); done {
				a.gone(p, why)
				return
			}
		case <-a.release:
			if a.clear(p) {
				a.opts.Log(fmt.Sprintf("the debugger detached: breakpoints cleared, %s runs freely again", a.opts.Name))
			}
		case <-a.halted:
			a.poll(p)
		case <-tick.C:
			a.poll(p)
		}
	}
}

// handle takes one event from the helper, and says why the helper is done, if it is.
func (a *attachment) handle(ev helperEvent) (why string, done bool) {
	switch ev.Event {
	case eventExited:
		return fmt.Sprintf("%s's process (pid %d) ended; the debugger let go of it", a.opts.Name, a.pid), true
	case eventEnded:
		if ev.Error != "" {
			return ev.Error, true
		}
		return fmt.Sprintf("a debugger client ended the session: it detached from %s (pid %d), or stopped it", a.opts.Name, a.pid), true
	}
	return "", false
}

// gone tells the log and the proxy that this process can no longer be debugged.
func (a *attachment) gone(p *proxy, why string) {
	a.retired.Store(true)
	a.opts.Log(why)
	p.lost(a, why)
	a.end()
}

// poll asks delve whether the process runs. Halted with a client connected means the
// client stopped it; halted with none means nobody will resume it (a breakpoint hit
// as the last client left, or a panic), so the session does, once a second poll has
// found it so.
func (a *attachment) poll(p *proxy) {
	st, err := a.state()
	if err != nil {
		return // the process or the helper is ending: its event says which
	}
	if st.Running {
		a.haltedAlone = 0
		a.setPaused(false)
		return
	}
	if p.connected() {
		a.haltedAlone = 0
		a.setPaused(true)
		return
	}
	if a.haltedAlone++; a.haltedAlone < 2 {
		return
	}
	if a.clear(p) {
		a.opts.Log(fmt.Sprintf("%s stopped with no debugger client connected: breakpoints cleared, it runs on", a.opts.Name))
	}
}

// clear removes every breakpoint a client set and lets the process run: nobody is
// left to answer a stop. Over JSON-RPC a breakpoint can only be changed while the
// process is halted, so it halts it first. It reports whether it managed. A client
// that came meanwhile keeps what it has.
func (a *attachment) clear(p *proxy) bool {
	defer func() { a.haltedAlone = 0 }()
	if p.connected() {
		return false
	}
	p.forget()
	st, err := a.state()
	if err != nil {
		return false
	}
	if st.Running {
		if err := a.call(func(c *rpc2.RPCClient) error { _, err := c.Halt(); return err }); err != nil {
			a.opts.Log(fmt.Sprintf("the debugger could not halt %s to clear its breakpoints: %v", a.opts.Name, err))
			return false
		}
		a.settle() // the session's own continue (or a client's, left behind) returns now
	}
	var bps []*api.Breakpoint
	if err := a.call(func(c *rpc2.RPCClient) error { bps, err = c.ListBreakpoints(false); return err }); err != nil {
		a.opts.Log(fmt.Sprintf("the debugger could not list the breakpoints of %s: %v", a.opts.Name, err))
	}
	for _, bp := range bps {
		if bp.ID <= 0 {
			continue // delve's own: unrecovered panics and fatal errors
		}
		id := bp.ID
		if err := a.call(func(c *rpc2.RPCClient) error { _, err := c.ClearBreakpoint(id); return err }); err != nil {
			a.opts.Log(fmt.Sprintf("the debugger could not clear breakpoint %d in %s: %v", id, a.opts.Name, err))
		}
	}
	if err := a.resume(); err != nil {
		a.opts.Log(err.Error())
	}
	a.setPaused(false)
	return true
}

func (a *attachment) setPaused(paused bool) {
	if paused == a.paused {
		return
	}
	a.paused = paused
	a.opts.OnPause(paused)
}

// end takes back what the session reported: the process is no longer paused for a
// client. Called once the watch has stopped.
func (a *attachment) end() {
	a.setPaused(false)
}

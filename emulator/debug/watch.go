package debug

import (
	"fmt"
	"time"
)

// pollInterval is how often the session asks delve whether the process runs: the
// delay before OnPause hears of a stop made by another client, or of a resume.
const pollInterval = 150 * time.Millisecond

// watch follows the helper's events and the process's state until stop or the end
// of the helper.
func (a *attachment) watch() {
	defer close(a.loopDone)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-a.quit:
			return
		case ev, ok := <-a.events:
			if !ok {
				a.opts.Log(fmt.Sprintf("the debugger of %s stopped unexpectedly; its messages are above", a.opts.Name))
				a.end()
				return
			}
			if a.handle(ev) {
				a.end()
				return
			}
		case <-a.halted:
			a.poll()
		case <-tick.C:
			a.poll()
		}
	}
}

// handle takes one event from the helper, and reports whether the helper is done.
func (a *attachment) handle(ev helperEvent) (done bool) {
	switch ev.Event {
	case eventClient:
		a.clientSeen(ev.Remote, ev.Open)
	case eventResumed:
		if a.conn == nil || ev.Remote != a.conn.LocalAddr().String() {
			a.opts.OnResume()
		}
	case eventExited:
		a.opts.Log(fmt.Sprintf("%s's process (pid %d) ended; the debugger let go of it", a.opts.Name, a.pid))
		return true
	case eventEnded:
		if ev.Error != "" {
			a.opts.Log(ev.Error)
			return true
		}
		a.opts.Log(fmt.Sprintf("a debugger client ended the session: it detached from %s (pid %d), or stopped it", a.opts.Name, a.pid))
		return true
	}
	return false
}

// clientSeen counts the external clients; when the last one leaves, the process must not
// wait at a breakpoint nobody watches.
func (a *attachment) clientSeen(remote string, open bool) {
	if a.conn != nil && remote == a.conn.LocalAddr().String() {
		return // our own
	}
	was := len(a.clients)
	if open {
		a.clients[remote] = true
	} else {
		delete(a.clients, remote)
	}
	switch n := len(a.clients); {
	case was == 0 && n > 0:
		a.opts.OnClient(true)
	case was > 0 && n == 0:
		a.opts.OnClient(false)
		if a.release() {
			a.opts.Log(fmt.Sprintf("the debugger detached: breakpoints cleared, %s runs freely again", a.opts.Name))
		}
	}
}

// poll asks delve whether the process runs. Halted with a client connected means the
// client stopped it; halted with none means nobody will resume it (a breakpoint hit
// as the last client left, or a panic), so the session does. It waits for a second
// poll first: a client's connection is announced by the helper while delve is
// already serving it, and the two can arrive out of order.
func (a *attachment) poll() {
	st, err := a.client.GetStateNonBlocking()
	if err != nil {
		return // the process or the helper is ending: its event says which
	}
	if st.Running {
		a.haltedAlone = 0
		a.setPaused(false)
		return
	}
	if len(a.clients) > 0 {
		a.haltedAlone = 0
		a.setPaused(true)
		return
	}
	if a.haltedAlone++; a.haltedAlone < 2 {
		return
	}
	if a.release() {
		a.opts.Log(fmt.Sprintf("%s stopped with no debugger client connected: breakpoints cleared, it runs on", a.opts.Name))
	}
}

// release clears every breakpoint a client set and lets the process run. Over
// JSON-RPC a breakpoint can only be changed while the process is halted, so it halts
// it first. It reports whether it managed.
func (a *attachment) release() bool {
	defer func() { a.haltedAlone = 0 }()
	st, err := a.client.GetStateNonBlocking()
	if err != nil {
		return false
	}
	if st.Running {
		if _, err := a.client.Halt(); err != nil {
			a.opts.Log(fmt.Sprintf("the debugger could not halt %s to clear its breakpoints: %v", a.opts.Name, err))
			return false
		}
	}
	bps, err := a.client.ListBreakpoints(false)
	if err != nil {
		a.opts.Log(fmt.Sprintf("the debugger could not list the breakpoints of %s: %v", a.opts.Name, err))
	}
	for _, bp := range bps {
		if bp.ID <= 0 {
			continue // delve's own: unrecovered panics and fatal errors
		}
		if _, err := a.client.ClearBreakpoint(bp.ID); err != nil {
			a.opts.Log(fmt.Sprintf("the debugger could not clear breakpoint %d in %s: %v", bp.ID, a.opts.Name, err))
		}
	}
	a.resume()
	a.setPaused(false)
	return true
}

func (a *attachment) setPaused(p bool) {
	if p == a.paused {
		return
	}
	a.paused = p
	a.opts.OnPause(p)
}

// end takes back what the session reported: the process is no longer paused for a
// client, and no client is connected. Called once the watch has stopped.
func (a *attachment) end() {
	a.setPaused(false)
	if len(a.clients) > 0 {
		clear(a.clients)
		a.opts.OnClient(false)
	}
}

package debug

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/go-delve/delve/service"
	"github.com/go-delve/delve/service/debugger"
	"github.com/go-delve/delve/service/rpccommon"
)

// The helper is a process of its own that attaches delve to the function and serves
// it. delve cannot run inside dev on Linux: while the target runs it waits with
// wait4(-1, __WALL), which reaps any child of its process, so go build and other
// functions would lose their exit status; and the runtime's own wait for the function
// (the function is dev's child) would take delve's ptrace stops, so delve hangs and
// the runtime thinks the function ended. The helper has no children: it traces its
// sibling, and the real parent's wait sees only the function's exit.

// helperEnv carries the helper's configuration: its presence makes a process the helper.
const helperEnv = "DEV_DEBUG_HELPER"

// helperArg is the helper's only argument, for ps and for a main without HelperMain.
const helperArg = "__debug-helper"

// helperConfig is what a GoSession asks of its helper.
type helperConfig struct {
	Pid  int    `json:"pid"`
	Addr string `json:"addr"`          // where delve listens: a loopback port of its own, behind the session's proxy
	Dlv  string `json:"dlv,omitempty"` // an installed dlv to run instead of the delve linked in
}

// helperEvent is one line the helper writes on its stdout.
type helperEvent struct {
	Event string `json:"event"`
	Addr  string `json:"addr,omitempty"`  // listening: the address it serves
	Error string `json:"error,omitempty"` // failed
}

// The helper's events, in the order they can come.
const (
	eventListening = "listening" // the listener is up
	eventAttached  = "attached"  // delve holds the process, stopped
	eventFailed    = "failed"    // listening or attaching failed; the helper exits
	eventExited    = "exited"    // the function's process ended; the helper exits
	eventEnded     = "ended"     // a client detached delve (or killed the process); the helper exits
	eventDetached  = "detached"  // dev asked; delve let go of the process; the helper exits
)

// eventPrefix starts every event line, so that anything else a library prints on
// stdout is told apart (and passed on as a log line).
const eventPrefix = `{"event":`

// HelperMain is the main function of the debugger helper process: when this process
// was started as one by a GoSession, it attaches delve to the function's process,
// serves it, and exits. Otherwise it returns at once.
//
// A GoSession starts its helper by running this same executable again, so the
// program's main (and a test package's TestMain) must call HelperMain first.
func HelperMain() {
	raw, ok := os.LookupEnv(helperEnv)
	if !ok {
		return
	}
	os.Exit(runHelper(raw, os.Stdin, os.Stdout))
}

func runHelper(raw string, control io.Reader, out io.Writer) int {
	events := &eventWriter{w: out}
	var cfg helperConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil || cfg.Pid <= 0 {
		events.send(helperEvent{Event: eventFailed, Error: fmt.Sprintf("bad %s=%q", helperEnv, raw)})
		return 2
	}
	// dev stops the helper by closing its stdin, which lets delve put the function's
	// code back as it was; a Ctrl-C at the terminal must not kill it half way, nor an
	// event written after dev is gone (writes then just fail).
	signal.Ignore(os.Interrupt, syscall.SIGPIPE)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		events.send(helperEvent{Event: eventFailed, Error: err.Error()})
		return 1
	}
	events.send(helperEvent{Event: eventListening, Addr: ln.Addr().String()})
	if cfg.Dlv != "" {
		return serveDlv(cfg, ln, control, events)
	}

	ended := make(chan struct{})
	srv := rpccommon.NewServer(&service.Config{
		Listener:           ln,
		AcceptMulti:        true,
		APIVersion:         2,
		CheckLocalConnUser: true, // only dev's proxy connects here; it checks the clients' user
		DisconnectChan:     ended,
		Debugger: debugger.Config{
			AttachPid: cfg.Pid,
			Backend:   "default", // ptrace on Linux, debugserver on macOS
			// Attaching never checks the target's Go version (only launching does), so
			// this is moot; the session warns about a version delve does not support.
			CheckGoVersion: false,
		},
	})
	if err := srv.Run(); err != nil {
		ln.Close()
		events.send(helperEvent{Event: eventFailed, Error: err.Error()})
		return 1
	}
	events.send(helperEvent{Event: eventAttached})

	select {
	case <-closed(control):
		srv.Stop() // halts, clears the breakpoints, detaches: the process runs on
		events.send(helperEvent{Event: eventDetached})
	case <-processExited(cfg.Pid):
		events.send(helperEvent{Event: eventExited})
	case <-ended:
		events.send(helperEvent{Event: eventEnded})
	}
	return 0
}

// closed is closed once r reaches its end: dev closed the helper's stdin, or died.
func closed(r io.Reader) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(ch)
	}()
	return ch
}

// eventWriter writes events as JSON lines; the listener's goroutines share it.
type eventWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *eventWriter) send(ev helperEvent) {
	b, _ := json.Marshal(ev)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.w.Write(append(b, '\n'))
}

// readEvents reads the helper's stdout: events go to ch, any other line to log.
// ch is closed at the end of r.
func readEvents(r io.Reader, ch chan<- helperEvent, log func(string)) {
	defer close(ch)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		var ev helperEvent
		if len(line) > len(eventPrefix) && string(line[:len(eventPrefix)]) == eventPrefix && json.Unmarshal(line, &ev) == nil {
			ch <- ev
			continue
		}
		log(string(line))
	}
}

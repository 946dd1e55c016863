package debug

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-delve/delve/service/rpc2"

	"github.com/identity-dev/dev/emulator/functions"
)

const (
	// attachTimeout bounds starting the helper and attaching: delve reads the
	// binary's DWARF, a fraction of a second for a function.
	attachTimeout = 30 * time.Second
	// stopTimeout is how long the helper gets to put the function's code back.
	stopTimeout = 10 * time.Second
)

// attachment is one helper serving one process.
type attachment struct {
	opts   GoOptions
	pid    int
	addr   string // where it listens
	helper *exec.Cmd
	proc   *functions.Child // the helper's process: it dies with dev
	ctl    *os.File         // the helper's stdin: closing it stops the helper
	events chan helperEvent // from the helper's stdout; closed when it exits
	exited chan struct{}    // closed once the helper is reaped

	conn   net.Conn // our own client's, which the helper reports like any other
	client *rpc2.RPCClient
	halted chan struct{} // our Continue returned: the target stopped

	quit     chan struct{} // closed by stop
	loopDone chan struct{} // closed when watch returns
	stopOnce sync.Once
	stopErr  error

	// Owned by watch (and by stop once watch has returned).
	clients     map[string]bool // external clients, by address
	paused      bool
	haltedAlone int // polls in a row that found the target halted with no client
}

// attach starts a helper that attaches delve to pid on addr, connects our own client
// and lets the process run.
func attach(opts GoOptions, addr string, pid int) (*attachment, error) {
	a, err := startHelper(opts, addr, pid)
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
	go a.watch()
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
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
		clients:  map[string]bool{},
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
	switch {
	case strings.Contains(msg, "address already in use"):
		return fmt.Errorf("debug %s: %s is taken by another program: stop it, or give the debugger another address", a.opts.Name, a.addr)
	case strings.Contains(msg, "operation not permitted"), strings.Contains(msg, "kernel security setting"):
		hint := "the system does not let dev's debugger trace the function's process"
		if scope := YamaPtraceScope(); scope != "" && scope != "0" {
			hint = "Linux's Yama ptrace_scope is " + scope +
				", which lets a debugger trace only its own children; allow it with `sudo sysctl kernel.yama.ptrace_scope=0`"
		}
		return fmt.Errorf("debug %s: attaching to pid %d: %s (%s)", a.opts.Name, a.pid, hint, msg)
	}
	return fmt.Errorf("debug %s: attaching to pid %d: %s", a.opts.Name, a.pid, msg)
}

// connect dials our own client and lets the process run, as dlv --continue does.
func (a *attachment) connect() error {
	conn, err := net.DialTimeout("tcp", a.addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("debug %s: connecting to the debugger at %s: %w", a.opts.Name, a.addr, err)
	}
	a.conn = conn
	a.client = rpc2.NewClientFromConn(conn)
	a.resume()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := a.client.GetStateNonBlocking()
		if err != nil {
			return fmt.Errorf("debug %s: the debugger did not let pid %d run: %w", a.opts.Name, a.pid, err)
		}
		if st.Running {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("debug %s: the debugger did not let pid %d run within 5s", a.opts.Name, a.pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// resume continues the process through our own client; the call returns when the
// process stops again, which watch hears of at once.
func (a *attachment) resume() {
	states := a.client.Continue()
	go func() {
		for range states {
		}
		select {
		case a.halted <- struct{}{}:
		default:
		}
	}()
}

// stop lets go of the process and waits for the helper to end.
func (a *attachment) stop() error {
	a.stopOnce.Do(func() {
		close(a.quit)
		<-a.loopDone
		a.stopErr = a.stopHelper()
		a.end()
	})
	return a.stopErr
}

// stopHelper asks the helper to detach, and kills it if it does not.
func (a *attachment) stopHelper() error {
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
	if a.conn != nil {
		a.conn.Close()
	}
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

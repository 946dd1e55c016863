package debug

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-delve/delve/service/rpc2"
)

// serveDlv is the helper's work when the user asked for an installed dlv
// (GoOptions.Dlv): instead of delve linked into dev, it runs
//
//	dlv attach PID --headless --listen=127.0.0.1:0 --api-version=2 --accept-multiclient
//
// as its own child, and forwards the helper's address (ln) to it, so that the session's
// proxy reaches either delve the same way and everything else (time limits, breakpoints
// kept across rebuilds, cleared when the last client leaves) works the same. The
// events it writes are the embedded helper's.
//
// Its own limits are shorter than the session's (attachTimeout, stopTimeout), so that
// its message, which says what dlv did, is the one the user reads.
func serveDlv(cfg helperConfig, ln net.Listener, control io.Reader, events *eventWriter) int {
	cmd := exec.Command(cfg.Dlv, "attach", strconv.Itoa(cfg.Pid), "--headless", "--listen=127.0.0.1:0",
		"--api-version=2", "--accept-multiclient")
	cmd.SysProcAttr = dlvProcAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		ln.Close()
		events.send(helperEvent{Event: eventFailed, Error: err.Error()})
		return 1
	}
	cmd.Stderr = cmd.Stdout
	if err := startDlv(cmd); err != nil {
		ln.Close()
		events.send(helperEvent{Event: eventFailed, Error: fmt.Sprintf("starting %s: %v", cfg.Dlv, err)})
		return 1
	}
	exited := make(chan struct{})
	inner := make(chan string, 1)
	var said strings.Builder // what dlv printed before it attached, for a failure
	var saidMu sync.Mutex
	var attached atomic.Bool
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, "API server listening at: "); ok {
				select {
				case inner <- strings.TrimSpace(addr):
				default:
				}
				continue // the inner address would only confuse: editors use the session's
			}
			if !attached.Load() {
				saidMu.Lock()
				said.WriteString(line + "\n")
				saidMu.Unlock()
			}
			fmt.Fprintln(os.Stderr, line)
		}
		cmd.Wait()
		close(exited)
	}()
	failed := func(msg string) int {
		ln.Close()
		cmd.Process.Kill()
		<-exited
		saidMu.Lock()
		if s := strings.TrimSpace(said.String()); s != "" {
			msg += ": " + s
		}
		saidMu.Unlock()
		events.send(helperEvent{Event: eventFailed, Error: msg})
		return 1
	}

	// dlv prints its address before it attaches, and serves its first client once it
	// holds the process: a state read through our own connection is the handshake.
	deadline := time.After(dlvAttachTimeout)
	var addr string
	select {
	case addr = <-inner:
	case <-exited:
		return failed("dlv ended before it listened (" + cmd.ProcessState.String() + ")")
	case <-deadline:
		return failed("dlv did not listen within " + dlvAttachTimeout.String())
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return failed("connecting to dlv at " + addr + ": " + err.Error())
	}
	ready := make(chan error, 1)
	go func() {
		_, err := rpc2.NewClientFromConn(conn).GetStateNonBlocking()
		ready <- err
	}()
	select {
	case err := <-ready:
		conn.Close()
		if err != nil {
			select {
			case <-exited: // dlv hung up because it failed, and says why
				return failed("dlv could not attach to pid " + strconv.Itoa(cfg.Pid))
			case <-time.After(time.Second):
				return failed("dlv did not attach: " + err.Error())
			}
		}
	case <-exited:
		conn.Close()
		return failed("dlv could not attach to pid " + strconv.Itoa(cfg.Pid))
	case <-deadline:
		conn.Close()
		return failed("dlv did not attach within " + dlvAttachTimeout.String())
	}
	attached.Store(true)

	fwd := &forwarder{ln: ln, backend: addr, conns: map[net.Conn]bool{}}
	go fwd.serve()
	events.send(helperEvent{Event: eventAttached})

	select {
	case <-closed(control):
		fwd.close()
		stopDlv(cmd, addr, exited)
		events.send(helperEvent{Event: eventDetached})
	case <-processExited(cfg.Pid):
		fwd.close()
		cmd.Process.Kill()
		<-exited
		events.send(helperEvent{Event: eventExited})
	case <-exited:
		fwd.close()
		ev := helperEvent{Event: eventEnded} // a client detached dlv, or told it to quit
		if !cmd.ProcessState.Success() {
			ev.Error = fmt.Sprintf("dlv ended unexpectedly (%s); if it held breakpoints, the function may crash at the next one: save one of its files to rebuild and restart it", cmd.ProcessState)
		}
		events.send(ev)
	}
	return 0
}

// The helper's limits with dlv, shorter than the session's own.
const (
	dlvAttachTimeout = 20 * time.Second
	dlvStopTimeout   = 5 * time.Second
)

// stopDlv has dlv let go of the process: over its API, halted first (a detach waits
// for the process to stop), which puts the function's code back and lets it run on.
// dlv then exits. A dlv that does not is signalled, then killed.
func stopDlv(cmd *exec.Cmd, addr string, exited <-chan struct{}) {
	deadline := time.Now().Add(dlvStopTimeout)
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.SetDeadline(deadline)
		client := rpc2.NewClientFromConn(conn)
		if st, err := client.GetStateNonBlocking(); err == nil && st.Running {
			client.Halt()
		}
		client.Detach(false)
		conn.Close()
	}
	select {
	case <-exited:
		return
	case <-time.After(time.Until(deadline)):
	}
	terminate(cmd.Process) // dlv's answer to SIGTERM is a detach too
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// forwarder passes each connection on the helper's address to dlv's.
type forwarder struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	conns   map[net.Conn]bool
	closed  bool
}

func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.pipe(c)
	}
}

func (f *forwarder) pipe(client net.Conn) {
	// dlv refuses a local client of another user, but through the forwarder every
	// client reaches it as this one: the check is made here too (the session's proxy,
	// the only client, makes it for the editors behind it).
	if same, err := sameUser(client); !same {
		why := "it runs as another user"
		if err != nil {
			why = "its user could not be told: " + err.Error()
		}
		fmt.Fprintf(os.Stderr, "refused the debugger client at %s: %s\n", client.RemoteAddr(), why)
		client.Close()
		return
	}
	server, err := net.DialTimeout("tcp", f.backend, 5*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dlv does not answer at %s: %v\n", f.backend, err)
		client.Close()
		return
	}
	if !f.track(client, server) {
		client.Close()
		server.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done // either side ending ends the connection
	client.Close()
	server.Close()
	<-done
	f.mu.Lock()
	delete(f.conns, client)
	delete(f.conns, server)
	f.mu.Unlock()
}

func (f *forwarder) track(cs ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	for _, c := range cs {
		f.conns[c] = true
	}
	return true
}

// close stops accepting and ends the connections in flight.
func (f *forwarder) close() {
	f.ln.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
}

package functions

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// Child is a process dev starts for a function (a node worker, a Go binary) or for
// debugging one (the debugger helper), started so that it cannot outlive dev: it leads
// a process group of its own, so that a Ctrl-C at the terminal reaches only dev and
// stopping it stops whatever it started; and on Linux the kernel kills it when dev
// dies, even by SIGKILL. child_linux.go says how, and why that is reliable in Go.
type Child struct {
	cmd *exec.Cmd
	pid int

	mu    sync.Mutex
	ended bool // the leader has ended: its pid may not name its group any more
}

// StartChild starts cmd as a Child. It sets cmd.SysProcAttr's process group (and on
// Linux the parent-death signal, SIGKILL unless cmd.SysProcAttr already names one).
func StartChild(cmd *exec.Cmd) (*Child, error) {
	if err := startChild(cmd); err != nil {
		return nil, err
	}
	return &Child{cmd: cmd, pid: cmd.Process.Pid}, nil
}

// Pid is the process id, which is also its process group's id.
func (c *Child) Pid() int { return c.pid }

// Signal sends sig to the child's whole process group: the process and whatever it
// started (only the process itself where there are no process groups). Once the
// process has ended it returns os.ErrProcessDone and signals nobody.
func (c *Child) Signal(sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return os.ErrProcessDone
	}
	if err := signalGroup(c.cmd.Process, sig); err != nil {
		return fmt.Errorf("signal %s to process group %d: %w", sig, c.pid, err)
	}
	return nil
}

// Wait waits for the process to end, kills what it left behind in its process group
// (where the platform lets dev do so without racing the reuse of its pid), then reaps
// it as cmd.Wait does, whose error it returns.
func (c *Child) Wait() error {
	if leaderExited(c.pid) == nil {
		// The leader is a zombie until reaped, so its pid still names only its group.
		c.mu.Lock()
		signalGroup(c.cmd.Process, syscall.SIGKILL)
		c.ended = true
		c.mu.Unlock()
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	return err
}

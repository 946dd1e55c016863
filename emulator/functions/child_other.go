//go:build !unix

package functions

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// Without process groups or a parent-death signal (Windows), a child is a plain
// process: Close ends it alone, and one dev leaves behind when it is killed ends by
// itself once its channel to dev closes.
func startChild(cmd *exec.Cmd) error { return cmd.Start() }

// signalGroup signals the process alone; SIGKILL is the one signal every platform
// delivers (as a kill).
func signalGroup(p *os.Process, sig syscall.Signal) error {
	if sig == syscall.SIGKILL {
		return p.Kill()
	}
	return p.Signal(sig)
}

func leaderExited(pid int) error { return errors.ErrUnsupported }

//go:build unix && !linux

package functions

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// Outside Linux there is no parent-death signal: a child dev leaves behind when it is
// killed ends by itself once its channel to dev closes (an idle node worker or Go
// function does). Its process group still lets Close stop what it started.
func startChild(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	return cmd.Start()
}

func signalGroup(p *os.Process, sig syscall.Signal) error {
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		return p.Signal(sig) // not a group leader after all: the process alone
	}
	return nil
}

// leaderExited is not implemented here: Wait reaps at once, and what the process
// left in its group lives on.
func leaderExited(pid int) error { return errors.ErrUnsupported }

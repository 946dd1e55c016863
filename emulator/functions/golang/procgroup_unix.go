//go:build unix

package golang

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the function in a process group of its own, so that stopping it
// also stops whatever it started, and a Ctrl-C at the terminal reaches only dev.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func terminateProcess(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
}

func killProcess(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Process.Kill() // in case the group could not be signalled
}

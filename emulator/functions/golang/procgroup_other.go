//go:build !unix

package golang

import (
	"os"
	"os/exec"
)

func ownProcessGroup(cmd *exec.Cmd) {}

func terminateProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
}

func killProcess(cmd *exec.Cmd) {
	cmd.Process.Kill()
}

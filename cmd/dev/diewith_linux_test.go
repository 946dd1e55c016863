package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel stop cmd when the test process dies, however it dies (a
// benchmark killed at its timeout would otherwise leave dev serve and its workers).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

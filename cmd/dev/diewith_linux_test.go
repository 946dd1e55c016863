package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel stop cmd when the test process dies, however it dies (a
// benchmark killed at its timeout would otherwise leave dev serve and its workers).
// The signal follows the thread that forked cmd (go.dev/issue/27505), which outlives
// the benchmark as no test locks a thread; functions.StartChild forks on a thread kept
// for the purpose, but cmd/dev does not import functions (docs/architecture.md).
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

package debug

import (
	"os"
	"syscall"
)

// dlvProcAttr puts an installed dlv in a process group of its own, so that a Ctrl-C at
// the terminal does not reach it (dev stops it through the helper, which lets dlv put
// the function's code back first), and has it told to stop if the helper dies.
func dlvProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }

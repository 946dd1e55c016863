package debug

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/identity-dev/dev/emulator/functions"
)

// dlvProcAttr puts an installed dlv in a process group of its own, so that a Ctrl-C at
// the terminal does not reach it (dev stops it through the helper, which lets dlv put
// the function's code back first), and has it told to stop if the helper dies: SIGTERM,
// not SIGKILL, because dlv answers it by detaching, so a function that outlives the
// helper (dev still runs) is left without breakpoints.
func dlvProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// startDlv starts dlv from the one thread that forks every child, which lasts as long
// as the helper: the parent-death signal is tied to the forking thread, not the process
// (see functions.Child). StartChild keeps dlvProcAttr's SIGTERM.
func startDlv(cmd *exec.Cmd) error {
	_, err := functions.StartChild(cmd)
	return err
}

func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }

//go:build !linux

package debug

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// dlvProcAttr: the defaults (see dlvproc_linux.go for why Linux differs).
func dlvProcAttr() *syscall.SysProcAttr { return nil }

func startDlv(cmd *exec.Cmd) error { return cmd.Start() }

// terminate asks dlv to stop: SIGTERM where there are signals, a kill on Windows.
func terminate(p *os.Process) {
	if runtime.GOOS == "windows" {
		p.Kill()
		return
	}
	p.Signal(syscall.SIGTERM)
}

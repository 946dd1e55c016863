package framework

import (
	"os"
	"os/exec"
	"syscall"
)

// shellCommand runs command as netlify.toml gives it, with cmd.exe: the command line is
// passed as written, since cmd does not parse arguments the way Go quotes them.
func shellCommand(command string) *exec.Cmd {
	shell := os.Getenv("COMSPEC")
	if shell == "" {
		shell = "cmd.exe"
	}
	cmd := exec.Command(shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `"` + shell + `" /d /s /c "` + command + `"`}
	return cmd
}

//go:build !windows

package framework

import "os/exec"

// shellCommand runs command as netlify.toml gives it, pipes and all.
func shellCommand(command string) *exec.Cmd { return exec.Command("/bin/sh", "-c", command) }

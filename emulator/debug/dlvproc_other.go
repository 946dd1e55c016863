//go:build !linux

package debug

import "syscall"

// dlvProcAttr: the defaults (see dlvproc_linux.go for why Linux differs).
func dlvProcAttr() *syscall.SysProcAttr { return nil }

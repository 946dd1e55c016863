//go:build unix

package nodejs

import "syscall"

// processRuns reports whether a process of that id exists (signal 0 checks, sends nothing).
func processRuns(pid int) bool { return syscall.Kill(pid, 0) == nil }

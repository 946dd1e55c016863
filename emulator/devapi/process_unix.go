//go:build unix

package devapi

import (
	"errors"
	"syscall"
)

// processRuns reports whether a process of that id exists (EPERM: it does, another
// user's).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

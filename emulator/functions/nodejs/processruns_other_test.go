//go:build !unix

package nodejs

import "os"

// processRuns reports whether a process of that id can still be opened.
func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

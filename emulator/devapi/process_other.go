//go:build !unix

package devapi

import "os"

// processRuns reports whether a process of that id exists; where signal 0 cannot be
// sent, a process that can be found counts, and the client's request tells the rest.
func processRuns(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}

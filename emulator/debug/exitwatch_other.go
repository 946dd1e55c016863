//go:build !linux

package debug

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// processExited is closed once the process pid has ended.
func processExited(pid int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		p, err := os.FindProcess(pid)
		if err != nil {
			return
		}
		if runtime.GOOS == "windows" {
			p.Wait() // Windows waits on any process it holds a handle to
			return
		}
		for p.Signal(syscall.Signal(0)) == nil {
			time.Sleep(250 * time.Millisecond)
		}
	}()
	return ch
}

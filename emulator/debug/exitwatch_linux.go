package debug

import (
	"os"
	"strconv"
	"time"
)

// processExited is closed once the process pid has ended: it is gone, or its main
// thread is a zombie. It polls /proc rather than waiting on a pidfd, because a pidfd
// tells only once every thread has been reaped, and the threads of a tracee killed at
// a breakpoint wait for the tracer (delve, halted) to reap them: the kill would never
// be noticed, and the runtime would wait forever for the process it killed.
func processExited(pid int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		stat := "/proc/" + strconv.Itoa(pid) + "/stat"
		for {
			b, err := os.ReadFile(stat)
			if err != nil || zombie(b) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return ch
}

// zombie reads the state field of /proc/PID/stat, which follows the command name's ")".
func zombie(stat []byte) bool {
	for i := len(stat) - 1; i >= 0; i-- {
		if stat[i] == ')' {
			return i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X')
		}
	}
	return false
}

// Package procs sets how many threads run dev serve's Go code at once (GOMAXPROCS).
//
// What dev serve does for a request is short and strictly in turn: read it, hand it to
// a function's process, read the answer, write it back. With a thread per CPU, each of
// those hand-offs wakes another thread, and threads with nothing to do spin looking for
// work on CPUs that the function's node or Go process, the framework's dev server and
// the browser need. Measured on two CPUs, JS hello at 10 connections: dev's CPU per call
// 143–172 µs with two threads, 103–113 µs with one, and 6,700–7,700 against
// 8,500–9,300 requests a second (docs/performance.md). So a serving dev runs its Go code
// on one thread, and widens to every CPU while work that gains from them runs: esbuild's
// bundling, and a slow bcrypt hash (which would otherwise hold the one thread). Delve
// runs in a helper process of its own and is not concerned.
//
// GOMAXPROCS in the environment is the user's choice and is left alone. Functions never
// see any of this: their processes get the environment, not dev's setting.
package procs

import (
	"os"
	"runtime"
	"sync"
)

var (
	mu      sync.Mutex
	narrow  int // the threads while serving; 0 when not narrowed
	wide    int // the threads while widened: Go's own choice at the start
	widened int // holders of Wide
)

// Narrow runs Go code on one thread until the returned function is called, which gives
// the choice back to Go. It does nothing when GOMAXPROCS is set in the environment, or
// when another Narrow holds.
func Narrow() (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	if _, set := os.LookupEnv("GOMAXPROCS"); set || narrow != 0 {
		return func() {}
	}
	wide, narrow = runtime.GOMAXPROCS(0), 1
	if widened == 0 {
		runtime.GOMAXPROCS(narrow)
	}
	return sync.OnceFunc(func() {
		mu.Lock()
		defer mu.Unlock()
		narrow = 0
		runtime.SetDefaultGOMAXPROCS() // Go's choice again, following the CPU limit as it changes
	})
}

// Wide lets Go code use every CPU until the returned function is called, for work that
// runs on many goroutines at once. Holders overlap freely; the last one out narrows
// again. Outside Narrow it changes nothing.
func Wide() (done func()) {
	mu.Lock()
	defer mu.Unlock()
	widened++
	if widened == 1 && narrow != 0 {
		runtime.GOMAXPROCS(wide)
	}
	return sync.OnceFunc(func() {
		mu.Lock()
		defer mu.Unlock()
		widened--
		if widened == 0 && narrow != 0 {
			runtime.GOMAXPROCS(narrow)
		}
	})
}

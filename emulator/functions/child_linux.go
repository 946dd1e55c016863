package functions

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// On Linux a Child gets PR_SET_PDEATHSIG: the kernel sends it SIGKILL when dev dies,
// however dev dies. SIGKILL rather than SIGTERM because nothing may keep the child
// alive: a function can catch or ignore SIGTERM (Node's process.on('SIGTERM')), and a
// function paused under a debugger is ptrace-stopped, where any other signal waits for
// the debugger; dev, which would have given it a grace period, is gone anyway.
//
// The kernel sends that signal when the *thread* that forked the child ends, not the
// process (syscall.SysProcAttr.Pdeathsig's documentation, go.dev/issue/27505). The Go
// runtime ends a thread only when a goroutine locked to it (runtime.LockOSThread)
// returns without unlocking; nothing in dev does that today, but any library could, and
// os/exec forks on whichever thread runs the calling goroutine. So every Child is
// forked by one goroutine that locks its thread and never returns: that thread lasts as
// long as dev. Locking the caller's thread around Start would not do: once unlocked, the
// thread goes back to the pool, where a later locked goroutine may take it and end it.

func startChild(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if cmd.SysProcAttr.Pdeathsig == 0 {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	return onLastingThread(cmd.Start)
}

// forks carries work to forkChildren, which runs for the life of the program (started
// with it, so that counts of goroutines taken later do not see it come).
var forks = make(chan func())

func init() { go forkChildren() }

func forkChildren() {
	runtime.LockOSThread() // never unlocked, and this goroutine never returns
	for fork := range forks {
		fork()
	}
}

// onLastingThread runs start on the OS thread that forks every Child.
func onLastingThread(start func() error) error {
	done := make(chan error, 1)
	forks <- func() { done <- start() }
	return <-done
}

func signalGroup(p *os.Process, sig syscall.Signal) error {
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		return p.Signal(sig) // not a group leader after all: the process alone
	}
	return nil
}

// pPID is waitid's P_PID: wait for the one process named.
const pPID = 1

// leaderExited blocks until process pid has ended and leaves it unreaped (WNOWAIT):
// until it is reaped, its pid cannot be given to another process, so -pid still names
// its own process group.
func leaderExited(pid int) error {
	var info [128]byte // siginfo_t, which WNOWAIT fills and nobody reads
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info)), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return errno
	}
}

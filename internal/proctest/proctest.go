// Package proctest checks, in tests, that processes dev starts die with it: the test
// binary re-runs itself as a tiny dev that starts a child and says its pid, is killed
// with SIGKILL, and the child must be gone. Linux only (it reads /proc). Only tests
// import it.
package proctest

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartAndKillTinyDev runs this test binary with env as a tiny dev, reads the pid it
// says its child has, kills the tiny dev with SIGKILL and returns that pid.
func StartAndKillTinyDev(t *testing.T, env string) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dev := exec.Command(exe, "-test.run=^$")
	dev.Env = append(os.Environ(), env)
	dev.Stderr = os.Stderr
	out, err := dev.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	defer dev.Wait()
	defer dev.Process.Kill()
	said := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		said <- sc.Text()
	}()
	var line string
	select {
	case line = <-said:
	case <-time.After(time.Minute):
		t.Fatal("the tiny dev said nothing within a minute")
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		t.Fatalf("the tiny dev said %q, want its child's pid (its stderr is above)", line)
	}
	KillIfLeft(t, pid)
	if Gone(pid) {
		t.Fatalf("the child %d is not running before dev is killed", pid)
	}
	if err := dev.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dev.Wait()
	return pid
}

// WaitGone fails the test unless process pid ends within a generous bound: the kernel
// kills it at once, this only leaves room for a loaded machine.
func WaitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !Gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still runs", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// KillIfLeft kills pid at the end of a test that failed to see it end.
func KillIfLeft(t *testing.T, pid int) {
	t.Cleanup(func() {
		if !Gone(pid) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
	})
}

// Gone reports whether pid has ended: it is gone, or a zombie nobody reaped yet
// (an orphan's new parent may be slow to, or never, reap it).
func Gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')') // the state follows the command's name
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// WithEnv lists the processes, not gone (see Gone), whose environment holds kv
// ("KEY=VALUE"): a test marks what it starts with a variable of its own and finds it so.
func WithEnv(kv string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, v := range strings.Split(string(env), "\x00") {
			if v == kv && !Gone(pid) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// WaitNoneWithEnv fails the test unless every process whose environment holds kv ends
// within the bound WaitGone gives.
func WaitNoneWithEnv(t *testing.T, kv, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := WithEnv(kv)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still runs: pids %v", what, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package golang

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// tinyDevEnv makes this test binary a tiny dev (see TestMain) that runs the function
// binary the variable names.
const tinyDevEnv = "GOLANG_TEST_TINY_DEV"

// runTinyDev is dev reduced to one Go function: it starts the binary as the runtime
// does, gives it an invocation that keeps it busy, says "pid N" on stdout and waits to
// be killed.
func runTinyDev(binary string) int {
	art := &Artifact{fn: &functions.Function{Name: "hello", Kind: functions.KindGo}, binary: binary}
	sleeping := make(chan struct{})
	var once sync.Once
	heard := func(stream, line string) {
		if line == "sleeping" {
			once.Do(func() { close(sleeping) })
		}
	}
	in, err := New(Options{}).Start(context.Background(), art, functions.StartOptions{Log: heard})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tiny dev:", err)
		return 1
	}
	go in.Invoke(context.Background(), invocation("/sleep"))
	select {
	case <-sleeping:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "tiny dev: the function never started its invocation")
		return 1
	}
	fmt.Printf("pid %d\n", in.(*Instance).Pid())
	time.Sleep(time.Hour)
	return 0
}

// A function in the middle of an invocation ends when dev is killed with SIGKILL, which
// dev cannot catch. (An idle one would end anyway: its next poll of the Runtime API fails.)
func TestFunctionDiesWithDev(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux has a parent-death signal (PR_SET_PDEATHSIG); elsewhere a busy function " +
			"left by a killed dev ends when it next talks to the Runtime API")
	}
	art := buildFixture(t, "hello")
	pid := startAndKillTinyDev(t, tinyDevEnv+"="+art.binary)
	waitGone(t, pid, "the function's process")
}

// What a function starts ends with it: when its instance is closed, and when its
// process exits by itself (as Lambda discards the sandbox).
func TestWhatAFunctionStartsEndsWithIt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to see processes end")
	}
	for _, end := range []string{"close", "exit"} {
		t.Run(end, func(t *testing.T) {
			in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
			var spawned struct{ Pid int }
			if err := json.Unmarshal([]byte(invoke(t, in, invocation("/spawn")).Body), &spawned); err != nil || spawned.Pid <= 0 {
				t.Fatalf("/spawn: %v %+v", err, spawned)
			}
			killIfLeft(t, spawned.Pid)
			if processGone(spawned.Pid) {
				t.Fatalf("the function's child %d is not running", spawned.Pid)
			}
			if end == "close" {
				in.Close()
			} else {
				invokeError(t, in, invocation("/exit"))
			}
			waitGone(t, spawned.Pid, "the process the function started")
		})
	}
}

// startAndKillTinyDev runs this test binary with env as a tiny dev, reads the pid it
// says its child has, kills the tiny dev with SIGKILL and returns that pid.
func startAndKillTinyDev(t *testing.T, env string) int {
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
	killIfLeft(t, pid)
	if processGone(pid) {
		t.Fatalf("the child %d is not running before dev is killed", pid)
	}
	if err := dev.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dev.Wait()
	return pid
}

// waitGone fails the test unless process pid ends within a generous bound: the kernel
// kills it at once, this only leaves room for a loaded machine.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still runs", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killIfLeft kills pid at the end of a test that failed to see it end.
func killIfLeft(t *testing.T, pid int) {
	t.Cleanup(func() {
		if !processGone(pid) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
	})
}

// processGone reports whether pid has ended: it is gone, or a zombie nobody reaped yet
// (an orphan's new parent may be slow to, or never, reap it).
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')') // the state follows the command's name
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

package golang

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/internal/proctest"
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
	pid := proctest.StartAndKillTinyDev(t, tinyDevEnv+"="+art.binary)
	proctest.WaitGone(t, pid, "the function's process")
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
			proctest.KillIfLeft(t, spawned.Pid)
			if proctest.Gone(spawned.Pid) {
				t.Fatalf("the function's child %d is not running", spawned.Pid)
			}
			if end == "close" {
				in.Close()
			} else {
				invokeError(t, in, invocation("/exit"))
			}
			proctest.WaitGone(t, spawned.Pid, "the process the function started")
		})
	}
}

package nodejs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/internal/proctest"
)

// tinyDevEnv makes this test binary a tiny dev (see TestMain) that runs the bundle the
// variable describes (a tinyDevConfig as JSON).
const tinyDevEnv = "NODEJS_TEST_TINY_DEV"

type tinyDevConfig struct {
	Name, SiteDir, Bundle, Worker string
}

// runTinyDev is dev reduced to one JS function: it starts a worker as the runtime does,
// gives it an invocation that keeps it busy ("spins"), says "pid N" on stdout and waits
// to be killed.
func runTinyDev(raw string) int {
	var cfg tinyDevConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "tiny dev:", err)
		return 2
	}
	art := &Artifact{fn: &functions.Function{Name: cfg.Name, Kind: functions.KindJS, SiteDir: cfg.SiteDir},
		bundle: cfg.Bundle, worker: cfg.Worker}
	spinning := make(chan struct{})
	var once sync.Once
	heard := func(stream, line string) {
		if line == "spinning" {
			once.Do(func() { close(spinning) })
		}
	}
	in, err := New(Options{}).Start(context.Background(), art, functions.StartOptions{Log: heard})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tiny dev:", err)
		return 1
	}
	go in.Invoke(context.Background(), get(""))
	select {
	case <-spinning:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "tiny dev: the function never started its invocation")
		return 1
	}
	fmt.Printf("pid %d\n", in.(*instance).cmd.Process.Pid)
	time.Sleep(time.Hour)
	return 0
}

// A worker busy in an invocation ends when dev is killed with SIGKILL, which dev cannot
// catch. (An idle one would end anyway: it exits when its channel to dev closes.)
func TestWorkerDiesWithDev(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux has a parent-death signal (PR_SET_PDEATHSIG); elsewhere a busy worker " +
			"left by a killed dev ends when its invocation does")
	}
	a := build(t, testRuntime(t), "spins")
	cfg, _ := json.Marshal(tinyDevConfig{Name: a.fn.Name, SiteDir: a.fn.SiteDir, Bundle: a.bundle, Worker: a.worker})
	pid := proctest.StartAndKillTinyDev(t, tinyDevEnv+"="+string(cfg))
	proctest.WaitGone(t, pid, "the node worker")
}

// What a function starts ends with its worker when the instance is closed, although an
// idle worker exits by itself then.
func TestCloseEndsWhatTheFunctionStarted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc to see processes end")
	}
	in := start(t, testRuntime(t), "spawns")
	pid, err := strconv.Atoi(invokeLambda(t, in, get("")).Body)
	if err != nil {
		t.Fatal(err)
	}
	proctest.KillIfLeft(t, pid)
	if proctest.Gone(pid) {
		t.Fatalf("the function's child %d is not running", pid)
	}
	in.Close()
	proctest.WaitGone(t, pid, "the process the function started")
}

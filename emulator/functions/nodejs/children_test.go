package nodejs

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
	pid := startAndKillTinyDev(t, tinyDevEnv+"="+string(cfg))
	waitGone(t, pid, "the node worker")
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
	killIfLeft(t, pid)
	if processGone(pid) {
		t.Fatalf("the function's child %d is not running", pid)
	}
	in.Close()
	waitGone(t, pid, "the process the function started")
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

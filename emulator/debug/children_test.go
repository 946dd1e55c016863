package debug

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/internal/proctest"
)

// tinyDevEnv makes this test binary a tiny dev (see TestMain) whose debugger helper runs
// the dlv the variable names.
const tinyDevEnv = "DEBUG_TEST_TINY_DEV"

// runTinyDev is dev reduced to one debugger helper: it starts the helper as a session
// does, says "pid N" (the helper's) on stdout once it listens, and waits to be killed.
func runTinyDev(dlv string) int {
	a, err := startHelper(GoOptions{Name: "tiny", Dlv: dlv, Log: func(string) {}}, "127.0.0.1:0", os.Getpid())
	if err != nil {
		fmt.Fprintln(os.Stderr, "tiny dev:", err)
		return 1
	}
	for ev := range a.events {
		if ev.Event == eventListening {
			fmt.Printf("pid %d\n", a.helper.Process.Pid)
			time.Sleep(time.Hour)
		}
	}
	fmt.Fprintln(os.Stderr, "tiny dev: the helper ended before it listened")
	return 1
}

// The debugger helper ends when dev is killed with SIGKILL, and the dlv it runs with it,
// even while they are busy attaching (the helper does not watch dev then).
func TestHelperDiesWithDev(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux has a parent-death signal (PR_SET_PDEATHSIG); elsewhere the helper " +
			"ends when it next reads its closed control pipe")
	}
	// A dlv that never attaches: it says its pid and sleeps.
	dir := t.TempDir()
	dlvPid := filepath.Join(dir, "dlv.pid")
	dlv := filepath.Join(dir, "dlv")
	script := "#!/bin/sh\necho $$ > " + dlvPid + ".tmp && mv " + dlvPid + ".tmp " + dlvPid + "\nexec sleep 300\n"
	if err := os.WriteFile(dlv, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dev := exec.Command(exe, "-test.run=^$")
	dev.Env = append(os.Environ(), tinyDevEnv+"="+dlv)
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
	helper, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		t.Fatalf("the tiny dev said %q, want its helper's pid (its stderr is above)", line)
	}
	proctest.KillIfLeft(t, helper)
	deadline := time.Now().Add(10 * time.Second)
	var dlvRaw []byte
	for dlvRaw == nil {
		dlvRaw, _ = os.ReadFile(dlvPid)
		if dlvRaw == nil && time.Now().After(deadline) {
			t.Fatal("the helper did not start dlv")
		}
		time.Sleep(20 * time.Millisecond)
	}
	dlvProc, err := strconv.Atoi(strings.TrimSpace(string(dlvRaw)))
	if err != nil {
		t.Fatal(err)
	}
	proctest.KillIfLeft(t, dlvProc)
	if proctest.Gone(helper) || proctest.Gone(dlvProc) {
		t.Fatalf("the helper (%d) or dlv (%d) is not running before dev is killed", helper, dlvProc)
	}

	if err := dev.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dev.Wait()
	proctest.WaitGone(t, helper, "the debugger helper")
	proctest.WaitGone(t, dlvProc, "the helper's dlv")
}

package functions

import (
	"os/exec"
	"strings"
	"testing"
)

// A process killed by a signal is described by the signal's name, in both runtimes'
// errors.
func TestExitErrorFrom(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep command here: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	e := ExitErrorFrom(cmd.ProcessState, "last words")
	if e.Signal != "SIGKILL" || e.Code != -1 || !strings.HasSuffix(e.Error(), "killed by SIGKILL: last words") {
		t.Fatalf("ExitErrorFrom(killed) = %+v: %s", e, e)
	}
	if e := ExitErrorFrom(nil, ""); e.Code != -1 || e.Signal != "" {
		t.Fatalf("ExitErrorFrom(nil) = %+v", e)
	}
}

package nodejs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/internal/proctest"
)

// prewarm boots a spare for the fixture site and returns its process id.
func prewarm(t *testing.T, rt *Runtime, env []string) int {
	t.Helper()
	if err := rt.Prewarm(fixture(t, "hello"), env); err != nil {
		t.Fatal(err)
	}
	rt.mu.Lock()
	sp := rt.spare
	rt.mu.Unlock()
	if sp == nil {
		t.Fatal("Prewarm kept no spare")
	}
	t.Cleanup(rt.StopPrewarmed)
	return sp.in.cmd.Process.Pid
}

type argvAnswer struct {
	Argv []string `json:"argv"`
	Pid  int      `json:"pid"`
}

func TestSpareRunsTheFirstFunctionStarted(t *testing.T) {
	rt := testRuntime(t)
	pid := prewarm(t, rt, testEnv)
	logs := &logRecorder{}
	in := startWith(t, rt, "argv", logs)
	var got argvAnswer
	if err := json.Unmarshal([]byte(invokeLambda(t, in, get("")).Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Pid != pid {
		t.Errorf("argv ran in process %d, want the spare %d", got.Pid, pid)
	}
	// As a worker started for it: its bundle and name in argv, its output in its log.
	if len(got.Argv) != 2 || filepath.Base(got.Argv[0]) != "argv.cjs" || got.Argv[1] != "argv" {
		t.Errorf("process.argv[2:4] = %q, want the bundle and the name", got.Argv)
	}
	logs.waitFor(t, "stdout: loaded argv")

	// The context and the environment are the function's.
	in = start(t, rt, "context")
	var ctx struct {
		FunctionName string            `json:"functionName"`
		Env          map[string]string `json:"env"`
	}
	if err := json.Unmarshal([]byte(invokeLambda(t, in, get("")).Body), &ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.FunctionName != "context" || ctx.Env["GREETING"] != "hi" {
		t.Errorf("context: functionName %q, GREETING %q", ctx.FunctionName, ctx.Env["GREETING"])
	}
}

// Used once: the second instance is a process of its own.
func TestSpareIsNotReplaced(t *testing.T) {
	rt := testRuntime(t)
	pid := prewarm(t, rt, testEnv)
	var first, second argvAnswer
	json.Unmarshal([]byte(invokeLambda(t, start(t, rt, "argv"), get("")).Body), &first)
	json.Unmarshal([]byte(invokeLambda(t, start(t, rt, "argv"), get("")).Body), &second)
	if first.Pid != pid || second.Pid == pid || second.Pid == 0 {
		t.Errorf("pids %d then %d, want the spare %d then another", first.Pid, second.Pid, pid)
	}
}

// A start with another environment does not get the spare, which is stopped.
func TestSpareWithAnotherEnvironmentIsStopped(t *testing.T) {
	rt := testRuntime(t)
	pid := prewarm(t, rt, []string{"GREETING=other"})
	var got argvAnswer
	json.Unmarshal([]byte(invokeLambda(t, start(t, rt, "argv"), get("")).Body), &got)
	if got.Pid == pid {
		t.Fatal("a function ran in a spare booted with another environment")
	}
	proctest.WaitGone(t, pid, "the spare worker")
}

func TestStopPrewarmedStopsTheSpare(t *testing.T) {
	rt := testRuntime(t)
	pid := prewarm(t, rt, testEnv)
	rt.StopPrewarmed()
	proctest.WaitGone(t, pid, "the spare worker")
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.spare != nil {
		t.Error("a spare is still kept")
	}
}

// A function that fails to load in a spare fails as it would in a worker of its own.
func TestSpareLoadError(t *testing.T) {
	rt := testRuntime(t)
	prewarm(t, rt, nil)
	_, err := rt.Start(context.Background(), build(t, rt, "loadthrows"), functions.StartOptions{})
	var fe *functions.FunctionError
	if !errors.As(err, &fe) || fe.Message != "cannot load: missing config" {
		t.Errorf("Start() = %v, want the load's FunctionError", err)
	}
}

// On the channel Windows uses, the spare connects at boot and loads when asked.
func TestSpareOnTCPChannel(t *testing.T) {
	rt := testRuntime(t)
	rt.useTCP = true
	pid := prewarm(t, rt, testEnv)
	var got argvAnswer
	json.Unmarshal([]byte(invokeLambda(t, start(t, rt, "argv"), get("")).Body), &got)
	if got.Pid != pid || len(got.Argv) != 2 || got.Argv[1] != "argv" {
		t.Errorf("got %+v, want argv run by the spare %d", got, pid)
	}
}

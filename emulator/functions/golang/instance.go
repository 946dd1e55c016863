package golang

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// ErrClosed is what Invoke returns on an instance that was closed.
var ErrClosed = errors.New("golang: the instance was closed")

// errLegacyBinary means the binary only speaks the _LAMBDA_SERVER_PORT RPC protocol.
var errLegacyBinary = errors.New("golang: the binary wants _LAMBDA_SERVER_PORT")

// sigtermGrace is how long a function that asked for SIGTERM gets before SIGKILL,
// as Lambda gives a runtime with an extension.
const sigtermGrace = 500 * time.Millisecond

// Instance is one running process of a Go function; it implements functions.Instance.
type Instance struct {
	art       *Artifact
	transport Transport
	cmd       *exec.Cmd
	proc      *functions.Child // cmd's process, in a group of its own that dies with dev
	stdout    *lineWriter
	stderr    *lineWriter

	busy    chan struct{} // holds a token while an invocation runs: one at a time
	closing chan struct{} // closed by Close
	once    sync.Once
	exited  chan struct{} // closed once the process has been reaped
	exitErr *functions.ExitError

	api *runtimeAPI // in Runtime API mode
	rpc *rpcConn    // in RPC mode
}

var _ functions.Instance = (*Instance)(nil)

func newInstance(art *Artifact, opts functions.StartOptions, t Transport) *Instance {
	out := &lineLog{log: opts.Log}
	return &Instance{
		art:       art,
		transport: t,
		stdout:    &lineWriter{stream: "stdout", out: out},
		stderr:    &lineWriter{stream: "stderr", out: out, keep: true},
		busy:      make(chan struct{}, 1),
		closing:   make(chan struct{}),
		exited:    make(chan struct{}),
	}
}

// Transport is how this instance talks to its process.
func (in *Instance) Transport() Transport { return in.transport }

// Pid is the process id, e.g. for a debugger to attach to.
func (in *Instance) Pid() int { return in.cmd.Process.Pid }

// Done is closed once the process has ended: the instance cannot serve any more.
func (in *Instance) Done() <-chan struct{} { return in.exited }

// spawn starts the binary with env and reaps it in the background.
func (in *Instance) spawn(env []string) error {
	cmd := exec.Command(in.art.binary)
	cmd.Dir = filepath.Dir(in.art.binary) // LAMBDA_TASK_ROOT, as in Lambda
	cmd.Env = env
	cmd.Stdout = in.stdout
	cmd.Stderr = in.stderr
	cmd.WaitDelay = time.Second // a grandchild that escaped its group must not hold up the reaping
	proc, err := functions.StartChild(cmd)
	if err != nil {
		in.exitErr = &functions.ExitError{Code: -1, Detail: err.Error()}
		close(in.exited)
		return fmt.Errorf("start %s: %w", in.art.fn.Name, err)
	}
	in.cmd, in.proc = cmd, proc
	go in.reap()
	return nil
}

// reap waits for the process to end, and ends what it started with it (as Lambda
// discards the whole sandbox).
func (in *Instance) reap() {
	in.proc.Wait()
	in.stdout.flush()
	in.stderr.flush()
	in.exitErr = functions.ExitErrorFrom(in.cmd.ProcessState, in.stderr.Tail())
	close(in.exited)
}

// Invoke runs one invocation; concurrent calls wait for each other.
func (in *Instance) Invoke(ctx context.Context, inv *functions.Invocation) (*functions.Response, error) {
	select {
	case in.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-in.busy }()
	select {
	case <-in.closing:
		return nil, ErrClosed
	default:
	}
	select {
	case <-in.exited:
		return nil, in.exitErr
	default:
	}
	if in.api != nil {
		return in.api.invoke(ctx, inv)
	}
	return in.rpc.invoke(ctx, inv)
}

// Close stops the process, releases its port and waits until it is reaped.
func (in *Instance) Close() error {
	in.once.Do(func() {
		close(in.closing)
		in.stop()
		if in.api != nil {
			in.api.close()
		}
		if in.rpc != nil {
			in.rpc.close()
		}
	})
	<-in.exited
	return nil
}

// stop kills the process and whatever it started, as Lambda does: at once, unless the
// function registered an extension to hear SIGTERM, which then gets a short grace first.
func (in *Instance) stop() {
	select {
	case <-in.exited:
		return // gone already, or never started
	default:
	}
	if in.api != nil && in.api.wantsSIGTERM() && in.proc.Signal(syscall.SIGTERM) == nil {
		select {
		case <-in.exited:
		case <-time.After(sigtermGrace):
		}
	}
	in.proc.Signal(syscall.SIGKILL)
	<-in.exited
}

// exitedDuringStart explains a process that ended before it was ready.
func (in *Instance) exitedDuringStart() error {
	return fmt.Errorf("start %s: the function exited before it was ready; does main call lambda.Start? %w",
		in.art.fn.Name, in.exitErr)
}

// lambdaEnv is env with the variables Lambda's provided.al2 runtime gives a bootstrap,
// plus transport (the one variable that selects the protocol).
func lambdaEnv(env []string, art *Artifact, region, transport string) []string {
	name := art.fn.Name
	own := []string{
		transport,
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"LAMBDA_TASK_ROOT=" + filepath.Dir(art.binary),
		"_HANDLER=bootstrap",
	}
	drop := map[string]bool{"AWS_LAMBDA_RUNTIME_API": true, "_LAMBDA_SERVER_PORT": true}
	for _, kv := range own {
		drop[envKey(kv)] = true
	}
	out := make([]string, 0, len(env)+len(own)+1)
	hasTZ := false
	for _, kv := range env {
		k := envKey(kv)
		if drop[k] {
			continue
		}
		hasTZ = hasTZ || k == "TZ"
		out = append(out, kv)
	}
	if !hasTZ {
		out = append(out, "TZ=:UTC")
	}
	return append(out, own...)
}

func envKey(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

// arn is the function's ARN as the function sees it.
func arn(region, name string) string {
	return "arn:aws:lambda:" + region + ":000000000000:function:" + name
}

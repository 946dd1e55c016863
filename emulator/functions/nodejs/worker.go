package nodejs

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

const (
	// idleExit is how long Close lets a worker exit by itself once its requests end.
	idleExit = 100 * time.Millisecond
	// killGrace is how long Close waits after SIGTERM before SIGKILL.
	killGrace = time.Second
	// exitDrain is how long answers written just before an exit may take to arrive.
	exitDrain = 100 * time.Millisecond
	// logDrain is how long Close waits for the last output of a dead worker.
	logDrain = 200 * time.Millisecond
)

var (
	errClosed    = errors.New("the function's instance is closed")
	errAbandoned = errors.New("the function's instance gave up an invocation (cancelled or past its deadline): start a new one")
)

// Start runs a worker for a built function and waits until it has loaded the bundle.
// A bundle that throws while loading is a *functions.FunctionError; a worker that dies
// while starting is a *functions.ExitError.
func (r *Runtime) Start(ctx context.Context, a functions.Artifact, opts functions.StartOptions) (functions.Instance, error) {
	art, ok := a.(*Artifact)
	if !ok {
		return nil, fmt.Errorf("the Node runtime cannot start a %T", a)
	}
	node, err := r.findNode()
	if err != nil {
		return nil, err
	}
	limited, cancel := ctx, context.CancelFunc(func() {})
	if r.opts.StartTimeout > 0 {
		limited, cancel = context.WithTimeout(ctx, r.opts.StartTimeout)
	}
	defer cancel()
	if in := r.takeSpare(node.path, art, opts); in != nil {
		// A worker booted ahead: it loads this function's bundle now.
		load, _ := json.Marshal(map[string]string{"bundle": art.bundle, "name": art.fn.Name})
		if err := in.ready(limited, load); err != nil {
			in.Close()
			return nil, r.startError(ctx, art, err)
		}
		return in, nil
	}
	in, err := r.spawn(node, workerArgs{worker: art.worker, bundle: art.bundle, fn: art.fn, threads: art.threads}, opts)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", art.fn.Name, err)
	}
	if err := in.ready(limited, nil); err != nil {
		in.Close()
		return nil, r.startError(ctx, art, err)
	}
	return in, nil
}

// startError is why a worker did not become ready: the start limit passing (ctx, the
// caller's, still live) says what to look for; anything else is as the worker told it.
func (r *Runtime) startError(ctx context.Context, art *Artifact, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("start %s: its module did not finish loading within %s (Lambda's limit on a function's init); "+
			"is its top level stuck in a loop, or waiting for something that never comes?", art.fn.Name, r.opts.StartTimeout)
	}
	return err
}

// workerArgs say what a worker runs: a function's bundle, or ("-") none yet for a spare.
// threads is set for a function whose bundle imports worker_threads: a thread is a new
// V8 isolate with node's modules and bindings of its own, which reads V8's flags and
// trusts node's root store as they are when it starts, so the function's worker is
// given NODE_EXTRA_CA_CERTS for node's own start and keeps Lambda's V8 options.
type workerArgs struct {
	worker, bundle string
	fn             *functions.Function
	threads        bool
}

// functionMemoryMB is the memory Netlify gives a function.
const functionMemoryMB = 1024

// lambdaNodeFlags are the options Lambda's Node bootstrap (/var/runtime/bootstrap) runs
// every function with: global.gc, HTTP headers up to 80 KiB, and an old generation of
// the function's memory less a tenth, so that a function that outgrows its memory
// fails here as it does there. Lambda also sizes the young generation (a twentieth of
// the memory for each semi-space, 51 MiB); dev leaves V8's (16 MiB), which changes when
// garbage is collected, not what a function can do (docs/fidelity.md).
var lambdaNodeFlags = []string{
	"--expose-gc",
	"--max-http-header-size=81920",
	"--max-old-space-size=" + strconv.Itoa(functionMemoryMB-functionMemoryMB/10),
}

// v8DefaultsVar names, for the worker script, the V8 flags that set lambdaNodeFlags'
// V8 options back to V8's defaults (shim.js, restoreV8Defaults). V8 keys the code
// cache compiled into node by its flags and rejects it when any differs from its
// default, so under Lambda's options every built-in module a worker loads is compiled
// from source: the worker's net and tls took 18 ms instead of 8 on the machine of
// docs/performance.md, and so does every http, https or zlib a function loads. Both
// options have done their work once V8 has started: the heap's limit is set when the
// isolate is made and stays (a function still runs out of heap where it would in
// Lambda), and global.gc is made with the context. A function that starts worker
// threads keeps them (workerArgs.threads): each thread is a new isolate and context,
// which reads them again.
const v8DefaultsVar = "DEV_V8_DEFAULTS"

// lambdaV8Defaults is what the worker sets back: V8's defaults of the V8 options in
// lambdaNodeFlags (--max-http-header-size is node's own).
const lambdaV8Defaults = "--no-expose-gc --max-old-space-size=0"

// spawn starts a worker of node, whose major version may be unknown (0) for a spare.
func (r *Runtime) spawn(node nodeInfo, w workerArgs, opts functions.StartOptions) (*instance, error) {
	args := append(append([]string{"--enable-source-maps"}, lambdaNodeFlags...), r.opts.ExtraNodeArgs...)
	cmd := exec.Command(node.path)
	cmd.Dir = w.fn.SiteDir
	cmd.Env = caCerts.workerEnv(node, !w.threads, r.caDir(w.fn), w.fn.SiteDir, args, opts.Env)
	if !w.threads {
		cmd.Env = append(slices.Clip(cmd.Env), v8DefaultsVar+"="+lambdaV8Defaults)
	}
	if cmd.Env == nil {
		cmd.Env = []string{} // nil would mean dev's own environment
	}

	var ch *channel
	var err error
	if r.useTCP || runtime.GOOS == "windows" {
		ch, err = tcpChannel()
	} else {
		ch, err = pipeChannel(cmd)
	}
	if err != nil {
		return nil, err
	}
	name := w.fn.Name
	if w.bundle == "-" {
		name = "-"
	}
	cmd.Args = append(append([]string{node.path}, args...), w.worker, w.bundle, name, ch.arg)

	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		ch.close()
		return nil, err
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		ch.close()
		stdoutR.Close()
		stdoutW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	proc, err := functions.StartChild(cmd)
	ch.started()
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		ch.close()
		stdoutR.Close()
		stderrR.Close()
		return nil, err
	}

	in := &instance{
		fn:         w.fn,
		cmd:        cmd,
		proc:       proc,
		ch:         ch,
		output:     newOutput(opts.Log),
		exited:     make(chan struct{}),
		done:       make(chan struct{}),
		turn:       make(chan struct{}, 1),
		stdoutDone: make(chan struct{}),
		stderrDone: make(chan struct{}),
		stdout:     stdoutR,
		stderr:     stderrR,
	}
	in.turn <- struct{}{}
	in.output.spare = w.bundle == "-"
	go in.wait()
	go in.output.forward(stdoutR, "stdout", in.stdoutDone)
	go in.output.forward(stderrR, "stderr", in.stderrDone)
	return in, nil
}

// instance is one node worker. It implements functions.Instance.
type instance struct {
	fn     *functions.Function
	cmd    *exec.Cmd
	proc   *functions.Child // cmd's process, in a group of its own that dies with dev
	ch     *channel
	output *output

	exited chan struct{} // closed once the process is reaped; state is set then
	state  *os.ProcessState
	done   chan struct{} // closed by Close

	stdout, stderr         *os.File
	stdoutDone, stderrDone chan struct{}

	v1        bool          // the function is a v1 handler (its 'R' frame said so): no v2 context
	turn      chan struct{} // holds the right to invoke: one invocation at a time
	abandoned atomic.Bool   // an invocation gave up midway: answers may be out of step
	request   []byte        // the request frame, reused under turn

	bodyMu sync.Mutex
	body   *io.PipeWriter // the v2 body being streamed

	closeOnce sync.Once
}

// wait waits for the worker to end, and ends what the function started with it.
func (in *instance) wait() {
	in.proc.Wait()
	in.state = in.cmd.ProcessState
	close(in.exited)
	// Answers written just before the exit may still be on their way; after that, a
	// read waiting for more (the answers' other end kept open by a process the
	// function started) gives up.
	time.AfterFunc(exitDrain, func() { in.ch.readDeadline(time.Now()) })
}

// ready connects the channel and waits for the worker to load the bundle; a spare is
// first told which one (load, a 'P' frame's payload).
func (in *instance) ready(ctx context.Context, load []byte) error {
	if err := in.ch.connect(ctx, in.exited); err != nil {
		if errors.Is(err, errWorkerGone) {
			return in.exitError()
		}
		return err
	}
	if load != nil {
		f := append(binary.BigEndian.AppendUint32(nil, uint32(len(load))), frameLoad)
		if err := in.send(ctx, append(f, load...)); err != nil {
			return err
		}
	}
	f, err := in.next(ctx)
	if err != nil {
		return err
	}
	switch f.kind {
	case frameReady: // "v1" or "v2"
		in.v1 = string(f.data) == "v1"
		return nil
	case frameLoadError:
		return functionError(f.data)
	default:
		return fmt.Errorf("start %s: the worker answered %q before it was ready", in.fn.Name, f.kind)
	}
}

// next returns the worker's next answer, or why there is none.
func (in *instance) next(ctx context.Context) (frame, error) {
	f, err := in.receive(ctx)
	if err == nil && f.skipped > 0 && f.kind != frameResult {
		// Only a result may be over maxFrame (see protocol.go): the worker is out of step.
		in.abandoned.Store(true)
		return frame{}, fmt.Errorf("the worker of %s sent a %d-byte %q frame, more than the %d bytes allowed", in.fn.Name, f.skipped, f.kind, maxFrame)
	}
	return f, err
}

// receive reads the worker's next frame. The holder of the turn reads the answers
// itself, in its own goroutine: a reader goroutine handing frames over cost every
// call a goroutine switch, often a thread's wakeup, on its way back to the client.
func (in *instance) receive(ctx context.Context) (frame, error) {
	select {
	case <-in.done:
		return frame{}, errClosed
	default:
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		in.ch.readDeadline(time.Now())
		close(fired)
	})
	f, err := readFrame(in.ch.answers)
	cut := !stop()
	if cut {
		<-fired
		in.ch.readDeadline(time.Time{}) // the next reader starts afresh
		select {
		case <-in.exited:
			in.ch.readDeadline(time.Now()) // as wait set it
		default:
		}
	}
	if err == nil {
		return f, nil
	}
	select {
	case <-in.done:
		return frame{}, errClosed
	default:
	}
	if cut {
		return frame{}, ctx.Err()
	}
	return frame{}, in.exitError()
}

// exitError describes the worker's end, with the last lines it wrote to stderr.
func (in *instance) exitError() error {
	select {
	case <-in.done:
		return errClosed
	default:
	}
	select {
	case <-in.exited:
	case <-in.done:
		return errClosed
	case <-time.After(2 * time.Second):
		return fmt.Errorf("the worker of %s closed its channel but is still running", in.fn.Name)
	}
	select {
	case <-in.stderrDone:
	case <-time.After(logDrain):
	}
	return functions.ExitErrorFrom(in.state, in.output.stderrTail())
}

// Invoke sends one invocation and waits for its answer. For a v2 function it returns as
// soon as the status and headers arrive; Body streams the rest, and the instance serves
// the next invocation once the body has ended.
func (in *instance) Invoke(ctx context.Context, inv *functions.Invocation) (*functions.Response, error) {
	cancel := context.CancelFunc(func() {})
	if !inv.Deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, inv.Deadline)
	}
	select {
	case <-in.turn:
	case <-ctx.Done():
		cancel()
		return nil, ctx.Err()
	case <-in.done:
		cancel()
		return nil, errClosed
	}
	release := func() { in.turn <- struct{}{} }
	resp, body, err := in.invoke(ctx, inv)
	if body != nil {
		go in.pumpBody(ctx, cancel, body, release)
		return resp, nil
	}
	release()
	cancel()
	return resp, err
}

// invoke sends inv and reads the first answer; body is set when a v2 body follows.
func (in *instance) invoke(ctx context.Context, inv *functions.Invocation) (resp *functions.Response, body *io.PipeWriter, err error) {
	select {
	case <-in.done:
		return nil, nil, errClosed
	default:
	}
	if in.abandoned.Load() {
		return nil, nil, errAbandoned
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	in.request = appendInvokeFrame(in.request[:0], inv, !in.v1)
	err = in.send(ctx, in.request)
	if cap(in.request) > 1<<20 {
		in.request = nil // keep no large event's buffer for the life of the worker
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := in.next(ctx)
	if err != nil {
		if ctx.Err() != nil {
			in.abandoned.Store(true)
		}
		return nil, nil, err
	}
	switch f.kind {
	case frameResult:
		if f.skipped > 0 {
			// As Lambda answers it; the worker is unharmed and serves the next call.
			return nil, nil, functions.ResponseSizeTooLarge()
		}
		return &functions.Response{Lambda: json.RawMessage(f.data)}, nil, nil
	case frameError:
		return nil, nil, functionError(f.data)
	case frameHead:
		var head v2Head
		if err := json.Unmarshal(f.data, &head); err != nil {
			in.abandoned.Store(true)
			return nil, nil, fmt.Errorf("invoke %s: unreadable response head: %w", in.fn.Name, err)
		}
		header := make(http.Header, len(head.Headers))
		for _, kv := range head.Headers {
			header.Add(kv[0], kv[1])
		}
		pr, pw := io.Pipe()
		in.setBody(pw)
		return &functions.Response{Status: head.Status, Header: header, Body: pr}, pw, nil
	default:
		in.abandoned.Store(true)
		return nil, nil, fmt.Errorf("invoke %s: the worker answered %q out of turn", in.fn.Name, f.kind)
	}
}

// send writes a request; a stuck worker cannot hold it past ctx.
func (in *instance) send(ctx context.Context, req []byte) error {
	stop := context.AfterFunc(ctx, func() { in.ch.requests.SetWriteDeadline(time.Now()) })
	_, err := in.ch.requests.Write(req)
	if !stop() {
		in.abandoned.Store(true) // part of the request may have been written
		return ctx.Err()
	}
	if err != nil {
		select {
		case <-in.done:
			return errClosed
		default:
		}
		return in.exitError() // the worker is gone: say how it ended
	}
	return nil
}

// pumpBody copies body chunks into the pipe until the worker ends the body.
// A reader that stops reading early only discards the rest; the stream still runs to its end.
func (in *instance) pumpBody(ctx context.Context, cancel context.CancelFunc, pw *io.PipeWriter, release func()) {
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	defer func() {
		stop()
		in.setBody(nil)
		release()
		cancel()
	}()
	for {
		f, err := in.next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				in.abandoned.Store(true)
			}
			pw.CloseWithError(err)
			return
		}
		switch f.kind {
		case frameChunk:
			pw.Write(f.data) // fails only once the reader is gone; keep draining
		case frameEnd:
			pw.Close()
			return
		case frameBodyError:
			pw.CloseWithError(functionError(f.data))
			return
		default:
			in.abandoned.Store(true)
			pw.CloseWithError(fmt.Errorf("invoke %s: the worker answered %q inside a body", in.fn.Name, f.kind))
			return
		}
	}
}

func (in *instance) setBody(pw *io.PipeWriter) {
	in.bodyMu.Lock()
	in.body = pw
	in.bodyMu.Unlock()
}

// Close stops the worker: it ends the requests, which an idle worker takes as the signal to
// exit; then SIGTERM, then SIGKILL after a grace period. Once Close returns, the process
// is reaped and Log is not called again. Safe to call more than once.
func (in *instance) Close() error {
	in.closeOnce.Do(func() {
		close(in.done)
		in.bodyMu.Lock()
		if in.body != nil {
			in.body.CloseWithError(errClosed)
		}
		in.bodyMu.Unlock()
		in.ch.close()
		in.stop()
		in.output.finish(in.stdout, in.stderr, in.stdoutDone, in.stderrDone)
	})
	return nil
}

// stop ends the worker and everything in its process group: what the function started
// ends with it, whether the worker exits by itself (wait kills the rest) or is signalled.
func (in *instance) stop() {
	select {
	case <-in.exited: // idle, it ran its exit handlers
		return
	case <-time.After(idleExit):
	}
	// Windows has no SIGTERM: Signal fails there and the kill comes at once.
	if in.proc.Signal(syscall.SIGTERM) == nil {
		select {
		case <-in.exited:
			return
		case <-time.After(killGrace):
		}
	}
	in.proc.Signal(syscall.SIGKILL)
	<-in.exited
}

package functions

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Kind is a function's runtime.
type Kind string

const (
	KindJS Kind = "js" // .js .cjs .mjs .ts .mts, run by Node
	KindGo Kind = "go" // a folder holding a Go main package, built with go build
)

// Function is one discovered function.
type Function struct {
	Name  string // as Netlify derives it: the file name without extension, or the folder name
	Kind  Kind
	Entry string // JS/TS: the entry file; Go: the package folder (absolute paths)
	Dir   string // the folder that holds the function's own files
	// SiteDir is the site root: the Go runtime caches builds under SiteDir/.netlify/dev,
	// the Node runtime resolves node_modules from the entry upwards.
	SiteDir string
	// Declared is what a JS entry file declared when it was discovered; a running
	// function's current declarations are its pool's.
	Declared Declared
}

// Background reports whether the function is a background function by its name
// (-background suffix): the client gets 202 at once and the result is ignored.
// config.background (Declared) makes one too.
func (f *Function) Background() bool { return strings.HasSuffix(f.Name, "-background") }

// Invocation is one call of a function.
type Invocation struct {
	ID string // the request id (Lambda's aws_request_id)
	// Event is the Lambda v1 event JSON (APIGatewayProxyRequest fields plus rawUrl and rawQuery).
	// A v2 function's Request is built from it: rawUrl, httpMethod, multiValueHeaders, body.
	Event json.RawMessage
	// ClientContext is context.clientContext as a JS function sees it:
	// {"identity":{"url","token"},"user":{…}?,"custom":{"netlify":"<base64>"}}.
	ClientContext json.RawMessage
	// LambdaClientContext is the same for aws-lambda-go, as lambdacontext.ClientContext
	// JSON: {"Client":{…},"env":{},"custom":{"netlify":"<base64>"}}.
	LambdaClientContext json.RawMessage
	// V2Context is the data of a v2 function's context argument (site, deploy, geo, ip,
	// requestId, ...), with two fields the worker takes out: "origin", the origin the
	// client used (for req.url), and "identityContext", globalThis.netlifyIdentityContext.
	// A caller gives it, or V2 to build it when a runtime asks (V2Data): a v1 function
	// does not need it.
	V2Context json.RawMessage
	V2        func() json.RawMessage
	// Deadline is when the invocation must end; zero when it has none (a debugger holds it).
	Deadline time.Time
}

// V2Data is V2Context, built by V2 the first time it is asked for when not given.
func (inv *Invocation) V2Data() json.RawMessage {
	if inv.V2Context == nil && inv.V2 != nil {
		inv.V2Context = inv.V2()
	}
	return inv.V2Context
}

// Response is what a function answered: either a v1 Lambda result or a streamed v2 Response.
type Response struct {
	// Lambda is a v1 function's return value as JSON:
	// {"statusCode","headers","multiValueHeaders","body","isBase64Encoded"}.
	Lambda json.RawMessage
	// For a v2 function, Lambda is nil and the answer streams: Status and Header, then
	// Body until EOF. The caller reads and closes Body.
	Status int
	Header http.Header
	Body   io.ReadCloser
}

// FunctionError is an error the function itself raised: an exception, a rejected
// promise, a Go handler's error or a panic. The instance is still usable unless Fatal.
type FunctionError struct {
	Type    string   // e.g. "TypeError", "errorString", "panic"
	Message string   // e.g. "boom"
	Stack   []string // stack frames, when the runtime gives them
	Fatal   bool     // the instance cannot serve again (a Go panic in Runtime API mode)
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

// ExitError reports that the instance's process ended while it was invoked, e.g. the
// function called process.exit or crashed. The instance is gone.
type ExitError struct {
	Code   int    // exit status, or -1 when killed by a signal
	Signal string // the signal, when killed by one
	Detail string // the end of its stderr, for the message
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("the function's process exited with status %d", e.Code)
	if e.Signal != "" {
		msg = "the function's process was killed by " + e.Signal
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// BuildError is a failed bundle or compile; Output names the files and lines.
type BuildError struct {
	Function string
	Output   string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build of %s failed:\n%s", e.Function, e.Output)
}

// Runtime builds and starts one kind of function.
type Runtime interface {
	// Build prepares fn to run (bundle with esbuild, compile with go build) and returns
	// what Start needs. A failure is a *BuildError.
	Build(ctx context.Context, fn *Function) (Artifact, error)
	// Start starts one instance: a process kept warm that serves one invocation at a time.
	// ctx bounds only the start, not the instance's life.
	Start(ctx context.Context, a Artifact, opts StartOptions) (Instance, error)
}

// Artifact is a built function.
type Artifact interface {
	Function() *Function
	// Files are the source files the build read (for hot reload): a change to one of
	// them means a rebuild. May be empty when the runtime cannot tell.
	Files() []string
}

// StartOptions configure an instance.
type StartOptions struct {
	Env []string // KEY=VALUE, the function's whole environment
	// Log receives each line the process writes, stream "stdout" or "stderr".
	Log func(stream, line string)
}

// Prewarmer is a Runtime that can boot an instance before it knows which function it
// will run (node's own start), so that the first start of a function does not wait for it.
type Prewarmer interface {
	// Prewarm boots one such instance, with fn's folder and env; the next Start with
	// the same env uses it.
	Prewarm(fn *Function, env []string) error
	// StopPrewarmed stops an instance booted ahead and not used.
	StopPrewarmed()
}

// Instance is one warm process of a function.
type Instance interface {
	// Invoke runs one invocation. A context cancelled or past inv.Deadline makes the
	// caller Close the instance; Invoke must return promptly then.
	Invoke(ctx context.Context, inv *Invocation) (*Response, error)
	// Close stops the process and releases what it holds; safe to call twice.
	Close() error
}

// ExitErrorFrom describes a process that ended, with detail (the end of its stderr).
// A nil state (the process never ran) is exit status -1.
func ExitErrorFrom(ps *os.ProcessState, detail string) *ExitError {
	e := &ExitError{Code: -1, Detail: detail}
	if ps == nil {
		return e
	}
	e.Code = ps.ExitCode()
	if ws, ok := ps.Sys().(interface {
		Signaled() bool
		Signal() syscall.Signal
	}); ok && ws.Signaled() {
		e.Signal = signalName(ws.Signal())
	}
	return e
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	case syscall.SIGBUS:
		return "SIGBUS"
	case syscall.SIGILL:
		return "SIGILL"
	case syscall.SIGFPE:
		return "SIGFPE"
	}
	return fmt.Sprintf("signal %d", int(s))
}

// StderrTail keeps the last lines a function's process wrote on stderr, for an
// ExitError's Detail. It is not safe for concurrent use: its owner holds a lock.
type StderrTail struct {
	lines []string
}

const (
	stderrTailLines = 12   // lines kept
	stderrTailBytes = 4096 // and at most this much of them in String
)

// Add keeps line, forgetting the oldest beyond the limit.
func (t *StderrTail) Add(line string) {
	t.lines = append(t.lines, line)
	if len(t.lines) > stderrTailLines {
		t.lines = t.lines[len(t.lines)-stderrTailLines:]
	}
}

// String is the kept lines, cut at the front to stderrTailBytes.
func (t *StderrTail) String() string {
	s := strings.Join(t.lines, "\n")
	if len(s) > stderrTailBytes {
		s = "…" + s[len(s)-stderrTailBytes:]
	}
	return s
}

// Contains reports whether a kept line contains s.
func (t *StderrTail) Contains(s string) bool {
	for _, l := range t.lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

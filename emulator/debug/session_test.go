package debug

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
)

// The fixture is built once per test binary, without optimisations, into a temporary
// cache. The first such build compiles the standard library again (about 14 s cold).
var (
	cacheDir string
	buildRT  *golang.Runtime
	built    struct {
		once sync.Once
		art  functions.Artifact
		err  error
	}
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "attach" {
		os.Exit(fakeDlv(os.Args[2])) // TestDlvAttachErrors runs this test binary as its dlv
	}
	HelperMain() // the sessions below start this test binary as their helper
	if dlv, ok := os.LookupEnv(tinyDevEnv); ok {
		os.Exit(runTinyDev(dlv)) // TestHelperDiesWithDev runs this test binary as its dev
	}
	dir, err := os.MkdirTemp("", "debug-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheDir = dir
	buildRT = golang.New(golang.Options{CacheDir: dir, BuildFlags: []string{"-gcflags=all=-N -l"}})
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func helloSource(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "hello", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func buildHello(t testing.TB) functions.Artifact {
	t.Helper()
	built.once.Do(func() {
		site, _ := filepath.Abs("testdata")
		dir := filepath.Join(site, "hello")
		fn := &functions.Function{Name: "hello", Kind: functions.KindGo, Entry: dir, Dir: dir, SiteDir: site}
		start := time.Now()
		built.art, built.err = buildRT.Build(context.Background(), fn)
		t.Logf("debug build of hello: %s", time.Since(start).Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatalf("build: %v", built.err)
	}
	return built.art
}

// startHello starts an instance of the fixture, as dev serve's Go runtime does.
func startHello(t testing.TB) *golang.Instance {
	t.Helper()
	in, err := buildRT.Start(context.Background(), buildHello(t), functions.StartOptions{
		Log: func(stream, line string) { t.Logf("hello %s: %s", stream, line) },
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { in.Close() })
	return in.(*golang.Instance)
}

// breakpointLine is the line of the fixture marked for a breakpoint: payload is set.
func breakpointLine(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile(helloSource(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "// breakpoint line") {
			return i + 1
		}
	}
	t.Fatal("no breakpoint line in the fixture")
	return 0
}

var seq atomic.Int64

var dlvBuild struct {
	once sync.Once
	path string
	err  error
}

// installDlv builds the dlv command of the delve version this module requires, into
// the test's cache, as a user's go install would.
func installDlv(t testing.TB) string {
	t.Helper()
	dlvBuild.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/go-delve/delve").Output()
		version := strings.TrimSpace(string(out))
		if err != nil || version == "" {
			dlvBuild.err = fmt.Errorf("go list -m github.com/go-delve/delve: %q, %v", out, err)
			return
		}
		bin := filepath.Join(cacheDir, "bin")
		start := time.Now()
		cmd := exec.Command("go", "install", "github.com/go-delve/delve/cmd/dlv@"+version)
		cmd.Env = append(os.Environ(), "GOBIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			dlvBuild.err = fmt.Errorf("go install dlv@%s: %v\n%s", version, err, out)
			return
		}
		t.Logf("go install dlv@%s: %s", version, time.Since(start).Round(time.Millisecond))
		dlvBuild.path = filepath.Join(bin, "dlv")
	})
	if dlvBuild.err != nil {
		t.Fatal(dlvBuild.err)
	}
	return dlvBuild.path
}

// invoke calls the instance with a body and returns the status code (or an error).
type result struct {
	status int
	body   string
	err    error
	took   time.Duration
}

func invokeAsync(in functions.Instance, body string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		start := time.Now()
		event, _ := json.Marshal(map[string]any{"path": "/", "httpMethod": "POST", "headers": map[string]string{}, "body": body})
		resp, err := in.Invoke(context.Background(), &functions.Invocation{ID: fmt.Sprintf("req-%d", seq.Add(1)), Event: event})
		if err != nil {
			ch <- result{err: err}
			return
		}
		var lr struct {
			StatusCode int
			Body       string
		}
		err = json.Unmarshal(resp.Lambda, &lr)
		ch <- result{status: lr.StatusCode, body: lr.Body, err: err, took: time.Since(start)}
	}()
	return ch
}

func wantOK(t testing.TB, ch <-chan result, within time.Duration) result {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil || r.status != 200 {
			t.Fatalf("invocation: status %d, err %v; want 200", r.status, r.err)
		}
		return r
	case <-time.After(within):
		t.Fatalf("the invocation did not return within %s", within)
	}
	return result{}
}

// recorder collects what a session reports.
type recorder struct {
	t       testing.TB
	pauses  chan bool
	clients chan bool
	resumes chan bool // true for each OnResume
	mu      sync.Mutex
	logs    []string
	logged  chan string
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, pauses: make(chan bool, 64), clients: make(chan bool, 64), resumes: make(chan bool, 64), logged: make(chan string, 64)}
}

func (r *recorder) options(addr string) GoOptions {
	return GoOptions{
		Name: "hello",
		Addr: addr,
		Log: func(msg string) {
			r.t.Logf("session: %s", msg)
			r.mu.Lock()
			r.logs = append(r.logs, msg)
			r.mu.Unlock()
			select {
			case r.logged <- msg:
			default:
			}
		},
		OnPause:  func(p bool) { r.pauses <- p },
		OnClient: func(c bool) { r.clients <- c },
		OnResume: func() { r.resumes <- true },
	}
}

func (r *recorder) want(ch chan bool, what string, v bool, within time.Duration) {
	r.t.Helper()
	select {
	case got := <-ch:
		if got != v {
			r.t.Fatalf("%s(%v), want %s(%v)", what, got, what, v)
		}
	case <-time.After(within):
		r.t.Fatalf("no %s(%v) within %s", what, v, within)
	}
}

func (r *recorder) wantLog(substr string, within time.Duration) {
	r.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case msg := <-r.logged:
			if strings.Contains(msg, substr) {
				return
			}
		case <-deadline:
			r.t.Fatalf("no log %q within %s", substr, within)
		}
	}
}

func (r *recorder) none(ch chan bool, what string) {
	r.t.Helper()
	select {
	case v := <-ch:
		r.t.Fatalf("unexpected %s(%v)", what, v)
	default:
	}
}

// attachOrSkip attaches, or skips the test when Linux's Yama forbids attaching to a
// process that is not the debugger's child; any other failure fails the test.
func attachOrSkip(t testing.TB, s *GoSession, pid int) time.Duration {
	t.Helper()
	start := time.Now()
	err := s.Attach(pid)
	if err != nil && YamaPtraceScope() != "" && YamaPtraceScope() != "0" {
		t.Skipf("kernel.yama.ptrace_scope is %s here, so no debugger can attach to a sibling process (sysctl kernel.yama.ptrace_scope=0 allows it): %v", YamaPtraceScope(), err)
	}
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	return time.Since(start)
}

// attachedHello starts the fixture and a session attached to it (with the installed
// dlv at dlv, or delve linked in when ""), closed at the end of the test.
func attachedHello(t *testing.T, dlv string) (*golang.Instance, *recorder, *GoSession) {
	t.Helper()
	in := startHello(t)
	rec := newRecorder(t)
	opts := rec.options("127.0.0.1:0")
	opts.Dlv = dlv
	s := NewGoSession(opts)
	t.Cleanup(func() { s.Close() })
	took := attachOrSkip(t, s, in.Pid())
	t.Logf("attach to pid %d on %s: %s", in.Pid(), s.Addr(), took.Round(time.Millisecond))
	return in, rec, s
}

// editor is a user's debugger client speaking JSON-RPC, as dlv connect and GoLand do.
type editor struct {
	t testing.TB
	*rpc2.RPCClient
}

func connectEditor(t testing.TB, addr string) *editor {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connect to the debugger: %v", err)
	}
	return &editor{t: t, RPCClient: rpc2.NewClientFromConn(conn)}
}

// breakAt halts, sets a breakpoint and continues; over JSON-RPC a breakpoint can only
// be set while halted. The returned channel yields the state at the next stop.
func (e *editor) breakAt(file string, line int) <-chan *api.DebuggerState {
	e.t.Helper()
	if _, err := e.Halt(); err != nil {
		e.t.Fatalf("halt: %v", err)
	}
	bp, err := e.CreateBreakpoint(&api.Breakpoint{File: file, Line: line})
	if err != nil {
		e.t.Fatalf("create breakpoint at %s:%d: %v", file, line, err)
	}
	if bp.Line != line {
		e.t.Fatalf("breakpoint landed on line %d, want %d", bp.Line, line)
	}
	return e.Continue()
}

// hit waits for a stop at the breakpoint and returns payload as the function holds it.
func (e *editor) hit(states <-chan *api.DebuggerState, line int) string {
	e.t.Helper()
	select {
	case st := <-states:
		if st == nil || st.Err != nil {
			e.t.Fatalf("continue ended without a stop: %+v", st)
		}
		if st.CurrentThread == nil || st.CurrentThread.Breakpoint == nil || st.CurrentThread.Line != line {
			e.t.Fatalf("stopped, but not at the breakpoint on line %d: %+v", line, st.CurrentThread)
		}
	case <-time.After(10 * time.Second):
		e.t.Fatal("the breakpoint was not hit within 10s")
	}
	v, err := e.EvalVariable(api.EvalScope{GoroutineID: -1}, "payload", api.LoadConfig{MaxStringLen: 1024})
	if err != nil {
		e.t.Fatalf("eval payload: %v", err)
	}
	return v.Value
}

func TestBreakpointInFunction(t *testing.T) {
	breakpointInFunction(t, "")
}

// TestBreakpointInFunctionWithDlv is the same session with an installed dlv
// (GoOptions.Dlv) in place of the delve linked in: clients, pauses, breakpoints
// cleared, re-attaching and closing must not tell the two apart.
func TestBreakpointInFunctionWithDlv(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building dlv")
	}
	breakpointInFunction(t, installDlv(t))
}

func breakpointInFunction(t *testing.T, dlv string) {
	file, line := helloSource(t), breakpointLine(t)
	in, rec, s := attachedHello(t, dlv)
	addr := s.Addr()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr %s: the picked port is not reported", addr)
	}
	// Attached with no client, the function runs as before.
	wantOK(t, invokeAsync(in, `{"email":"warm@example.com"}`), 5*time.Second)

	rec.none(rec.resumes, "OnResume") // the session's own continue is not a client's

	ed := connectEditor(t, addr)
	states := ed.breakAt(file, line)
	rec.want(rec.clients, "OnClient", true, 2*time.Second)
	rec.want(rec.resumes, "OnResume", true, 2*time.Second) // the editor's continue

	// First call: it stops at the breakpoint and waits there.
	start := time.Now()
	res := invokeAsync(in, `{"email":"ada@example.com"}`)
	if got := ed.hit(states, line); !strings.Contains(got, "ada@example.com") {
		t.Errorf("payload = %s, want the email", got)
	}
	t.Logf("invoke → breakpoint hit and payload read: %s", time.Since(start).Round(time.Millisecond))
	waitPaused(t, rec, true)
	select {
	case r := <-res:
		t.Fatalf("the invocation returned while stopped at the breakpoint: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	start = time.Now()
	states = ed.Continue()
	wantOK(t, res, 5*time.Second)
	t.Logf("continue → response: %s", time.Since(start).Round(time.Millisecond))
	waitPaused(t, rec, false)

	// Second call: the same process stops at the same breakpoint.
	res = invokeAsync(in, `{"email":"grace@example.com"}`)
	if got := ed.hit(states, line); !strings.Contains(got, "grace@example.com") {
		t.Errorf("payload = %s, want the second email", got)
	}
	waitPaused(t, rec, true)
	ed.Continue()
	wantOK(t, res, 5*time.Second)
	waitPaused(t, rec, false)

	// The editor goes away with its breakpoint still set: the session clears it.
	ed.Disconnect(false)
	rec.want(rec.clients, "OnClient", false, 2*time.Second)
	rec.wantLog("the debugger detached: breakpoints cleared, hello runs freely again", 3*time.Second)
	r := wantOK(t, invokeAsync(in, `{"email":"nobody@example.com"}`), 2*time.Second)
	t.Logf("a call after the editor left: %s", r.took.Round(time.Millisecond))
	rec.none(rec.pauses, "OnPause")

	// The function restarts (a rebuild, a crash): detach, attach the new process on the
	// same address.
	start = time.Now()
	if err := s.Detach(); err != nil {
		t.Fatalf("detach: %v", err)
	}
	t.Logf("detach: %s", time.Since(start).Round(time.Millisecond))
	wantOK(t, invokeAsync(in, `{"email":"after-detach@example.com"}`), 2*time.Second) // it runs on
	in.Close()
	in2 := startHello(t)
	took := attachOrSkip(t, s, in2.Pid())
	if s.Addr() != addr {
		t.Fatalf("reattached on %s, want %s", s.Addr(), addr)
	}
	t.Logf("re-attach to pid %d: %s", in2.Pid(), took.Round(time.Millisecond))
	ed = connectEditor(t, addr)
	states = ed.breakAt(file, line)
	res = invokeAsync(in2, `{"email":"again@example.com"}`)
	if got := ed.hit(states, line); !strings.Contains(got, "again@example.com") {
		t.Errorf("payload = %s after the restart", got)
	}
	waitPaused(t, rec, true)
	rec.want(rec.clients, "OnClient", true, time.Second)

	// Closing while the editor holds the function at a breakpoint lets it go: the call
	// completes, and the session takes back what it reported.
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wantOK(t, res, 5*time.Second)
	waitPaused(t, rec, false)
	rec.want(rec.clients, "OnClient", false, time.Second)
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := s.Attach(in2.Pid()); err != ErrClosed {
		t.Fatalf("attach after close: %v, want ErrClosed", err)
	}
	wantOK(t, invokeAsync(in2, `{"email":"closed@example.com"}`), 2*time.Second)
	if ln, err := net.Listen("tcp", addr); err != nil {
		t.Errorf("the address is still taken after Close: %v", err)
	} else {
		ln.Close()
	}
}

// A breakpoint that is hit after the last client has left (here: set by a client that
// disconnects while the function runs towards it) must not hold the call.
func TestNoClientNoStop(t *testing.T) {
	file, line := helloSource(t), breakpointLine(t)
	in, rec, s := attachedHello(t, "")

	// A throwaway client: halt, set a breakpoint, continue and leave, as a script would.
	ed := connectEditor(t, s.Addr())
	if _, err := ed.Halt(); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.CreateBreakpoint(&api.Breakpoint{File: file, Line: line}); err != nil {
		t.Fatal(err)
	}
	ed.Disconnect(true)
	rec.want(rec.clients, "OnClient", true, 2*time.Second)
	rec.want(rec.clients, "OnClient", false, 2*time.Second)
	wantOK(t, invokeAsync(in, `{"email":"x@example.com"}`), 3*time.Second)
}

func TestAttachErrors(t *testing.T) {
	in := startHello(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := NewGoSession(GoOptions{Name: "hello", Addr: ln.Addr().String()})
	defer s.Close()
	err = s.Attach(in.Pid())
	if err == nil || !strings.Contains(err.Error(), "is taken by another program") {
		t.Errorf("attach on a taken address: %v", err)
	}
	wantOK(t, invokeAsync(in, `{}`), 2*time.Second)

	s = NewGoSession(GoOptions{Name: "gone", Addr: "127.0.0.1:0"})
	defer s.Close()
	if err := s.Attach(1 << 22); err == nil || !strings.Contains(err.Error(), "attaching to pid") {
		t.Errorf("attach to a missing process: %v", err)
	}
}

// delve waits for its tracee with wait4(-1): inside dev it would reap dev's other
// children (go build, other functions) and take the runtime's own wait for the
// function. In its helper process it cannot: this process's children are unaffected.
func TestHostChildrenUnaffected(t *testing.T) {
	in := startHello(t)
	s := NewGoSession(newRecorder(t).options("127.0.0.1:0"))
	defer s.Close()
	attachOrSkip(t, s, in.Pid())
	child, err := exec.LookPath("true")
	if err != nil {
		child = os.Args[0] // the test binary, which runs no test with this flag
	}
	for i := range 30 {
		if err := exec.Command(child, "-test.run=^$").Run(); err != nil {
			t.Fatalf("child %d of the test process: %v", i, err)
		}
	}
	select {
	case <-in.Done():
		t.Fatal("the runtime thinks the function's process ended")
	default:
	}
	wantOK(t, invokeAsync(in, `{}`), 2*time.Second)
}

// The runtime stops a function that a breakpoint holds (its time limit passed, or dev
// stops): the process must end and be reaped at once, and the session must say so.
func TestProcessKilledAtBreakpoint(t *testing.T) {
	file, line := helloSource(t), breakpointLine(t)
	in, rec, s := attachedHello(t, "")
	ed := connectEditor(t, s.Addr())
	states := ed.breakAt(file, line)
	rec.want(rec.clients, "OnClient", true, 2*time.Second)
	res := invokeAsync(in, `{"email":"doomed@example.com"}`)
	ed.hit(states, line)
	waitPaused(t, rec, true)

	closed := make(chan struct{})
	go func() {
		in.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime could not stop the process held at a breakpoint")
	}
	if r := <-res; r.err == nil {
		t.Errorf("the invocation of a killed process succeeded: %+v", r)
	}
	rec.wantLog("process (pid", 3*time.Second)
	waitPaused(t, rec, false)

	// The editor stays connected, for the next process; meanwhile its requests wait
	// for one a bounded time and are answered with why there is none.
	rec.none(rec.clients, "OnClient")
	defer func(w time.Duration) { targetWait = w }(targetWait)
	targetWait = time.Second
	if _, err := ed.ListBreakpoints(false); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("a request with no process: %v, want an error that says it ended", err)
	} else {
		t.Logf("a request with no process: %v", err)
	}
}

// A function that crashes while attached: the runtime sees the crash as without a
// debugger, and the session lets go.
func TestFunctionCrashesWhileAttached(t *testing.T) {
	in, rec, _ := attachedHello(t, "")
	r := <-invokeAsync(in, "panic")
	var fe *functions.FunctionError
	if !errors.As(r.err, &fe) || !fe.Fatal || !strings.Contains(fe.Message, "kaboom") {
		t.Fatalf("invoking a panic: %+v, want a fatal FunctionError", r)
	}
	select {
	case <-in.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("the runtime did not see the crashed process end")
	}
	rec.wantLog("process (pid", 3*time.Second)
}

// A client may end the session itself (dlv's "quit" answered to detach): the process
// runs on without breakpoints, and the session lets go until the next Attach.
func TestClientDetaches(t *testing.T) {
	file, line := helloSource(t), breakpointLine(t)
	in, rec, s := attachedHello(t, "")
	ed := connectEditor(t, s.Addr())
	if _, err := ed.Halt(); err != nil { // delve detaches only a halted process
		t.Fatal(err)
	}
	if _, err := ed.CreateBreakpoint(&api.Breakpoint{File: file, Line: line}); err != nil {
		t.Fatal(err)
	}
	if err := ed.Detach(false); err != nil {
		t.Fatalf("detach: %v", err)
	}
	rec.wantLog("a debugger client ended the session", 3*time.Second)
	wantOK(t, invokeAsync(in, `{}`), 2*time.Second)
	if err := s.Attach(in.Pid()); err != nil {
		t.Fatalf("attach again: %v", err)
	}
	wantOK(t, invokeAsync(in, `{}`), 2*time.Second)
}

// An installed dlv that cannot attach (here this test binary, answering as dlv does
// when Yama refuses ptrace: it listens, says where, then fails to attach) fails Attach
// with dlv's words and what to do, and leaves the function running; one that is
// missing fails at once.
func TestDlvAttachErrors(t *testing.T) {
	in := startHello(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := NewGoSession(GoOptions{Name: "hello", Addr: "127.0.0.1:0", Dlv: self})
	defer s.Close()
	err = s.Attach(in.Pid())
	if err == nil || !strings.Contains(err.Error(), "attaching to pid") || !strings.Contains(err.Error(), "kernel security setting") {
		t.Errorf("attach with a dlv that is refused: %v", err)
	}
	t.Logf("refused: %v", err)
	wantOK(t, invokeAsync(in, `{}`), 2*time.Second)

	s = NewGoSession(GoOptions{Name: "hello", Addr: "127.0.0.1:0", Dlv: filepath.Join(t.TempDir(), "no-dlv")})
	defer s.Close()
	err = s.Attach(in.Pid())
	if err == nil || !strings.Contains(err.Error(), "no-dlv") {
		t.Errorf("attach with a missing dlv: %v", err)
	}
	t.Logf("missing: %v", err)
}

// fakeDlv does what dlv attach does when the kernel refuses to let it trace pid.
func fakeDlv(pid string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 2
	}
	fmt.Println("API server listening at:", ln.Addr())
	time.Sleep(100 * time.Millisecond)
	fmt.Fprintf(os.Stderr, "Could not attach to pid %s: this could be caused by a kernel security setting, try writing \"0\" to /proc/sys/kernel/yama/ptrace_scope\n", pid)
	return 1
}

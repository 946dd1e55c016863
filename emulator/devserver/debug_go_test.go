package devserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
	"github.com/google/go-dap"

	"github.com/identity-dev/dev/emulator/debug"
	"github.com/identity-dev/dev/emulator/term"
)

func TestMain(m *testing.M) {
	debug.HelperMain() // a Go function under --debug starts this test binary again as its debugger helper
	os.Exit(m.Run())
}

func TestFindDlv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	for _, name := range []string{"", "delve"} {
		if path, err := findDlv(name); path != "" || err != nil {
			t.Errorf("findDlv(%q) = %q, %v; want dev's own delve", name, path, err)
		}
	}
	if _, err := findDlv("dlv"); err == nil || !strings.Contains(err.Error(), "go install github.com/go-delve/delve/cmd/dlv@latest") {
		t.Errorf("no dlv on PATH: %v, want how to install it", err)
	}
	if _, err := findDlv("gdb"); err == nil || !strings.Contains(err.Error(), "use delve") {
		t.Errorf("findDlv(gdb): %v", err)
	}
	fake := filepath.Join(dir, "dlv")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if path, err := findDlv("dlv"); path != fake || err != nil {
		t.Errorf("findDlv(dlv) = %q, %v; want %s", path, err, fake)
	}
}

// goSignup is a Go identity-signup whose version shows in the role it gives; the test
// stops on the line marked BREAK.
func goSignup(version int) string {
	return fmt.Sprintf(`// identity-signup, debugged by dev's tests.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var hook struct {
		User struct {
			Email string `+"`json:\"email\"`"+`
		} `+"`json:\"user\"`"+`
	}
	json.Unmarshal([]byte(req.Body), &hook)
	out, _ := json.Marshal(map[string]any{"app_metadata": map[string]any{"roles": []string{"v%d"}}}) // BREAK
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(out)}, nil
}

func main() { lambda.Start(handler) }
`, version)
}

// startGoDebugSite serves the debug site with a Go identity-signup in place of the
// TypeScript one.
func startGoDebugSite(t *testing.T, opts Options) (*testServer, string) {
	t.Helper()
	requireNode(t)
	dir := copySite(t, "debug")
	fnDir := filepath.Join(dir, "netlify", "functions")
	if err := os.Remove(filepath.Join(fnDir, "identity-signup.ts")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(fnDir, "identity-signup", "main.go")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(goSignup(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _ := startSiteIn(t, dir, opts)
	return srv, src
}

// An editor attached to dev serve --debug identity-signup (Go) over JSON-RPC the
// moment its port opens, before the first build has ended: it halts, sets a
// breakpoint in the handler and continues, and the first signup stops there with its
// time limit suspended. Then the function is edited and rebuilt while the editor sits
// in its continue, doing nothing: the next signup stops again, in the new process.
func TestDebugGoFunctionAcrossRebuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building and debugging a real Go function")
	}
	if scope := debug.YamaPtraceScope(); scope != "" && scope != "0" {
		t.Skipf("kernel.yama.ptrace_scope is %s: no debugger can attach to a sibling process here", scope)
	}
	log := &lockedBuffer{}
	port := freePort("127.0.0.1")
	srv, src := startGoDebugSite(t, Options{Autoconfirm: true, HookTimeout: time.Second, HookAttempts: 1,
		Debug: []string{"identity-signup"}, DebugPort: port, Log: term.NewLogger(log)})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if targets := srv.DebugTargets(); len(targets) != 1 || targets[0].Addr != addr {
		t.Fatalf("targets %+v, want identity-signup at %s", targets, addr)
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("the debug port is not open before the first build ends: %v", err)
	}
	ed := rpc2.NewClientFromConn(conn)
	defer ed.Disconnect(false)
	line := breakLine()
	// An editor's first steps; its requests wait for the first process.
	ready := make(chan (<-chan *api.DebuggerState), 1)
	go func() {
		if _, err := ed.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
		if _, err := ed.CreateBreakpoint(&api.Breakpoint{File: src, Line: line}); err != nil {
			t.Errorf("create breakpoint: %v", err)
		}
		ready <- ed.Continue()
	}()
	var states <-chan *api.DebuggerState
	select {
	case states = <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("the editor's first requests were not answered within 60s:\n%s", log.String())
	}

	signupStops := func(email, version string) {
		t.Helper()
		done := signupAsync(t, srv, email)
		select {
		case st := <-states:
			if st.Err != nil || st.CurrentThread == nil || st.CurrentThread.Line != line {
				t.Fatalf("the editor's continue ended elsewhere: %+v %v", st.CurrentThread, st.Err)
			}
		case r := <-done:
			r = received(t, r)
			t.Fatalf("the signup ran through the breakpoint: %d %s\n%s", r.Status, r.Body, log.String())
		case <-time.After(20 * time.Second):
			t.Fatalf("no stop within 20s:\n%s", log.String())
		}
		v, err := ed.EvalVariable(api.EvalScope{GoroutineID: -1}, "req.Body", api.LoadConfig{MaxStringLen: 4096})
		if err != nil || !strings.Contains(v.Value, email) {
			t.Fatalf("req.Body at the breakpoint: %v %v", v, err)
		}
		select {
		case r := <-done:
			t.Fatalf("the signup was answered while stopped at the breakpoint: %+v", r)
		case <-time.After(1500 * time.Millisecond): // longer than the hook's 1 s
		}
		states = ed.Continue()
		r := received(t, <-done)
		if r.Status != 200 || !strings.Contains(string(r.Body), version) {
			t.Fatalf("signup after the breakpoint: %d %s, want role %s", r.Status, r.Body, version)
		}
	}
	signupStops("first@example.com", `"v1"`)

	// Edit and save; dev rebuilds and attaches the new process. The editor does nothing.
	attached := strings.Count(log.String(), "attached to pid")
	if err := os.WriteFile(src, []byte(goSignup(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); strings.Count(log.String(), "attached to pid") == attached; {
		if time.Now().After(deadline) {
			t.Fatalf("the edit was not rebuilt and attached within 30s:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	signupStops("second@example.com", `"v2"`)
	if !strings.Contains(log.String(), "breakpoints set again in pid") {
		t.Errorf("the log does not say the breakpoint was set again:\n%s", log.String())
	}
}

// breakLine is the line of goSignup marked BREAK.
func breakLine() int {
	for i, l := range strings.Split(goSignup(1), "\n") {
		if strings.Contains(l, "// BREAK") {
			return i + 1
		}
	}
	return 0
}

// dapEditor speaks DAP as VS Code's Go extension does in a "remote" attach.
type dapEditor struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	seq  int
}

func (e *dapEditor) send(m dap.RequestMessage) {
	e.t.Helper()
	e.seq++
	req := m.GetRequest()
	req.Seq, req.Type = e.seq, "request"
	if err := dap.WriteProtocolMessage(e.conn, m); err != nil {
		e.t.Fatalf("send %s: %v", req.Command, err)
	}
}

// dapNext reads until a message of type T, skipping the others; a failed response
// fails the test.
func dapNext[T dap.Message](e *dapEditor, within time.Duration) T {
	e.t.Helper()
	e.conn.SetReadDeadline(time.Now().Add(within))
	for {
		m, err := dap.ReadProtocolMessage(e.r)
		if err != nil {
			var zero T
			e.t.Fatalf("reading DAP for a %T: %v", zero, err)
		}
		if resp, ok := m.(dap.ResponseMessage); ok && !resp.GetResponse().Success {
			e.t.Fatalf("%s failed: %s", resp.GetResponse().Command, resp.GetResponse().Message)
		}
		if v, ok := m.(T); ok {
			return v
		}
	}
}

// The same through VS Code's "remote" attach (DAP): the session starts before the
// first build ends, and the stop after the rebuild reaches the editor as a stopped
// event on the breakpoint it set, which it never set again.
func TestDebugGoFunctionAcrossRebuildsDAP(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building and debugging a real Go function")
	}
	if scope := debug.YamaPtraceScope(); scope != "" && scope != "0" {
		t.Skipf("kernel.yama.ptrace_scope is %s: no debugger can attach to a sibling process here", scope)
	}
	log := &lockedBuffer{}
	port := freePort("127.0.0.1")
	srv, src := startGoDebugSite(t, Options{Autoconfirm: true, HookTimeout: time.Second, HookAttempts: 1,
		Debug: []string{"identity-signup"}, DebugPort: port, Log: term.NewLogger(log)})
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatalf("the debug port is not open before the first build ends: %v", err)
	}
	defer conn.Close()
	e := &dapEditor{t: t, conn: conn, r: bufio.NewReader(conn)}
	e.send(&dap.InitializeRequest{Request: dap.Request{Command: "initialize"}, Arguments: dap.InitializeRequestArguments{
		ClientID: "vscode", AdapterID: "go", PathFormat: "path", LinesStartAt1: true, ColumnsStartAt1: true}})
	dapNext[*dap.InitializeResponse](e, 60*time.Second) // answered once the first process is attached
	e.send(&dap.AttachRequest{Request: dap.Request{Command: "attach"}, Arguments: json.RawMessage(`{"request":"attach","mode":"remote"}`)})
	dapNext[*dap.AttachResponse](e, 10*time.Second)
	e.send(&dap.SetBreakpointsRequest{Request: dap.Request{Command: "setBreakpoints"}, Arguments: dap.SetBreakpointsArguments{
		Source: dap.Source{Path: src}, Breakpoints: []dap.SourceBreakpoint{{Line: breakLine()}}}})
	bps := dapNext[*dap.SetBreakpointsResponse](e, 10*time.Second).Body.Breakpoints
	if len(bps) != 1 || !bps[0].Verified {
		t.Fatalf("setBreakpoints: %+v", bps)
	}
	e.send(&dap.ConfigurationDoneRequest{Request: dap.Request{Command: "configurationDone"}})
	dapNext[*dap.ConfigurationDoneResponse](e, 10*time.Second)

	signupStops := func(email, version string) {
		t.Helper()
		done := signupAsync(t, srv, email)
		stopped := dapNext[*dap.StoppedEvent](e, 20*time.Second)
		if stopped.Body.Reason != "breakpoint" || len(stopped.Body.HitBreakpointIds) != 1 || stopped.Body.HitBreakpointIds[0] != bps[0].Id {
			t.Fatalf("stopped %+v, want at breakpoint %d", stopped.Body, bps[0].Id)
		}
		e.send(&dap.StackTraceRequest{Request: dap.Request{Command: "stackTrace"}, Arguments: dap.StackTraceArguments{ThreadId: stopped.Body.ThreadId, Levels: 1}})
		if frames := dapNext[*dap.StackTraceResponse](e, 10*time.Second).Body.StackFrames; len(frames) == 0 || frames[0].Line != breakLine() {
			t.Fatalf("top frame %+v, want line %d", frames, breakLine())
		}
		e.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"}, Arguments: dap.ContinueArguments{ThreadId: stopped.Body.ThreadId}})
		dapNext[*dap.ContinueResponse](e, 10*time.Second)
		if r := received(t, <-done); r.Status != 200 || !strings.Contains(string(r.Body), version) {
			t.Fatalf("signup after the breakpoint: %d %s, want role %s", r.Status, r.Body, version)
		}
	}
	signupStops("dap-first@example.com", `"v1"`)

	attached := strings.Count(log.String(), "attached to pid")
	if err := os.WriteFile(src, []byte(goSignup(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); strings.Count(log.String(), "attached to pid") == attached; {
		if time.Now().After(deadline) {
			t.Fatalf("the edit was not rebuilt and attached within 30s:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	signupStops("dap-second@example.com", `"v2"`)
}

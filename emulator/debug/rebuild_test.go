package debug

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/google/go-dap"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
)

// The tests below behave as editors do: they connect before the function's first
// build has ended, set their breakpoints and continue; then the function is edited
// and rebuilt, and they do nothing at all, yet the next call stops again.

// editableSource is a function in two versions. The second drops tail, so the line
// marked TAIL no longer exists, and keeps the line marked BREAK where it was.
func editableSource(version int) string {
	call, rest := "tail(req.Body)", "\nfunc tail(s string) string {\n\treturn s // TAIL\n}\n"
	if version > 1 {
		call, rest = "req.Body", ""
	}
	return fmt.Sprintf(`// editable is the function the rebuild tests change between builds.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (*events.APIGatewayProxyResponse, error) {
	payload := %s
	return &events.APIGatewayProxyResponse{StatusCode: 200, Body: "v%d " + payload}, nil // BREAK
}

func main() {
	lambda.Start(handler)
}
%s`, call, version, rest)
}

// devLoop does what dev serve does with a debugged Go function: it builds the
// function, stops the old process once the build is done, starts the new one and
// attaches the session to it.
type devLoop struct {
	t   *testing.T
	rt  *golang.Runtime
	fn  *functions.Function
	src string
	rec *recorder
	s   *GoSession
	in  *golang.Instance
}

func newDevLoop(t *testing.T) *devLoop {
	t.Helper()
	site := t.TempDir()
	dir := filepath.Join(site, "editable")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sites", "debug", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(site, "go.mod"), []byte("module example.com/editable\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go v1.55.1\n"), 0o644)
	os.WriteFile(filepath.Join(site, "go.sum"), sum, 0o644)
	d := &devLoop{t: t, src: filepath.Join(dir, "main.go"), rec: newRecorder(t),
		rt: golang.New(golang.Options{CacheDir: t.TempDir(), BuildFlags: []string{"-gcflags=all=-N -l"}}),
		fn: &functions.Function{Name: "editable", Kind: functions.KindGo, Entry: dir, Dir: dir, SiteDir: site}}
	opts := d.rec.options("127.0.0.1:0")
	opts.Name = "editable"
	d.s = NewGoSession(opts)
	if err := d.s.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.s.Close()
		if d.in != nil {
			d.in.Close()
		}
	})
	return d
}

// build writes a version of the source and builds it.
func (d *devLoop) build(version int) (functions.Artifact, error) {
	d.t.Helper()
	if err := os.WriteFile(d.src, []byte(editableSource(version)), 0o644); err != nil {
		d.t.Fatal(err)
	}
	start := time.Now()
	art, err := d.rt.Build(context.Background(), d.fn)
	d.t.Logf("build of version %d: %s", version, time.Since(start).Round(time.Millisecond))
	return art, err
}

func (d *devLoop) start(art functions.Artifact) *golang.Instance {
	d.t.Helper()
	in, err := d.rt.Start(context.Background(), art, functions.StartOptions{
		Log: func(stream, line string) { d.t.Logf("editable %s: %s", stream, line) },
	})
	if err != nil {
		d.t.Fatalf("start: %v", err)
	}
	return in.(*golang.Instance)
}

// deploy is one round of dev's: build, stop the old process, start and attach the new.
func (d *devLoop) deploy(version int) {
	d.t.Helper()
	d.s.Building()
	art, err := d.build(version)
	d.s.Built(err)
	if err != nil {
		d.t.Fatalf("build: %v", err)
	}
	if d.in != nil {
		d.in.Close()
	}
	d.in = d.start(art)
	took := attachOrSkip(d.t, d.s, d.in.Pid())
	d.t.Logf("attach of version %d (pid %d): %s", version, d.in.Pid(), took.Round(time.Millisecond))
}

// line is the line of the current source holding marker.
func (d *devLoop) line(version int, marker string) int {
	for i, l := range strings.Split(editableSource(version), "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	d.t.Fatalf("no %s in version %d", marker, version)
	return 0
}

// stoppedAt waits for a JSON-RPC continue to stop at a breakpoint on line.
func stoppedAt(t *testing.T, states <-chan *api.DebuggerState, line int) {
	t.Helper()
	select {
	case st := <-states:
		if st == nil || st.Err != nil {
			t.Fatalf("continue ended without a stop: %+v", st)
		}
		if st.CurrentThread == nil || st.CurrentThread.Breakpoint == nil || st.CurrentThread.Line != line {
			t.Fatalf("stopped, but not at the breakpoint on line %d: %+v", line, st.CurrentThread)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the breakpoint on line %d was not hit within 10s", line)
	}
}

func notYet(t *testing.T, res <-chan result) {
	t.Helper()
	select {
	case r := <-res:
		t.Fatalf("the call returned while it should be stopped at a breakpoint: %+v", r)
	case <-time.After(200 * time.Millisecond):
	}
}

// An editor speaking JSON-RPC (dlv connect, GoLand) attaches before the first build
// has ended, sets two breakpoints and continues; the calls stop at both. The function
// is edited and rebuilt while the editor waits in its continue: that continue goes on
// in the new process and stops there at the breakpoint that still resolves, and the
// one whose line is gone is reported in the log.
func TestJSONRPCEditorKeepsBreakpointsAcrossRebuilds(t *testing.T) {
	d := newDevLoop(t)
	breakLine, tailLine := d.line(1, "// BREAK"), d.line(1, "// TAIL")
	ed := connectEditor(t, d.s.Addr()) // before any build: the port is dev's
	ready := make(chan (<-chan *api.DebuggerState), 1)
	go func() {
		if _, err := ed.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
		for _, line := range []int{tailLine, breakLine} {
			if _, err := ed.CreateBreakpoint(&api.Breakpoint{File: d.src, Line: line}); err != nil {
				t.Errorf("create breakpoint at line %d: %v", line, err)
			}
		}
		ready <- ed.Continue()
	}()
	d.deploy(1)
	var states <-chan *api.DebuggerState
	select {
	case states = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the editor's halt and breakpoints were not answered within 10s of the attach")
	}
	d.rec.want(d.rec.clients, "OnClient", true, time.Second)

	res := invokeAsync(d.in, `{"email":"first@example.com"}`)
	stoppedAt(t, states, tailLine)
	states = ed.Continue()
	if got := ed.hit(states, breakLine); !strings.Contains(got, "first@example.com") {
		t.Errorf("payload = %s", got)
	}
	notYet(t, res)
	states = ed.Continue()
	if r := wantOK(t, res, 5*time.Second); !strings.HasPrefix(r.body, "v1 ") {
		t.Fatalf("body %q, want version 1's", r.body)
	}

	// Edit, rebuild, re-attach: the editor is in its continue and does nothing else.
	d.deploy(2)
	d.rec.wantLog(fmt.Sprintf("breakpoint 1 at main.go:%d no longer resolves", tailLine), 5*time.Second)
	res = invokeAsync(d.in, `{"email":"second@example.com"}`)
	if got := ed.hit(states, breakLine); !strings.Contains(got, "second@example.com") {
		t.Errorf("payload after the rebuild = %s", got)
	}
	notYet(t, res)
	states = ed.Continue()
	if r := wantOK(t, res, 5*time.Second); !strings.HasPrefix(r.body, "v2 ") {
		t.Fatalf("body %q, want version 2's", r.body)
	}
	// It stays: the next call stops too.
	res = invokeAsync(d.in, `{"email":"third@example.com"}`)
	ed.hit(states, breakLine)
	bps, err := ed.ListBreakpoints(false)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{}
	for _, bp := range bps {
		if bp.ID > 0 {
			ids = append(ids, bp.ID)
		}
	}
	if len(ids) != 1 || ids[0] != 2 {
		t.Errorf("breakpoints in the new process: %v, want the one on line %d with its ID, 2", ids, breakLine)
	}
	ed.Continue()
	wantOK(t, res, 5*time.Second)
}

// VS Code's "remote" attach, made before the first build has ended, through a rebuild
// with the editor doing nothing: the breakpoint that still resolves stops the next
// call (with the id the editor knows), and the one whose line is gone turns
// unverified in the editor, with the reason.
func TestDAPEditorKeepsBreakpointsAcrossRebuilds(t *testing.T) {
	d := newDevLoop(t)
	breakLine, tailLine := d.line(1, "// BREAK"), d.line(1, "// TAIL")
	conn, err := net.Dial("tcp", d.s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &dapClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	c.send(&dap.InitializeRequest{Request: dap.Request{Command: "initialize"}, Arguments: dap.InitializeRequestArguments{
		ClientID: "vscode", AdapterID: "go", PathFormat: "path", LinesStartAt1: true, ColumnsStartAt1: true, SupportsVariableType: true,
	}}) // it waits for the first process
	d.deploy(1)
	next[*dap.InitializeResponse](c)
	c.send(&dap.AttachRequest{Request: dap.Request{Command: "attach"}, Arguments: json.RawMessage(`{"request":"attach","mode":"remote"}`)})
	next[*dap.AttachResponse](c)
	c.send(&dap.SetBreakpointsRequest{Request: dap.Request{Command: "setBreakpoints"}, Arguments: dap.SetBreakpointsArguments{
		Source: dap.Source{Path: d.src}, Breakpoints: []dap.SourceBreakpoint{{Line: tailLine}, {Line: breakLine}},
	}})
	bps := next[*dap.SetBreakpointsResponse](c).Body.Breakpoints
	if len(bps) != 2 || !bps[0].Verified || !bps[1].Verified {
		t.Fatalf("setBreakpoints: %+v", bps)
	}
	c.send(&dap.ConfigurationDoneRequest{Request: dap.Request{Command: "configurationDone"}})
	next[*dap.ConfigurationDoneResponse](c)

	res := invokeAsync(d.in, `{"email":"dap-first@example.com"}`)
	c.stoppedAt(tailLine, bps[0].Id)
	c.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"}, Arguments: dap.ContinueArguments{ThreadId: 1}})
	next[*dap.ContinueResponse](c)
	c.stoppedAt(breakLine, bps[1].Id)
	c.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"}, Arguments: dap.ContinueArguments{ThreadId: 1}})
	next[*dap.ContinueResponse](c)
	if r := wantOK(t, res, 5*time.Second); !strings.HasPrefix(r.body, "v1 ") {
		t.Fatalf("body %q, want version 1's", r.body)
	}

	d.deploy(2) // the editor does nothing
	ev := next[*dap.BreakpointEvent](c)
	if ev.Body.Breakpoint.Id != bps[0].Id || ev.Body.Breakpoint.Verified || !strings.Contains(ev.Body.Breakpoint.Message, "no longer resolves") {
		t.Fatalf("breakpoint event %+v, want breakpoint %d unverified, with why", ev.Body, bps[0].Id)
	}
	t.Logf("the editor hears: %s", ev.Body.Breakpoint.Message)
	d.rec.wantLog(fmt.Sprintf("breakpoint at main.go:%d no longer resolves", tailLine), 5*time.Second)

	res = invokeAsync(d.in, `{"email":"dap-second@example.com"}`)
	c.stoppedAt(breakLine, bps[1].Id)
	notYet(t, res)
	c.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"}, Arguments: dap.ContinueArguments{ThreadId: 1}})
	next[*dap.ContinueResponse](c)
	if r := wantOK(t, res, 5*time.Second); !strings.HasPrefix(r.body, "v2 ") {
		t.Fatalf("body %q, want version 2's", r.body)
	}
	c.send(&dap.DisconnectRequest{Request: dap.Request{Command: "disconnect"}, Arguments: &dap.DisconnectArguments{}})
	next[*dap.DisconnectResponse](c)
	d.rec.want(d.rec.clients, "OnClient", true, time.Second)
	d.rec.want(d.rec.clients, "OnClient", false, 3*time.Second)
}

// stoppedAt waits for a stop at a breakpoint and checks where it is.
func (c *dapClient) stoppedAt(line, id int) {
	c.t.Helper()
	stopped := next[*dap.StoppedEvent](c)
	if stopped.Body.Reason != "breakpoint" || len(stopped.Body.HitBreakpointIds) != 1 || stopped.Body.HitBreakpointIds[0] != id {
		c.t.Fatalf("stopped %+v, want at breakpoint %d", stopped.Body, id)
	}
	c.send(&dap.StackTraceRequest{Request: dap.Request{Command: "stackTrace"}, Arguments: dap.StackTraceArguments{ThreadId: stopped.Body.ThreadId, Levels: 1}})
	if frames := next[*dap.StackTraceResponse](c).Body.StackFrames; len(frames) == 0 || frames[0].Line != line {
		c.t.Fatalf("top frame %+v, want line %d", frames, line)
	}
}

// The first round as issue #12 tried it: an editor that attaches the moment the port
// opens, halts, sets a breakpoint and continues. It once ran through the breakpoint
// (the stop went to dev's own continue, the editor's queued one resumed at once), once
// had its CreateBreakpoint never answered (the editor's halt met the process before
// dev's continue started it), once waited forever (dev's state request queued behind
// its own continue, which waited for the editor's). Each round must stop.
func TestEditorAttachingAtOnceStops(t *testing.T) {
	d := newDevLoop(t)
	art, err := d.build(1)
	if err != nil {
		t.Fatal(err)
	}
	breakLine := d.line(1, "// BREAK")
	within := func(what string, f func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not answered within 10s", what)
		}
	}
	for round := range 3 {
		s := NewGoSession(GoOptions{Name: "editable", Addr: "127.0.0.1:0", Log: func(msg string) { t.Logf("session: %s", msg) }})
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		in := d.start(art)
		attached := make(chan error, 1)
		go func() { attached <- s.Attach(in.Pid()) }()
		ed := connectEditor(t, s.Addr())
		within("halt", func() error { _, err := ed.Halt(); return err })
		within("create breakpoint", func() error {
			_, err := ed.CreateBreakpoint(&api.Breakpoint{File: d.src, Line: breakLine})
			return err
		})
		states := ed.Continue()
		select {
		case err := <-attached:
			if err != nil {
				t.Fatalf("attach: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("attach did not return within 10s")
		}
		res := invokeAsync(in, fmt.Sprintf(`{"round":%d}`, round))
		select {
		case st := <-states:
			if st.Err != nil || st.CurrentThread == nil || st.CurrentThread.Line != breakLine {
				t.Fatalf("round %d: continue ended elsewhere: %+v %v", round, st.CurrentThread, st.Err)
			}
		case r := <-res:
			t.Fatalf("round %d: the call ran through the breakpoint: %+v", round, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: no stop within 10s", round)
		}
		ed.Continue()
		wantOK(t, res, 5*time.Second)
		s.Close()
		in.Close()
	}
}

// A rebuild that fails leaves no process: an editor waiting in its continue is
// answered with the build's error, and so is any request until the next build; that
// one brings the breakpoint back without the editor setting it again.
func TestFailedRebuildAnswersTheEditor(t *testing.T) {
	d := newDevLoop(t)
	breakLine := d.line(1, "// BREAK")
	d.deploy(1)
	ed := connectEditor(t, d.s.Addr())
	states := ed.breakAt(d.src, breakLine)

	d.s.Building()
	d.s.Built(errors.New("main.go:13:2: syntax error: unexpected newline"))
	d.in.Close() // dev stops the old process once the build is done, whatever came of it
	select {
	case st := <-states:
		if st == nil || st.Err == nil || !strings.Contains(st.Err.Error(), "the build of editable failed") {
			t.Fatalf("continue across a failed build: %+v, want the build's error", st)
		}
		t.Logf("the editor's continue: %v", st.Err)
	case <-time.After(10 * time.Second):
		t.Fatal("the editor's continue was not answered within 10s of a failed build")
	}
	if _, err := ed.ListBreakpoints(false); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Fatalf("a request after a failed build: %v, want the build's error", err)
	}
	d.in = nil
	d.deploy(2)
	states = ed.Continue()
	res := invokeAsync(d.in, `{"email":"fixed@example.com"}`)
	ed.hit(states, breakLine)
	ed.Continue()
	wantOK(t, res, 5*time.Second)
}

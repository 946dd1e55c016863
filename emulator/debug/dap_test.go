package debug

import (
	"bufio"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-dap"
)

// dapClient speaks DAP as VS Code's Go extension does in a "remote" attach.
type dapClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	seq  int
}

func (c *dapClient) send(m dap.RequestMessage) {
	c.t.Helper()
	c.seq++
	req := m.GetRequest()
	req.Seq, req.Type = c.seq, "request"
	if err := dap.WriteProtocolMessage(c.conn, m); err != nil {
		c.t.Fatalf("send %s: %v", req.Command, err)
	}
}

// next reads until a message of type T, skipping the others (output events and the like).
func next[T dap.Message](c *dapClient) T {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range 100 {
		m, err := dap.ReadProtocolMessage(c.r)
		if err != nil {
			var zero T
			c.t.Fatalf("reading DAP for a %T: %v", zero, err)
		}
		if resp, ok := m.(dap.ResponseMessage); ok && !resp.GetResponse().Success {
			c.t.Fatalf("%s failed: %s", resp.GetResponse().Command, resp.GetResponse().Message)
		}
		if v, ok := m.(T); ok {
			return v
		}
	}
	var zero T
	c.t.Fatalf("no %T among 100 DAP messages", zero)
	return zero
}

// VS Code's "remote" attach reaches the same address as JSON-RPC clients: delve tells
// them apart by the first byte.
func TestDAPRemoteAttach(t *testing.T) {
	dapRemoteAttach(t, "")
}

// TestDAPRemoteAttachWithDlv is the same through an installed dlv, behind the
// session's forwarder.
func TestDAPRemoteAttachWithDlv(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building dlv")
	}
	dapRemoteAttach(t, installDlv(t))
}

func dapRemoteAttach(t *testing.T, dlv string) {
	file, line := helloSource(t), breakpointLine(t)
	in, rec, s := attachedHello(t, dlv)

	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &dapClient{t: t, conn: conn, r: bufio.NewReader(conn)}

	c.send(&dap.InitializeRequest{Request: dap.Request{Command: "initialize"}, Arguments: dap.InitializeRequestArguments{
		ClientID: "vscode", AdapterID: "go", PathFormat: "path", LinesStartAt1: true, ColumnsStartAt1: true, SupportsVariableType: true,
	}})
	next[*dap.InitializeResponse](c)
	c.send(&dap.AttachRequest{Request: dap.Request{Command: "attach"}, Arguments: json.RawMessage(`{"request":"attach","mode":"remote"}`)})
	next[*dap.AttachResponse](c)
	rec.want(rec.clients, "OnClient", true, 2*time.Second)
	c.send(&dap.SetBreakpointsRequest{Request: dap.Request{Command: "setBreakpoints"}, Arguments: dap.SetBreakpointsArguments{
		Source: dap.Source{Path: file}, Breakpoints: []dap.SourceBreakpoint{{Line: line}},
	}})
	if bps := next[*dap.SetBreakpointsResponse](c).Body.Breakpoints; len(bps) != 1 || !bps[0].Verified {
		t.Fatalf("setBreakpoints: %+v", bps)
	}
	rec.none(rec.resumes, "OnResume")
	c.send(&dap.ConfigurationDoneRequest{Request: dap.Request{Command: "configurationDone"}})
	next[*dap.ConfigurationDoneResponse](c)
	rec.want(rec.resumes, "OnResume", true, 2*time.Second) // VS Code is ready: --debug-wait lets go

	start := time.Now()
	res := invokeAsync(in, `{"email":"dap@example.com"}`)
	stopped := next[*dap.StoppedEvent](c)
	if stopped.Body.Reason != "breakpoint" {
		t.Fatalf("stopped for %q, want breakpoint", stopped.Body.Reason)
	}
	c.send(&dap.StackTraceRequest{Request: dap.Request{Command: "stackTrace"}, Arguments: dap.StackTraceArguments{ThreadId: stopped.Body.ThreadId, Levels: 1}})
	frames := next[*dap.StackTraceResponse](c).Body.StackFrames
	if len(frames) == 0 || frames[0].Line != line {
		t.Fatalf("top frame %+v, want line %d", frames, line)
	}
	c.send(&dap.ScopesRequest{Request: dap.Request{Command: "scopes"}, Arguments: dap.ScopesArguments{FrameId: frames[0].Id}})
	scopes := next[*dap.ScopesResponse](c).Body.Scopes
	var payload string
	for _, sc := range scopes {
		c.send(&dap.VariablesRequest{Request: dap.Request{Command: "variables"}, Arguments: dap.VariablesArguments{VariablesReference: sc.VariablesReference}})
		for _, v := range next[*dap.VariablesResponse](c).Body.Variables {
			if v.Name == "payload" {
				payload = v.Value
			}
		}
	}
	if !strings.Contains(payload, "dap@example.com") {
		t.Fatalf("payload = %q in the scopes %+v", payload, scopes)
	}
	t.Logf("DAP: invoke → stopped, stack, scopes, payload: %s", time.Since(start).Round(time.Millisecond))
	waitPaused(t, rec, true)

	c.send(&dap.ContinueRequest{Request: dap.Request{Command: "continue"}, Arguments: dap.ContinueArguments{ThreadId: stopped.Body.ThreadId}})
	next[*dap.ContinueResponse](c)
	wantOK(t, res, 5*time.Second)
	waitPaused(t, rec, false)

	// VS Code's Disconnect leaves the breakpoint set in delve; the session clears it.
	c.send(&dap.DisconnectRequest{Request: dap.Request{Command: "disconnect"}, Arguments: &dap.DisconnectArguments{TerminateDebuggee: false}})
	next[*dap.DisconnectResponse](c)
	rec.want(rec.clients, "OnClient", false, 2*time.Second)
	rec.wantLog("breakpoints cleared, hello runs freely again", 3*time.Second)
	wantOK(t, invokeAsync(in, `{"email":"after@example.com"}`), 2*time.Second)
}

// waitPaused waits until OnPause reported p last. A DAP attach halts the process for
// its configuration, so OnPause may flip before the breakpoint's stop.
func waitPaused(t *testing.T, rec *recorder, p bool) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	last := !p
	for {
		select {
		case v := <-rec.pauses:
			last = v
			if last == p && len(rec.pauses) == 0 {
				return
			}
		case <-deadline:
			t.Fatalf("OnPause(%v) was not the last report within 2s (last %v)", p, last)
		}
	}
}

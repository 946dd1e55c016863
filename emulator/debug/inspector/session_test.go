package inspector

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The two builds of a bundle the reload test runs, each with an inline source map back
// to fn.ts: line g of a bundle comes from line origN[g] of fn.ts. The second build has
// two more lines of preamble, so every line of the function moves down two, and its
// "return m" line (fn.ts line 2) has no mapping: that line is "gone". The second also
// calls the handler, every 50 ms.
var (
	bundle1 = []string{`"use strict";`, `function handler(n) {`, `  const m = n + 1;`, `  return m;`, `}`, `setInterval(() => {}, 1000);`, `console.log("ready");`}
	orig1   = []int{-1, 0, 1, 2, 3, 4, -1}
	bundle2 = []string{`"use strict";`, `const extra1 = 1;`, `const extra2 = 2;`, `function handler(n) {`, `  const m = n + 1;`, `  return m;`, `}`, `setInterval(() => handler(1), 50);`, `console.log("ready");`}
	orig2   = []int{-1, -1, -1, 0, 1, -1, 3, 4, -1}
)

// node runs a bundle under the inspector on addr until the test ends or kill.
type node struct {
	cmd   *exec.Cmd
	stdin io.Writer
}

func startNode(t *testing.T, dir, addr string, lines []string, orig []int) *node {
	t.Helper()
	return runNode(t, dir, addr, lines, orig, false)
}

// startNodeLate runs node under the inspector with the bundle written but not loaded:
// it loads it when load is called, as a worker whose editor attached early.
func startNodeLate(t *testing.T, dir, addr string, lines []string, orig []int) (load func()) {
	t.Helper()
	n := runNode(t, dir, addr, lines, orig, true)
	return func() {
		if _, err := io.WriteString(n.stdin, "load\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func runNode(t *testing.T, dir, addr string, lines []string, orig []int, late bool) *node {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	path := filepath.Join(dir, "fn.cjs")
	src := strings.Join(lines, "\n") + "\n//# sourceMappingURL=" + lineMap("fn.ts", 0, orig) + "\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	main, want := path, "ready"
	if late {
		main, want = filepath.Join(dir, "loader.cjs"), "waiting"
		loader := `process.stdin.once("data", () => require("./fn.cjs")); console.log("waiting");` + "\n"
		if err := os.WriteFile(main, []byte(loader), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "--inspect="+addr, main)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, stdin: stdin}
	t.Cleanup(n.kill)
	// As dev's worker does, the bundle says when it has loaded (its inspector listens
	// from the start); a loaded machine may take a while.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		said := false
		for sc.Scan() {
			if !said && sc.Text() == want {
				ready <- true
				said = true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("node ended before the bundle loaded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("node did not load the bundle within 30s")
	}
	return n
}

func (n *node) kill() {
	if n.cmd.ProcessState == nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	}
}

// editor is a CDP client on the session's WebSocket.
type editor struct {
	t      *testing.T
	ws     *wsConn
	mu     sync.Mutex
	nextID int
}

func (e *editor) send(method string, params any) int {
	e.mu.Lock()
	e.nextID++
	id := e.nextID
	e.mu.Unlock()
	raw, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := e.ws.write(raw); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// waitFor reads until the answer to id (id > 0) or an event named method.
func (e *editor) waitFor(method string, id int) map[string]any {
	e.t.Helper()
	e.ws.c.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		raw, err := e.ws.read()
		if err != nil {
			e.t.Fatalf("waiting for %s %d: %v", method, id, err)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		if (method != "" && m["method"] == method) || (id > 0 && m["id"] == float64(id)) {
			return m
		}
	}
}

// A worker replaced by one whose bundle moved: the editor's breakpoint, set by URL
// regex on a line of the first bundle, is set in the second on the same line of fn.ts,
// and its stop reaches the editor under the id it knows; the breakpoint whose line is
// gone is said in the log; and while there is no worker, a request waits a bounded
// time and is answered with why.
func TestSessionAcrossWorkers(t *testing.T) {
	dir := t.TempDir()
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	inner := free.Addr().String()
	free.Close()
	first := startNode(t, dir, inner, bundle1, orig1)

	ed, s, said := openSession(t, inner)

	ed.waitFor("", ed.send("Debugger.enable", map[string]any{}))
	col := 0
	set := func(line int) string {
		m := ed.waitFor("", ed.send("Debugger.setBreakpointByUrl", map[string]any{"urlRegex": `fn\.cjs$`, "lineNumber": line, "columnNumber": col}))
		res, _ := m["result"].(map[string]any)
		if locs, _ := res["locations"].([]any); len(locs) != 1 {
			t.Fatalf("setBreakpointByUrl line %d: %v", line, m)
		}
		return res["breakpointId"].(string)
	}
	kept, gone := set(2), set(3) // fn.ts lines 1 and 2

	// A rebuild: the worker ends, and the next one starts on the same port.
	first.kill()
	ed.waitFor("Runtime.executionContextsCleared", 0)
	startNode(t, dir, inner, bundle2, orig2)
	if _, err := s.Attach(inner); err != nil {
		t.Fatalf("attach to the new worker: %v", err)
	}
	resolved := ed.waitFor("Debugger.breakpointResolved", 0)["params"].(map[string]any)
	if resolved["breakpointId"] != kept || resolved["location"].(map[string]any)["lineNumber"] != float64(4) {
		t.Fatalf("breakpointResolved %v, want %s on line 4 of the new bundle", resolved, kept)
	}
	paused := ed.waitFor("Debugger.paused", 0)["params"].(map[string]any)
	if hits := fmt.Sprint(paused["hitBreakpoints"]); hits != "["+kept+"]" {
		t.Errorf("hitBreakpoints %s, want [%s]", hits, kept)
	}
	if line := paused["callFrames"].([]any)[0].(map[string]any)["location"].(map[string]any)["lineNumber"]; line != float64(4) {
		t.Errorf("paused on line %v of the new bundle, want 4", line)
	}
	if !strings.Contains(said(), "breakpoint at fn.ts:3 no longer resolves") {
		t.Errorf("the log does not say that fn.ts:3 is gone:\n%s", said())
	}
	// Removing the gone breakpoint is answered, though the worker never had it.
	if m := ed.waitFor("", ed.send("Debugger.removeBreakpoint", map[string]any{"breakpointId": gone})); m["error"] != nil {
		t.Errorf("removing the gone breakpoint: %v", m)
	}
	ed.waitFor("", ed.send("Debugger.resume", map[string]any{}))

	// No worker: a request waits, then says why.
	defer func(w time.Duration) { targetWait = w }(targetWait)
	targetWait = 500 * time.Millisecond
	s.mu.Lock()
	back := s.back
	s.mu.Unlock()
	back.conn.close()
	ed.waitFor("Runtime.executionContextsCleared", 0) // the session knows the worker is gone
	m := ed.waitFor("", ed.send("Runtime.evaluate", map[string]any{"expression": "1"}))
	if e, _ := m["error"].(map[string]any); e == nil || !strings.Contains(fmt.Sprint(e["message"]), "no worker of fn") {
		t.Fatalf("a request with no worker: %v", m)
	}
}

// openSession serves one editor's session, attached to the worker at inner, and
// returns the editor, the session, and what the session has said in the log so far.
func openSession(t *testing.T, inner string) (*editor, *Session, func() string) {
	t.Helper()
	var logMu sync.Mutex
	var logs []string
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sessions := make(chan *Session, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		s, err := Accept(c, br, req, Options{Name: "fn", Log: func(msg string) {
			t.Logf("log: %s", msg)
			logMu.Lock()
			logs = append(logs, msg)
			logMu.Unlock()
		}})
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := s.Attach(inner); err != nil {
			t.Error(err)
		}
		sessions <- s
		s.Serve()
	}()
	ws, err := dialWS("ws://"+ln.Addr().String()+"/a-stale-target-id", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.close() })
	ed := &editor{t: t, ws: ws}
	s := <-sessions
	return ed, s, func() string {
		logMu.Lock()
		defer logMu.Unlock()
		return strings.Join(logs, "\n")
	}
}

// An editor attaches to a worker that has not loaded the bundle yet and sets its
// breakpoints by URL (Node keeps them until a script of that URL comes). The bundle
// loads, in that worker or, after a rebuild that came first, in the next; after the
// rebuild that changes the bundle, the breakpoint is on the same line of fn.ts, not on
// the same line of the bundle, and the one whose line is gone is said.
func TestBreakpointSetBeforeTheBundleLoads(t *testing.T) {
	for _, rebuildFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("rebuild before the load %v", rebuildFirst), func(t *testing.T) {
			breakpointSetBeforeTheBundleLoads(t, rebuildFirst)
		})
	}
}

func breakpointSetBeforeTheBundleLoads(t *testing.T, rebuildFirst bool) {
	addr := func() string {
		free, _ := net.Listen("tcp", "127.0.0.1:0")
		defer free.Close()
		return free.Addr().String()
	}
	inner := addr()
	load := startNodeLate(t, t.TempDir(), inner, bundle1, orig1)
	ed, s, said := openSession(t, inner)

	ed.waitFor("", ed.send("Debugger.enable", map[string]any{}))
	var ids []any
	for _, line := range []int{2, 3} { // fn.ts lines 1 and 2
		m := ed.waitFor("", ed.send("Debugger.setBreakpointByUrl", map[string]any{"urlRegex": `fn\.cjs$`, "lineNumber": line, "columnNumber": 0}))
		res := m["result"].(map[string]any)
		if locs, _ := res["locations"].([]any); len(locs) != 0 {
			t.Fatalf("the bundle is not loaded, yet the breakpoint on line %d resolved: %v", line, m)
		}
		ids = append(ids, res["breakpointId"])
	}
	if rebuildFirst {
		// The same bundle, rebuilt before the first worker loaded it.
		again := addr()
		load = startNodeLate(t, t.TempDir(), again, bundle1, orig1)
		if _, err := s.Attach(again); err != nil {
			t.Fatalf("attach to the second worker: %v", err)
		}
	}
	load()
	for range ids { // the bundle's script was parsed
		ed.waitFor("Debugger.breakpointResolved", 0)
	}

	// The worker still runs; the rebuilt one listens elsewhere.
	next := addr()
	startNode(t, t.TempDir(), next, bundle2, orig2)
	if _, err := s.Attach(next); err != nil {
		t.Fatalf("attach to the new worker: %v", err)
	}
	resolved := ed.waitFor("Debugger.breakpointResolved", 0)["params"].(map[string]any)
	if line := resolved["location"].(map[string]any)["lineNumber"]; resolved["breakpointId"] != ids[0] || line != float64(4) {
		t.Fatalf("breakpointResolved %v, want %v (set on fn.ts line 1) on line 4 of the new bundle", resolved, ids[0])
	}
	if !strings.Contains(said(), "breakpoint at fn.ts:3 no longer resolves") {
		t.Errorf("the log does not say that fn.ts:3 is gone:\n%s", said())
	}
}

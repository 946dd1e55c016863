package devserver

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/term"
)

// wsConn is the smallest WebSocket client the Chrome DevTools Protocol needs: text
// frames, masked as a client must, continuation frames joined.
type wsConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialWS(t *testing.T, rawURL string) *wsConn {
	t.Helper()
	rest := strings.TrimPrefix(rawURL, "ws://")
	host, path, _ := strings.Cut(rest, "/")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(c, "GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		path, host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("websocket handshake: %v %v", resp, err)
	}
	return &wsConn{c: c, br: br}
}

func (w *wsConn) send(v any) error {
	payload, _ := json.Marshal(v)
	frame := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n < 1<<16:
		frame = append(frame, 0x80|126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	mask := make([]byte, 4)
	rand.Read(mask)
	frame = append(frame, mask...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	_, err := w.c.Write(frame)
	return err
}

func (w *wsConn) read() (map[string]any, error) {
	var msg []byte
	for {
		head := make([]byte, 2)
		if _, err := io.ReadFull(w.br, head); err != nil {
			return nil, err
		}
		n := uint64(head[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			io.ReadFull(w.br, ext[:])
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			io.ReadFull(w.br, ext[:])
			n = binary.BigEndian.Uint64(ext[:])
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(w.br, buf); err != nil {
			return nil, err
		}
		msg = append(msg, buf...)
		if head[0]&0x80 != 0 {
			break
		}
	}
	var v map[string]any
	if err := json.Unmarshal(msg, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// waitFor reads CDP messages until one has this method (or this id).
func (w *wsConn) waitFor(t *testing.T, method string, id float64) map[string]any {
	t.Helper()
	w.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		m, err := w.read()
		if err != nil {
			t.Fatalf("waiting for %s: %v", method, err)
		}
		if (method != "" && m["method"] == method) || (id != 0 && m["id"] == id) {
			return m
		}
	}
}

// originalPosition maps a generated (0-based) line and column of a bundle with an
// inline source map to the original source and (0-based) line.
func originalPosition(t *testing.T, bundle []byte, line, col int) (string, int) {
	t.Helper()
	const marker = "//# sourceMappingURL=data:application/json;base64,"
	i := strings.LastIndex(string(bundle), marker)
	if i < 0 {
		t.Fatal("the bundle has no inline source map")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(bundle[i+len(marker):])))
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		Sources  []string `json:"sources"`
		Mappings string   `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &sm); err != nil {
		t.Fatal(err)
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	src, srcLine := 0, 0
	bestSrc, bestLine := -1, -1
	for gl, lineMap := range strings.Split(sm.Mappings, ";") {
		genCol := 0
		for _, seg := range strings.Split(lineMap, ",") {
			if seg == "" {
				continue
			}
			var fields []int
			value, shift := 0, 0
			for _, ch := range seg {
				digit := strings.IndexRune(b64, ch)
				value += (digit & 31) << shift
				if digit&32 != 0 {
					shift += 5
					continue
				}
				if value&1 != 0 {
					fields = append(fields, -(value >> 1))
				} else {
					fields = append(fields, value>>1)
				}
				value, shift = 0, 0
			}
			genCol += fields[0]
			if len(fields) >= 4 {
				src += fields[1]
				srcLine += fields[2]
			}
			if gl == line && genCol <= col && len(fields) >= 4 {
				bestSrc, bestLine = src, srcLine
			}
		}
	}
	if bestSrc < 0 {
		t.Fatalf("no mapping for %d:%d", line, col)
	}
	return sm.Sources[bestSrc], bestLine
}

// A breakpoint on a line of the user's TypeScript file binds through esbuild's inline
// source map, pauses the function with the real payload, and while it is paused the
// hook's time limit does not run; when the debugger leaves, the limit is back.
func TestDebugJSFunctionWithTheInspector(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running a real JS function under the inspector")
	}
	jsPort := freePort("127.0.0.1")
	log := &lockedBuffer{}
	srv, dir := startSite(t, "debug", Options{Autoconfirm: true, HookTimeout: time.Second, HookAttempts: 1,
		Debug: []string{"identity-signup"}, InspectPort: jsPort, Log: term.NewLogger(log)})
	targets := srv.DebugTargets()
	if len(targets) != 1 || targets[0].Addr != fmt.Sprintf("127.0.0.1:%d", jsPort) {
		t.Fatalf("targets %+v", targets)
	}
	// The worker starts after its build, before any call, so a debugger can attach first.
	wsURL := inspectorTarget(t, targets[0].Addr)
	if !strings.Contains(wsURL, targets[0].Addr) {
		t.Fatalf("the inspector points past dev's port: %s", wsURL)
	}
	ws := dialWS(t, wsURL)
	ws.send(map[string]any{"id": 1, "method": "Debugger.enable"})
	ws.waitFor(t, "", 1)

	bundlePath, bundle, genLine := bundleBreak(t, dir)
	source, _ := os.ReadFile(filepath.Join(dir, "netlify", "functions", "identity-signup.ts"))
	srcLine := -1
	for i, l := range strings.Split(string(source), "\n") {
		if strings.Contains(l, "// BREAK") {
			srcLine = i
		}
	}
	ws.send(map[string]any{"id": 2, "method": "Debugger.setBreakpointByUrl", "params": map[string]any{
		"lineNumber": genLine, "url": "file://" + bundlePath}})
	ws.waitFor(t, "", 2)

	done := signupAsync(t, srv, "paused@example.com")
	paused := ws.waitFor(t, "Debugger.paused", 0)
	frame := paused["params"].(map[string]any)["callFrames"].([]any)[0].(map[string]any)
	loc := frame["location"].(map[string]any)
	file, line := originalPosition(t, bundle, int(loc["lineNumber"].(float64)), int(loc["columnNumber"].(float64)))
	if !strings.HasSuffix(file, "identity-signup.ts") || line != srcLine {
		t.Fatalf("paused at %s:%d, want identity-signup.ts:%d", file, line+1, srcLine+1)
	}
	// Read the real payload from the paused frame.
	ws.send(map[string]any{"id": 3, "method": "Debugger.evaluateOnCallFrame", "params": map[string]any{
		"callFrameId": frame["callFrameId"], "expression": "event.body"}})
	eval := ws.waitFor(t, "", 3)
	if body := fmt.Sprint(eval["result"].(map[string]any)["result"].(map[string]any)["value"]); !strings.Contains(body, `"email":"paused@example.com"`) {
		t.Fatalf("event.body in the paused frame: %s", body)
	}
	time.Sleep(1500 * time.Millisecond) // longer than the 1 s hook limit
	if want := "identity-signup  is paused in the debugger; its time limit is suspended, production would have given up after 1s"; !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
	ws.send(map[string]any{"id": 4, "method": "Debugger.resume"})
	r := received(t, <-done)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"debugged"`) {
		t.Fatalf("signup after a pause longer than the limit: %d %s", r.Status, r.Body)
	}

	// The debugger leaves: breakpoints go with its session, and the limit is back.
	ws.c.Close()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), "the debugger let go: its time limits are back"); {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said the limits were back:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := srv.signup(t, "slow@example.com"); r.Status != 504 {
		t.Fatalf("a slow signup after the debugger left: %d %s", r.Status, r.Body)
	}
}

// --debug-wait holds the first call until a debugger has attached, set its
// breakpoints and let the function run; the call then stops at the breakpoint.
func TestDebugWaitHoldsTheFirstCall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running a real JS function under the inspector")
	}
	jsPort := freePort("127.0.0.1")
	srv, dir := startSite(t, "debug", Options{Autoconfirm: true, HookTimeout: 300 * time.Millisecond, HookAttempts: 1,
		Debug: []string{"identity-signup"}, InspectPort: jsPort, DebugWait: true})
	done := signupAsync(t, srv, "wait@example.com")
	select {
	case r := <-done:
		r = received(t, r)
		t.Fatalf("answered before a debugger attached: %d %s", r.Status, r.Body)
	case <-time.After(800 * time.Millisecond): // more than the hook limit
	}

	// Attaching and setting a breakpoint is not yet ready: an editor sends
	// Runtime.runIfWaitingForDebugger once it has set them all.
	ws := dialWS(t, inspectorTarget(t, fmt.Sprintf("127.0.0.1:%d", jsPort)))
	defer ws.c.Close()
	ws.send(map[string]any{"id": 1, "method": "Debugger.enable"})
	ws.waitFor(t, "", 1)
	bundlePath, _, genLine := bundleBreak(t, dir)
	ws.send(map[string]any{"id": 2, "method": "Debugger.setBreakpointByUrl", "params": map[string]any{
		"lineNumber": genLine, "url": "file://" + bundlePath}})
	ws.waitFor(t, "", 2)
	select {
	case r := <-done:
		r = received(t, r)
		t.Fatalf("answered before the debugger let it run: %d %s", r.Status, r.Body)
	case <-time.After(500 * time.Millisecond):
	}
	// Ready: the held first call runs, and meets the breakpoint.
	ws.send(map[string]any{"id": 3, "method": "Runtime.runIfWaitingForDebugger"})
	ws.waitFor(t, "Debugger.paused", 0)
	ws.send(map[string]any{"id": 4, "method": "Debugger.resume"})
	if r := received(t, <-done); r.Status != 200 || !strings.Contains(string(r.Body), "debugged") {
		t.Fatalf("after attaching: %d %s", r.Status, r.Body)
	}
}

// inspectorTarget waits until the inspector at addr lists its target, and returns the
// target's WebSocket URL.
func inspectorTarget(t *testing.T, addr string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list []struct{ WebSocketDebuggerURL string }
		if resp, err := http.Get("http://" + addr + "/json/list"); err == nil {
			json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
		}
		if len(list) > 0 {
			return list[0].WebSocketDebuggerURL
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inspector at %s never listed its target", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signupAsync signs up in the background. A request that fails arrives as nil, its
// error already reported: the receiver must not wait for an answer that never comes.
func signupAsync(t *testing.T, srv *testServer, email string) <-chan *response {
	done := make(chan *response, 1)
	go func() {
		var r *response
		defer func() { done <- r }()
		r = srv.signup(t, email)
	}()
	return done
}

// received stops the test when a signupAsync failed.
func received(t *testing.T, r *response) *response {
	t.Helper()
	if r == nil {
		t.FailNow()
	}
	return r
}

// bundleBreak finds the line of the debug site's bundle that holds the "// BREAK"
// statement (0-based, as CDP counts).
func bundleBreak(t *testing.T, dir string) (path string, bundle []byte, line int) {
	t.Helper()
	path = filepath.Join(dir, ".netlify", "dev", "functions", "js", "identity-signup", "identity-signup.cjs")
	bundle, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(bundle), "\n") {
		if strings.Contains(l, "// BREAK") || strings.Contains(l, "hook.user.email") {
			return path, bundle, i
		}
	}
	t.Fatalf("no breakpoint line in %s", path)
	return "", nil, 0
}

// lockedBuffer collects dev serve's log for a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// signupTS is the debug site's identity-signup after an edit: a helper on its second
// line moves every line of the bundle below it, the BREAK line stays where it was in
// the source, and the slow path (lines 7 to 9) is gone.
const signupTS = `// A TypeScript signup function to debug: the test sets a breakpoint on the BREAK line.
type Hook = { user: { email: string; app_metadata: Record<string, unknown> } }; const shout = (s: string) => { const t = s.trim(); return t.toUpperCase(); };

export const handler = async (event: { body: string }) => {
  const hook: Hook = JSON.parse(event.body);
  const email = hook.user.email; // BREAK
  // the slow path is gone
  //
  //
  return {
    statusCode: 200,
    body: JSON.stringify({ app_metadata: { ...hook.user.app_metadata, roles: ["debugged", shout(" v2 "), email] } }),
  };
};
`

// An editor attached to the Node inspector sets two breakpoints in the bundle (as
// js-debug does, from the source map): the signup stops. The TypeScript file is edited
// and saved, a new worker starts, and the editor does nothing: its WebSocket stays
// open, the next signup stops on the same line of the TypeScript source although the
// bundle's lines moved, and the breakpoint whose line is gone is said in the log.
func TestDebugJSBreakpointsSurviveARebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running a real JS function under the inspector")
	}
	jsPort := freePort("127.0.0.1")
	log := &lockedBuffer{}
	srv, dir := startSite(t, "debug", Options{Autoconfirm: true, HookTimeout: time.Second, HookAttempts: 1,
		Debug: []string{"identity-signup"}, InspectPort: jsPort, Log: term.NewLogger(log)})
	ws := dialWS(t, inspectorTarget(t, fmt.Sprintf("127.0.0.1:%d", jsPort)))
	defer ws.c.Close()
	ws.send(map[string]any{"id": 1, "method": "Debugger.enable"})
	ws.waitFor(t, "", 1)
	ws.send(map[string]any{"id": 2, "method": "Runtime.enable"})
	ws.waitFor(t, "", 2)

	bundlePath, bundle, genLine := bundleBreak(t, dir)
	slowLine := -1
	for i, l := range strings.Split(string(bundle), "\n") {
		if strings.Contains(l, "setTimeout(resolve") {
			slowLine = i
		}
	}
	ws.send(map[string]any{"id": 3, "method": "Debugger.setBreakpointByUrl", "params": map[string]any{
		"lineNumber": genLine, "url": "file://" + bundlePath}})
	breakID := ws.waitFor(t, "", 3)["result"].(map[string]any)["breakpointId"]
	ws.send(map[string]any{"id": 4, "method": "Debugger.setBreakpointByUrl", "params": map[string]any{
		"lineNumber": slowLine, "url": "file://" + bundlePath}})
	ws.waitFor(t, "", 4)

	source := filepath.Join(dir, "netlify", "functions", "identity-signup.ts")
	srcLine := -1
	for i, l := range strings.Split(signupTS, "\n") {
		if strings.Contains(l, "// BREAK") {
			srcLine = i
		}
	}
	stops := func(email string, bundle []byte) {
		t.Helper()
		done := signupAsync(t, srv, email)
		paused := ws.waitFor(t, "Debugger.paused", 0)["params"].(map[string]any)
		if hits := fmt.Sprint(paused["hitBreakpoints"]); hits != fmt.Sprint([]any{breakID}) {
			t.Errorf("hitBreakpoints %s, want [%v], the id the editor was given", hits, breakID)
		}
		frame := paused["callFrames"].([]any)[0].(map[string]any)
		loc := frame["location"].(map[string]any)
		file, line := originalPosition(t, bundle, int(loc["lineNumber"].(float64)), int(loc["columnNumber"].(float64)))
		if !strings.HasSuffix(file, "identity-signup.ts") || line != srcLine {
			t.Fatalf("paused at %s:%d, want identity-signup.ts:%d", file, line+1, srcLine+1)
		}
		ws.send(map[string]any{"id": 10, "method": "Debugger.evaluateOnCallFrame", "params": map[string]any{
			"callFrameId": frame["callFrameId"], "expression": "event.body"}})
		if body := fmt.Sprint(ws.waitFor(t, "", 10)["result"]); !strings.Contains(body, email) {
			t.Fatalf("event.body in the paused frame: %s", body)
		}
		ws.send(map[string]any{"id": 11, "method": "Debugger.resume"})
		ws.waitFor(t, "", 11)
		if r := received(t, <-done); r.Status != 200 {
			t.Fatalf("signup: %d %s", r.Status, r.Body)
		}
	}
	stops("first@example.com", bundle)

	// Edit and save. The editor does nothing; its WebSocket stays open.
	moved := strings.Count(log.String(), "stays attached to the new worker")
	if err := os.WriteFile(source, []byte(signupTS), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); strings.Count(log.String(), "stays attached to the new worker") == moved; {
		if time.Now().After(deadline) {
			t.Fatalf("the session was not moved to a new worker within 30s:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want := "breakpoint at identity-signup.ts:8 no longer resolves"; !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
	_, rebuilt, newLine := bundleBreak(t, dir)
	if newLine == genLine {
		t.Fatalf("the edit did not move the bundle's BREAK line (%d): the test proves nothing", genLine)
	}
	stops("second@example.com", rebuilt)
}

package nodejs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

func TestCheck(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake node is a shell script")
	}
	t.Run("found", func(t *testing.T) {
		rt := testRuntime(t)
		if v := rt.NodeVersion(); !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(v) {
			t.Errorf("NodeVersion = %q", v)
		}
	})
	t.Run("missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		err := New(Options{}).Check()
		if err == nil || err.Error() != "node is not on PATH: install Node.js 18 or newer to run JS functions" {
			t.Errorf("Check() = %v", err)
		}
	})
	t.Run("NODE_OPTIONS refused", func(t *testing.T) {
		// Real node, refusing an option it does not allow in NODE_OPTIONS: the message
		// names the variable, not an install.
		t.Setenv("NODE_OPTIONS", "--trace-gc")
		forgetVersions(t)
		err := New(Options{}).Check()
		if err == nil || !strings.Contains(err.Error(), `NODE_OPTIONS="--trace-gc"`) || !strings.Contains(err.Error(), "fix or unset it") || strings.Contains(err.Error(), "install Node.js") {
			t.Errorf("Check() = %v", err)
		}
	})
	t.Run("too old", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "node")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\necho v16.20.2\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		err := New(Options{Node: fake}).Check()
		if err == nil || !strings.Contains(err.Error(), "v16.20.2") || !strings.Contains(err.Error(), "Node.js 18 or newer") {
			t.Errorf("Check() = %v", err)
		}
		// Start says the same instead of running it.
		rt := New(Options{Node: fake, CacheDir: func(*functions.Function) string { return t.TempDir() }})
		a, err := rt.Build(context.Background(), fixture(t, "hello"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Start(context.Background(), a, functions.StartOptions{}); err == nil || !strings.Contains(err.Error(), "too old") {
			t.Errorf("Start() = %v", err)
		}
	})
}

func TestBuildFiles(t *testing.T) {
	rt := testRuntime(t)
	fnDir := filepath.Join(siteDir, "netlify")
	tests := []struct {
		name string
		want []string
	}{
		{"typed", []string{filepath.Join(fnDir, "functions", "typed.ts"), filepath.Join(fnDir, "lib", "greet.ts")}},
		{"usespkg", []string{filepath.Join(fnDir, "functions", "usespkg.mjs")}}, // node_modules left out
	}
	for _, tt := range tests {
		a := build(t, rt, tt.name)
		if !slices.Equal(a.Files(), tt.want) {
			t.Errorf("%s: Files() = %v, want %v", tt.name, a.Files(), tt.want)
		}
		if a.Function().Name != tt.name {
			t.Errorf("%s: Function() = %v", tt.name, a.Function())
		}
		data, err := os.ReadFile(a.Bundle())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "//# sourceMappingURL=data:application/json;base64,") {
			t.Errorf("%s: the bundle has no inline source map", tt.name)
		}
	}
}

func TestBuildError(t *testing.T) {
	rt := testRuntime(t)
	_, err := rt.Build(context.Background(), fixture(t, "broken"))
	var be *functions.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("Build() = %v, want a BuildError", err)
	}
	if be.Function != "broken" {
		t.Errorf("Function = %q", be.Function)
	}
	if !regexp.MustCompile(`(?m)^netlify/functions/broken\.ts:2:\d+: Expected "}" but found ";"$`).MatchString(be.Output) {
		t.Errorf("Output = %q", be.Output)
	}
}

func TestBuildCancelled(t *testing.T) {
	rt := testRuntime(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rt.Build(ctx, fixture(t, "hello")); !errors.Is(err, context.Canceled) {
		t.Errorf("Build() = %v, want context.Canceled", err)
	}
}

func TestNativeAddonsStayExternal(t *testing.T) {
	rt := testRuntime(t)

	// A package with native code loads from its own folder, not from the bundle.
	in := start(t, rt, "native")
	r := invokeLambda(t, in, get(""))
	if want := filepath.Join(siteDir, "node_modules", "fake-native", "index.js"); r.Body != want {
		t.Errorf("the package ran from %q, want %q", r.Body, want)
	}

	// A .node file is required by its absolute path.
	a := build(t, rt, "nativefile")
	data, err := os.ReadFile(a.Bundle())
	if err != nil {
		t.Fatal(err)
	}
	addon, _ := json.Marshal(filepath.Join(siteDir, "netlify", "functions", "build", "addon.node"))
	if !strings.Contains(string(data), "require("+string(addon)+")") {
		t.Errorf("the bundle does not require %s", addon)
	}
}

func TestV1(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct {
		function, query string
		status          int
		body            string
	}{
		{"hello", "", 200, `{"hello":"world"}`},              // CommonJS exports.handler
		{"esm", "name=bob", 201, "esm bob string"},           // ESM export const handler, import.meta.url
		{"typed", "name=ann", 200, "hello, ann"},             // TypeScript importing a local .ts module
		{"usespkg", "", 200, "PKG!"},                         // an ESM-only package from node_modules
		{"callback", "", 200, "called back"},                 // callback(null, result)
		{"callback", "succeed=1", 200, "succeeded"},          // context.succeed
		{"unhandled", "", 200, "fine"},                       // a stray rejection does not fail it
		{"laterexit", "", 200, "bye soon"},                   // answers before it exits
		{"hello", "again=1", 200, `{"hello":"world"}`},       // a second instance of the same function
		{"esm", "name=%C3%A9t%C3%A9", 201, "esm été string"}, // UTF-8 both ways
	}
	for _, tt := range tests {
		in := start(t, rt, tt.function)
		r := invokeLambda(t, in, get(tt.query))
		if r.StatusCode != tt.status || r.Body != tt.body {
			t.Errorf("%s?%s = %d %q, want %d %q", tt.function, tt.query, r.StatusCode, r.Body, tt.status, tt.body)
		}
	}

	in := start(t, rt, "nothing")
	resp, err := invoke(t, in, get(""))
	if err != nil || string(resp.Lambda) != "null" {
		t.Errorf("a handler returning undefined: %s, %v; want null", resp.Lambda, err)
	}
}

func TestV1Context(t *testing.T) {
	rt := testRuntime(t)
	in := start(t, rt, "context")
	cc := `{"identity":{"url":"http://localhost:8888/.netlify/identity","token":"admin"},"custom":{"netlify":"e30="}}`
	inv := &functions.Invocation{
		ID:            "0f1e2d3c",
		Event:         event("GET", "/.netlify/functions/context", "", "", nil),
		ClientContext: json.RawMessage(cc),
		Deadline:      time.Now().Add(10 * time.Second),
	}
	r := invokeLambda(t, in, inv)
	var got struct {
		Path, FunctionName, FunctionVersion, AwsRequestId, MemoryLimitInMB, InvokedFunctionArn, Cwd string
		ClientContext                                                                               json.RawMessage
		IdentityUndefined, CallbackWaits                                                            bool
		Remaining                                                                                   int64
		Env                                                                                         map[string]string
	}
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Path != "/.netlify/functions/context" || got.FunctionName != "context" || got.FunctionVersion != "$LATEST" ||
		got.AwsRequestId != "0f1e2d3c" || got.MemoryLimitInMB != "1024" || !got.IdentityUndefined || !got.CallbackWaits ||
		got.InvokedFunctionArn != "arn:aws:lambda:us-east-2:000000000000:function:context" { // the Go runtime's region
		t.Errorf("context = %+v", got)
	}
	if string(got.ClientContext) != cc {
		t.Errorf("clientContext = %s, want %s", got.ClientContext, cc)
	}
	if got.Remaining < 5000 || got.Remaining > 10000 {
		t.Errorf("getRemainingTimeInMillis() = %d, want about 10000", got.Remaining)
	}
	if want := map[string]string{"GREETING": "hi", "NETLIFY_DEV": "true"}; !mapsEqual(got.Env, want) {
		t.Errorf("process.env = %v, want exactly %v", got.Env, want)
	}
	if got.Cwd != siteDir {
		t.Errorf("cwd = %q, want the site %q", got.Cwd, siteDir)
	}

	// Without a client context the function still gets an object.
	inv = &functions.Invocation{ID: "2", Event: event("GET", "/", "", "", nil)}
	r = invokeLambda(t, in, inv)
	if !strings.Contains(r.Body, `"clientContext":{}`) {
		t.Errorf("without a client context: %s", r.Body)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFunctionErrors(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct {
		function, query string
		typ, message    string
		frame           string // in the first stack frame
	}{
		{"throws", "", "TypeError", "boom 1", "netlify/functions/throws.ts:3:"},
		{"rejects", "", "RangeError", "nope", "netlify/functions/rejects.js:3:"},
		{"rejects", "plain=1", "string", "plain", ""},
		{"callback", "fail=1", "Error", "callback failed", "netlify/functions/callback.js:3:"},
	}
	instances := map[string]functions.Instance{}
	for _, tt := range tests {
		in := instances[tt.function]
		if in == nil {
			in = start(t, rt, tt.function)
			instances[tt.function] = in
		}
		_, err := invoke(t, in, get(tt.query))
		var fe *functions.FunctionError
		if !errors.As(err, &fe) {
			t.Fatalf("%s?%s: %v, want a FunctionError", tt.function, tt.query, err)
		}
		if fe.Type != tt.typ || fe.Message != tt.message || fe.Fatal {
			t.Errorf("%s?%s: %#v", tt.function, tt.query, fe)
		}
		if tt.frame == "" {
			continue
		}
		if len(fe.Stack) == 0 || !strings.Contains(fe.Stack[0], filepath.FromSlash(tt.frame)) {
			t.Errorf("%s?%s: stack %q, want %s first", tt.function, tt.query, fe.Stack, tt.frame)
		}
		for _, line := range fe.Stack {
			if strings.Contains(line, workerFile) {
				t.Errorf("%s: the stack shows the worker: %q", tt.function, fe.Stack)
			}
		}
	}
	// The worker survives its function's errors.
	if _, err := invoke(t, instances["rejects"], get("")); err == nil || !strings.Contains(err.Error(), "RangeError: nope") {
		t.Errorf("after an error: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct{ function, message, frame string }{
		{"loadthrows", "cannot load: missing config", "netlify/functions/loadthrows.js:1:"},
		{"noexport", `noexport exports no function to call: export "handler"`, ""},
	}
	for _, tt := range tests {
		_, err := rt.Start(context.Background(), build(t, rt, tt.function), functions.StartOptions{})
		var fe *functions.FunctionError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: Start() = %v, want a FunctionError", tt.function, err)
		}
		if !strings.Contains(fe.Message, tt.message) {
			t.Errorf("%s: message %q, want %q", tt.function, fe.Message, tt.message)
		}
		if tt.frame != "" && (len(fe.Stack) == 0 || !strings.Contains(fe.Stack[0], filepath.FromSlash(tt.frame))) {
			t.Errorf("%s: stack %q, want %s first", tt.function, fe.Stack, tt.frame)
		}
	}
}

func TestStartFails(t *testing.T) {
	rt := testRuntime(t)
	rt.opts.ExtraNodeArgs = []string{"--no-such-node-flag"}
	_, err := rt.Start(context.Background(), build(t, rt, "hello"), functions.StartOptions{})
	var ee *functions.ExitError
	if !errors.As(err, &ee) || ee.Code == 0 || !strings.Contains(ee.Detail, "--no-such-node-flag") {
		t.Errorf("Start() = %v, want an ExitError quoting node", err)
	}
}

func TestExit(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct {
		function string
		calls    int // the call that fails
		code     int
		detail   string
	}{
		{"exits", 1, 3, "about to exit"}, // process.exit(3) in the handler
		{"crash", 1, 1, "async crash"},   // an uncaught exception
		{"laterexit", 2, 5, ""},          // exits between invocations: the next call says so
	}
	for _, tt := range tests {
		in := start(t, rt, tt.function)
		var err error
		for i := range tt.calls {
			if i > 0 {
				time.Sleep(200 * time.Millisecond) // for the exit the call before set up
			}
			_, err = invoke(t, in, get(""))
		}
		var ee *functions.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v, want an ExitError", tt.function, err)
		}
		if ee.Code != tt.code || !strings.Contains(ee.Detail, tt.detail) {
			t.Errorf("%s: %#v", tt.function, ee)
		}
		// The instance is dead: it says so again.
		if _, err := invoke(t, in, get("")); !errors.As(err, &ee) {
			t.Errorf("%s: after the exit: %v", tt.function, err)
		}
		if err := in.Close(); err != nil {
			t.Errorf("%s: Close() = %v", tt.function, err)
		}
	}
}

func TestLogs(t *testing.T) {
	rt := testRuntime(t)
	var logs logRecorder
	in := startWith(t, rt, "logs", &logs)
	invokeLambda(t, in, get(""))
	logs.waitFor(t, "stdout: hello from logs")
	logs.waitFor(t, "stderr: warning from logs")
	logs.waitFor(t, "stdout: partial line")

	// A stray rejection is reported, and the worker goes on.
	in = startWith(t, rt, "unhandled", &logs)
	invokeLambda(t, in, get(""))
	logs.waitFor(t, "stderr: Unhandled promise rejection (the function keeps running): Error: stray")
	invokeLambda(t, in, get(""))
}

func TestLogsEndWithClose(t *testing.T) {
	rt := testRuntime(t)
	var logs logRecorder
	in := startWith(t, rt, "logs", &logs)
	invokeLambda(t, in, get(""))
	in.Close()
	// Close waits for the output of the stopped worker.
	for _, want := range []string{"hello from logs", "warning from logs", "partial line"} {
		if !logs.has(want) {
			t.Errorf("after Close, no %q in the log", want)
		}
	}
}

func TestCancel(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct {
		function string
		deadline bool // inv.Deadline rather than ctx
	}{
		{"hangs", false}, // a promise that never settles
		{"spins", true},  // a busy loop: only a signal stops it
	}
	for _, tt := range tests {
		in := start(t, rt, tt.function)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		inv := get("")
		if tt.deadline {
			ctx, cancel = context.WithCancel(context.Background())
			inv.Deadline = time.Now().Add(100 * time.Millisecond)
		}
		began := time.Now()
		_, err := in.Invoke(ctx, inv)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Invoke() = %v, want DeadlineExceeded", tt.function, err)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("%s: Invoke took %v to give up", tt.function, d)
		}
		if _, err := invoke(t, in, get("")); !errors.Is(err, errAbandoned) {
			t.Errorf("%s: after giving up, Invoke() = %v", tt.function, err)
		}
		began = time.Now()
		in.Close()
		in.Close()
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("%s: Close took %v", tt.function, d)
		}
		if _, err := invoke(t, in, get("")); !errors.Is(err, errClosed) {
			t.Errorf("%s: after Close, Invoke() = %v", tt.function, err)
		}
	}
}

func TestInspector(t *testing.T) {
	rt := testRuntime(t)
	rt.opts.ExtraNodeArgs = []string{"--inspect=127.0.0.1:0"}
	var logs logRecorder
	in := startWith(t, rt, "hello", &logs)
	invokeLambda(t, in, get(""))
	logs.waitFor(t, "stderr: Debugger listening on ws://127.0.0.1:")
}

func TestCloseLeavesNothingRunning(t *testing.T) {
	rt := testRuntime(t)
	before := runtime.NumGoroutine()
	for _, name := range []string{"hello", "stream", "hangs"} {
		in := start(t, rt, name)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if resp, err := in.Invoke(ctx, get("")); err == nil && resp.Body != nil {
			io.ReadAll(resp.Body)
		}
		cancel()
		in.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInvokeOneAtATime(t *testing.T) {
	rt := testRuntime(t)
	in := start(t, rt, "callback") // answers after a timer: calls would overlap without the turn
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := invokeLambda(t, in, get(fmt.Sprintf("n=%d", i)))
			if want := fmt.Sprintf("called back %d", i); r.Body != want {
				t.Errorf("call %d got %q: another call's answer", i, r.Body)
			}
		})
	}
	wg.Wait()
}

func TestV2Stream(t *testing.T) {
	rt := testRuntime(t)
	in := start(t, rt, "stream")
	gate := filepath.Join(t.TempDir(), "gate")
	resp, err := invoke(t, in, get("gate="+url.QueryEscape(gate)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Lambda != nil || resp.Status != 201 || resp.Header.Get("X-Fixture") != "stream" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("head: %d %v", resp.Status, resp.Header)
	}
	// The first chunk arrives while the function waits for the gate to send the second:
	// a body that did not stream would never arrive.
	first := make(chan string, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := resp.Body.Read(buf)
		first <- fmt.Sprintf("%q %v", buf[:n], err)
	}()
	select {
	case got := <-first:
		if got != `"one\n" <nil>` {
			t.Fatalf("first read: %s", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first chunk did not come before the function sent the rest: the body did not stream")
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "two\n" {
		t.Errorf("rest: %q, %v", rest, err)
	}
	resp.Body.Close()

	// The instance serves again once the body has ended, even one nobody read.
	resp, err = invoke(t, in, get(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = invoke(t, in, get(""))
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := io.ReadAll(resp.Body); string(all) != "one\ntwo\n" {
		t.Errorf("third body %q", all)
	}
}

func TestV2Request(t *testing.T) {
	rt := testRuntime(t)
	var logs logRecorder
	in := startWith(t, rt, "v2echo", &logs)
	v2 := `{"site":{"id":"site-1","name":"fixture","url":"http://localhost:8888"},"deploy":{"context":"dev","id":"0","published":false},` +
		`"geo":{"city":"Lisbon","country":{"code":"PT","name":"Portugal"}},"ip":"127.0.0.1","requestId":"01HX","account":{"id":"acct"},` +
		`"server":{"region":"dev"},"params":{"id":"42"}}`
	headers := map[string][]string{
		"accept":  {"application/json"},
		"x-multi": {"a", "b"},
		"cookie":  {"session=abc", "other=1"},
	}
	inv := &functions.Invocation{
		ID:        "01HX",
		Event:     event("POST", "/api/items/42", "q=1", `{"name":"ann"}`, headers),
		V2Context: json.RawMessage(v2),
	}
	resp, err := invoke(t, in, inv)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	want := map[string]any{
		"method":    "POST",
		"url":       "http://localhost:8888/api/items/42?q=1",
		"accept":    "application/json",
		"multi":     "a, b",
		"body":      `{"name":"ann"}`,
		"session":   "abc",
		"ip":        "127.0.0.1",
		"requestId": "01HX",
		"pathname":  "/api/items/42",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	var ctxWant map[string]any
	json.Unmarshal([]byte(v2), &ctxWant)
	for _, k := range []string{"site", "deploy", "geo", "account", "server", "params"} {
		g, _ := json.Marshal(got[k])
		w, _ := json.Marshal(ctxWant[k])
		if string(g) != string(w) {
			t.Errorf("context.%s = %s, want %s", k, g, w)
		}
	}
	if resp.Status != 200 || resp.Header.Get("X-Answer") != "yes" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("head: %d %v", resp.Status, resp.Header)
	}
	// Production's attributes in production's order; delete has Path=/, so it removes the
	// cookie a Path=/ set made.
	wantCookies := []string{"seen=yes", "pref=dark; HttpOnly; SameSite=Lax; Path=/", "old=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}
	if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, wantCookies) {
		t.Errorf("Set-Cookie = %q, want %q", got, wantCookies)
	}
	logs.waitFor(t, "stdout: v2echo called")
}

func TestV2BinaryBody(t *testing.T) {
	rt := testRuntime(t)
	in := start(t, rt, "v2binary")
	raw := make([]byte, 256)
	for i := range raw {
		raw[i] = byte(i)
	}
	ev := map[string]any{
		"httpMethod": "PUT", "rawUrl": "http://localhost:8888/bin", "path": "/bin",
		"multiValueHeaders": map[string][]string{"content-type": {"application/octet-stream"}},
		"body":              base64.StdEncoding.EncodeToString(raw), "isBase64Encoded": true,
	}
	data, _ := json.Marshal(ev)
	resp, err := invoke(t, in, &functions.Invocation{ID: "b", Event: data})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil || string(got) != string(raw) {
		t.Errorf("body: %d bytes, %v; want the 256 bytes sent", len(got), err)
	}

	// Larger than the pipes' buffers both ways, and than one body frame.
	big := make([]byte, 3<<19)
	rand.Read(big)
	ev["body"] = base64.StdEncoding.EncodeToString(big)
	data, _ = json.Marshal(ev)
	resp, err = invoke(t, in, &functions.Invocation{ID: "big", Event: data})
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("big body: %d bytes, %v; want the %d bytes sent", len(got), err, len(big))
	}
}

func TestV2Errors(t *testing.T) {
	rt := testRuntime(t)
	tests := []struct{ function, message string }{
		{"v2notresponse", "the function did not return a Response (it returned Object)"},
		{"v2next", "context.next() is not supported locally"},
	}
	for _, tt := range tests {
		in := start(t, rt, tt.function)
		_, err := invoke(t, in, get(""))
		var fe *functions.FunctionError
		if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.message) {
			t.Errorf("%s: %v, want a FunctionError saying %q", tt.function, err, tt.message)
		}
	}

	// A body that fails midway ends the read with the function's error.
	in := start(t, rt, "v2streamfails")
	resp, err := invoke(t, in, get(""))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	var fe *functions.FunctionError
	if string(got) != "partial" || !errors.As(err, &fe) || fe.Message != "stream broke" {
		t.Errorf("body %q, %v", got, err)
	}
}

func TestTCPChannel(t *testing.T) {
	rt := testRuntime(t)
	rt.useTCP = true
	in := start(t, rt, "hello")
	if r := invokeLambda(t, in, get("")); r.Body != `{"hello":"world"}` {
		t.Errorf("hello: %q", r.Body)
	}
	in = start(t, rt, "stream")
	resp, err := invoke(t, in, get(""))
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := io.ReadAll(resp.Body); string(all) != "one\ntwo\n" {
		t.Errorf("stream: %q", all)
	}
	in = start(t, rt, "exits")
	var ee *functions.ExitError
	if _, err := invoke(t, in, get("")); !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("exits: %v", err)
	}
}

// A site with "type":"module": the bundle under its .netlify folder must still load as CommonJS.
func TestDefaultCacheDirInModuleSite(t *testing.T) {
	site := t.TempDir()
	copyDir(t, filepath.Join("testdata", "esmsite"), site)
	rt := New(Options{})
	if err := rt.Check(); err != nil {
		t.Fatal(err)
	}
	fn := &functions.Function{
		Name: "modern", Kind: functions.KindJS, SiteDir: site,
		Entry: filepath.Join(site, "netlify", "functions", "modern.js"), Dir: filepath.Join(site, "netlify", "functions"),
	}
	a, err := rt.Build(context.Background(), fn)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(site, ".netlify", "dev", "functions", "js", "modern", "modern.cjs"); a.(*Artifact).Bundle() != want {
		t.Errorf("bundle at %s, want %s", a.(*Artifact).Bundle(), want)
	}
	in, err := rt.Start(context.Background(), a, functions.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	resp, err := invoke(t, in, get(""))
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(resp.Body); string(body) != "modern" {
		t.Errorf("body %q", body)
	}
}

func BenchmarkInvokeWarmJS(b *testing.B) {
	rt := testRuntime(b)
	in := start(b, rt, "hello")
	inv := get("")
	ctx := context.Background()
	for range 200 { // warm up V8's JIT
		if _, err := in.Invoke(ctx, inv); err != nil {
			b.Fatal(err)
		}
	}
	var took []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		began := time.Now()
		if _, err := in.Invoke(ctx, inv); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(began))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}

// largeEvent is an invocation whose body is n bytes, ending in its size.
func largeEvent(n int) (*functions.Invocation, string) {
	tail := fmt.Sprintf("end-%08d", n)
	body := strings.Repeat("abcdefgh", (n-len(tail))/8) + tail
	return &functions.Invocation{ID: "req-big", Event: event("POST", "/.netlify/functions/size", "", body, nil)}, fmt.Sprintf("%d:%s", len(body), tail)
}

// Events near the 6 MB limit reach the worker whole, one after the other on the same
// channel (read in many chunks).
func TestLargeEvents(t *testing.T) {
	in := start(t, testRuntime(t), "size")
	for _, n := range []int{5 << 20, 16, 1 << 20} {
		inv, want := largeEvent(n)
		if got := invokeLambda(t, in, inv).Body; got != want {
			t.Fatalf("%d-byte event: the function saw %q, want %q", n, got, want)
		}
	}
}

// BenchmarkInvokeLargeEventJS is one invocation with a 4 MiB body.
func BenchmarkInvokeLargeEventJS(b *testing.B) {
	in := start(b, testRuntime(b), "size")
	inv, want := largeEvent(4 << 20)
	for b.Loop() {
		if got := invokeLambda(b, in, inv).Body; got != want {
			b.Fatalf("saw %q", got)
		}
	}
}

func BenchmarkBuildAndStart(b *testing.B) {
	rt := testRuntime(b)
	fn := fixture(b, "typed")
	for b.Loop() {
		a, err := rt.Build(context.Background(), fn)
		if err != nil {
			b.Fatal(err)
		}
		in, err := rt.Start(context.Background(), a, functions.StartOptions{})
		if err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}

// forgetVersions empties the package's cache of nodes found good, for a test that
// changes what node --version answers, and again after it.
func forgetVersions(t *testing.T) {
	forget := func() {
		versionsMu.Lock()
		clear(versions)
		versionsMu.Unlock()
	}
	forget()
	t.Cleanup(forget)
}

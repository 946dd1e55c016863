package golang

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// The fixtures under testdata are built once per test binary, into a temporary cache.
var (
	siteDir  string // testdata, as the site root
	cacheDir string
	builds   sync.Map // fixture name → *fixtureBuild
)

func TestMain(m *testing.M) {
	if binary, ok := os.LookupEnv(tinyDevEnv); ok {
		os.Exit(runTinyDev(binary)) // TestFunctionDiesWithDev runs this test binary as its dev
	}
	dir, err := os.MkdirTemp("", "golang-runtime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheDir = dir
	siteDir, _ = filepath.Abs("testdata")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testFunction(name string) *functions.Function {
	dir := filepath.Join(siteDir, name)
	return &functions.Function{Name: name, Kind: functions.KindGo, Entry: dir, Dir: dir, SiteDir: siteDir}
}

type fixtureBuild struct {
	once sync.Once
	art  *Artifact
	err  error
}

func buildFixture(t testing.TB, name string) *Artifact {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &fixtureBuild{})
	b := v.(*fixtureBuild)
	b.once.Do(func() {
		a, err := New(Options{CacheDir: cacheDir}).Build(context.Background(), testFunction(name))
		b.err = err
		if err == nil {
			b.art = a.(*Artifact)
		}
	})
	if b.err != nil {
		t.Fatalf("build %s: %v", name, b.err)
	}
	return b.art
}

// logRecorder collects what a process logs.
type logRecorder struct {
	mu    sync.Mutex
	lines []string // "stream: line"
}

func (l *logRecorder) log(stream, line string) {
	l.mu.Lock()
	l.lines = append(l.lines, stream+": "+line)
	l.mu.Unlock()
}

func (l *logRecorder) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.lines, s)
}

func (l *logRecorder) mentions(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.lines, func(line string) bool { return strings.Contains(line, s) })
}

func start(t testing.TB, rt *Runtime, fixture string, env ...string) (*Instance, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	in, err := rt.Start(context.Background(), buildFixture(t, fixture), functions.StartOptions{Env: env, Log: rec.log})
	if err != nil {
		t.Fatalf("start %s: %v", fixture, err)
	}
	t.Cleanup(func() { in.Close() })
	return in.(*Instance), rec
}

var seq atomic.Int64

func invocation(path string) *functions.Invocation {
	return &functions.Invocation{
		ID:       fmt.Sprintf("req-%d", seq.Add(1)),
		Event:    json.RawMessage(`{"path":"` + path + `","httpMethod":"GET","headers":{},"body":"","isBase64Encoded":false}`),
		Deadline: time.Now().Add(10 * time.Second),
	}
}

type lambdaResult struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func invoke(t testing.TB, in functions.Instance, inv *functions.Invocation) lambdaResult {
	t.Helper()
	resp, err := in.Invoke(context.Background(), inv)
	if err != nil {
		t.Fatalf("invoke %s: %v", inv.Event, err)
	}
	var res lambdaResult
	if err := json.Unmarshal(resp.Lambda, &res); err != nil {
		t.Fatalf("the response %q is not a Lambda result: %v", resp.Lambda, err)
	}
	return res
}

func invokeError(t testing.TB, in functions.Instance, inv *functions.Invocation) error {
	t.Helper()
	resp, err := in.Invoke(context.Background(), inv)
	if err == nil {
		t.Fatalf("invoke %s: got %s, want an error", inv.Event, resp.Lambda)
	}
	return err
}

func runtimes() map[string]*Runtime {
	return map[string]*Runtime{
		"runtime-api": New(Options{CacheDir: cacheDir}),
		"rpc":         New(Options{CacheDir: cacheDir, ForceRPC: true}),
	}
}

func TestHello(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, _ := start(t, rt, "hello")
			if got := in.Transport().String(); got != mode {
				t.Errorf("transport %s, want %s", got, mode)
			}
			for range 3 { // warm calls reuse the process
				res := invoke(t, in, invocation("/"))
				if res.StatusCode != 200 || res.Headers["X-Hello"] != "world" || res.Headers["Content-Type"] != "text/plain" {
					t.Errorf("status and headers: %+v", res)
				}
				if !slices.Equal(res.MultiValueHeaders["Set-Cookie"], []string{"a=1", "b=2"}) {
					t.Errorf("multiValueHeaders %v", res.MultiValueHeaders)
				}
				if !res.IsBase64Encoded || res.Body != base64.StdEncoding.EncodeToString([]byte("hello")) {
					t.Errorf("body %q, base64 %v", res.Body, res.IsBase64Encoded)
				}
			}
		})
	}
}

func TestEventArrivesWhole(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) { testEventArrivesWhole(t, rt) })
	}
}

func testEventArrivesWhole(t *testing.T, rt *Runtime) {
	in, _ := start(t, rt, "hello")
	inv := invocation("/echo")
	inv.Event = json.RawMessage(`{"path":"/echo","httpMethod":"POST","body":"ü{\"a\":1}","multiValueHeaders":{"x":["1","2"]}}`)
	res := invoke(t, in, inv)
	var got struct {
		Body              string
		HTTPMethod        string
		MultiValueHeaders map[string][]string
	}
	json.Unmarshal([]byte(res.Body), &got)
	if got.Body != `ü{"a":1}` || got.HTTPMethod != "POST" || len(got.MultiValueHeaders["x"]) != 2 {
		t.Errorf("the function saw %s", res.Body)
	}

	big := strings.Repeat("y", 1<<20)
	inv = invocation("/echo")
	inv.Event = json.RawMessage(`{"path":"/echo","body":"` + big + `"}`)
	res = invoke(t, in, inv)
	json.Unmarshal([]byte(res.Body), &got)
	if got.Body != big {
		t.Errorf("a 1 MB body came back as %d bytes", len(got.Body))
	}
}

func TestContextAndEnvironment(t *testing.T) {
	netlify := `{"identity":{"url":"http://localhost:8888/.netlify/identity","token":"admin-jwt"},"user":{"sub":"u1"}}`
	cc := `{"Client":{"installation_id":"","app_title":"","app_version_code":"","app_package_name":""},` +
		`"env":{"k":"v"},"custom":{"netlify":"` + base64.StdEncoding.EncodeToString([]byte(netlify)) + `"}}`
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			// A leaked transport variable must not change the protocol.
			env := []string{"MY_SETTING=on", "_LAMBDA_SERVER_PORT=1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "AWS_REGION=eu-west-1"}
			in, _ := start(t, rt, "hello", env...)
			inv := invocation("/context")
			inv.ID = "3f1a9d52-7a1e-4b8e-9d0c-" + mode
			inv.LambdaClientContext = json.RawMessage(cc)
			res := invoke(t, in, inv)
			var got map[string]any
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"netlify":      netlify,
				"env":          map[string]any{"k": "v"},
				"requestId":    inv.ID,
				"arn":          "arn:aws:lambda:us-east-2:000000000000:function:hello",
				"functionName": "hello",
				"memory":       float64(1024),
				"version":      "$LATEST",
				"region":       "us-east-2",
				"taskRoot":     filepath.Join(cacheDir, "hello"),
				"handler":      "bootstrap",
				"zone":         "UTC",
				"custom":       "on",
			}
			if mode == "rpc" {
				want["serverPort"] = got["serverPort"] // ours, not the leaked one
				if got["serverPort"] == "1" || got["serverPort"] == "" {
					t.Errorf("_LAMBDA_SERVER_PORT %v", got["serverPort"])
				}
			} else {
				want["serverPort"] = ""
			}
			for k, v := range want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) {
					t.Errorf("%s: got %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, _ := start(t, rt, "hello")
			seen := func(d time.Time) time.Time {
				inv := invocation("/deadline")
				inv.Deadline = d
				var got struct {
					Deadline int64
					OK       bool
				}
				json.Unmarshal([]byte(invoke(t, in, inv).Body), &got)
				if !got.OK {
					t.Fatal("the handler's context has no deadline")
				}
				return time.UnixMilli(got.Deadline)
			}
			d := time.Now().Add(7 * time.Second)
			if got := seen(d); got.Sub(d).Abs() > time.Millisecond {
				t.Errorf("deadline %v, want %v", got, d)
			}
			// Without a deadline (a debugger holds the function) it is a day away.
			if got := time.Until(seen(time.Time{})); got < 23*time.Hour || got > 25*time.Hour {
				t.Errorf("a missing deadline became %v from now", got)
			}
		})
	}
}

func TestErrorReturnKeepsTheInstance(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, _ := start(t, rt, "hello")
			err := invokeError(t, in, invocation("/error"))
			var fe *functions.FunctionError
			if !errors.As(err, &fe) || fe.Type != "errorString" || fe.Message != "boom" || fe.Fatal {
				t.Fatalf("got %#v, want a non-fatal errorString boom", err)
			}
			if res := invoke(t, in, invocation("/")); res.StatusCode != 200 {
				t.Errorf("the next call: %+v", res)
			}
		})
	}
}

func TestPanicEndsTheInstanceInRuntimeAPIMode(t *testing.T) {
	in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
	err := invokeError(t, in, invocation("/panic"))
	var fe *functions.FunctionError
	if !errors.As(err, &fe) || fe.Type != "string" || fe.Message != "kaboom" || !fe.Fatal {
		t.Fatalf("got %#v, want a fatal panic", err)
	}
	if !slices.ContainsFunc(fe.Stack, func(s string) bool { return strings.Contains(s, "main.go:") }) {
		t.Errorf("the stack does not name main.go: %q", fe.Stack)
	}
	select {
	case <-in.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the process still runs after a panic")
	}
	var ee *functions.ExitError
	if err := invokeError(t, in, invocation("/")); !errors.As(err, &ee) {
		t.Errorf("a call on the dead instance: %v, want an ExitError", err)
	}
}

func TestPanicInRPCModeKeepsServing(t *testing.T) {
	in, _ := start(t, New(Options{CacheDir: cacheDir, ForceRPC: true}), "hello")
	err := invokeError(t, in, invocation("/panic"))
	var fe *functions.FunctionError
	if !errors.As(err, &fe) || fe.Message != "kaboom" || fe.Fatal || len(fe.Stack) == 0 {
		t.Fatalf("got %#v, want a non-fatal panic with a stack", err)
	}
	if res := invoke(t, in, invocation("/")); res.StatusCode != 200 {
		t.Errorf("the next call: %+v", res)
	}
}

func TestExit(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, _ := start(t, rt, "hello")
			err := invokeError(t, in, invocation("/exit"))
			var ee *functions.ExitError
			if !errors.As(err, &ee) || ee.Code != 3 || !strings.Contains(ee.Detail, "exiting with 3") {
				t.Fatalf("got %#v, want exit status 3 with its stderr", err)
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
	err := invokeError(t, in, invocation("/big"))
	var fe *functions.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Function.ResponseSizeTooLarge" || !fe.Fatal {
		t.Fatalf("got %#v, want a fatal Function.ResponseSizeTooLarge", err)
	}
}

func TestCancelReturnsPromptly(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, _ := start(t, rt, "hello")
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			began := time.Now()
			_, err := in.Invoke(ctx, invocation("/sleep"))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want the context's error", err)
			}
			in.Close()
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("cancel and close took %v", took)
			}
			if _, err := in.Invoke(context.Background(), invocation("/")); !errors.Is(err, ErrClosed) {
				t.Errorf("invoke after close: %v", err)
			}
			in.Close() // twice is fine
		})
	}
}

func TestConcurrentInvokesTakeTurns(t *testing.T) {
	in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
	invs := make([]*functions.Invocation, 8)
	for i := range invs {
		invs[i] = invocation("/")
	}
	var wg sync.WaitGroup
	for _, inv := range invs {
		wg.Go(func() {
			if _, err := in.Invoke(context.Background(), inv); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestLogLines(t *testing.T) {
	for mode, rt := range runtimes() {
		t.Run(mode, func(t *testing.T) {
			in, rec := start(t, rt, "hello")
			invoke(t, in, invocation("/log"))
			in.Close() // the unterminated last line comes out when the process ends
			if !rec.has("stdout: to stdout") || !rec.mentions("to stderr") || !rec.has("stdout: no newline at the end") {
				t.Errorf("log lines: %q", rec.lines)
			}
			if rec.mentions("stdout: stderr") {
				t.Errorf("streams mixed up: %q", rec.lines)
			}
		})
	}
}

func TestLegacyBinaryFallsBackToRPC(t *testing.T) {
	rt := New(Options{CacheDir: cacheDir})
	art := buildFixture(t, "legacy")
	art.warned.Store(false) // buildFixture's builds are shared: as built afresh (go test -count=2)
	for i := range 2 {
		in, rec := start(t, rt, "legacy")
		if in.Transport() != TransportRPC || art.Transport() != TransportRPC {
			t.Fatalf("start %d: transport %v, artifact %v", i, in.Transport(), art.Transport())
		}
		if res := invoke(t, in, invocation("/")); res.Body != "legacy" {
			t.Errorf("start %d: %+v", i, res)
		}
		var fe *functions.FunctionError
		if err := invokeError(t, in, invocation("/panic")); !errors.As(err, &fe) || fe.Fatal {
			t.Errorf("start %d: panic gave %v", i, err)
		}
		if rec.mentions("[_LAMBDA_SERVER_PORT]") {
			t.Errorf("start %d: the fallback's cue reached the log: %q", i, rec.lines)
		}
		if warned := rec.mentions("go1.x protocol"); warned != (i == 0) {
			t.Errorf("start %d: warned %v: %q", i, warned, rec.lines)
		}
	}
}

func TestStartWithoutLambdaStart(t *testing.T) {
	rec := &logRecorder{}
	_, err := New(Options{CacheDir: cacheDir}).Start(context.Background(), buildFixture(t, "nostart"),
		functions.StartOptions{Log: rec.log})
	var ee *functions.ExitError
	if !errors.As(err, &ee) || ee.Code != 0 || !strings.Contains(err.Error(), "lambda.Start") {
		t.Fatalf("got %v, want an exit before ready that mentions lambda.Start", err)
	}
	if !rec.has("stdout: hello from a plain program") {
		t.Errorf("log: %q", rec.lines)
	}
}

func TestBuildError(t *testing.T) {
	_, err := New(Options{CacheDir: cacheDir}).Build(context.Background(), testFunction("broken"))
	var be *functions.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a BuildError", err)
	}
	want := filepath.Join("broken", "main.go") + ":6:15: undefined: handler"
	if be.Function != "broken" || !strings.Contains(be.Output, want) {
		t.Errorf("output %q does not contain %q", be.Output, want)
	}
}

func TestBuildWithoutGo(t *testing.T) {
	rt := New(Options{Go: filepath.Join(t.TempDir(), "go"), CacheDir: cacheDir})
	_, err := rt.Build(context.Background(), testFunction("hello"))
	var be *functions.BuildError
	if !errors.As(err, &be) || !strings.Contains(be.Output, "install Go") {
		t.Fatalf("got %v, want a BuildError that says to install Go", err)
	}
}

func TestArtifactFiles(t *testing.T) {
	art := buildFixture(t, "hello")
	files := art.Files()
	sort.Strings(files)
	root := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(siteDir)))) // the module root
	for _, want := range []string{
		filepath.Join(siteDir, "hello", "main.go"),
		filepath.Join(root, "go.mod"),
		filepath.Join(root, "go.sum"),
	} {
		if !slices.Contains(files, want) {
			t.Errorf("files %q lack %s", files, want)
		}
	}
	for _, f := range files {
		if strings.Contains(f, "aws-lambda-go") {
			t.Errorf("a module cache file among the sources: %s", f)
		}
	}
	if _, err := os.Stat(art.Binary()); err != nil {
		t.Error(err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	fn := &functions.Function{Name: "hi", SiteDir: "/site"}
	want := filepath.Join("/site", ".netlify", "dev", "functions", "go", "hi")
	if got := New(Options{}).cacheDir(fn); got != want {
		t.Errorf("cache dir %s, want %s", got, want)
	}
}

func TestSitePaths(t *testing.T) {
	fn := &functions.Function{Name: "hi", Entry: "/site/netlify/functions/hi", SiteDir: "/site"}
	out := "# example.com/site/netlify/functions/hi\n" +
		"./main.go:6:15: undefined: handler\n" +
		"../../../lib/auth.go:3: syntax error\n" +
		"/elsewhere/x.go:1:1: bad\n"
	want := "# example.com/site/netlify/functions/hi\n" +
		filepath.FromSlash("netlify/functions/hi/main.go") + ":6:15: undefined: handler\n" +
		filepath.FromSlash("lib/auth.go") + ":3: syntax error\n" +
		"/elsewhere/x.go:1:1: bad"
	if got := sitePaths(out, fn); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseErrorBody(t *testing.T) {
	fe := parseErrorBody([]byte(`{"errorMessage":"m","errorType":"T","stackTrace":["at a (x.js:1:2)"]}`), "")
	if fe.Type != "T" || fe.Message != "m" || len(fe.Stack) != 1 {
		t.Errorf("%#v", fe)
	}
	fe = parseErrorBody([]byte(`{"errorMessage":"m","errorType":"T","stackTrace":[{"path":"main.go","line":7,"label":"handler"}]}`), "")
	if !slices.Equal(fe.Stack, []string{"handler (main.go:7)"}) {
		t.Errorf("%q", fe.Stack)
	}
	fe = parseErrorBody([]byte("not json"), "Unhandled")
	if fe.Type != "Unhandled" || fe.Message != "not json" {
		t.Errorf("%#v", fe)
	}
}

func TestLambdaEnv(t *testing.T) {
	art := &Artifact{fn: &functions.Function{Name: "f"}, binary: "/cache/f/bootstrap"}
	env := lambdaEnv([]string{"TZ=Europe/Paris", "AWS_REGION=x", "A=1"}, art, "us-east-2", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9")
	for _, want := range []string{"TZ=Europe/Paris", "A=1", "AWS_REGION=us-east-2", "LAMBDA_TASK_ROOT=/cache/f", "_HANDLER=bootstrap"} {
		if !slices.Contains(env, want) {
			t.Errorf("env %q lacks %s", env, want)
		}
	}
	if slices.Contains(env, "AWS_REGION=x") || slices.Contains(env, "TZ=:UTC") {
		t.Errorf("env %q", env)
	}
}

func TestNoGoroutinesLeft(t *testing.T) {
	buildFixture(t, "hello")
	before := runtime.NumGoroutine()
	for mode, rt := range runtimes() {
		for range 3 {
			in, err := rt.Start(context.Background(), buildFixture(t, "hello"), functions.StartOptions{})
			if err != nil {
				t.Fatal(mode, err)
			}
			for range 50 {
				if _, err := in.Invoke(context.Background(), invocation("/")); err != nil {
					t.Fatal(mode, err)
				}
			}
			in.Invoke(context.Background(), invocation("/error"))
			in.Close()
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestBuildOfALibrary(t *testing.T) {
	_, err := New(Options{CacheDir: cacheDir}).Build(context.Background(), testFunction("notmain"))
	var be *functions.BuildError
	if !errors.As(err, &be) || !strings.Contains(be.Output, "package notmain") || !strings.Contains(be.Output, "main package") {
		t.Fatalf("got %v, want a BuildError about package main", err)
	}
}

func TestInitError(t *testing.T) {
	_, err := New(Options{CacheDir: cacheDir}).Start(context.Background(), buildFixture(t, "custom"),
		functions.StartOptions{Env: []string{"INIT=fail"}})
	var fe *functions.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Runtime.InitError" || fe.Message != "no config" || !fe.Fatal {
		t.Fatalf("got %v, want the init error", err)
	}
}

func TestStartTimeout(t *testing.T) {
	rt := New(Options{CacheDir: cacheDir, StartTimeout: 300 * time.Millisecond})
	began := time.Now()
	_, err := rt.Start(context.Background(), buildFixture(t, "custom"), functions.StartOptions{Env: []string{"INIT=hang"}})
	if err == nil || !strings.Contains(err.Error(), "did not ask for an invocation within 300ms") {
		t.Fatalf("got %v, want a start timeout", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the timeout took %v", took)
	}
}

func TestVersionBefore(t *testing.T) {
	for v, want := range map[string]bool{
		"v1.17.0": true, "v1.6.0": true, "v0.9.1": true, "v1.17.1-0.20200601000000-abcdefabcdef": true,
		"v1.18.0": false, "v1.55.1": false, "v2.0.0": false, "(devel)": false, "": false,
	} {
		if got := versionBefore(v, 1, 18); got != want {
			t.Errorf("versionBefore(%q) = %v", v, got)
		}
	}
}

// TestOldAWSLambdaGo runs a function built with aws-lambda-go v1.17.0, which knows only
// RPC and, given no _LAMBDA_SERVER_PORT, waits forever on a random port. It needs that
// version from the Go module proxy (or the module cache).
func TestOldAWSLambdaGo(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module old\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go v1.17.0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (map[string]any, error) { return map[string]any{"statusCode": 200, "body": "old"}, nil })
}
`), 0o644)
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOSUMDB", "off") // the checksum database is not reachable from CI; the proxy is
	fn := &functions.Function{Name: "old", Kind: functions.KindGo, Entry: dir, Dir: dir, SiteDir: dir}
	a, err := New(Options{CacheDir: cacheDir}).Build(context.Background(), fn)
	if err != nil {
		t.Fatalf("build with aws-lambda-go v1.17.0 (fetched from the module proxy): %v", err)
	}
	art := a.(*Artifact)
	if art.Transport() != TransportRPC {
		t.Fatalf("the build info did not tell an RPC-only binary: %v", art.Transport())
	}
	in, err := New(Options{CacheDir: cacheDir, StartTimeout: 3 * time.Second}).Start(context.Background(), art, functions.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if res := invoke(t, in, invocation("/")); res.Body != "old" {
		t.Errorf("%+v", res)
	}
}

func TestNoRPCBuild(t *testing.T) {
	opts := Options{CacheDir: t.TempDir(), BuildFlags: []string{"-tags=lambda.norpc"}}
	a, err := New(opts).Build(context.Background(), testFunction("hello"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := New(opts).Start(context.Background(), a, functions.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if res := invoke(t, in, invocation("/")); res.StatusCode != 200 {
		t.Errorf("%+v", res)
	}
	opts.ForceRPC = true
	if _, err := New(opts).Start(context.Background(), a, functions.StartOptions{}); err == nil || !strings.Contains(err.Error(), "lambda.norpc") {
		t.Errorf("forcing RPC on a norpc binary: %v", err)
	}
}

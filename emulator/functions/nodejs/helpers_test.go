package nodejs

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

func TestMain(m *testing.M) {
	if cfg, ok := os.LookupEnv(tinyDevEnv); ok {
		os.Exit(runTinyDev(cfg)) // TestWorkerDiesWithDev runs this test binary as its dev
	}
	os.Exit(m.Run())
}

// The fixture site: one function per file under testdata/site/netlify/functions.
var siteDir = func() string {
	dir, err := filepath.Abs(filepath.Join("testdata", "site"))
	if err != nil {
		panic(err)
	}
	return dir
}()

func fixture(t testing.TB, name string) *functions.Function {
	t.Helper()
	dir := filepath.Join(siteDir, "netlify", "functions")
	matches, _ := filepath.Glob(filepath.Join(dir, name+".*"))
	if len(matches) != 1 {
		t.Fatalf("fixture %s: found %v", name, matches)
	}
	return &functions.Function{Name: name, Kind: functions.KindJS, Entry: matches[0], Dir: dir, SiteDir: siteDir}
}

// testRuntime is a Runtime that bundles into a temporary folder. Without node it fails:
// CI installs Node, and a missing node must not pass silently.
func testRuntime(t testing.TB) *Runtime {
	t.Helper()
	cache := t.TempDir()
	rt := New(Options{CacheDir: func(fn *functions.Function) string { return filepath.Join(cache, fn.Name) }})
	if err := rt.Check(); err != nil {
		t.Fatal(err)
	}
	return rt
}

func build(t testing.TB, rt *Runtime, name string) *Artifact {
	t.Helper()
	a, err := rt.Build(context.Background(), fixture(t, name))
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return a.(*Artifact)
}

// logRecorder collects what a worker writes.
type logRecorder struct {
	mu    sync.Mutex
	lines []string // "stream: line"
}

func (l *logRecorder) log(stream, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, stream+": "+line)
}

func (l *logRecorder) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, got := range l.lines {
		if strings.Contains(got, line) {
			return true
		}
	}
	return false
}

// waitFor waits for a line containing want: output reaches Log asynchronously.
func (l *logRecorder) waitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !l.has(want) {
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no log line with %q; got:\n%s", want, strings.Join(l.lines, "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var testEnv = []string{"GREETING=hi", "NETLIFY_DEV=true"}

func startWith(t testing.TB, rt *Runtime, name string, logs *logRecorder) functions.Instance {
	t.Helper()
	a := build(t, rt, name)
	opts := functions.StartOptions{Env: testEnv}
	if logs != nil {
		opts.Log = logs.log
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in, err := rt.Start(ctx, a, opts)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func start(t testing.TB, rt *Runtime, name string) functions.Instance {
	t.Helper()
	return startWith(t, rt, name, nil)
}

// event is a Lambda v1 event as dev builds it.
func event(method, path, rawQuery, body string, headers map[string][]string) json.RawMessage {
	q, _ := url.ParseQuery(rawQuery)
	single := map[string]string{}
	multi := map[string][]string{}
	for k, v := range headers {
		single[k] = strings.Join(v, ", ")
		multi[k] = v
	}
	qs := map[string]string{}
	for k, v := range q {
		qs[k] = strings.Join(v, ", ")
	}
	rawURL := "http://localhost:8888" + path
	if rawQuery != "" {
		rawURL += "?" + rawQuery
	}
	ev := map[string]any{
		"path": path, "httpMethod": method, "headers": single, "multiValueHeaders": multi,
		"queryStringParameters": qs, "multiValueQueryStringParameters": map[string][]string(q),
		"body": body, "isBase64Encoded": false, "rawUrl": rawURL, "rawQuery": rawQuery,
	}
	data, _ := json.Marshal(ev)
	return data
}

func get(query string) *functions.Invocation {
	return &functions.Invocation{ID: "req-1", Event: event("GET", "/.netlify/functions/x", query, "", nil)}
}

func invoke(t testing.TB, in functions.Instance, inv *functions.Invocation) (*functions.Response, error) {
	t.Helper()
	// A v2 body streams after Invoke returns, under the same context: the test's.
	return in.Invoke(t.Context(), inv)
}

// lambdaResult is the v1 answer's usual shape.
type lambdaResult struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func invokeLambda(t testing.TB, in functions.Instance, inv *functions.Invocation) lambdaResult {
	t.Helper()
	resp, err := invoke(t, in, inv)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var r lambdaResult
	if err := json.Unmarshal(resp.Lambda, &r); err != nil {
		t.Fatalf("lambda result %s: %v", resp.Lambda, err)
	}
	return r
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		target := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

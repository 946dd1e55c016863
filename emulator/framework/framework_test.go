//go:build unix

package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/internal/wstest"
)

// logBuffer is a log the framework's goroutines and the test share.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
}

// freePort is a port nothing listens on, for the framework to take.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func testdata(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// startServer starts testdata/server.mjs as the framework, with env added to dev's own.
func startServer(t *testing.T, env ...string) (*Server, *logBuffer) {
	t.Helper()
	needNode(t)
	port := freePort(t)
	log := &logBuffer{}
	s, err := Start(context.Background(), Options{
		Command:    "node server.mjs",
		Dir:        testdata(t),
		TargetPort: port,
		Env:        append(os.Environ(), append([]string{"PORT=" + strconv.Itoa(port)}, env...)...),
		Log:        term.NewLogger(log),
		Wait:       10 * time.Second,
	})
	if err != nil {
		t.Fatalf("Start: %v\nlog:\n%s", err, log)
	}
	t.Cleanup(func() { s.Close() })
	return s, log
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return do(t, http.MethodGet, url, "")
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body = nil
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestStartValidatesOptions(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Command: "  ", TargetPort: 3000}, "set [dev] command"},
		{Options{Command: "npm run dev"}, "target port 0 is not a port"},
		{Options{Command: "npm run dev", TargetPort: 70000}, "target port 70000 is not a port"},
	} {
		if _, err := Start(context.Background(), c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start(%+v) = %v, want an error with %q", c.opts, err, c.want)
		}
	}
}

// A page and a websocket (HMR) go through Handler; the framework's output is in the log,
// its colours dropped and other escapes escaped.
func TestHandlerProxiesPageAndWebsocket(t *testing.T) {
	s, log := startServer(t)
	front := httptest.NewServer(s.Handler())
	defer front.Close()

	res, body := get(t, front.URL+"/blog/post?x=1&y=%2F")
	if res.StatusCode != 200 || body != "<h1>framework page</h1>" {
		t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
	for header, want := range map[string]string{
		"X-Seen-Url":             "/blog/post?x=1&y=%2F",
		"X-Seen-Host":            s.Addr(),
		"X-Seen-Forwarded-Host":  strings.TrimPrefix(front.URL, "http://"),
		"X-Seen-Forwarded-Proto": "http",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}

	if got := wstest.Echo(t, front.Listener.Addr().String(), "/hmr", "hello hmr"); got != "hello hmr" {
		t.Fatalf("websocket echo %q", got)
	}

	out := log.String()
	for _, want := range []string{"framework  started \"node server.mjs\"", "listening on 127.0.0.1:", "framework  ready \\x1b]0;title\\x07", "a warning on stderr", "answers at " + s.Addr()} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[32m") {
		t.Errorf("colours in the log:\n%s", out)
	}
}

// Try writes the framework's answer unless it is a 404, which it leaves to the caller
// with the request's body readable again; websockets go through it too.
func TestTry(t *testing.T) {
	s, _ := startServer(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Try(w, r) {
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read the body after Try: %v", err)
		}
		w.Header().Set("X-Rewritten", "1")
		fmt.Fprintf(w, "rewritten %s", body)
	}))
	defer front.Close()

	for _, c := range []struct {
		method, path, body string
		want               string
		framework          bool
	}{
		{"GET", "/", "", "<h1>framework page</h1>", true},
		{"GET", "/missing/page", "", "rewritten ", false},
		{"HEAD", "/missing/page", "", "", false},
		{"POST", "/echo", "a=1", "echo: a=1", true},
		{"POST", "/missing/form", "b=2", "rewritten b=2", false},
		// Too large to keep for the caller: the framework's 404 stands.
		{"POST", "/missing/upload", strings.Repeat("x", maxTryBody+1), "framework 404", true},
	} {
		res, body := do(t, c.method, front.URL+c.path, c.body)
		wantStatus := 200
		if c.want == "framework 404" {
			wantStatus = 404
		}
		if res.StatusCode != wantStatus || body != c.want {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, res.StatusCode, body, wantStatus, c.want)
		}
		if got := res.Header.Get("X-Framework") == "1"; got != c.framework {
			t.Errorf("%s %s: the framework's headers sent: %v, want %v", c.method, c.path, got, c.framework)
		}
		if got := res.Header.Get("X-Rewritten") == "1"; got == c.framework {
			t.Errorf("%s %s: rewritten: %v", c.method, c.path, got)
		}
	}

	if got := wstest.Echo(t, front.Listener.Addr().String(), "/hmr", "through try"); got != "through try" {
		t.Fatalf("websocket echo %q", got)
	}
}

// A framework that listens on ::1 only (Node's "localhost" on some systems) is found.
func TestStartFindsIPv6Loopback(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here")
	}
	l.Close()
	s, _ := startServer(t, "HOST=::1")
	if !strings.HasPrefix(s.Addr(), "[::1]:") {
		t.Fatalf("Addr %q", s.Addr())
	}
	front := httptest.NewServer(s.Handler())
	defer front.Close()
	if res, body := get(t, front.URL+"/"); res.StatusCode != 200 || body != "<h1>framework page</h1>" {
		t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
}

// A command found in the site's node_modules/.bin runs, as under npm scripts.
func TestCommandFromNodeModulesBin(t *testing.T) {
	needNode(t)
	site := t.TempDir()
	bin := filepath.Join(site, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec node " + filepath.Join(testdata(t), "server.mjs") + "\n"
	if err := os.WriteFile(filepath.Join(bin, "fake-framework"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s, err := Start(context.Background(), Options{
		Command: "fake-framework", Dir: site, TargetPort: port,
		Env: append(os.Environ(), "PORT="+strconv.Itoa(port)), Wait: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestCommandEnv(t *testing.T) {
	site := t.TempDir()
	bin := filepath.Join(site, "node_modules", ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	env := commandEnv([]string{"PATH=/usr/bin", "NETLIFY_DEV=caller", "HOME=/h"}, site)
	want := []string{"PATH=" + bin + ":/usr/bin", "NETLIFY_DEV=caller", "HOME=/h", "BROWSER=none"}
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q\nwant %q", env, want)
	}
}

func TestStartReportsExit(t *testing.T) {
	_, err := Start(context.Background(), Options{
		Command: `echo "starting"; echo "boom: no vite.config.js" >&2; exit 3`, Dir: t.TempDir(),
		TargetPort: freePort(t), Wait: 10 * time.Second,
	})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	// stdout and stderr are two pipes: their lines may come in either order.
	for _, want := range []string{"exited (exit status 3) before port", "\n    starting\n", "\n    boom: no vite.config.js\n", "[dev] command"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestStartGivesUpWaiting(t *testing.T) {
	defer func(first, every time.Duration) { firstHint, hintEvery = first, every }(firstHint, hintEvery)
	firstHint, hintEvery = 300*time.Millisecond, 500*time.Millisecond
	port := freePort(t)
	log := &logBuffer{}
	_, err := Start(context.Background(), Options{
		Command: "echo compiling; sleep 30", Dir: t.TempDir(), TargetPort: port,
		Log: term.NewLogger(log), Wait: 2 * time.Second,
	})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	for _, want := range []string{fmt.Sprintf("port %d did not answer within 2s", port), `"echo compiling; sleep 30"`, "    compiling", "[dev] targetPort"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(log.String(), fmt.Sprintf("still waiting for port %d", port)); n < 2 {
		t.Errorf("%d hints while waiting:\n%s", n, log)
	}
}

func TestStartRefusesBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Options{Command: "sleep 30", TargetPort: port, Wait: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d already answers", port)) {
		t.Fatalf("Start = %v", err)
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, Options{Command: "sleep 30", TargetPort: freePort(t), Wait: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		t.Fatalf("Start = %v", err)
	}
}

// Close stops the framework's whole process group, a grandchild included; what it
// would proxy then gets a 502 saying so.
func TestCloseStopsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pids")
	s, _ := startServer(t, "PID_FILE="+pidFile)
	pids := readPids(t, pidFile)
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("pid %d is not running", pid)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		waitGone(t, pid)
	}

	front := httptest.NewServer(s.Handler())
	defer front.Close()
	res, body := get(t, front.URL+"/")
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(body, "did not answer") || strings.Count(body, "\n") != 1 {
		t.Fatalf("after Close: %d %q", res.StatusCode, body)
	}
	rec := httptest.NewRecorder()
	if !s.Try(rec, httptest.NewRequest("GET", "/missing", nil)) || rec.Code != http.StatusBadGateway {
		t.Fatalf("Try after Close: %d", rec.Code)
	}
}

// A framework that dies on its own is logged, and its group goes with it. (pids[0] is
// node, under the shell that leads the group and reports its death.)
func TestExitAfterStartIsLogged(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pids")
	_, log := startServer(t, "PID_FILE="+pidFile)
	pids := readPids(t, pidFile)
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pids[1])
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), "framework  exited (") {
		if time.Now().After(deadline) {
			t.Fatalf("no exit in the log:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readPids(t *testing.T, file string) []int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("pids %q", b)
	}
	return pids
}

// alive reports whether pid runs: a zombie (ended, not yet reaped by whoever adopted
// it) does not.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	if runtime.GOOS != "linux" {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := bytes.Cut(stat, []byte(") "))
	return len(rest) == 0 || rest[0] != 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

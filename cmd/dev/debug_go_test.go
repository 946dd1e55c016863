package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"

	"github.com/identity-dev/dev/emulator/debug"
)

// TestDebugGoFunctionWithDelve builds dev, serves a site with dev serve --debug
// identity-signup, and debugs it as an editor would over delve's JSON-RPC API: a
// breakpoint in the handler, a signup, the payload read, continue; a second signup
// stops on the same process. It runs with --debug-wait, so the first signup is made
// before the debugger connects.
func TestDebugGoFunctionWithDelve(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building dev and a Go function without optimisations")
	}
	t.Parallel()
	debugGoFunction(t, nil, "delve attached to pid", "--debug-wait")
}

// TestDebugGoFunctionWithInstalledDlv is the same with --debugger dlv: the test installs
// dlv (the same delve version, from the module proxy) and puts it on PATH.
func TestDebugGoFunctionWithInstalledDlv(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing dlv")
	}
	t.Parallel()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/go-delve/delve").Output()
	version := strings.TrimSpace(string(out))
	if err != nil || version == "" {
		t.Fatalf("go list -m github.com/go-delve/delve: %q, %v", out, err)
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", "github.com/go-delve/delve/cmd/dlv@"+version)
	install.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install dlv@%s: %v\n%s", version, err, out)
	}
	debugGoFunction(t, []string{"PATH=" + gobin + string(os.PathListSeparator) + os.Getenv("PATH")}, "dlv attached to pid", "--debugger", "dlv")
}

func debugGoFunction(t *testing.T, env []string, attachedLine string, extra ...string) {
	t.Helper()
	if scope := debug.YamaPtraceScope(); scope != "" && scope != "0" {
		t.Skipf("kernel.yama.ptrace_scope is %s here, so no debugger can attach to the function (sysctl kernel.yama.ptrace_scope=0 allows it)", scope)
	}
	bin := filepath.Join(t.TempDir(), "dev")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	site := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "testdata", "sites", "debug-go"), site)
	port, dbg := freePort(t), freePort(t)
	args := append([]string{"serve", "--dir", site, "--port", strconv.Itoa(port), "--debug", "identity-signup", "--debug-port", strconv.Itoa(dbg)}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	attached := make(chan struct{})
	var mu sync.Mutex
	var logLines []string
	logText := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(logLines, "\n") }
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			mu.Lock()
			logLines = append(logLines, sc.Text())
			mu.Unlock()
			if !once && strings.Contains(sc.Text(), attachedLine) {
				once = true
				close(attached)
			}
		}
	}()
	select {
	case <-attached:
	case <-time.After(3 * time.Minute):
		t.Fatalf("delve never attached; log:\n%s", logText())
	}

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	signup := func(email string) <-chan string {
		done := make(chan string, 1)
		go func() {
			resp, err := http.Post(base+"/.netlify/identity/signup", "application/json", strings.NewReader(`{"email":"`+email+`","password":"pw"}`))
			if err != nil {
				done <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			done <- strconv.Itoa(resp.StatusCode) + " " + string(b)
		}()
		return done
	}
	// With --debug-wait the first signup is made before any debugger connects: it is
	// held, past the hook's 5 s, until the client has set its breakpoint and continued.
	var first <-chan string
	if slices.Contains(extra, "--debug-wait") {
		first = signup("first@example.com")
		select {
		case got := <-first:
			t.Fatalf("--debug-wait: the first signup answered before a debugger was ready: %s", got)
		case <-time.After(6 * time.Second):
		}
	}

	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(dbg))
	if err != nil {
		t.Fatal(err)
	}
	client := rpc2.NewClientFromConn(conn)
	defer client.Disconnect(true)
	if _, err := client.Halt(); err != nil {
		t.Fatal(err)
	}
	file, _ := filepath.Abs(filepath.Join(site, "netlify", "functions", "identity-signup", "main.go"))
	src, _ := os.ReadFile(file)
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, "// BREAK") {
			line = i + 1
		}
	}
	if _, err := client.CreateBreakpoint(&api.Breakpoint{File: file, Line: line}); err != nil {
		t.Fatalf("breakpoint at %s:%d: %v", file, line, err)
	}
	if first != nil {
		// Connected, halted and a breakpoint set: still not ready until it continues.
		select {
		case got := <-first:
			t.Fatalf("--debug-wait: the first signup answered before the debugger continued: %s", got)
		case <-time.After(time.Second):
		}
	}
	stateC := client.Continue()

	for _, email := range []string{"first@example.com", "second@example.com"} {
		done := first
		if email != "first@example.com" || done == nil {
			done = signup(email)
		}
		var state *api.DebuggerState
		select {
		case state = <-stateC:
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s: the breakpoint was never hit", email)
		}
		if state.Exited || state.CurrentThread == nil || state.CurrentThread.Line != line {
			t.Fatalf("%s: stopped at %+v", email, state.CurrentThread)
		}
		v, err := client.EvalVariable(api.EvalScope{GoroutineID: -1}, "payload", api.LoadConfig{MaxStringLen: 4096})
		if err != nil || !strings.Contains(v.Value, `"email":"`+email+`"`) {
			t.Fatalf("%s: payload = %v, %v", email, v, err)
		}
		time.Sleep(6 * time.Second) // longer than the 5 s hook limit: the debugger holds it
		stateC = client.Continue()
		select {
		case got := <-done:
			if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, "debugged-in-go") {
				t.Fatalf("%s: signup answered %s", email, got)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: signup never answered", email)
		}
	}
	if log := logText(); !strings.Contains(log, "is held by the debugger; its time limit is suspended") {
		t.Errorf("the log never said the time limit was suspended:\n%s", log)
	}
}

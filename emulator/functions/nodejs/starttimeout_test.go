package nodejs

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/internal/proctest"
)

// A module whose top level never returns fails the start once the start limit passes,
// saying what to look for, and its worker is stopped; with no limit (a debugger's
// runtime) the start waits for as long as its caller does.
func TestAModuleThatNeverLoadsFailsAtTheStartLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("looks for left workers in /proc, which only Linux has")
	}
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(dir, "stuck.js")
	// Blocks node's main thread for good, without spending CPU.
	src := "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\nexports.handler = async () => ({ statusCode: 200 });\n"
	if err := os.WriteFile(entry, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fn := &functions.Function{Name: "stuck", Kind: functions.KindJS, Entry: entry, Dir: dir, SiteDir: site}
	cache := t.TempDir()
	newRuntime := func(limit time.Duration) *Runtime {
		return New(Options{StartTimeout: limit, CacheDir: func(fn *functions.Function) string { return filepath.Join(cache, fn.Name) }})
	}

	rt := newRuntime(300 * time.Millisecond)
	a, err := rt.Build(context.Background(), fn)
	if err != nil {
		t.Fatal(err)
	}
	mark := "DEV_TEST_MARK=" + tokens.Secure()
	began := time.Now()
	in, err := rt.Start(context.Background(), a, functions.StartOptions{Env: []string{mark}, Log: func(string, string) {}})
	if err == nil {
		in.Close()
		t.Fatal("a module that never loads started")
	}
	if !strings.Contains(err.Error(), "did not finish loading within 300ms") || !strings.Contains(err.Error(), "top level") {
		t.Errorf("Start = %v, want the start limit named", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the start failed after %s, want about its 300ms limit", took)
	}
	proctest.WaitNoneWithEnv(t, mark, "the worker of the failed start")

	// No limit: the caller's context ends the start.
	rt = newRuntime(-1)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	began = time.Now()
	if in, err := rt.Start(ctx, a, functions.StartOptions{Log: func(string, string) {}}); err == nil {
		in.Close()
		t.Fatal("a module that never loads started")
	}
	if took := time.Since(began); took < 600*time.Millisecond {
		t.Errorf("with no start limit the start ended after %s, before its caller's 700ms", took)
	}
}

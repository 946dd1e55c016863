package devserver

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/internal/proctest"
)

// dev serve boots a node worker before its store opens; when the store then cannot
// open, the start fails with the store's error and no worker is left behind.
func TestAFailedStartLeavesNoWorkerBootedAhead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the worker through /proc, which only Linux has")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("needs node on PATH: install Node.js 18 or newer")
	}
	site := t.TempDir()
	fns := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(fns, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fns, "hello.js"), []byte("exports.handler = async () => ({ statusCode: 200 });\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mark := "DEV_TEST_MARK=" + tokens.Secure()
	_, err := New(context.Background(), Options{
		Host: "127.0.0.1", SiteDir: site, FunctionsDir: fns, FunctionEnv: []string{mark},
		DB:       filepath.Join(site, "no-such-folder", "dev.db"),
		Runtimes: map[functions.Kind]functions.Runtime{functions.KindJS: nodejs.New(nodejs.Options{})},
		Log:      term.NewLogger(io.Discard),
	})
	if err == nil || !strings.Contains(err.Error(), "no-such-folder") {
		t.Fatalf("New = %v, want the store's error", err)
	}
	proctest.WaitNoneWithEnv(t, mark, "a worker booted ahead of the failed start")
}

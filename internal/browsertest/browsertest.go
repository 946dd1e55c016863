// Package browsertest runs the browser tests: scripts under testdata/browser that drive
// Debian's chromium through playwright-core (never a downloaded browser) against a dev
// serve the test started. Only tests import it.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/identity-dev/dev/internal/npmtest"
)

// Chromium is the browser's path, or "" when none is installed.
func Chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// dir is testdata/browser, found from this file's place in the module.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "browser")
}

// Run runs testdata/browser/script with node, BASE_URL set to base and the extra
// KEY=VALUE env, and returns what it printed. A failing script fails the test with its
// output. Without chromium, node or the npm packages the test is skipped, saying what to
// install: .ci/run installs them all.
func Run(t *testing.T, script, base string, env ...string) []byte {
	t.Helper()
	browser := Chromium()
	if browser == "" {
		t.Skip("no chromium: install Debian's chromium (apt-get install chromium) to run the browser tests")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH: install Node.js 18 or newer to run the browser tests")
	}
	npmtest.CI(t, dir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir(), script))
	cmd.Dir = dir()
	cmd.Env = append(os.Environ(), append([]string{"BASE_URL=" + base, "CHROMIUM=" + browser}, env...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", script, err, out.String(), errb.String())
	}
	if errb.Len() > 0 {
		t.Logf("%s (stderr):\n%s", script, errb.String())
	}
	return out.Bytes()
}

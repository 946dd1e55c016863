// Package npmtest installs the npm packages a test folder pins (testdata/gotruejs,
// testdata/browser, testdata/modern) with npm ci, once per lock file, one test process
// at a time. Only tests import it.
package npmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI runs npm ci in dir unless its node_modules was installed from the lock file as it
// is now. Without npm on PATH the test is skipped, saying what to install.
func CI(t testing.TB, dir string) {
	t.Helper()
	unlock := lock(filepath.Join(dir, ".npm-ci.lock"))
	defer unlock()
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if lockFile, lerr := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil && lerr == nil && !installed.ModTime().Before(lockFile.ModTime()) {
		return // installed from this lock file
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("no npm on PATH: install Node.js 18 or newer (with npm), which installs the pinned JS packages these tests use")
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}

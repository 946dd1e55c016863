package golang

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// A module's go.sum is among a build's sources before it exists, so that go get, which
// creates it, rebuilds the function.
func TestSourcesNameGoSumBeforeItExists(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	l := listSources(context.Background(), goTool, dir)
	for _, want := range []string{"main.go", "go.mod", "go.sum"} {
		if !slices.Contains(l.files, filepath.Join(dir, want)) {
			t.Errorf("sources %v lack %s", l.files, want)
		}
	}
}

package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With node missing from PATH, start says so, naming the functions and what to do.
func TestPreflightSaysNodeIsMissing(t *testing.T) {
	dir := t.TempDir()
	fns := filepath.Join(dir, "netlify", "functions")
	os.MkdirAll(fns, 0o755)
	os.WriteFile(filepath.Join(fns, "hello.js"), []byte("exports.handler = async () => ({statusCode: 200})"), 0o644)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no node, no go
	got := s.Preflight("")
	if len(got) != 1 || !strings.Contains(got[0], "node is not on PATH") || !strings.Contains(got[0], "the function hello") || !strings.Contains(got[0], "https://nodejs.org") {
		t.Fatalf("preflight: %q", got)
	}
	os.MkdirAll(filepath.Join(fns, "api"), 0o755)
	os.WriteFile(filepath.Join(fns, "api", "main.go"), []byte("package main\nfunc main() {}\n"), 0o644)
	if got := s.Preflight(""); len(got) != 2 || !strings.Contains(got[1], "go is not on PATH") {
		t.Fatalf("preflight with a Go function: %q", got)
	}
}

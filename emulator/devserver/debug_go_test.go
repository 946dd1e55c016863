package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindDlv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	for _, name := range []string{"", "delve"} {
		if path, err := findDlv(name); path != "" || err != nil {
			t.Errorf("findDlv(%q) = %q, %v; want dev's own delve", name, path, err)
		}
	}
	if _, err := findDlv("dlv"); err == nil || !strings.Contains(err.Error(), "go install github.com/go-delve/delve/cmd/dlv@latest") {
		t.Errorf("no dlv on PATH: %v, want how to install it", err)
	}
	if _, err := findDlv("gdb"); err == nil || !strings.Contains(err.Error(), "use delve") {
		t.Errorf("findDlv(gdb): %v", err)
	}
	fake := filepath.Join(dir, "dlv")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if path, err := findDlv("dlv"); path != fake || err != nil {
		t.Errorf("findDlv(dlv) = %q, %v; want %s", path, err, fake)
	}
}

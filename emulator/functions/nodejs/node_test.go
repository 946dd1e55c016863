package nodejs

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

// node --version runs without NODE_EXTRA_CA_CERTS (which node parses before it prints
// anything), and with the rest of the environment.
func TestVersionEnvLeavesOutOnlyTheExtraCACerts(t *testing.T) {
	env := []string{"PATH=/usr/bin", "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt", "NODE_OPTIONS=--no-warnings", "HOME=/root"}
	got := versionEnv(env)
	want := []string{"PATH=/usr/bin", "NODE_OPTIONS=--no-warnings", "HOME=/root"}
	if !slices.Equal(got, want) {
		t.Fatalf("versionEnv = %q, want %q", got, want)
	}
	if len(env) != 4 {
		t.Fatal("versionEnv changed its argument")
	}
}

// A node's version is kept from one run to the next under the binary's identity and
// used without running node; not while NODE_OPTIONS is set (node --version also checks
// it), and not when what is kept is no usable version.
func TestNodeVersionIsKeptFromOneRunToTheNext(t *testing.T) {
	path, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: CI installs Node 20: %v", err)
	}
	forget := func() {
		versionsMu.Lock()
		delete(versions, path)
		versionsMu.Unlock()
	}
	t.Cleanup(forget)
	t.Setenv("NODE_OPTIONS", "")
	keep := t.TempDir()

	forget()
	if got := knownNode(path, keep); got.major != 0 {
		t.Fatalf("knownNode knew %+v before anything asked node", got)
	}
	asked, err := findNode("node", keep)
	if err != nil {
		t.Fatal(err)
	}
	file, ok := versionFile(path, keep)
	if !ok {
		t.Fatalf("no file to keep %s's version in", path)
	}
	if got, _ := os.ReadFile(file); string(got) != asked.version {
		t.Fatalf("kept %q, want %q", got, asked.version)
	}

	// The next run finds the kept version and does not ask node: a version node would
	// not print shows which answered.
	os.WriteFile(file, []byte("99.1.2"), 0o600)
	forget()
	if got, err := findNode("node", keep); err != nil || got.version != "99.1.2" || got.major != 99 || got.path != path {
		t.Fatalf("findNode = %+v, %v; want the kept 99.1.2 for %s", got, err, path)
	}
	forget()
	if got := knownNode(path, keep); got.version != "99.1.2" || got.path != path {
		t.Fatalf("knownNode = %+v; want the kept 99.1.2 for %s", got, path)
	}

	for _, c := range []struct {
		name, kept, options string
	}{
		{"NODE_OPTIONS set", "99.1.2", "--no-warnings"},
		{"too old", "16.20.2", ""},
		{"not a version", "v", ""},
	} {
		os.WriteFile(file, []byte(c.kept), 0o600)
		t.Setenv("NODE_OPTIONS", c.options)
		forget()
		if got, err := findNode("node", keep); err != nil || got.version != asked.version {
			t.Errorf("%s: findNode = %+v, %v; want node asked (%s)", c.name, got, err, asked.version)
		}
	}
}

package nodejs

import (
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

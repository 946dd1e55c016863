package nodejs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// minNodeMajor is the oldest Node that has the global fetch, Request and Response v2 functions use.
const minNodeMajor = 18

type nodeInfo struct {
	path    string // absolute path of the executable
	version string // "20.20.2"
	major   int
}

// findNode locates node (name, or "node" on PATH) and checks its version.
func findNode(name string) (nodeInfo, error) {
	if name == "" {
		name = "node"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		if name == "node" {
			return nodeInfo{}, fmt.Errorf("node is not on PATH: install Node.js %d or newer to run JS functions", minNodeMajor)
		}
		return nodeInfo{}, fmt.Errorf("node %s cannot be run (%v): install Node.js %d or newer to run JS functions", name, err, minNodeMajor)
	}
	versionsMu.Lock()
	defer versionsMu.Unlock()
	if info, ok := versions[path]; ok {
		return info, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = versionEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && len(exit.Stderr) > 0 {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(exit.Stderr)))
		}
		if opts := os.Getenv("NODE_OPTIONS"); opts != "" {
			// Node refuses to start on an option it does not allow there, and every
			// function would fail the same way: the cure is the variable, not another node.
			return nodeInfo{}, fmt.Errorf("%s --version failed (%v): node reads NODE_OPTIONS=%q from this environment; fix or unset it, then restart dev serve", path, err, opts)
		}
		return nodeInfo{}, fmt.Errorf("%s --version failed (%v): install Node.js %d or newer to run JS functions", path, err, minNodeMajor)
	}
	version := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, ok := nodeMajor(version)
	if !ok {
		return nodeInfo{}, fmt.Errorf("%s --version printed %q, not a Node.js version: install Node.js %d or newer to run JS functions", path, strings.TrimSpace(string(out)), minNodeMajor)
	}
	if major < minNodeMajor {
		return nodeInfo{}, fmt.Errorf("node v%s found at %s is too old: install Node.js %d or newer to run JS functions", version, path, minNodeMajor)
	}
	info := nodeInfo{path: path, version: version, major: major}
	versions[path] = info
	return info, nil
}

// versions are the nodes found good in this run, by path, so that dev serve's
// preflight and the runtime ask each once. A node not found, or too old, is asked
// again: the user may install another meanwhile.
var (
	versionsMu sync.Mutex
	versions   = map[string]nodeInfo{}
)

// versionEnv is the environment node --version runs in: this one without
// NODE_EXTRA_CA_CERTS, which node reads and parses before it prints its version (40 ms
// for a system bundle of 144 certificates, ten times the rest), and which a version
// does not depend on. Functions keep it.
func versionEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NODE_EXTRA_CA_CERTS=") {
			out = append(out, kv)
		}
	}
	return out
}

func nodeMajor(version string) (int, bool) {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return n, err == nil && n > 0
}

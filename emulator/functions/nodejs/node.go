package nodejs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// findNode locates node (name, or "node" on PATH) and checks its version. keep is
// the folder where versions are kept from one run to the next ("" keeps none).
func findNode(name, keep string) (nodeInfo, error) {
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
	if info, ok := knownLocked(path, keep); ok {
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
	keepVersion(path, keep, version)
	return info, nil
}

// A node's version is kept in dev's cache folder under the binary's identity (as the
// answers about its certificates are, cacerts.go), so that dev serve does not start a
// node at every start only to ask it (a process of 20 ms or more on the 2-core machine
// of docs/performance.md, beside the spare worker's own boot), and so that the spare
// worker, which starts before anything has asked, knows which node it boots. Nothing
// is kept for a version manager's shim, which may run another node tomorrow, and
// nothing is used while NODE_OPTIONS is set: node --version is then also the check
// that node accepts the variable.

// keptVersion is the version kept for the node at path, if there is one.
func keptVersion(path, keep string) (nodeInfo, bool) {
	file, ok := versionFile(path, keep)
	if !ok {
		return nodeInfo{}, false
	}
	raw, err := os.ReadFile(file)
	if err != nil || len(raw) > 64 {
		return nodeInfo{}, false
	}
	version := string(raw)
	major, ok := nodeMajor(version)
	if !ok || major < minNodeMajor {
		return nodeInfo{}, false
	}
	return nodeInfo{path: path, version: version, major: major}, true
}

// keepVersion keeps version for the node at path, for the next run.
func keepVersion(path, keep, version string) {
	if file, ok := versionFile(path, keep); ok && os.MkdirAll(keep, 0o755) == nil {
		_ = writeAtomic(file, []byte(version))
	}
}

// versionFile is where the version of the node at path is kept.
func versionFile(path, keep string) (string, bool) {
	if keep == "" || os.Getenv("NODE_OPTIONS") != "" {
		return "", false
	}
	real, stamp, ok := nodeIdentity(path)
	if !ok {
		return "", false
	}
	id := sha256.Sum256([]byte(real + "\x00" + stamp))
	return filepath.Join(keep, "version-"+hex.EncodeToString(id[:12])), true
}

// knownNode is the node at path (its version 0 when unknown) as far as this run or a
// kept version knows it, without running it.
func knownNode(path, keep string) nodeInfo {
	versionsMu.Lock()
	defer versionsMu.Unlock()
	info, _ := knownLocked(path, keep)
	info.path = path
	return info
}

// knownLocked is knownNode's answer, and whether there was one; versionsMu is held.
func knownLocked(path, keep string) (nodeInfo, bool) {
	if info, ok := versions[path]; ok {
		return info, true
	}
	info, ok := keptVersion(path, keep)
	if ok {
		versions[path] = info
	}
	return info, ok
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

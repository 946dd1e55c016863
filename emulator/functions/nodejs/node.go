package nodejs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && len(exit.Stderr) > 0 {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(exit.Stderr)))
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
	return nodeInfo{path: path, version: version, major: major}, nil
}

func nodeMajor(version string) (int, bool) {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return n, err == nil && n > 0
}

package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/identity-dev/dev/emulator/functions"
)

// Transport is how an instance talks to its process.
type Transport int32

const (
	TransportUnknown    Transport = iota // not started yet
	TransportRuntimeAPI                  // the Lambda Runtime API (provided.al2)
	TransportRPC                         // the legacy _LAMBDA_SERVER_PORT net/rpc protocol (go1.x)
)

func (t Transport) String() string {
	switch t {
	case TransportRuntimeAPI:
		return "runtime-api"
	case TransportRPC:
		return "rpc"
	}
	return "unknown"
}

// Artifact is a built Go function.
type Artifact struct {
	fn     *functions.Function
	binary string
	files  []string
	noRPC  bool // built with -tags lambda.norpc
	// transport is what the binary speaks: known from its build info for an old
	// aws-lambda-go, else learned at its first start.
	transport atomic.Int32
	warned    atomic.Bool // the user heard that the binary speaks only RPC
}

var _ functions.Artifact = (*Artifact)(nil)

func (a *Artifact) Function() *functions.Function { return a.fn }

// Files are the sources the build read outside the module cache: the package's files,
// the module's other packages it imports, and go.mod and go.sum.
func (a *Artifact) Files() []string { return a.files }

// Binary is the path of the built executable.
func (a *Artifact) Binary() string { return a.binary }

// Transport is what the binary speaks, once an instance has started.
func (a *Artifact) Transport() Transport { return Transport(a.transport.Load()) }

var buildSeq atomic.Int64

// Build compiles fn's package with go build into its cache folder.
func (r *Runtime) Build(ctx context.Context, fn *functions.Function) (functions.Artifact, error) {
	goTool, err := r.goTool()
	if err != nil {
		return nil, &functions.BuildError{Function: fn.Name, Output: err.Error()}
	}
	dir := r.cacheDir(fn)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	binary := filepath.Join(dir, "bootstrap"+exeSuffix())
	// Build beside the binary and rename it into place: a running instance keeps its
	// old file, and two builds never write one file.
	tmp := filepath.Join(dir, fmt.Sprintf(".bootstrap-%d-%d%s", os.Getpid(), buildSeq.Add(1), exeSuffix()))

	listed := make(chan listing, 1)
	go func() { listed <- listSources(ctx, goTool, fn.Entry) }()

	args := append([]string{"build", "-o", tmp}, r.opts.BuildFlags...)
	cmd := exec.CommandContext(ctx, goTool, append(args, ".")...)
	cmd.Dir = fn.Entry
	out, err := cmd.CombinedOutput()
	src := <-listed
	if err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("build %s: %w", fn.Name, ctx.Err())
		}
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return nil, &functions.BuildError{Function: fn.Name, Output: fmt.Sprintf("running %s: %v", goTool, err)}
		}
		return nil, &functions.BuildError{Function: fn.Name, Output: sitePaths(string(out), fn)}
	}
	if src.name != "" && src.name != "main" {
		// go build makes an archive of any other package, and says nothing.
		os.Remove(tmp)
		return nil, &functions.BuildError{Function: fn.Name, Output: fmt.Sprintf(
			"%s holds package %s; a Go function is a main package whose main calls lambda.Start",
			sitePath(fn.Entry, fn), src.name)}
	}
	if err := os.Rename(tmp, binary); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	art := &Artifact{fn: fn, binary: binary, files: src.files}
	traits := readBinaryTraits(binary)
	art.noRPC = traits.noRPC
	if traits.rpcOnly {
		art.transport.Store(int32(TransportRPC))
	}
	return art, nil
}

// goTool finds the go command, or says how to get one.
func (r *Runtime) goTool() (string, error) {
	name := r.opts.Go
	if name == "" {
		name = "go"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("the Go toolchain was not found (%v).\n"+
			"Go functions are compiled with go build: install Go 1.26 or newer from https://go.dev/dl/ "+
			"and make sure `go` is on your PATH", err)
	}
	return path, nil
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// compilerLine matches "path.go:line[:col]: message", the start of a compiler error.
var compilerLine = regexp.MustCompile(`^(\S[^:]*\.go):(\d+)`)

// sitePaths rewrites the file paths in go build's output, relative to the folder it ran
// in, to paths relative to the site (or absolute when outside it).
func sitePaths(out string, fn *functions.Function) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		m := compilerLine.FindStringSubmatchIndex(l)
		if m == nil {
			continue
		}
		p := l[m[2]:m[3]]
		lines[i] = sitePath(p, fn) + l[m[3]:]
	}
	return strings.Join(lines, "\n")
}

func sitePath(p string, fn *functions.Function) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(fn.Entry, p)
	}
	if fn.SiteDir == "" {
		return p
	}
	rel, err := filepath.Rel(fn.SiteDir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return p
	}
	return rel
}

// listedPackage is the part of go list -json that names a package's source files.
type listedPackage struct {
	Name       string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Module     *struct {
		Main    bool
		GoMod   string
		Replace *struct {
			Version string
			GoMod   string
		}
	}
}

// local reports whether the package's files are the user's to edit: the main module,
// a module replaced by a folder, or no module at all.
func (p *listedPackage) local() bool {
	if p.Standard {
		return false
	}
	m := p.Module
	return m == nil || m.Main || (m.Replace != nil && m.Replace.Version == "")
}

// listing is what go list tells of the package in a folder.
type listing struct {
	name  string   // the package's name; "" when go list failed
	files []string // the files its build reads that the user may edit
}

// listSources lists the package in dir and the files its build reads that the user
// may edit; when go list fails, the folder's .go files.
func listSources(ctx context.Context, goTool, dir string) listing {
	cmd := exec.CommandContext(ctx, goTool, "list", "-e", "-deps",
		"-json=Name,Dir,Standard,GoFiles,CgoFiles,EmbedFiles,Module", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		return listing{files: files}
	}
	var name string
	seen := map[string]bool{}
	var files []string
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			break
		}
		name = p.Name // -deps lists the package itself last
		if !p.local() {
			continue
		}
		for _, group := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, f := range group {
				add(filepath.Join(p.Dir, f))
			}
		}
		if m := p.Module; m != nil {
			gomod := m.GoMod
			if m.Replace != nil && m.Replace.GoMod != "" {
				gomod = m.Replace.GoMod
			}
			if gomod != "" {
				add(gomod)
				// go.sum even before it exists: go get creates it, and that must rebuild.
				add(strings.TrimSuffix(gomod, ".mod") + ".sum")
			}
		}
	}
	return listing{name: name, files: files}
}

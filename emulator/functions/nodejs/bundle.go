package nodejs

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/internal/procs"
)

//go:embed shim.js
var shimScript string

//go:embed cookies.js
var cookiesScript string

// workerScript is the worker: shim.js with cookies.js in it. It is made on first use,
// not as every dev command starts (50 KB and half a millisecond of its start on the
// machine of docs/performance.md).
var workerScript = sync.OnceValue(func() []byte { return []byte(WithCookies(shimScript)) })

// includeCookies is the line a script puts where cookies.js goes.
const includeCookies = "// @include cookies.js"

// WithCookies is script with cookies.js (production's cookie rules and context.cookies)
// in place of its "// @include cookies.js" line: the worker and dev's framework preload
// share them.
func WithCookies(script string) string {
	return strings.Replace(script, includeCookies, cookiesScript, 1)
}

// workerFile is the worker's name in the cache dir; .cjs so a site's "type":"module" does not apply.
const workerFile = "dev-worker.cjs"

// Artifact is a bundled JS function. It implements functions.Artifact.
type Artifact struct {
	fn       *functions.Function
	bundle   string
	worker   string
	files    []string
	warnings []string
	threads  bool // the bundle imports worker_threads: its workers start as workerArgs.threads says
}

var _ functions.Artifact = (*Artifact)(nil)

func (a *Artifact) Function() *functions.Function { return a.fn }

// Files are the sources esbuild read, outside node_modules, as absolute paths.
func (a *Artifact) Files() []string { return a.files }

// Bundle is the path of the bundled CommonJS file.
func (a *Artifact) Bundle() string { return a.bundle }

// Warnings are esbuild's warnings, formatted like BuildError.Output lines.
func (a *Artifact) Warnings() []string { return a.warnings }

// Build bundles fn.Entry with esbuild into the cache dir. A failed bundle is a *functions.BuildError.
func (r *Runtime) Build(ctx context.Context, fn *functions.Function) (functions.Artifact, error) {
	major := minNodeMajor
	if node, err := r.findNode(); err == nil {
		major = node.major
	}
	workDir := fn.SiteDir
	if workDir == "" {
		workDir = filepath.Dir(fn.Entry)
	}
	dir := r.cacheDir(fn)
	out := filepath.Join(dir, fn.Name+".cjs")

	res, err := bundle(ctx, bundleOptions(fn.Entry, out, workDir, major))
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	if len(res.Errors) > 0 {
		return nil, &functions.BuildError{Function: fn.Name, Output: strings.Join(messageLines(res.Errors, ""), "\n")}
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("build %s: esbuild wrote %d files, want 1", fn.Name, len(res.OutputFiles))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	if err := writeAtomic(out, res.OutputFiles[0].Contents); err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	worker := filepath.Join(dir, workerFile)
	if err := writeIfChanged(worker, workerScript()); err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	files, threads, err := readMetafile(res.Metafile, workDir)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", fn.Name, err)
	}
	return &Artifact{
		fn:       fn,
		bundle:   out,
		worker:   worker,
		files:    files,
		warnings: messageLines(res.Warnings, "warning: "),
		threads:  threads,
	}, nil
}

func bundleOptions(entry, out, workDir string, nodeMajor int) api.BuildOptions {
	return api.BuildOptions{
		EntryPoints:    []string{entry},
		Outfile:        out,
		AbsWorkingDir:  workDir,
		Bundle:         true,
		Platform:       api.PlatformNode,
		Format:         api.FormatCommonJS,
		Engines:        []api.Engine{{Name: api.EngineNode, Version: strconv.Itoa(nodeMajor)}},
		Sourcemap:      api.SourceMapInline,
		SourcesContent: api.SourcesContentInclude,
		Metafile:       true,
		Write:          false,
		LogLevel:       api.LogLevelSilent,
		// ESM sources become CommonJS; without this import.meta.url would be undefined.
		Define:  map[string]string{"import.meta.url": "__dev_import_meta_url"},
		Banner:  map[string]string{"js": `var __dev_import_meta_url = require("url").pathToFileURL(__filename).href;`},
		Plugins: []api.Plugin{nativeAddons()},
	}
}

// bundle runs one esbuild build that ctx can cancel.
func bundle(ctx context.Context, opts api.BuildOptions) (api.BuildResult, error) {
	if err := ctx.Err(); err != nil {
		return api.BuildResult{}, err
	}
	defer procs.Wide()() // esbuild parses on every CPU
	bctx, cerr := api.Context(opts)
	if cerr != nil {
		return api.BuildResult{Errors: cerr.Errors}, nil
	}
	defer bctx.Dispose()
	stop := context.AfterFunc(ctx, bctx.Cancel)
	defer stop()
	res := bctx.Rebuild()
	if err := ctx.Err(); err != nil {
		return api.BuildResult{}, err
	}
	return res, nil
}

// messageLines formats esbuild messages as "file:line:col: text" (columns from 1, files
// relative to the site folder), one line per message and per located note.
func messageLines(msgs []api.Message, prefix string) []string {
	var lines []string
	for _, m := range msgs {
		lines = append(lines, locatedLine(m.Location, prefix+m.Text))
		for _, n := range m.Notes {
			if n.Location != nil {
				lines = append(lines, locatedLine(n.Location, "note: "+n.Text))
			}
		}
	}
	return lines
}

func locatedLine(loc *api.Location, text string) string {
	if loc == nil {
		return text
	}
	return fmt.Sprintf("%s:%d:%d: %s", loc.File, loc.Line, loc.Column+1, text)
}

// readMetafile lists the metafile's inputs that are files outside node_modules, and
// says whether any input imports node's worker_threads, whose threads read what node
// read as it started (workerArgs.threads).
func readMetafile(metafile, workDir string) (files []string, threads bool, err error) {
	var meta struct {
		Inputs map[string]struct {
			Imports []struct {
				Path string `json:"path"`
			} `json:"imports"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, false, fmt.Errorf("read esbuild metafile: %w", err)
	}
	files = make([]string, 0, len(meta.Inputs))
	for input, in := range meta.Inputs {
		for _, im := range in.Imports {
			threads = threads || im.Path == "worker_threads" || im.Path == "node:worker_threads"
		}
		if inNamespace(input) {
			continue
		}
		path := filepath.FromSlash(input)
		if !filepath.IsAbs(path) {
			path = filepath.Join(workDir, path)
		}
		if inNodeModules(path) {
			continue
		}
		files = append(files, path)
	}
	slices.Sort(files)
	return files, threads, nil
}

// inNamespace reports whether a metafile input is "namespace:path" rather than a file,
// e.g. "(disabled):fs".
func inNamespace(input string) bool {
	i := strings.Index(input, ":")
	return i > 0 && !strings.ContainsAny(input[:i], `/\`) && !filepath.IsAbs(filepath.FromSlash(input))
}

func inNodeModules(path string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(path), "/"), "node_modules")
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := cmp.Or(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return writeAtomic(path, data)
}

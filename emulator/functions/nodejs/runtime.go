// Package nodejs runs JavaScript and TypeScript Netlify Functions on the local Node.js as
// production runs them: esbuild (in process) bundles the entry into one CommonJS file with
// an inline source map, and a long-lived node worker, started with an embedded shim, calls
// the Lambda-compatible handler(event, context) or the v2 default(Request, context) for each
// invocation; a v2 function also gets production's per-invocation globalThis.Netlify and
// netlifyIdentityContext, which @netlify/identity reads on the server. The worker talks to
// dev over dedicated pipes (fd 3 and 4; a loopback socket on Windows), so the function's
// stdout and stderr stay its own; protocol.go describes it.
package nodejs

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// Options configure a Runtime. The zero value works: node from PATH, bundles under the site.
type Options struct {
	// Node is the node executable; empty means "node" looked up on PATH.
	Node string
	// CacheDir returns the folder that receives fn's bundle and the worker script;
	// nil means <SiteDir>/.netlify/dev/functions/js/<name>.
	CacheDir func(fn *functions.Function) string
	// ExtraNodeArgs go before the worker script, e.g. "--inspect=127.0.0.1:9229".
	ExtraNodeArgs []string
	// StartTimeout bounds how long a worker may take to load its function, as Lambda
	// bounds a function's init: 10 s when zero, none when negative (a debugger may
	// hold the module's top level at a breakpoint).
	StartTimeout time.Duration
}

// defaultStartTimeout is Lambda's limit on a function's init phase.
const defaultStartTimeout = 10 * time.Second

// Runtime builds and starts JS functions. It implements functions.Runtime.
type Runtime struct {
	opts Options

	mu sync.Mutex
	// node is the node found, once found; a failed look is repeated, so installing
	// node later works. Its own lock, held while node --version runs, keeps a look
	// from holding up what waits on mu (a spare worker starting meanwhile).
	nodeMu sync.Mutex
	node   nodeInfo

	useTCP bool // the Windows channel, also on Unix (tests)

	spare    *spare // a worker booted ahead, under mu (spare.go)
	spareGen int    // bumped by StopPrewarmed, so a Prewarm under way keeps nothing
}

var _ functions.Runtime = (*Runtime)(nil)

// New returns a Runtime; node is looked for on first use (see Check).
func New(opts Options) *Runtime {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = defaultStartTimeout
	}
	return &Runtime{opts: opts}
}

// DefaultCacheDir is where a function's bundle goes unless Options.CacheDir says otherwise.
// Inside the site, so packages left external (native addons) resolve from its node_modules.
func DefaultCacheDir(fn *functions.Function) string {
	return filepath.Join(fn.SiteDir, ".netlify", "dev", "functions", "js", fn.Name)
}

func (r *Runtime) cacheDir(fn *functions.Function) string {
	if r.opts.CacheDir != nil {
		return r.opts.CacheDir(fn)
	}
	return DefaultCacheDir(fn)
}

// Check finds node and checks its version; the error tells the user what to install.
func (r *Runtime) Check() error {
	_, err := r.findNode()
	return err
}

// NodeVersion is the version of the node Check found ("20.20.2"), or "" without one.
func (r *Runtime) NodeVersion() string {
	node, _ := r.findNode()
	return node.version
}

func (r *Runtime) findNode() (nodeInfo, error) {
	r.nodeMu.Lock()
	defer r.nodeMu.Unlock()
	if r.node.path != "" {
		return r.node, nil
	}
	node, err := findNode(r.opts.Node, r.keepDir())
	if err != nil {
		return nodeInfo{}, err
	}
	r.node = node
	return node, nil
}

// keepDir is where the versions of the nodes found are kept from one run to the next
// (node.go): dev's cache folder, or none when the runtime was given its own folders
// (tests) or the machine has no cache folder.
func (r *Runtime) keepDir() string {
	if r.opts.CacheDir != nil {
		return ""
	}
	return userKeepDir()
}

// userKeepDir is keepDir for a caller without a runtime (Check).
func userKeepDir() string { return userCacheDir("node") }

// userCacheDir is the folder name in dev's cache folder (os.UserCacheDir()/dev), or ""
// when the machine has no cache folder.
func userCacheDir(name string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "dev", name)
}

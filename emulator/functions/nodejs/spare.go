package nodejs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// spareIdle is how long a spare worker waits for a function before it is stopped, so
// that a site whose JS functions are never called does not keep a node process.
const spareIdle = 30 * time.Second

// A spare is a worker booted before any function needed it: node's own start (60 ms
// on the 2-core machine of docs/performance.md with the system bundle in
// NODE_EXTRA_CA_CERTS, 43 ms with it narrowed by cacerts.go) then runs while dev still
// opens its store and builds, instead of after the first request has waited for the
// build.
type spare struct {
	in    *instance
	node  string
	env   []string
	dir   string
	timer *time.Timer
}

var _ functions.Prewarmer = (*Runtime)(nil)

// Prewarm boots one spare worker, for the first function that starts with the same
// environment; it waits in fn's cache folder. Only one spare is kept, and it is not
// replaced once used: every later instance starts as usual.
func (r *Runtime) Prewarm(fn *functions.Function, env []string) error {
	// Not findNode: node --version would hold up the spare's own start, and Start
	// checks the version before it uses a spare. A version known already (kept from an
	// earlier run) lets the spare's certificates wait (cacerts.go).
	name := r.opts.Node
	if name == "" {
		name = "node"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil // Start says what to install
	}
	node := knownNode(path, r.keepDir())
	r.mu.Lock()
	gen := r.spareGen
	busy := r.spare != nil
	r.mu.Unlock()
	if busy {
		return nil
	}
	dir := r.cacheDir(fn)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	worker := filepath.Join(dir, workerFile)
	if err := writeIfChanged(worker, workerScript()); err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	in, err := r.spawn(node, workerArgs{worker: worker, bundle: "-", fn: fn}, functions.StartOptions{Env: env})
	if err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	sp := &spare{in: in, node: node.path, env: env, dir: fn.SiteDir}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.spare != nil || r.spareGen != gen {
		go in.Close()
		return nil
	}
	r.spare = sp
	sp.timer = time.AfterFunc(spareIdle, func() { r.dropSpare(sp) })
	return nil
}

// StopPrewarmed stops the spare worker, if one still waits.
func (r *Runtime) StopPrewarmed() {
	r.mu.Lock()
	sp := r.spare
	r.spare = nil
	r.spareGen++
	r.mu.Unlock()
	if sp != nil {
		sp.timer.Stop()
		sp.in.Close()
	}
}

func (r *Runtime) dropSpare(sp *spare) {
	r.mu.Lock()
	mine := r.spare == sp
	if mine {
		r.spare = nil
	}
	r.mu.Unlock()
	if mine {
		sp.in.Close()
	}
}

// takeSpare hands out the spare worker for art when one waits with the node, the
// environment and the folder the function needs, and is still alive. A function with
// threads never gets it: a spare starts as a worker without threads does (workerArgs).
func (r *Runtime) takeSpare(node string, art *Artifact, opts functions.StartOptions) *instance {
	r.mu.Lock()
	sp := r.spare
	r.spare = nil
	r.mu.Unlock()
	if sp == nil {
		return nil
	}
	sp.timer.Stop()
	alive := true
	select {
	case <-sp.in.exited:
		alive = false
	default:
	}
	if !alive || sp.node != node || sp.dir != art.fn.SiteDir || !slices.Equal(sp.env, opts.Env) || art.threads {
		go sp.in.Close()
		return nil
	}
	sp.in.fn = art.fn
	sp.in.output.setLog(opts.Log)
	return sp.in
}

// Package golang runs Go Netlify functions as production does: it builds the
// function's main package with go build and runs the binary as Lambda's provided.al2
// runtime runs a bootstrap, serving it the Lambda Runtime API on a local port.
//
// Binaries that know only the legacy go1.x protocol (net/rpc on _LAMBDA_SERVER_PORT)
// are spoken to in that protocol instead. They are recognized by their build info
// (aws-lambda-go before v1.18.0, which would wait forever on a random port), or by
// exiting at their first start with a complaint about _LAMBDA_SERVER_PORT; the
// artifact remembers it, so later starts go straight to RPC.
package golang

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// Options configure a Runtime. The zero value is ready to use.
type Options struct {
	// Go is the go tool; the default is the "go" found on PATH.
	Go string
	// CacheDir holds the builds, one folder per function: CacheDir/<name>/bootstrap.
	// The default is <site>/.netlify/dev/functions/go.
	CacheDir string
	// BuildFlags go to go build before the package, e.g. "-gcflags=all=-N -l" for a debugger.
	BuildFlags []string
	// ForceRPC talks the legacy _LAMBDA_SERVER_PORT net/rpc protocol to every binary,
	// instead of only to those that know nothing else (built with aws-lambda-go before
	// v1.18.0). A binary built with -tags lambda.norpc then fails to start.
	ForceRPC bool
	// StartTimeout bounds how long a started process may take to become ready; 10 s by default.
	StartTimeout time.Duration
	// Region is the AWS region the function is told it runs in (AWS_REGION); the default
	// is us-east-2, where Netlify deploys functions of sites created since October 2023.
	Region string
}

// Runtime builds and runs Go functions; it implements functions.Runtime.
type Runtime struct {
	opts Options
}

var _ functions.Runtime = (*Runtime)(nil)

// New returns a Runtime with opts.
func New(opts Options) *Runtime {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 10 * time.Second
	}
	return &Runtime{opts: opts}
}

// cacheDir is the folder that holds fn's build.
func (r *Runtime) cacheDir(fn *functions.Function) string {
	root := r.opts.CacheDir
	if root == "" {
		root = filepath.Join(fn.SiteDir, ".netlify", "dev", "functions", "go")
	}
	return filepath.Join(root, fn.Name)
}

// Start runs an instance of a built function and returns once it is ready for its
// first invocation.
func (r *Runtime) Start(ctx context.Context, a functions.Artifact, opts functions.StartOptions) (functions.Instance, error) {
	art, ok := a.(*Artifact)
	if !ok {
		return nil, fmt.Errorf("golang: cannot start a %T; it was not built by this runtime", a)
	}
	if r.opts.ForceRPC && art.noRPC {
		return nil, fmt.Errorf("start %s: it was built with -tags lambda.norpc, so it cannot speak RPC", art.fn.Name)
	}
	if r.opts.ForceRPC {
		return nilIfFailed(startRPC(ctx, r, art, opts))
	}
	if art.Transport() == TransportRPC {
		warnLegacy(art, opts)
		return nilIfFailed(startRPC(ctx, r, art, opts))
	}
	in, err := startRuntimeAPI(ctx, r, art, opts)
	if err == errLegacyBinary {
		// Remembered for the artifact: later starts go straight to RPC.
		art.transport.Store(int32(TransportRPC))
		warnLegacy(art, opts)
		return nilIfFailed(startRPC(ctx, r, art, opts))
	}
	if err == nil {
		art.transport.Store(int32(TransportRuntimeAPI))
	}
	return nilIfFailed(in, err)
}

// warnLegacy says once per build that the function only runs here: Lambda's
// provided.al2 runtime, which Netlify runs Go functions on, does not speak RPC.
func warnLegacy(art *Artifact, opts functions.StartOptions) {
	if opts.Log != nil && art.warned.CompareAndSwap(false, true) {
		opts.Log("stderr", "dev: "+art.fn.Name+" speaks only the retired go1.x protocol (aws-lambda-go before v1.18.0); "+
			"dev runs it, but Netlify's provided.al2 runtime will not: go get github.com/aws/aws-lambda-go@latest")
	}
}

// nilIfFailed keeps a nil *Instance from becoming a non-nil functions.Instance.
func nilIfFailed(in *Instance, err error) (functions.Instance, error) {
	if err != nil {
		return nil, err
	}
	return in, nil
}

func (r *Runtime) region() string {
	if r.opts.Region == "" {
		return "us-east-2"
	}
	return r.opts.Region
}

package nodejs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// Node (before 22) reads NODE_EXTRA_CA_CERTS as it starts, before any code runs: it
// builds its whole root store, the ~140 certificates it bundles, then adds the file's.
// With the system bundle that machines behind a proxy name there (144 certificates),
// that is 40 ms of a worker's 60 ms start on the 2-core machine of
// docs/performance.md, paid by every worker: the first call's, each rebuild's, each
// new instance's. Without the variable node builds its store only when a TLS
// connection needs it.
//
// Most of such a bundle repeats node's own roots. So a worker is given a file of only
// the certificates node does not bundle, and no variable when none are left: node
// trusts the same set either way, its roots and the file's. Node's roots are asked of
// the node binary once, in the background (the workers that start meanwhile get the
// variable as it is), and the answer is kept with the smaller file in dev's cache
// folder (os.UserCacheDir()/dev/node-ca) for the next run, under the file's contents
// and the node binary's identity. Anything dev cannot read the same way node does (a
// relative path, a block that is not a certificate, one Go cannot parse, a node told to
// use OpenSSL's store instead of its own, a node behind a version manager's shim, which
// may run another node tomorrow) leaves the variable as it is.

const extraCAVar = "NODE_EXTRA_CA_CERTS"

// maxCAFile bounds the file dev reads to make a smaller one; a larger one is passed on.
const maxCAFile = 16 << 20

// caDir is where the smaller files are kept: dev's cache folder, as they depend on the
// machine, not the site; beside the functions' cache folders when the runtime was given
// its own (tests), or when the machine has no cache folder (a name with a dot is never
// a function's).
func (r *Runtime) caDir(fn *functions.Function) string {
	if r.opts.CacheDir == nil {
		if dir := userCacheDir("node-ca"); dir != "" {
			return dir
		}
	}
	return filepath.Join(filepath.Dir(r.cacheDir(fn)), ".node-ca")
}

// caCerts makes the smaller files: one per process.
var caCerts = &extraCAs{answers: map[caFileKey]*caAnswer{}}

type extraCAs struct {
	mu      sync.Mutex
	answers map[caFileKey]*caAnswer
}

// caFileKey names one NODE_EXTRA_CA_CERTS file as one node binary would read it: the
// file by its contents, node by its real path and fileStamp.
type caFileKey struct {
	dir      string // where the answer is kept
	file     string
	contents [32]byte
	node     string
	stamp    string
}

// caAnswer is what a worker's environment gets for one file: the variable's new
// value, or none at all (drop), or the variable as it is (neither).
type caAnswer struct {
	ready chan struct{} // closed once the answer below is set
	value string
	drop  bool
}

// workerEnv is env with NODE_EXTRA_CA_CERTS narrowed to what node does not bundle, for
// a worker of node started in siteDir, and handed to the worker to trust after its
// start when node would otherwise read it while starting (lateCAVar). It costs a
// worker's start a few stats and the read of the file (about 0.2 ms for a system
// bundle); the work itself is done in the background, and until it is done the
// variable is left.
func (c *extraCAs) workerEnv(node nodeInfo, late bool, dir, siteDir string, args, env []string) []string {
	i := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, extraCAVar+"=") })
	if i < 0 {
		return env
	}
	file := strings.TrimPrefix(env[i], extraCAVar+"=")
	if !filepath.IsAbs(file) || usesOpenSSLStore(args, env) {
		return env // a relative path is node's to resolve, from the site
	}
	raw, ok := readCAFile(file)
	if !ok {
		return env // node says what is wrong with it
	}
	real, stamp, ok := nodeIdentity(node.path)
	if !ok {
		return env
	}
	key := caFileKey{dir: dir, file: file, contents: sha256.Sum256(raw), node: real, stamp: stamp}
	c.mu.Lock()
	ans := c.answers[key]
	if ans == nil {
		ans = &caAnswer{ready: make(chan struct{})}
		c.answers[key] = ans
		if ans.recall(key) {
			close(ans.ready)
		} else {
			go ans.find(key, raw, siteDir, env)
		}
	}
	c.mu.Unlock()
	select {
	case <-ans.ready:
	default:
		return env // not known yet: this worker reads the whole file
	}
	if ans.value != "" {
		if _, err := os.Stat(ans.value); err != nil { // the folder was cleaned meanwhile
			c.mu.Lock()
			delete(c.answers, key)
			c.mu.Unlock()
			return env
		}
	}
	out := slices.Clone(env)
	switch {
	case ans.drop:
		return slices.Delete(out, i, i+1)
	case ans.value != "" && late && readsCAsAtStart(node.major):
		out[i] = lateCAVar + "=" + ans.value
	case ans.value != "":
		out[i] = extraCAVar + "=" + ans.value
	}
	return out
}

// Even the narrowed file costs a worker's start: Node before 22 builds its whole root
// store (its ~140 bundled certificates) as it starts whenever NODE_EXTRA_CA_CERTS is
// set, 20 ms of a 43 ms `node -e 0` on the machine of docs/performance.md, where
// without the variable it builds the store only for its first TLS connection. So such
// a worker is given the file under lateCAVar instead: the worker script sets
// NODE_EXTRA_CA_CERTS back for the function (and the processes it starts), and adds
// the file's certificates where node adds its roots to a secure context made without a
// ca, before the function's module loads (shim.js, trustLate). A node whose version is
// not known yet (a spare booted before any run asked it) gets the variable as it is,
// and so does a function whose bundle imports worker_threads (not late, see
// workerArgs.threads): a thread has node's bindings of its own, which the worker script
// does not reach.
const lateCAVar = "DEV_LATE_EXTRA_CA_CERTS"

// readsCAsAtStart reports whether node of major version reads NODE_EXTRA_CA_CERTS, and
// builds its root store, as it starts.
func readsCAsAtStart(major int) bool { return major >= minNodeMajor && major < 22 }

// readCAFile reads a NODE_EXTRA_CA_CERTS file of at most maxCAFile bytes.
func readCAFile(file string) ([]byte, bool) {
	f, err := os.Open(file)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxCAFile {
		return nil, false
	}
	// Sized from the stat, so that the buffer is not grown and copied ten times over
	// for a system bundle of 200 KB (2 ms of a worker's spawn here, against 0.8).
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, maxCAFile+1)); err != nil || buf.Len() > maxCAFile {
		return nil, false
	}
	return buf.Bytes(), true
}

// nodeIdentity is the node binary that node names (through its links) and a stamp of
// it that changes whenever it is replaced. ok is false for a version manager's shim (a
// script, or a program not called node, as volta's and mise's are): which node it runs
// depends on where and when it is run, so what node bundles cannot be kept.
func nodeIdentity(node string) (real, stamp string, ok bool) {
	real, err := filepath.EvalSymlinks(node)
	if err != nil {
		return "", "", false
	}
	if base := strings.TrimSuffix(strings.ToLower(filepath.Base(real)), ".exe"); base != "node" {
		return "", "", false
	}
	f, err := os.Open(real)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	head := make([]byte, 2)
	if n, _ := io.ReadFull(f, head); n == 2 && string(head) == "#!" {
		return "", "", false
	}
	st, err := f.Stat()
	if err != nil {
		return "", "", false
	}
	return real, fileStamp(st), true
}

// kept is the file that keeps the answer for key from one run to the next.
func (key caFileKey) kept() string {
	id := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%x\x00%s\x00%s", key.file, key.contents, key.node, key.stamp)))
	return filepath.Join(key.dir, "for-"+hex.EncodeToString(id[:12]))
}

// recall sets the answer an earlier run kept, if there is one.
func (a *caAnswer) recall(key caFileKey) bool {
	raw, err := os.ReadFile(key.kept())
	if err != nil {
		return false
	}
	switch v := string(raw); {
	case v == "drop":
		a.drop = true
	case v == "keep":
	case filepath.Dir(v) == key.dir:
		if _, err := os.Stat(v); err != nil {
			return false
		}
		a.value = v
	default:
		return false
	}
	return true
}

// find sets the answer by asking node (run where its workers run) for its roots and
// narrowing the file's contents raw, and keeps it for the next run.
func (a *caAnswer) find(key caFileKey, raw []byte, siteDir string, env []string) {
	defer close(a.ready)
	roots, ok := askRoots(key.node, siteDir, env)
	if !ok {
		return // asked again next run
	}
	a.value, a.drop = narrow(raw, roots, key.dir)
	word := "keep"
	switch {
	case a.drop:
		word = "drop"
	case a.value != "":
		word = a.value
	}
	if os.MkdirAll(key.dir, 0o755) == nil {
		_ = writeAtomic(key.kept(), []byte(word))
	}
}

// usesOpenSSLStore reports whether node is told to trust OpenSSL's store (the system's)
// instead of its bundled roots, where a certificate it bundles may not be trusted.
func usesOpenSSLStore(args, env []string) bool {
	opts := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NODE_OPTIONS="); ok {
			opts = v
		}
	}
	return slices.Contains(args, "--use-openssl-ca") || strings.Contains(opts, "--use-openssl-ca")
}

// rootsProbe prints node's bundled roots and whether it was built to use OpenSSL's
// store by default.
const rootsProbe = `process.stdout.write(JSON.stringify({def: !!process.config.variables.openssl_use_def_ca_store, roots: require("tls").rootCertificates}))`

// askRoots asks node for the fingerprints of the roots it bundles and trusts; ok is
// false when it cannot tell (or trusts OpenSSL's store instead).
func askRoots(node, dir string, env []string) (map[[32]byte]bool, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", rootsProbe)
	cmd.Dir = dir
	cmd.Env = versionEnv(env) // no extra file to read: node's own roots are the question
	raw, err := cmd.Output()
	if err != nil {
		return nil, false
	}
	var res struct {
		Def   bool     `json:"def"`
		Roots []string `json:"roots"`
	}
	if json.Unmarshal(raw, &res) != nil || len(res.Roots) == 0 || res.Def {
		return nil, false
	}
	sums := map[[32]byte]bool{}
	for _, p := range res.Roots {
		b, _ := pem.Decode([]byte(p))
		if b == nil {
			return nil, false
		}
		sums[sha256.Sum256(b.Bytes)] = true
	}
	return sums, true
}

// narrow makes the file, in dir, of the certificates in raw that node does not bundle,
// and returns its path, or drop when there are none. It returns neither, leaving the
// variable as it is, when dev cannot read the file as node would.
func narrow(raw []byte, roots map[[32]byte]bool, dir string) (value string, drop bool) {
	var extra bytes.Buffer
	seen := map[[32]byte]bool{}
	rest, blocks := raw, 0 // pem.Decode skips a block it cannot decode: count them
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		blocks++
		if b.Type != "CERTIFICATE" || len(b.Headers) > 0 {
			return "", false
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "", false
		}
		sum := sha256.Sum256(b.Bytes)
		if roots[sum] || seen[sum] {
			continue
		}
		seen[sum] = true
		pem.Encode(&extra, b)
	}
	if blocks == 0 || bytes.Count(raw, []byte("-----BEGIN")) != blocks {
		return "", false // no certificate, or one Go could not decode: node's warning stands
	}
	if extra.Len() == 0 {
		return "", true
	}
	sum := sha256.Sum256(extra.Bytes())
	out := filepath.Join(dir, "extra-"+hex.EncodeToString(sum[:12])+".pem")
	if os.MkdirAll(dir, 0o755) != nil || writeIfChanged(out, extra.Bytes()) != nil {
		return "", false
	}
	return out, false
}

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
// variable as it is), and the answer is kept with the smaller file in the site's
// .netlify/dev/functions/js/.node-ca folder for the next run. Anything dev cannot read
// the same way node does (a relative path, a block that is not a certificate, one Go
// cannot parse, a node told to use OpenSSL's store instead of its own) leaves the
// variable as it is.

const extraCAVar = "NODE_EXTRA_CA_CERTS"

// maxCAFile bounds the file dev reads to make a smaller one; a larger one is passed on.
const maxCAFile = 16 << 20

// caDir is where the smaller files are kept, beside the functions' cache folders (a
// name with a dot is never a function's).
func (r *Runtime) caDir(fn *functions.Function) string {
	return filepath.Join(filepath.Dir(r.cacheDir(fn)), ".node-ca")
}

// caCerts makes the smaller files: one per process.
var caCerts = &extraCAs{answers: map[caFileKey]*caAnswer{}}

type extraCAs struct {
	mu      sync.Mutex
	answers map[caFileKey]*caAnswer
}

// caFileKey names one NODE_EXTRA_CA_CERTS file as one node binary would read it.
type caFileKey struct {
	dir        string // where the answer is kept
	file, node string
	size       int64
	mod        time.Time
	nodeSize   int64
	nodeMod    time.Time
}

// caAnswer is what a worker's environment gets for one file: the variable's new
// value, or none at all (drop), or the variable as it is (neither).
type caAnswer struct {
	ready chan struct{} // closed once the answer below is set
	value string
	drop  bool
}

// workerEnv is env with NODE_EXTRA_CA_CERTS narrowed to what node does not bundle. It
// costs a worker's start two stats and, once per run, the read of a small file; the
// work itself is done in the background, and until it is done the variable is left.
func (c *extraCAs) workerEnv(node, dir string, args, env []string) []string {
	i := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, extraCAVar+"=") })
	if i < 0 {
		return env
	}
	file := strings.TrimPrefix(env[i], extraCAVar+"=")
	if !filepath.IsAbs(file) || usesOpenSSLStore(args, env) {
		return env // a relative path is node's to resolve, from the site
	}
	st, err := os.Stat(file)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxCAFile {
		return env // node says what is wrong with it
	}
	nst, err := os.Stat(node)
	if err != nil {
		return env
	}
	key := caFileKey{dir: dir, file: file, node: node, size: st.Size(), mod: st.ModTime(), nodeSize: nst.Size(), nodeMod: nst.ModTime()}
	c.mu.Lock()
	ans := c.answers[key]
	if ans == nil {
		ans = &caAnswer{ready: make(chan struct{})}
		c.answers[key] = ans
		if ans.recall(key, dir) {
			close(ans.ready)
		} else {
			go ans.find(key, dir, env)
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
	case ans.value != "":
		out[i] = extraCAVar + "=" + ans.value
	}
	return out
}

// wait is for tests: it waits until every answer for files node reads is known.
func (c *extraCAs) wait(node string) {
	c.mu.Lock()
	var pending []*caAnswer
	for k, a := range c.answers {
		if k.node == node {
			pending = append(pending, a)
		}
	}
	c.mu.Unlock()
	for _, a := range pending {
		<-a.ready
	}
}

// kept is the file in dir that keeps the answer for key from one run to the next.
func (key caFileKey) kept(dir string) string {
	id := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%d\x00%d",
		key.file, key.size, key.mod.UnixNano(), key.node, key.nodeSize, key.nodeMod.UnixNano())))
	return filepath.Join(dir, "for-"+hex.EncodeToString(id[:12]))
}

// recall sets the answer an earlier run kept in dir, if there is one.
func (a *caAnswer) recall(key caFileKey, dir string) bool {
	raw, err := os.ReadFile(key.kept(dir))
	if err != nil {
		return false
	}
	switch v := string(raw); {
	case v == "drop":
		a.drop = true
	case v == "keep":
	case filepath.Dir(v) == dir:
		if _, err := os.Stat(v); err != nil {
			return false
		}
		a.value = v
	default:
		return false
	}
	return true
}

// find sets the answer by asking node for its roots and narrowing the file, and keeps
// it in dir for the next run.
func (a *caAnswer) find(key caFileKey, dir string, env []string) {
	defer close(a.ready)
	roots, ok := askRoots(key.node, env)
	if !ok {
		return // asked again next run
	}
	a.value, a.drop = narrow(key.file, roots, dir)
	word := "keep"
	switch {
	case a.drop:
		word = "drop"
	case a.value != "":
		word = a.value
	}
	if os.MkdirAll(dir, 0o755) == nil {
		_ = writeAtomic(key.kept(dir), []byte(word))
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
func askRoots(node string, env []string) (map[[32]byte]bool, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", rootsProbe)
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

// narrow makes the file of file's certificates that node does not bundle, and returns
// its path, or drop when there are none. It returns neither, leaving the variable as
// it is, when dev cannot read the file as node would.
func narrow(file string, roots map[[32]byte]bool, dir string) (value string, drop bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	f.Close()
	if err != nil || len(raw) > maxCAFile {
		return "", false
	}
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

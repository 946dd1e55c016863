package nodejs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// newCA makes a CA certificate and its key.
func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func sums(pems ...[]byte) map[[32]byte]bool {
	out := map[[32]byte]bool{}
	for _, p := range pems {
		b, _ := pem.Decode(p)
		out[sha256.Sum256(b.Bytes)] = true
	}
	return out
}

// What node bundles is left out of the smaller file, once, and what it does not is
// kept; a file of only what node bundles drops the variable; a file dev cannot read
// as node does is passed on as it is.
func TestNarrowKeepsWhatNodeDoesNotBundle(t *testing.T) {
	_, _, a := newCA(t, "a")
	_, _, b := newCA(t, "b")
	_, _, c := newCA(t, "c")
	roots := sums(a, b)
	file := func(parts ...string) []byte { return []byte(strings.Join(parts, "")) }
	out := filepath.Join(t.TempDir(), "out")

	value, drop := narrow(file("# a bundle\n", string(a), string(c), "\n# again\n", string(b), string(c)), roots, out)
	if drop || value == "" {
		t.Fatalf("a file with one certificate node lacks: value %q, drop %v", value, drop)
	}
	if got, _ := os.ReadFile(value); string(got) != string(c) {
		t.Errorf("the smaller file holds:\n%s\nwant only c:\n%s", got, c)
	}
	if value, drop := narrow(file(string(b), string(a)), roots, out); !drop || value != "" {
		t.Errorf("a file of node's roots only: value %q, drop %v; want the variable dropped", value, drop)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	broken := strings.Replace(string(c), "MII", "M!I", 1)
	for name, parts := range map[string][]string{
		"key.pem":    {string(a), string(key), string(c)},
		"broken.pem": {string(a), broken[:len(broken)/2] + broken[len(broken)/2+10:]},
		"empty.pem":  {"not a certificate\n"},
		"notder.pem": {string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})), string(c)},
	} {
		if value, drop := narrow(file(parts...), roots, out); drop || value != "" {
			t.Errorf("%s: value %q, drop %v; want the variable left as it is", name, value, drop)
		}
	}
}

// A function's worker trusts what NODE_EXTRA_CA_CERTS adds to node's roots, before dev
// knows node's roots (the first worker reads the whole file) and after (a later worker
// reads a file of what node does not bundle); a file of node's roots only is dropped,
// and then the server signed by the test's CA is not trusted, so the trust came from
// the file.
func TestWorkersTrustTheExtraCertificatesThroughTheSmallerFile(t *testing.T) {
	rt := testRuntime(t)
	srv, caPEM, nodeRoots := serverOfANewCA(t, rt)

	dir := t.TempDir()
	withCA := filepath.Join(dir, "with-ca.pem")
	onlyRoots := filepath.Join(dir, "only-roots.pem")
	os.WriteFile(withCA, []byte(nodeRoots+"\n"+string(caPEM)), 0o644)
	os.WriteFile(onlyRoots, []byte(nodeRoots), 0o644)

	a := build(t, rt, "fetchtls")
	fetch := func(file string) (result string, extra *string) {
		t.Helper()
		in := startWithCAs(t, rt, a, file)
		defer in.Close()
		got := fetchTLS(t, in, srv.URL, "")
		return got.Result, got.Extra
	}

	if result, extra := fetch(withCA); result != "204" || extra == nil || *extra != withCA {
		t.Fatalf("first worker: %s with NODE_EXTRA_CA_CERTS %v, want 204 with the whole file", result, deref(extra))
	}
	caCerts.wait()
	result, extra := fetch(withCA)
	if result != "204" || extra == nil || !strings.HasPrefix(*extra, rt.caDir(a.fn)) {
		t.Fatalf("later worker: %s with NODE_EXTRA_CA_CERTS %v, want 204 with a file in %s", result, deref(extra), rt.caDir(a.fn))
	}
	if got, _ := os.ReadFile(*extra); string(got) != string(caPEM) {
		t.Errorf("the smaller file holds:\n%s\nwant the test's CA only", got)
	}

	// The file replaced by one of the same size and time, with another CA: the old
	// answer is not given; the worker reads the new file whole until dev knows.
	// An ECDSA signature's length varies by a byte or two, and so does the PEM's: new
	// CAs are made until one has the first's size.
	st, _ := os.Stat(withCA)
	var otherPEM []byte
	for range 200 {
		if _, _, otherPEM = newCA(t, "dev test CB"); len(otherPEM) == len(caPEM) {
			break
		}
	}
	if len(otherPEM) != len(caPEM) {
		t.Fatalf("no second CA's PEM of the first's %d bytes in 200 tries: the test needs the same size", len(caPEM))
	}
	os.WriteFile(withCA, []byte(nodeRoots+"\n"+string(otherPEM)), 0o644)
	os.Chtimes(withCA, st.ModTime(), st.ModTime())
	if result, extra := fetch(withCA); extra == nil || *extra != withCA || result != "UNABLE_TO_VERIFY_LEAF_SIGNATURE" {
		t.Fatalf("after the file changed: %s with NODE_EXTRA_CA_CERTS %v, want the whole new file (which does not trust the test's server)", result, deref(extra))
	}

	fetch(onlyRoots)
	caCerts.wait()
	if result, extra := fetch(onlyRoots); extra != nil || result != "UNABLE_TO_VERIFY_LEAF_SIGNATURE" {
		t.Fatalf("a file of node's roots only: %s with NODE_EXTRA_CA_CERTS %v, want the variable dropped and the test's server not trusted", result, deref(extra))
	}
}

// serverOfANewCA is an HTTPS server whose certificate a new CA signed, that CA, and
// the first five of the roots node bundles.
func serverOfANewCA(t *testing.T, rt *Runtime) (*httptest.Server, []byte, string) {
	t.Helper()
	node, err := rt.findNode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node.path, "-p", `require("tls").rootCertificates.slice(0, 5).join("\n")`).Output()
	if err != nil {
		t.Fatalf("node's roots: %v", err)
	}
	caCert, caKey, caPEM := newCA(t, "dev test CA")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // node hanging up on an untrusted server
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, caPEM, string(out)
}

// startWithCAs starts a worker for a with NODE_EXTRA_CA_CERTS=file.
func startWithCAs(t *testing.T, rt *Runtime, a *Artifact, file string) functions.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in, err := rt.Start(ctx, a, functions.StartOptions{Env: append([]string{"NODE_EXTRA_CA_CERTS=" + file}, testEnv...)})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// tlsResult is what the fetchtls function answers.
type tlsResult struct {
	Result string
	Extra  *string // the function's NODE_EXTRA_CA_CERTS
	Late   *string // dev's variable for a file trusted after the start, if still visible
	// TLSBefore: node's tls module was loaded before the function's module began
	TLSBefore bool
}

// fetchTLS has the fetchtls function in in fetch u, with the query's other parameters.
func fetchTLS(t *testing.T, in functions.Instance, u, more string) tlsResult {
	t.Helper()
	res := invokeLambda(t, in, &functions.Invocation{ID: "fetch",
		Event: event("GET", "/.netlify/functions/fetchtls", "url="+url.QueryEscape(u)+more, "", nil)})
	var got tlsResult
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatalf("%s: %v", res.Body, err)
	}
	return got
}

// lateCARuntime is a test runtime whose node reads NODE_EXTRA_CA_CERTS as it starts, so
// that dev gives its workers the file after their start; the test is skipped otherwise.
func lateCARuntime(t *testing.T) *Runtime {
	t.Helper()
	rt := testRuntime(t)
	node, err := rt.findNode()
	if err != nil {
		t.Fatal(err)
	}
	if !readsCAsAtStart(node.major) {
		t.Skipf("node %s builds its root store only when a connection needs it: its workers get NODE_EXTRA_CA_CERTS as it is", node.version)
	}
	return rt
}

// rootsLearned writes a file of node's roots and caPEM, starts a worker of a with it
// (which gets it whole: dev does not know node's roots yet) and waits until dev has
// narrowed it; it returns the file's path.
func rootsLearned(t *testing.T, rt *Runtime, a *Artifact, nodeRoots string, caPEM []byte) string {
	t.Helper()
	withCA := filepath.Join(t.TempDir(), "with-ca.pem")
	os.WriteFile(withCA, []byte(nodeRoots+"\n"+string(caPEM)), 0o644)
	startWithCAs(t, rt, a, withCA).Close()
	caCerts.wait()
	return withCA
}

// A worker of Node before 22 starts without NODE_EXTRA_CA_CERTS once dev knows node's
// roots (node would build its whole root store while starting), and trusts the
// narrowed file's certificates afterwards wherever node would: https.get and fetch
// reach the server the test's CA signed, an explicit ca replaces them as it replaces
// node's roots, and the function sees NODE_EXTRA_CA_CERTS and not dev's own variable.
func TestWorkersOfNodeBefore22TrustTheCertificatesAfterTheirStart(t *testing.T) {
	rt := lateCARuntime(t)
	srv, caPEM, nodeRoots := serverOfANewCA(t, rt)
	a := build(t, rt, "fetchtls")
	withCA := rootsLearned(t, rt, a, nodeRoots, caPEM)

	in := startWithCAs(t, rt, a, withCA)
	defer in.Close()
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", in.(*instance).cmd.Process.Pid))
	if err != nil {
		t.Skipf("the worker's starting environment cannot be read here (%v); the rest is checked on Linux", err)
	}
	started := strings.Split(string(environ), "\x00")
	if slices.ContainsFunc(started, func(kv string) bool { return strings.HasPrefix(kv, extraCAVar+"=") }) {
		t.Errorf("node %s started with NODE_EXTRA_CA_CERTS set: it builds its root store while starting", rt.NodeVersion())
	}
	i := slices.IndexFunc(started, func(kv string) bool { return strings.HasPrefix(kv, lateCAVar+"=") })
	if i < 0 {
		t.Fatalf("the worker started without %s: %q", lateCAVar, started)
	}
	narrowed := strings.TrimPrefix(started[i], lateCAVar+"=")
	if got, _ := os.ReadFile(narrowed); string(got) != string(caPEM) {
		t.Errorf("the file given late holds:\n%s\nwant the test's CA only", got)
	}

	for _, c := range []struct{ more, want string }{
		{"", "204"},
		{"&via=fetch", "204"},
		{"&via=import", "204"},
		{"&ca=first-root", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"},
		{"", "204"}, // and again, on a new connection
	} {
		got := fetchTLS(t, in, srv.URL, c.more)
		if got.Result != c.want {
			t.Errorf("fetch%s: %s, want %s", c.more, got.Result, c.want)
		}
		if got.TLSBefore {
			t.Errorf("fetch%s: node's tls was loaded before the function's module: the worker loaded it to trust the file (5 ms of its start)", c.more)
		}
		if got.Extra == nil || *got.Extra != narrowed || got.Late != nil {
			t.Errorf("fetch%s: the function sees NODE_EXTRA_CA_CERTS %s and %s %s, want %s and none", c.more, deref(got.Extra), lateCAVar, deref(got.Late), narrowed)
		}
	}
}

// Where the worker cannot reach node's bindings (node's permission model refuses
// process.binding), it trusts the file given late by wrapping tls.createSecureContext
// instead, to the same effect.
func TestALateFileIsTrustedWithoutNodesBindings(t *testing.T) {
	rt := lateCARuntime(t)
	if node, _ := rt.findNode(); node.major < 20 {
		t.Skipf("node %s has no permission model to refuse process.binding", node.version)
	}
	srv, caPEM, nodeRoots := serverOfANewCA(t, rt)
	a := build(t, rt, "fetchtls")
	withCA := rootsLearned(t, rt, a, nodeRoots, caPEM)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	env := append([]string{"NODE_EXTRA_CA_CERTS=" + withCA, "NODE_OPTIONS=--experimental-permission --allow-fs-read=*"}, testEnv...)
	in, err := rt.Start(ctx, a, functions.StartOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, c := range []struct{ more, want string }{
		{"", "204"},
		{"&via=fetch", "204"},
		{"&ca=first-root", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"},
	} {
		got := fetchTLS(t, in, srv.URL, c.more)
		if got.Result != c.want {
			t.Errorf("fetch%s: %s, want %s", c.more, got.Result, c.want)
		}
		if !got.TLSBefore {
			t.Errorf("fetch%s: tls was not loaded before the function: the bindings were reached after all, so this tests nothing", c.more)
		}
	}
}

// A function that imports worker_threads gets NODE_EXTRA_CA_CERTS as it starts, not
// late: node's root store is the process's, and a thread has its own tls module, which
// the worker script does not reach. A spare booted for a late file is not used for it.
func TestAFunctionWithThreadsGetsTheCertificatesAtItsStart(t *testing.T) {
	rt := lateCARuntime(t)
	srv, caPEM, nodeRoots := serverOfANewCA(t, rt)
	a := build(t, rt, "fetchtlsthread")
	if !a.threads {
		t.Fatal("the build did not see the function's import of worker_threads")
	}
	withCA := rootsLearned(t, rt, a, nodeRoots, caPEM)

	// A spare of the same environment, booted for any function: given the file late.
	if err := rt.Prewarm(a.fn, append([]string{"NODE_EXTRA_CA_CERTS=" + withCA}, testEnv...)); err != nil {
		t.Fatal(err)
	}
	in := startWithCAs(t, rt, a, withCA)
	defer in.Close()
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", in.(*instance).cmd.Process.Pid))
	if err != nil {
		t.Skipf("the worker's starting environment cannot be read here (%v)", err)
	}
	if strings.Contains(string(environ), lateCAVar+"=") || !strings.Contains(string(environ), extraCAVar+"=") {
		t.Errorf("the worker of a function with threads started with %q, want NODE_EXTRA_CA_CERTS and not %s", environ, lateCAVar)
	}
	got := fetchTLS(t, in, srv.URL, "")
	if got.Result != "204" {
		t.Errorf("a thread of the function fetched %s, want 204 through the file's certificates", got.Result)
	}
}

// A worker given a file late that is gone by then says so as node does, and trusts
// only node's roots.
func TestAFileGivenLateThatIsGoneIsIgnoredWithNodesWarning(t *testing.T) {
	rt := lateCARuntime(t)
	srv, _, _ := serverOfANewCA(t, rt)
	a := build(t, rt, "fetchtls")
	gone := filepath.Join(t.TempDir(), "gone.pem")
	logs := &logRecorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in, err := rt.Start(ctx, a, functions.StartOptions{Env: append([]string{lateCAVar + "=" + gone}, testEnv...), Log: logs.log})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	got := fetchTLS(t, in, srv.URL, "")
	if got.Result != "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || got.Extra == nil || *got.Extra != gone {
		t.Errorf("got %s with NODE_EXTRA_CA_CERTS %s, want UNABLE_TO_VERIFY_LEAF_SIGNATURE with %s", got.Result, deref(got.Extra), gone)
	}
	logs.waitFor(t, "Warning: Ignoring extra certs from `"+gone+"`, load failed")
}

func deref(s *string) string {
	if s == nil {
		return "(unset)"
	}
	return *s
}

// A version manager's shim (a script, or a program not called node) may run another
// node tomorrow: what node bundles is not kept for it.
func TestNodeIdentityRefusesShims(t *testing.T) {
	rt := testRuntime(t)
	node, err := rt.findNode()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := nodeIdentity(node.path); !ok {
		t.Fatalf("node at %s was refused", node.path)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "node")
	os.WriteFile(script, []byte("#!/bin/sh\nexec "+node.path+" \"$@\"\n"), 0o755)
	if _, _, ok := nodeIdentity(script); ok {
		t.Errorf("a shell script named node was taken for node")
	}
	shim := filepath.Join(dir, "volta-shim")
	os.WriteFile(shim, []byte("\x7fELF, not a script"), 0o755)
	link := filepath.Join(t.TempDir(), "node")
	if err := os.Symlink(shim, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if _, _, ok := nodeIdentity(link); ok {
		t.Errorf("a link named node to a program named volta-shim was taken for node")
	}
}

// wait is for tests: it waits until every answer is known.
func (c *extraCAs) wait() {
	c.mu.Lock()
	var pending []*caAnswer
	for _, a := range c.answers {
		pending = append(pending, a)
	}
	c.mu.Unlock()
	for _, a := range pending {
		<-a.ready
	}
}

// readCAFile reads a file whole, one of exactly the bound too, and refuses what node
// would have to read itself: a folder, a missing file, a file over the bound.
func TestReadCAFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('A' + i%26)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, n := range []int{0, 1, 511, 512, 513, 215_000, maxCAFile} {
		p := write(fmt.Sprintf("ca-%d.pem", n), n)
		raw, ok := readCAFile(p)
		want, _ := os.ReadFile(p)
		if !ok || !bytes.Equal(raw, want) {
			t.Errorf("a file of %d bytes: read %d bytes, ok %v; want it whole", n, len(raw), ok)
		}
	}
	for name, p := range map[string]string{
		"a folder":              dir,
		"a missing file":        filepath.Join(dir, "gone.pem"),
		"a file over the bound": write("big.pem", maxCAFile+1),
	} {
		if raw, ok := readCAFile(p); ok {
			t.Errorf("%s: read %d bytes, want it refused", name, len(raw))
		}
	}
}

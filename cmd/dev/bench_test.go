package main

import (
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buildDev builds the dev binary once per benchmark run.
func buildDev(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "dev")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startDev starts `dev serve` for site (an empty folder when ""), and returns once
// /health answers: the process, its URL and the time that took.
func startDev(b *testing.B, bin, site string) (*exec.Cmd, string, time.Duration) {
	b.Helper()
	if site == "" {
		site = b.TempDir()
	}
	port := strconv.Itoa(freePort(b))
	base := "http://127.0.0.1:" + port
	health := base + "/.netlify/identity/health"
	client := &http.Client{Timeout: time.Second}
	cmd := exec.Command(bin, "serve", "--port", port, "--dir", site)
	dieWithTest(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	for time.Since(start) < 10*time.Second {
		resp, err := client.Get(health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, base, time.Since(start)
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	cmd.Process.Kill()
	b.Fatalf("dev serve did not answer %s within 10s", health)
	return nil, "", 0
}

func stopDev(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

// BenchmarkServeStartup measures dev serve from process start to answering
// /.netlify/identity/health, with the in-memory store.
func BenchmarkServeStartup(b *testing.B) {
	bin := buildDev(b)
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd, _, d := startDev(b, bin, "")
		total += d
		b.StopTimer()
		stopDev(cmd)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
}

// BenchmarkServeIdleMemory reports the resident memory of an idle dev serve that has
// answered one request: all of it, and the part that is not the executable's own pages
// (anonymous: heaps, SQLite's memory, stacks).
func BenchmarkServeIdleMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc/PID/status, which only Linux has")
	}
	bin := buildDev(b)
	var rss, anon float64
	for i := 0; i < b.N; i++ {
		cmd, _, _ := startDev(b, bin, "")
		time.Sleep(500 * time.Millisecond)
		mb, err := statusMB(cmd.Process.Pid, "VmRSS:")
		if err == nil {
			anon, err = statusMB(cmd.Process.Pid, "RssAnon:")
		}
		stopDev(cmd)
		if err != nil {
			b.Fatal(err)
		}
		rss = mb
	}
	b.ReportMetric(rss, "MB-rss")
	b.ReportMetric(anon, "MB-anon")
}

// BenchmarkJSFunctionThroughput: ten concurrent clients on a JS hello function served
// by a dev serve process of its own (the clients run in the benchmark's process).
func BenchmarkJSFunctionThroughput(b *testing.B) {
	bin := buildDev(b)
	site := b.TempDir()
	copyTree(b, filepath.Join("..", "..", "testdata", "sites", "bench"), site)
	cmd, base, _ := startDev(b, bin, site)
	defer stopDev(cmd)
	url := base + "/.netlify/functions/hello"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s never answered 200", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < 10; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// copyTree copies a folder of test data, for tests and benchmarks that change or build in it.
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkInvokeStandalone: `dev invoke identity-signup` of a JS function with no
// server, end to end as a process (bundle, start node, invoke, exit).
func BenchmarkInvokeStandalone(b *testing.B) {
	bin := buildDev(b)
	site := b.TempDir()
	copyTree(b, filepath.Join("..", "..", "examples", "demo-site"), site)
	runInvokes(b, func() *exec.Cmd {
		return exec.Command(bin, "invoke", "identity-signup", "--dir", site, "--standalone", "--seed", "1")
	})
}

// BenchmarkInvokeThroughServer: the same through a running dev serve.
func BenchmarkInvokeThroughServer(b *testing.B) {
	bin := buildDev(b)
	site := b.TempDir()
	copyTree(b, filepath.Join("..", "..", "examples", "demo-site"), site)
	srv, url, _ := startDev(b, bin, site)
	defer stopDev(srv)
	for i := 0; ; i++ {
		if exec.Command(bin, "invoke", "identity-signup", "--dir", site, "--url", url).Run() == nil {
			break
		}
		if i > 300 {
			b.Fatal("dev serve never answered the invocation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	runInvokes(b, func() *exec.Cmd {
		return exec.Command(bin, "invoke", "identity-signup", "--dir", site, "--url", url, "--seed", "1")
	})
}

func runInvokes(b *testing.B, cmd func() *exec.Cmd) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if out, err := cmd().CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
}

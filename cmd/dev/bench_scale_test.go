package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// writeFunctionsSite writes a site of n JS functions: hello, which the benchmark calls,
// and n-1 others of the same size, named so that hello is discovered last.
func writeFunctionsSite(tb testing.TB, n int) string {
	tb.Helper()
	site := tb.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name+".js"), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("hello", "exports.handler = async () => ({ statusCode: 200, body: 'hello' });\n")
	for i := 1; i < n; i++ {
		write(fmt.Sprintf("fn%03d", i), fmt.Sprintf("const n = %d;\nexports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ n, path: event.path }) });\n", i))
	}
	return site
}

// firstCall starts dev serve for site and returns the time from the process's start
// to the first 200 of /.netlify/functions/hello.
func firstCall(b *testing.B, bin, site string) time.Duration {
	b.Helper()
	port := strconv.Itoa(freePort(b))
	url := "http://127.0.0.1:" + port + "/.netlify/functions/hello"
	cmd := exec.Command(bin, "serve", "--port", port, "--dir", site)
	dieWithTest(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer stopDev(cmd)
	waitOK(b, url)
	return time.Since(start)
}

// BenchmarkFirstCall100Functions: dev serve's start to the first 200 of a JS function,
// in a site of one function and in a site of a hundred, the two taking turns run by
// run so that the machine's drift falls on both. Bundles are cached between runs, as
// they are between two starts of dev serve on a user's machine. Reports the medians
// and their ratio.
func BenchmarkFirstCall100Functions(b *testing.B) {
	if _, err := exec.LookPath("node"); err != nil {
		b.Skip("needs node on PATH")
	}
	bin := buildDev(b)
	one, hundred := writeFunctionsSite(b, 1), writeFunctionsSite(b, 100)
	firstCall(b, bin, one) // the first run of each writes the bundles
	firstCall(b, bin, hundred)
	var d1, d100 []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d1 = append(d1, firstCall(b, bin, one))
		d100 = append(d100, firstCall(b, bin, hundred))
	}
	b.StopTimer()
	m1, m100 := median(d1), median(d100)
	b.ReportMetric(ms(m1), "ms-1fn")
	b.ReportMetric(ms(m100), "ms-100fn")
	b.ReportMetric(float64(m100)/float64(m1), "ratio")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkServeMemoryBigBodies measures dev serve's own memory (the server process,
// not its Node workers) through what grew it without bound before the journal had
// limits: 30 requests of 6 MB to a function, 30 answers of 5 MB, and the events
// listing after them. It reports the peak (VmHWM) and the resident size at the end.
func BenchmarkServeMemoryBigBodies(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc/PID/status, which only Linux has")
	}
	bin := buildDev(b)
	site := b.TempDir()
	fns := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(fns, 0o755); err != nil {
		b.Fatal(err)
	}
	const sizes = `exports.handler = async (event) => ({ statusCode: 200,
  body: event.queryStringParameters.mb ? "y".repeat(Number(event.queryStringParameters.mb) << 20) : String((event.body || "").length) });`
	if err := os.WriteFile(filepath.Join(fns, "sizes.js"), []byte(sizes), 0o644); err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 6<<20-1024)
	var peak, end float64
	for i := 0; i < b.N; i++ {
		cmd, base, _ := startDev(b, bin, site)
		call := func(method, url string, body []byte) int {
			req, _ := http.NewRequest(method, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer not-a-real-token")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%s %s: %d", method, url, resp.StatusCode)
			}
			return int(n)
		}
		for j := 0; j < 30; j++ {
			call("POST", base+"/.netlify/functions/sizes", body)
		}
		for j := 0; j < 30; j++ {
			call("GET", base+"/.netlify/functions/sizes?mb=5", nil)
		}
		listed := call("GET", base+"/.netlify/dev/api/events?limit=1000", nil)
		peak, end = procStatusMB(b, cmd.Process.Pid, "VmHWM:"), procStatusMB(b, cmd.Process.Pid, "VmRSS:")
		stopDev(cmd)
		b.ReportMetric(float64(listed)/(1<<20), "MB-listed")
	}
	b.ReportMetric(peak, "MB-peak-rss")
	b.ReportMetric(end, "MB-rss")
}

// procStatusMB reads one of /proc/PID/status's kB fields, in MB.
func procStatusMB(b *testing.B, pid int, field string) float64 {
	mb, err := statusMB(pid, field)
	if err != nil {
		b.Fatal(err)
	}
	return mb
}

// statusMB reads one of /proc/PID/status's kB fields ("VmRSS:"), in MB.
func statusMB(pid int, field string) (float64, error) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSoak runs dev serve under mixed load (signups through identity-validate and
// identity-signup, password logins through identity-login, GET /user, a v1 and a v2
// function, the admin list, the journal's listing, and each user deleted again) for
// DEV_SOAK_DURATION (30s unless set; the documented long run is 1h), and samples the
// resident memory of the server and of its whole process tree every 2 s, with the
// tree's PSS (each shared page divided among the processes mapping it) and how many
// processes it has. It reports them at the end of the warm-up (the first fifth) and
// at the end, the highest, and the trend over the rest in MB per hour: flat memory is
// a trend near zero, and a steady process count tells a heap settling from instances
// being added.
//
//	DEV_SOAK_DURATION=1h go test -run x -bench Soak -benchtime 1x -timeout 2h ./cmd/dev/
func BenchmarkSoak(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc, which only Linux has")
	}
	if _, err := exec.LookPath("node"); err != nil {
		b.Skip("needs node on PATH")
	}
	duration := 30 * time.Second
	if v := os.Getenv("DEV_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("DEV_SOAK_DURATION=%q: %v", v, err)
		}
		duration = d
	}
	bin := buildDev(b)
	site := b.TempDir()
	copyTree(b, filepath.Join("..", "..", "examples", "demo-site"), site)
	fns := filepath.Join(site, "netlify", "functions")
	writeFile(b, filepath.Join(fns, "hello.js"), "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ hello: event.path }) });\n")
	writeFile(b, filepath.Join(fns, "echo.mjs"), "export default async (req, context) => Response.json({ url: req.url, ip: context.ip, user: globalThis.netlifyIdentityContext?.user?.email ?? null });\n")

	for i := 0; i < b.N; i++ {
		port := strconv.Itoa(freePort(b))
		base := "http://127.0.0.1:" + port
		cmd := exec.Command(bin, "serve", "--port", port, "--dir", site, "--autoconfirm")
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		waitOK(b, base+"/.netlify/functions/hello")

		var ops, failures atomic.Int64
		var firstErr atomic.Value
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 30 * time.Second}
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := soakCycle(client, base, fmt.Sprintf("soak-%d-%d-%d@example.com", w, n, time.Now().UnixNano())); err != nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					ops.Add(1)
				}
			}()
		}

		type sample struct {
			at              time.Duration
			root, tree, pss float64
			procs           int
		}
		var samples []sample
		start := time.Now()
		tick := time.NewTicker(2 * time.Second)
		for time.Since(start) < duration {
			<-tick.C
			m := treeMemory(cmd.Process.Pid)
			samples = append(samples, sample{time.Since(start), m.root, m.tree, m.pss, m.procs})
		}
		tick.Stop()
		close(stop)
		wg.Wait()
		stopDev(cmd)
		if failures.Load() > 0 {
			b.Fatalf("%d of %d cycles failed; the first: %v", failures.Load(), ops.Load(), firstErr.Load())
		}
		if len(samples) < 5 {
			b.Fatalf("%d samples: run longer (DEV_SOAK_DURATION)", len(samples))
		}
		warm := samples[len(samples)/5:]
		var maxRoot, maxTree float64
		xs, roots, trees, psss := make([]float64, len(warm)), make([]float64, len(warm)), make([]float64, len(warm)), make([]float64, len(warm))
		maxProcs := 0
		for j, s := range warm {
			xs[j], roots[j], trees[j], psss[j] = s.at.Hours(), s.root, s.tree, s.pss
			maxRoot, maxTree = max(maxRoot, s.root), max(maxTree, s.tree)
			maxProcs = max(maxProcs, s.procs)
		}
		b.ReportMetric(float64(ops.Load())/duration.Seconds(), "cycles/s")
		b.ReportMetric(warm[0].root, "MB-server-warm")
		b.ReportMetric(warm[len(warm)-1].root, "MB-server-end")
		b.ReportMetric(maxRoot, "MB-server-max")
		b.ReportMetric(slope(xs, roots), "MB/h-server")
		b.ReportMetric(warm[0].tree, "MB-tree-warm")
		b.ReportMetric(warm[len(warm)-1].tree, "MB-tree-end")
		b.ReportMetric(maxTree, "MB-tree-max")
		b.ReportMetric(slope(xs, trees), "MB/h-tree")
		// What the tree costs the machine: RSS counts the pages of node's and dev's
		// executables once per process, PSS shares them among the processes mapping them.
		b.ReportMetric(warm[0].pss, "MB-pss-warm")
		b.ReportMetric(warm[len(warm)-1].pss, "MB-pss-end")
		b.ReportMetric(slope(xs, psss), "MB/h-pss")
		b.ReportMetric(float64(warm[0].procs), "procs-warm")
		b.ReportMetric(float64(warm[len(warm)-1].procs), "procs-end")
		b.ReportMetric(float64(maxProcs), "procs-max")
	}
}

// soakCycle is one user's life: signup (validate and signup hooks), login (login
// hook), GET /user, a v1 and a v2 function with the token, the admin list and the
// journal as the dashboard reads them, and the user deleted through the dev API.
func soakCycle(client *http.Client, base, email string) error {
	do := func(method, path, contentType, body, token string, want int) ([]byte, error) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		if resp.StatusCode != want {
			return nil, fmt.Errorf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		return data, nil
	}
	signup, err := do("POST", "/.netlify/identity/signup", "application/json", `{"email":"`+email+`","password":"soak-password"}`, "", 200)
	if err != nil {
		return err
	}
	var user struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(signup, &user); err != nil || user.ID == "" {
		return fmt.Errorf("signup answered %s", signup)
	}
	form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {"soak-password"}}.Encode()
	tok, err := do("POST", "/.netlify/identity/token", "application/x-www-form-urlencoded", form, "", 200)
	if err != nil {
		return err
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(tok, &token); err != nil || token.AccessToken == "" {
		return fmt.Errorf("token answered %s", tok)
	}
	steps := []struct{ method, path string }{
		{"GET", "/.netlify/identity/user"},
		{"GET", "/.netlify/functions/hello"},
		{"GET", "/.netlify/functions/echo"},
		{"GET", "/.netlify/dev/api/users?per_page=20"},
		{"GET", "/.netlify/dev/api/events?limit=50"},
	}
	for _, s := range steps {
		if _, err := do(s.method, s.path, "", "", token.AccessToken, 200); err != nil {
			return err
		}
	}
	_, err = do("DELETE", "/.netlify/dev/api/users/"+user.ID, "application/json", "", "", 200)
	return err
}

// treeMem is the memory of a process tree in MB: the root's RSS, the whole tree's RSS
// and PSS, and how many processes it has.
type treeMem struct {
	root, tree, pss float64
	procs           int
}

// treeMemory measures pid with all its descendants.
func treeMemory(pid int) treeMem {
	children := map[int][]int{}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		child, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: state, then ppid.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		fields := strings.Fields(rest)
		if len(fields) > 1 {
			ppid, _ := strconv.Atoi(fields[1])
			children[ppid] = append(children[ppid], child)
		}
	}
	rss := func(pid int) float64 {
		mb, _ := statusMB(pid, "VmRSS:") // 0 for a process gone meanwhile
		return mb
	}
	m := treeMem{root: rss(pid)}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		m.tree += rss(p)
		m.pss += pssMB(p)
		m.procs++
		queue = append(queue, children[p]...)
	}
	return m
}

// pssMB is pid's proportional set size in MB, 0 for a process gone meanwhile.
func pssMB(pid int) float64 {
	rollup, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(rollup), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// slope is the least-squares trend of ys over xs.
func slope(xs, ys []float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for i := range xs {
		n++
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// waitOK polls url every millisecond until it answers 200.
func waitOK(b *testing.B, url string) {
	b.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatalf("%s gave no 200 within 30s", url)
}

func writeFile(b *testing.B, path, content string) {
	b.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
}

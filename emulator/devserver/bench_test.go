package devserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

func benchSite(b *testing.B, opts Options) (*testServer, string) {
	b.Helper()
	srv, dir := startSite(b, "bench", opts)
	return srv, dir
}

// latencies calls url n times in a row and reports p50 and p99.
func latencies(b *testing.B, client *http.Client, url string) {
	b.Helper()
	for i := 0; i < 50; i++ { // warm: instance started, connection open
		get(b, client, url)
	}
	d := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		get(b, client, url)
		d[i] = time.Since(start)
	}
	b.StopTimer()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}

func get(b *testing.B, client *http.Client, url string) string {
	resp, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

// BenchmarkJSFunctionWarm: a warm JS function returning a small JSON, over HTTP on loopback.
func BenchmarkJSFunctionWarm(b *testing.B) {
	srv, _ := benchSite(b, Options{})
	latencies(b, srv.client, srv.URL()+"/.netlify/functions/hello")
}

// BenchmarkGoFunctionWarm: the same in Go.
func BenchmarkGoFunctionWarm(b *testing.B) {
	srv, _ := benchSite(b, Options{})
	latencies(b, srv.client, srv.URL()+"/.netlify/functions/hello-go")
}

// reload measures from the save of an edit to the first answer with the new code.
func reload(b *testing.B, file, url, from, to string) {
	b.Helper()
	srv, dir := benchSite(b, Options{})
	path := filepath.Join(dir, file)
	orig, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	client := srv.client
	get(b, client, srv.URL()+url)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		want := strings.Replace(from, "world", "edit"+string(rune('a'+i%26)), 1)
		time.Sleep(200 * time.Millisecond) // let the watcher settle between edits
		start := time.Now()
		if err := os.WriteFile(path, []byte(strings.Replace(string(orig), from, want, 1)), 0o644); err != nil {
			b.Fatal(err)
		}
		for !strings.Contains(get(b, client, srv.URL()+url), strings.Trim(want, `"\`)) {
			if time.Since(start) > 60*time.Second {
				b.Fatal("the edit was never served")
			}
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/reload")
	_ = to
}

// BenchmarkJSReload: a JS edit, saved, until it is served.
func BenchmarkJSReload(b *testing.B) {
	reload(b, "netlify/functions/hello.js", "/.netlify/functions/hello", `"world"`, "")
}

// BenchmarkGoReload: a Go edit, saved, until it is served (go build included).
func BenchmarkGoReload(b *testing.B) {
	reload(b, "netlify/functions/hello-go/main.go", "/.netlify/functions/hello-go", `"world"`, "")
}

// BenchmarkFlowWithJSHooks: signup → verify → login in process (no HTTP client), with
// warm identity-validate, identity-signup and identity-login JS functions.
func BenchmarkFlowWithJSHooks(b *testing.B) {
	srv, _ := startSite(b, "hooks-bench", Options{})
	h := srv.Handler()
	call := func(method, path, body, ctype string) []byte {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	flow := func(i int) {
		email := "bench" + strconv.Itoa(i) + "@example.com"
		call("POST", IdentityPrefix+"/signup", `{"email":"`+email+`","password":"pw"}`, "application/json")
		var mails []struct{ Token string }
		_ = json.Unmarshal(call("GET", "/.netlify/dev/api/mail?to="+email, "", ""), &mails)
		call("POST", IdentityPrefix+"/verify", `{"type":"signup","token":"`+mails[0].Token+`"}`, "application/json")
		body := call("POST", IdentityPrefix+"/token", "grant_type=password&username="+email+"&password=pw", "application/x-www-form-urlencoded")
		if !strings.Contains(string(body), "access_token") {
			b.Fatalf("login: %s", body)
		}
	}
	for i := 0; i < 20; i++ {
		flow(-i - 1)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		flow(i)
	}
}

// BenchmarkHookDelivery: one identity event delivered to a warm JS function that
// answers at once, against the same function invoked directly: the difference is what
// the hook machinery adds.
func BenchmarkHookDelivery(b *testing.B) {
	srv, _ := startSite(b, "hooks-bench", Options{})
	user := &identity.User{ID: tokens.NewUUID(), Email: "h@example.com", AppMetaData: map[string]any{"provider": "email"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	for i := 0; i < 50; i++ {
		if _, err := srv.hooks.Trigger(context.Background(), identity.EventValidate, user); err != nil {
			b.Fatal(err)
		}
	}
	var hook, direct time.Duration
	body := []byte(`{"event":"validate","instance_id":"x","user":{"app_metadata":{}}}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := srv.hooks.Trigger(context.Background(), identity.EventValidate, user); err != nil {
			b.Fatal(err)
		}
		hook += time.Since(start)
		start = time.Now()
		if _, _, _, err := srv.Functions().InvokeHook(context.Background(), "identity-validate", http.Header{"Content-Type": {"application/json"}}, body); err != nil {
			b.Fatal(err)
		}
		direct += time.Since(start)
	}
	b.ReportMetric(float64(hook.Microseconds())/1000/float64(b.N), "ms/hook")
	b.ReportMetric(float64(direct.Microseconds())/1000/float64(b.N), "ms/invoke")
}

package devserver

import (
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/config"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
)

// copySite copies a test site under testdata/sites into a temporary folder, so tests
// may edit it and builds do not write into the repository.
func copySite(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "sites", name)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".netlify" || d.Name() == "node_modules" && rel != "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy site %s: %v", name, err)
	}
	return dst
}

// startSite serves a copy of a test site with its functions, as dev serve --dir does.
func startSite(t testing.TB, name string, opts Options) (*testServer, string) {
	t.Helper()
	if _, ok := t.(*testing.T); ok {
		requireNode(t.(*testing.T))
	}
	return startSiteIn(t, copySite(t, name), opts)
}

// startSiteIn serves the site in dir with its functions.
func startSiteIn(t testing.TB, dir string, opts Options) (*testServer, string) {
	t.Helper()
	site, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	env, _, err := site.FunctionEnv(dir, os.Environ(), map[string]string{"CONTEXT": "dev", "NETLIFY_DEV": "true"})
	if err != nil {
		t.Fatal(err)
	}
	opts.SiteDir, opts.FunctionsDir, opts.FunctionEnv = dir, site.FunctionsDir(dir, ""), env
	if opts.PublishDir == "" {
		opts.PublishDir = site.PublishDir(dir)
	}
	opts.Runtimes = map[functions.Kind]functions.Runtime{
		functions.KindJS: nodejs.New(nodejs.Options{}),
		functions.KindGo: golang.New(golang.Options{}),
	}
	srv := startServer(t, opts)
	return srv, dir
}

func (s *testServer) fn(t testing.TB, method, name, body string, headers ...string) *response {
	t.Helper()
	return s.do(t, method, s.URL()+functions.Prefix+name, body, headers...)
}

func TestFunctionsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building and running real JS and Go functions")
	}
	srv, _ := startSite(t, "functions", Options{})
	tr := srv.signupConfirmLogin(t, "fn@example.com", "pw")

	t.Run("event, env and clientContext in JS", func(t *testing.T) {
		r := srv.fn(t, "POST", "echo/sub?a=1&a=2", `{"x":1}`, "Content-Type: application/json", "X-Custom: one", "Authorization: Bearer "+tr.AccessToken)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var got struct {
			Event         functions.Event
			ClientContext struct {
				Identity struct{ URL, Token string }
				User     map[string]any
				Custom   map[string]string
			}
			Env map[string]string
		}
		r.json(t, &got)
		e := got.Event
		if e.Path != "/.netlify/functions/echo/sub" || e.HTTPMethod != "POST" || e.Body != `{"x":1}` || e.IsBase64Encoded ||
			e.Headers["x-custom"] != "one" || e.QueryStringParameters["a"] != "1, 2" || e.RawQuery != "a=1&a=2" ||
			e.RawURL != srv.URL()+"/.netlify/functions/echo/sub?a=1&a=2" {
			t.Fatalf("event %+v", e)
		}
		if got.Env["FROM_TOML"] != "toml" || got.Env["FROM_DOTENV"] != "dotenv" || got.Env["OVERRIDDEN"] != "dotenv" ||
			got.Env["URL"] != srv.URL() || got.Env["DEPLOY_URL"] != srv.URL() { // the port the server picked
			t.Fatalf("env %v", got.Env)
		}
		cc := got.ClientContext
		if cc.Identity.URL != srv.URL()+"/.netlify/identity" || cc.User["email"] != "fn@example.com" || cc.Custom["netlify"] == "" {
			t.Fatalf("clientContext %+v", cc)
		}
	})

	t.Run("binary body, base64 and multi-value headers", func(t *testing.T) {
		r := srv.fn(t, "GET", "binary", "")
		if r.Status != 201 || string(r.Body) != "\x89PNG\x00\xff" || r.Header.Get("Content-Type") != "image/png" ||
			len(r.Header.Values("Set-Cookie")) != 2 || r.Header.Get("X-Single") != "one" {
			t.Fatalf("%d %q %v", r.Status, r.Body, r.Header)
		}
	})

	t.Run("TypeScript with a local import", func(t *testing.T) {
		if r := srv.fn(t, "GET", "typed?who=ts", ""); r.Status != 200 || string(r.Body) != "hello, ts" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("v2 Request and streamed Response", func(t *testing.T) {
		r := srv.fn(t, "POST", "v2", "payload", "Content-Type: text/plain")
		want := "method=POST path=/.netlify/functions/v2 body=payload context=dev city=Localhost"
		if r.Status != 200 || string(r.Body) != want || r.Header.Get("X-V2") != "yes" {
			t.Fatalf("%d %q %v", r.Status, r.Body, r.Header)
		}
	})

	t.Run("admin token from JS and Go", func(t *testing.T) {
		for _, name := range []string{"admin-js", "admin-go"} {
			r := srv.fn(t, "GET", name, "")
			if r.Status != 200 || !strings.Contains(string(r.Body), `"email":"fn@example.com"`) {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
		}
	})

	t.Run("Go event and client context", func(t *testing.T) {
		r := srv.fn(t, "POST", "hello-go?q=1", "hi", "Content-Type: text/plain", "Authorization: Bearer "+tr.AccessToken)
		var got struct {
			Path, Method, Body string
			Query              map[string]string
			Netlify            struct {
				Identity struct{ URL string }
				User     map[string]any
				SiteURL  string `json:"site_url"`
			}
		}
		r.json(t, &got)
		if r.Status != 200 || got.Path != "/.netlify/functions/hello-go" || got.Body != "hi" || got.Query["q"] != "1" ||
			got.Netlify.Identity.URL != srv.URL()+"/.netlify/identity" || got.Netlify.User["email"] != "fn@example.com" ||
			strings.Join(r.Header.Values("X-Multi"), ",") != "a,b" {
			t.Fatalf("%d %s %v", r.Status, r.Body, r.Header)
		}
	})

	t.Run("JS failures", func(t *testing.T) {
		for how, want := range map[string]string{
			"throw":  `"errorType":"TypeError","errorMessage":"thrown on purpose"`,
			"reject": `"errorMessage":"rejected on purpose"`,
			"exit":   `"errorType":"ProcessExited"`,
		} {
			r := srv.fn(t, "GET", "crash?how="+how, "")
			if r.Status != 500 || !strings.Contains(string(r.Body), want) {
				t.Fatalf("%s: %d %s", how, r.Status, r.Body)
			}
			if how == "throw" && !strings.Contains(string(r.Body), "crash.js") {
				t.Fatalf("the stack does not name the user's file: %s", r.Body)
			}
			if r := srv.fn(t, "GET", "crash", ""); r.Status != 200 || string(r.Body) != "survived" {
				t.Fatalf("after %s: %d %s", how, r.Status, r.Body)
			}
		}
	})

	t.Run("Go failures", func(t *testing.T) {
		for how, want := range map[string]string{
			"error": `"errorMessage":"failed on purpose"`,
			"panic": `panicked on purpose`,
			"exit":  `"errorType":"ProcessExited"`,
		} {
			r := srv.fn(t, "GET", "crash-go?how="+how, "")
			if r.Status != 500 || !strings.Contains(string(r.Body), want) {
				t.Fatalf("%s: %d %s", how, r.Status, r.Body)
			}
			if r := srv.fn(t, "GET", "crash-go", ""); r.Status != 200 || string(r.Body) != "survived" {
				t.Fatalf("after %s: %d %s", how, r.Status, r.Body)
			}
		}
	})

	t.Run("dev API lists the functions", func(t *testing.T) {
		r := srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/functions", "")
		var list []functions.Status
		r.json(t, &list)
		states := map[string]string{}
		for _, st := range list {
			states[st.Name] = string(st.Runtime) + ":" + string(st.State)
		}
		for name, want := range map[string]string{"echo": "js:ready", "hello-go": "go:ready", "v2": "js:ready"} {
			if states[name] != want {
				t.Fatalf("%s is %q, want %q (%v)", name, states[name], want, states)
			}
		}
	})
}

func TestFunctionTimeLimitAndConcurrency(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS functions")
	}
	srv, _ := startSite(t, "functions", Options{FunctionTimeout: 500 * time.Millisecond, FunctionConcurrency: 2})
	r := srv.fn(t, "GET", "crash?how=hang", "")
	if r.Status != 500 || !strings.Contains(string(r.Body), `"errorType":"TimeoutError"`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := srv.fn(t, "GET", "crash", ""); r.Status != 200 {
		t.Fatalf("after a timeout: %d %s", r.Status, r.Body)
	}
	var mu sync.Mutex
	pids := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := srv.fn(t, "GET", "slow", "")
			if _, err := strconv.Atoi(string(r.Body)); r.Status != 200 || err != nil {
				t.Errorf("slow: %d %s, want 200 and its pid", r.Status, r.Body)
				return
			}
			mu.Lock()
			pids[string(r.Body)] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(pids) < 1 || len(pids) > 2 {
		t.Fatalf("8 concurrent calls ran in %d processes; the limit is 2", len(pids))
	}
}

// waitForBody polls a function until it answers want.
func waitForBody(t *testing.T, srv *testServer, name, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		r := srv.fn(t, "GET", name, "")
		last = string(r.Body)
		if r.Status == 200 && last == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered %q; last %q", name, want, last)
}

func TestHotReload(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building real JS and Go functions")
	}
	srv, dir := startSite(t, "functions", Options{})
	fnDir := filepath.Join(dir, "netlify", "functions")
	if r := srv.fn(t, "GET", "typed?who=x", ""); string(r.Body) != "hello, x" {
		t.Fatalf("%s", r.Body)
	}
	write := func(path, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An edit of a module outside the functions folder that a TS function imports.
	write(filepath.Join(dir, "netlify", "shared", "punctuation.ts"), "export const end = \"!\";\n")
	waitForBody(t, srv, "typed?who=x", "hello, x!")

	// An edit of a module a TS function imports.
	write(filepath.Join(fnDir, "lib", "greet.ts"), "export function greet(name: string): string { return `hi again, ${name}`; }\n")
	waitForBody(t, srv, "typed?who=x", "hi again, x")

	// A new JS function, then its deletion.
	write(filepath.Join(fnDir, "fresh.js"), `exports.handler = async () => ({ statusCode: 200, body: "fresh" })`)
	waitForBody(t, srv, "fresh", "fresh")
	if err := os.Remove(filepath.Join(fnDir, "fresh.js")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.fn(t, "GET", "fresh", "").Status != 404 {
		if time.Now().After(deadline) {
			t.Fatal("deleted function still served")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A Go edit.
	main := filepath.Join(fnDir, "crash-go", "main.go")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	write(main, strings.Replace(string(b), `Body: "survived"`, `Body: "rebuilt"`, 1))
	waitForBody(t, srv, "crash-go", "rebuilt")
}

var _ = url.Values{}
var _ = json.Marshal

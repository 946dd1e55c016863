package site

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/internal/wstest"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A framework behind dev, as netlify.toml's [dev] command and targetPort say: dev
// waits for it, answers identity itself, passes pages and websockets (HMR) to the
// framework, and stops it with dev.
func TestFrameworkBehindDev(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node on PATH: the framework in this test is a Node server")
	}
	server, err := filepath.Abs(filepath.Join("..", "framework", "testdata", "server.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target := freePort(t)
	toml := fmt.Sprintf("[dev]\ncommand = %q\ntargetPort = %d\n", "node "+server, target) +
		"[[redirects]]\nfrom = \"/old\"\nto = \"/new\"\n\n[[redirects]]\nfrom = \"/missing/*\"\nto = \"/echo/spa\"\nstatus = 200\n"
	os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(toml), 0o644)
	t.Setenv("PORT", fmt.Sprint(target))
	srv := serveForTest(t, dir)

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := get("/"); resp.StatusCode != 200 || body != "<h1>framework page</h1>" || resp.Header.Get("X-Framework") != "1" {
		t.Fatalf("GET / through dev: %d %q", resp.StatusCode, body)
	}
	if resp, body := get("/.netlify/identity/settings"); resp.StatusCode != 200 || resp.Header.Get("X-Framework") != "" || !strings.Contains(body, `"external"`) {
		t.Fatalf("identity was not dev's own: %d %s", resp.StatusCode, body)
	}
	// Rules apply in front of the framework: a redirect before it is asked; an unforced
	// rewrite only where the framework has no page (it answers /missing/* with 404).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get(srv.URL() + "/old"); err != nil || resp.StatusCode != 301 || resp.Header.Get("Location") != "/new" {
		t.Fatalf("GET /old: %v %v", err, resp)
	}
	if resp, body := get("/missing/page"); resp.StatusCode != 200 || body != "echo: " || resp.Header.Get("X-Seen-Url") != "/echo/spa" {
		t.Fatalf("the rewrite where the framework has no page: %d %q %q", resp.StatusCode, body, resp.Header.Get("X-Seen-Url"))
	}
	if resp, body := get("/echo/x"); resp.StatusCode != 200 || resp.Header.Get("X-Seen-Url") != "/echo/x" {
		t.Fatalf("a page of the framework: %d %q", resp.StatusCode, body)
	}
	if got := wstest.Echo(t, strings.TrimPrefix(srv.URL(), "http://"), "/hmr", "reload"); got != "reload" {
		t.Fatalf("websocket echo through dev: %q", got)
	}
}

// serveForTest serves the site in dir with its netlify.toml and defaults, on a free
// port, as dev serve does, until the test ends.
func serveForTest(t *testing.T, dir string) *devserver.Server {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	set := DefaultServeSettings()
	set.Port = 0
	if err := s.Settle(&set, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, stop, err := s.Serve(ctx, set, term.NewLogger(io.Discard))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; stop() })
	return srv
}

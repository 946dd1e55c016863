package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// What tripped a newcomer up, each answered with what to do (issue #13).
func TestNewcomerFrictions(t *testing.T) {
	srv := startServer(t, "", nil)
	url := srv.URL()
	hostPort := strings.TrimPrefix(url, "http://")

	// 5. --url without a scheme, and --dir on dev mail and dev events.
	if out, _, err := runCmd(t, "mail", "--url", hostPort); err != nil || !strings.Contains(out, "No mail captured yet.") {
		t.Errorf("dev mail --url %s: %v %q", hostPort, err, out)
	}
	if out, _, err := runCmd(t, "events", "list", "--url", hostPort); err != nil || !strings.Contains(out, "Nothing journaled yet.") {
		t.Errorf("dev events list --url %s: %v %q", hostPort, err, out)
	}
	if _, _, err := runCmd(t, "mail", "--dir", filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no such folder") {
		t.Errorf("dev mail --dir of a missing folder: %v", err)
	}

	// 6. A typo in --dir is refused, not served as an empty site it creates.
	missing := filepath.Join(t.TempDir(), "exampels", "demo-site")
	if _, _, err := runCmd(t, "serve", "--dir", missing, "--port", "0"); err == nil || !strings.Contains(err.Error(), "no such folder") {
		t.Errorf("dev serve --dir %s: %v", missing, err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("dev serve created %s", missing)
	}

	// 7. A bad kind is refused; a filter that matches nothing says so.
	if _, _, err := runCmd(t, "events", "list", "--url", url, "--kind", "bogus"); err == nil || !strings.Contains(err.Error(), `kind "bogus": give hook, webhook or function`) {
		t.Errorf("--kind bogus: %v", err)
	}
	if out, _, err := runCmd(t, "events", "list", "--url", url, "--user", "nobody"); err != nil || !strings.Contains(out, "No journal entries match --user nobody") {
		t.Errorf("--user nobody: %v %q", err, out)
	}

	// 11. dev payload without an event lists them; a mistyped function name gets a
	// suggestion.
	if out, _, err := runCmd(t, "payload"); err != nil || !strings.Contains(out, "identity-signup") || !strings.Contains(out, "lambda-event") {
		t.Errorf("dev payload: %v %q", err, out)
	}
	dir := invokeSite(t)
	if _, _, err := runCmd(t, "invoke", "identity-sigup", "--dir", dir, "--standalone"); err == nil || !strings.Contains(err.Error(), "did you mean identity-signup?") {
		t.Errorf("a mistyped function: %v", err)
	}
}

// Every command's --help shows an example.
func TestEveryCommandHasAnExample(t *testing.T) {
	root := newRootCmd(newFactory(streams{}))
	var walk func(prefix string, cmds []*cobra.Command)
	walk = func(prefix string, cmds []*cobra.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
				continue
			}
			if c.Example == "" && c.Runnable() {
				t.Errorf("%s %s has no example", prefix, c.Name())
			}
			walk(prefix+" "+c.Name(), c.Commands())
		}
	}
	walk("dev", root.Commands())
}

// 13. Shell completion offers function names and flag values.
func TestCompletion(t *testing.T) {
	dir := invokeSite(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "invoke", "--dir", dir, ""}, []string{"identity-signup\tjs", "identity-validate\tjs"}},
		{[]string{"__complete", "serve", "--dir", dir, "--debug", ""}, []string{"identity-signup"}},
		{[]string{"__complete", "debug", "vscode", "--dir", dir, ""}, []string{"identity-signup"}},
		{[]string{"__complete", "events", "list", "--kind", ""}, []string{"hook", "webhook", "function"}},
		{[]string{"__complete", "invoke", "x", "--provider", ""}, []string{"email", "github", "google"}},
		{[]string{"__complete", "serve", "--webhook-events", ""}, []string{"usermodified", "userdeleted"}},
		{[]string{"__complete", "payload", ""}, []string{"identity-login", "lambda-event"}},
	} {
		out, _, err := runCmd(t, c.args...)
		for _, w := range c.want {
			if err != nil || !strings.Contains(out, w+"\n") && !strings.Contains(out, w+"\t") {
				t.Errorf("dev %s: want %q in\n%s (%v)", strings.Join(c.args, " "), w, out, err)
			}
		}
	}
}

// 12 and 15. Start says which folder is served, and that / finishes mail links when
// the site has no page there; Ctrl-C says what happened to the data.
func TestServeSaysWhatItServesAndWhenItStops(t *testing.T) {
	dir := t.TempDir()
	errb := &syncWriter{w: &strings.Builder{}}
	f := newFactory(streams{In: strings.NewReader(""), Out: &strings.Builder{}, Err: errb})
	cmd := newCmdServe(f, nil)
	cmd.SetArgs([]string{"--dir", dir, "--port", "0"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), "pages from") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	log := errb.String()
	if !strings.Contains(log, "pages from "+dir+" (no index.html: / answers with dev's own page, which finishes mail links)") {
		t.Errorf("start does not say which folder is served:\n%s", log)
	}
	if !strings.Contains(log, "stopped  users, mail and the journal were kept for this run only and are gone") {
		t.Errorf("Ctrl-C printed nothing:\n%s", log)
	}
}

// syncWriter lets a test read what a server writes from another goroutine.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// 4. A payload file that is not JSON is named, with the line and column.
func TestPayloadNotJSONSaysWhere(t *testing.T) {
	dir := invokeSite(t)
	p := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(p, []byte("{\n  \"email\": \"a@b.c\",\n}\n"), 0o644)
	_, _, err := runCmd(t, "invoke", "identity-signup", "--dir", dir, "--standalone", "--payload", p)
	if err == nil || !strings.Contains(err.Error(), "--payload "+p+":3:1: not JSON: invalid character '}'") {
		t.Fatalf("%v", err)
	}
}

// 9. A function that does not build is said to be so, with why, not read as a hook
// that production would block.
func TestInvokeOfAFunctionThatDoesNotBuild(t *testing.T) {
	dir := invokeSite(t)
	os.WriteFile(filepath.Join(dir, "netlify", "functions", "identity-signup.js"), []byte("exports.handler = async () => { return {statusCode: 200 \n"), 0o644)
	_, _, err := runCmd(t, "invoke", "identity-signup", "--dir", dir, "--standalone")
	if err == nil || !strings.Contains(err.Error(), "identity-signup does not build, so it was not run:") || !strings.Contains(err.Error(), "identity-signup.js:2:1: Expected \"}\" but found end of file") {
		t.Fatalf("%v", err)
	}
}

// 14. What dev payload prints, dev invoke takes back without a word, standalone and
// through a server; a real instance's id from a capture is still pointed out.
func TestPayloadTakenBackWithoutWarnings(t *testing.T) {
	dir := invokeSite(t)
	out, _, err := runCmd(t, "payload", "identity-signup")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(p, []byte(out), 0o644)
	url := serveSite(t, dir)
	for _, where := range [][]string{{"--standalone"}, {"--url", url}} {
		r, err := invokeJSON(t, append([]string{"identity-signup", "--dir", dir, "--payload", p}, where...)...)
		if err != nil || len(r.Warnings) != 0 {
			t.Errorf("%v: %v, warnings %q", where, err, r.Warnings)
		}
	}
	captured := strings.Replace(out, `"instance_id": "6d6f636b`, `"instance_id": "0f3e1a2b`, 1)
	os.WriteFile(p, []byte(captured), 0o644)
	if r, _ := invokeJSON(t, "identity-signup", "--dir", dir, "--payload", p, "--standalone"); len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "is not this instance's") {
		t.Errorf("a captured instance id: warnings %q", r.Warnings)
	}
}

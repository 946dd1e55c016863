package functions

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverNamesAsNetlifyDoes(t *testing.T) {
	site := t.TempDir()
	dir := filepath.Join(site, "fns")
	write(t, filepath.Join(dir, "hello.js"), "")
	write(t, filepath.Join(dir, "typed.mts"), "")
	write(t, filepath.Join(dir, "types.d.ts"), "")
	write(t, filepath.Join(dir, "folder", "folder.ts"), "")
	write(t, filepath.Join(dir, "indexed", "index.cjs"), "")
	write(t, filepath.Join(dir, "gofn", "main.go"), "// Package main\n/* a\ncomment */\npackage main\n")
	write(t, filepath.Join(dir, "golib", "lib.go"), "package lib\n")
	write(t, filepath.Join(dir, "_shared", "util.js"), "")
	write(t, filepath.Join(dir, ".hidden.js"), "")
	write(t, filepath.Join(dir, "both", "both.js"), "")
	write(t, filepath.Join(dir, "both", "index.js"), "")
	write(t, filepath.Join(dir, "README.md"), "")
	write(t, filepath.Join(dir, "lib", "shared.ts"), "") // a folder that is not a function
	d, err := Discover(site, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fn := range d.Functions {
		got = append(got, fn.Name+":"+string(fn.Kind)+":"+rel(site, fn.Entry))
	}
	want := "folder:js:fns/folder/folder.ts gofn:go:fns/gofn hello:js:fns/hello.js indexed:js:fns/indexed/index.cjs typed:js:fns/typed.mts"
	if strings.Join(got, " ") != want {
		t.Fatalf("discovered\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if err := d.Conflicts["both"]; err == nil || !strings.Contains(err.Error(), "fns/both/both.js and fns/both/index.js") {
		t.Fatalf("conflict: %v", err)
	}
	if d, err := Discover(site, filepath.Join(site, "missing")); err != nil || len(d.Functions) != 0 {
		t.Fatalf("missing folder: %v %v", d, err)
	}
}

// Hot reload: an edit rebuilds only its function, a new file is served, a deleted one
// is gone, and a renamed folder keeps being watched.
func TestWatchFollowsTheFolder(t *testing.T) {
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"x"`) }}
	s, hs := newTestServer(t, rt, "a.js", "b.js")
	dir := s.opts.FunctionsDir
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	builds := func() int32 { return rt.builds.Load() }
	waitFor("initial builds", func() bool { return builds() == 2 })
	time.Sleep(150 * time.Millisecond) // let the watcher settle

	write(t, filepath.Join(dir, "a.js"), "changed")
	waitFor("rebuild of a", func() bool { return builds() == 3 })
	time.Sleep(300 * time.Millisecond)
	if builds() != 3 {
		t.Fatalf("an edit of a.js made %d builds; only a must rebuild", builds()-2)
	}

	write(t, filepath.Join(dir, "c.js"), "new")
	waitFor("c served", func() bool { code, _ := get(t, hs.URL+"/.netlify/functions/c"); return code == 200 })

	os.Remove(filepath.Join(dir, "b.js"))
	waitFor("b gone", func() bool { code, _ := get(t, hs.URL+"/.netlify/functions/b"); return code == 404 })

	write(t, filepath.Join(dir, "old", "index.js"), "x")
	waitFor("old served", func() bool { return s.Has("old") })
	if err := os.Rename(filepath.Join(dir, "old"), filepath.Join(dir, "renamed")); err != nil {
		t.Fatal(err)
	}
	waitFor("renamed served", func() bool { return s.Has("renamed") && !s.Has("old") })
	time.Sleep(200 * time.Millisecond)
	write(t, filepath.Join(dir, "renamed", "renamed.js"), "second candidate")
	waitFor("conflict seen in the renamed folder", func() bool {
		_, err := s.pool("renamed")
		return err != nil
	})
}

package functions

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A function's own runtime is asked for without the server's lock held, so one that
// takes its time (a debugger opening its port) or asks the server something holds no
// request up; before, this deadlocked.
func TestRuntimeForRunsWithoutTheLock(t *testing.T) {
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "hello.js"), []byte("exports.handler = async () => ({statusCode: 200})"), 0o644)
	var s *Server
	asked := 0
	s = NewServer(Options{SiteDir: site, FunctionsDir: dir, Runtimes: map[Kind]Runtime{KindJS: &fakeRuntime{}},
		RuntimeFor: func(fn *Function) Runtime {
			asked++
			s.Has(fn.Name) // takes the read lock
			return nil
		}})
	done := make(chan error, 1)
	go func() { done <- s.Load(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load hung: RuntimeFor was called with the server's lock held")
	}
	defer s.Close() // only once Load returned: a hung Load holds the lock Close takes
	if asked != 1 || !s.Has("hello") {
		t.Fatalf("RuntimeFor asked %d times; hello served: %v", asked, s.Has("hello"))
	}
}

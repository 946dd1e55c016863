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
	sup := &askingSupervisor{}
	s := NewServer(Options{SiteDir: site, FunctionsDir: dir, Runtimes: map[Kind]Runtime{KindJS: &fakeRuntime{}}, Supervisor: sup})
	sup.s = s
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
	if sup.asked != 1 || !s.Has("hello") {
		t.Fatalf("RuntimeFor asked %d times; hello served: %v", sup.asked, s.Has("hello"))
	}
}

// askingSupervisor asks the server something when it is asked for a runtime.
type askingSupervisor struct {
	s     *Server
	asked int
}

func (a *askingSupervisor) RuntimeFor(fn *Function) Runtime {
	a.asked++
	a.s.Has(fn.Name) // takes the read lock
	return nil
}
func (a *askingSupervisor) ConcurrencyFor(string) int                  { return 0 }
func (a *askingSupervisor) OnStart(*Function, Instance)                {}
func (a *askingSupervisor) OnOutput(*Function, string, string) bool    { return false }
func (a *askingSupervisor) Held(string) bool                           { return false }
func (a *askingSupervisor) BeforeInvoke(context.Context, string) error { return nil }
func (a *askingSupervisor) Prestart(string) bool                       { return false }

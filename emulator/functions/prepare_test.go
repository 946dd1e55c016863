package functions

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// prewarmingRuntime is a fakeRuntime that records what it is asked to boot ahead.
type prewarmingRuntime struct {
	fakeRuntime
	mu       sync.Mutex
	prewarms []string // the function each Prewarm was for, with the env's first entry
	stops    int
}

func (r *prewarmingRuntime) Prewarm(fn *Function, env []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prewarms = append(r.prewarms, fn.Name+" "+env[0])
	return nil
}

func (r *prewarmingRuntime) StopPrewarmed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stops++
}

func (r *prewarmingRuntime) asked() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.prewarms), r.stops
}

// Prepare boots one instance ahead, for the first function, with the env it is given;
// the server loaded with its discovery builds every function and boots nothing again;
// its Close stops what was booted.
func TestPrepareBootsAheadAndLoadPreparedDoesNotAgain(t *testing.T) {
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"beta", "alpha"} {
		if err := os.WriteFile(filepath.Join(dir, name+".js"), []byte("exports.handler = async () => ({statusCode: 200})\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rt := &prewarmingRuntime{}
	opts := Options{SiteDir: site, FunctionsDir: dir, Runtimes: map[Kind]Runtime{KindJS: rt}, Env: []string{"URL=http://127.0.0.1:1"}}
	d, err := Prepare(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := rt.asked(); !slices.Equal(got, []string{"alpha URL=http://127.0.0.1:1"}) {
		t.Fatalf("Prepare booted %q, want one instance for alpha with the given env", got)
	}
	if len(d.Functions) != 2 {
		t.Fatalf("Prepare discovered %d functions, want 2", len(d.Functions))
	}

	s := NewServer(opts)
	s.LoadPrepared(context.Background(), d)
	for deadline := time.Now().Add(10 * time.Second); rt.builds.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := rt.builds.Load(); n != 2 {
		t.Errorf("%d builds after LoadPrepared, want 2", n)
	}
	s.Close()
	got, stops := rt.asked()
	if len(got) != 1 {
		t.Errorf("booted ahead %d times in all, want once: %q", len(got), got)
	}
	if stops == 0 {
		t.Error("Close did not stop the instance booted ahead")
	}

	// A caller that fails before it builds the server stops it itself.
	StopPrepared(opts.Runtimes)
	if _, after := rt.asked(); after != stops+1 {
		t.Errorf("StopPrepared: %d stops, want %d", after, stops+1)
	}
}

package identity

import (
	"os"
	"runtime"
	"testing"

	"github.com/identity-dev/dev/internal/procs"
)

// On dev serve's one thread, a hash from slowHashCost on runs with every CPU open to
// the rest of dev; a hash at the default cost does not pay for widening.
func TestSlowHashesWiden(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	os.Unsetenv("GOMAXPROCS")
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: one thread either way, nothing to tell apart")
	}
	all := runtime.GOMAXPROCS(0)
	defer procs.Narrow()()
	done := widenFor(4)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("a cost-4 hash: GOMAXPROCS %d, want 1", got)
	}
	done()
	done = widenFor(slowHashCost)
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("a cost-%d hash: GOMAXPROCS %d, want %d", slowHashCost, got, all)
	}
	done()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("after the slow hash: GOMAXPROCS %d, want 1", got)
	}
}

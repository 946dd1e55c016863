package procs

import (
	"os"
	"runtime"
	"testing"
)

func unsetEnv(t *testing.T) {
	t.Helper()
	t.Setenv("GOMAXPROCS", "") // restored after the test
	os.Unsetenv("GOMAXPROCS")
}

// A serving dev runs Go code on one thread; overlapping Wide holders have every CPU
// until the last lets go; restoring gives Go its own choice back.
func TestNarrowThenWideWhileHeld(t *testing.T) {
	unsetEnv(t)
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: one thread either way, nothing to tell apart")
	}
	all := runtime.GOMAXPROCS(0)
	restore := Narrow()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("narrowed: GOMAXPROCS %d, want 1", got)
	}
	if again := Narrow(); runtime.GOMAXPROCS(0) != 1 {
		t.Fatal("a second Narrow changed the setting")
	} else {
		again() // a no-op: the first Narrow still holds
		if runtime.GOMAXPROCS(0) != 1 {
			t.Fatal("the second Narrow's restore undid the first's")
		}
	}
	done1, done2 := Wide(), Wide()
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("widened: GOMAXPROCS %d, want %d", got, all)
	}
	done1()
	done1() // twice is once
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("one holder left: GOMAXPROCS %d, want %d", got, all)
	}
	done2()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("no holder left: GOMAXPROCS %d, want 1", got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("restored: GOMAXPROCS %d, want %d", got, all)
	}
	// Outside Narrow, Wide changes nothing.
	done := Wide()
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("Wide outside Narrow: GOMAXPROCS %d, want %d", got, all)
	}
	done()
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("after Wide outside Narrow: GOMAXPROCS %d, want %d", got, all)
	}
}

// GOMAXPROCS in the environment is the user's: Narrow leaves it.
func TestNarrowLeavesTheUsersSetting(t *testing.T) {
	t.Setenv("GOMAXPROCS", "2")
	before := runtime.GOMAXPROCS(0)
	restore := Narrow()
	defer restore()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS %d with the variable set, want %d as before", got, before)
	}
}

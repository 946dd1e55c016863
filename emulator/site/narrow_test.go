package site

import (
	"context"
	"io"
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/identity-dev/dev/emulator/term"
)

// dev serve runs its Go code on one thread once it listens, and stop gives the choice
// back to Go; a Serve that fails leaves it as it was.
func TestServeNarrowsOnceItListensAndStopWidens(t *testing.T) {
	t.Setenv("GOMAXPROCS", "") // restored after the test
	os.Unsetenv("GOMAXPROCS")
	runtime.SetDefaultGOMAXPROCS()
	all := runtime.GOMAXPROCS(0)
	if all < 2 {
		t.Skip("this machine gives Go one thread already: nothing to narrow")
	}
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	set := DefaultServeSettings()
	if err := s.Settle(&set, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	set.Port = ln.Addr().(*net.TCPAddr).Port
	if _, _, err := s.Serve(context.Background(), set, term.NewLogger(io.Discard)); err == nil {
		t.Fatal("dev serve started on a port already taken")
	}
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Errorf("after a Serve that failed: GOMAXPROCS %d, want Go's own %d", got, all)
	}

	set.Port = 0
	_, stop, err := s.Serve(context.Background(), set, term.NewLogger(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("while serving: GOMAXPROCS %d, want 1", got)
	}
	stop()
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Errorf("after stop: GOMAXPROCS %d, want Go's own %d", got, all)
	}
}

package debug

import (
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"sync/atomic"
	"testing"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// stuckState answers delve's State as delve does when a continue took the target's
// lock between its look at "running" and its wait for that lock: the first question
// waits until the process next stops (here: never), later ones see the continue.
type stuckState struct {
	calls   atomic.Int32
	release chan struct{}
}

func (s *stuckState) State(_ rpc2.StateIn, out *rpc2.StateOut) error {
	if s.calls.Add(1) == 1 {
		<-s.release
	}
	out.State = &api.DebuggerState{Running: true}
	return nil
}

// TestAStuckStateQuestionIsAskedAgainOnANewConnection: delve answers one connection's
// requests in order, so a stuck question must not hold every later one (a CI run's
// detach "did not let hello run within 5s").
func TestAStuckStateQuestionIsAskedAgainOnANewConnection(t *testing.T) {
	srv := rpc.NewServer()
	fake := &stuckState{release: make(chan struct{})}
	defer close(fake.release)
	if err := srv.RegisterName("RPCServer", fake); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.ServeCodec(jsonrpc.NewServerCodec(c))
		}
	}()

	a := &attachment{opts: GoOptions{Name: "hello"}, addr: ln.Addr().String(), exited: make(chan struct{})}
	if _, err := a.state(); err == nil {
		t.Fatal("the stuck question answered")
	}
	st, err := a.state()
	if err != nil {
		t.Fatalf("asked again: %v", err)
	}
	if !st.Running {
		t.Fatalf("state %+v, want running", st)
	}
	if n := fake.calls.Load(); n != 2 {
		t.Fatalf("%d questions reached delve, want 2", n)
	}
}

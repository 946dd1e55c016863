package debug

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// The session's address is open before any process is attached. A port probe is no
// client; a client is one from its first byte until it leaves. What a client asks as
// it connects is answered at once; what needs a process waits for one a bounded time,
// then says why there is none, and after a failed build says so at once.
func TestProxyWithoutProcess(t *testing.T) {
	rec := newRecorder(t)
	s := NewGoSession(rec.options("127.0.0.1:0"))
	defer s.Close()
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	probe, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	time.Sleep(100 * time.Millisecond)
	rec.none(rec.clients, "OnClient")

	ed := connectEditor(t, s.Addr()) // its SetApiVersion is answered by dev
	rec.want(rec.clients, "OnClient", true, time.Second)
	if !ed.IsMulticlient() {
		t.Error("IsMulticlient = false")
	}

	defer func(w time.Duration) { targetWait = w }(targetWait)
	targetWait = 300 * time.Millisecond
	if _, err := ed.ListBreakpoints(false); err == nil || !strings.Contains(err.Error(), "hello has not started yet") {
		t.Errorf("a request before the first process: %v, want why there is none", err)
	}
	s.Building()
	s.Built(errors.New("main.go:3:1: syntax error: non-declaration statement outside function body"))
	targetWait = time.Hour // a failed build needs no waiting
	if _, err := ed.ListBreakpoints(false); err == nil || !strings.Contains(err.Error(), "the build of hello failed (main.go:3:1: syntax error") {
		t.Errorf("a request after a failed build: %v, want the build's error", err)
	}
	ed.Disconnect(false)
	rec.want(rec.clients, "OnClient", false, time.Second)
}

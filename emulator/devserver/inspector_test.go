package devserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A client that sends more header than the proxy reads is answered 431 and cut off
// before it has sent it all, and the proxy does not keep what it sent: it allocates
// a small part of what the client pushed. Node's inspector would have taken it all.
func TestInspectorProxyRefusesOversizedHeaders(t *testing.T) {
	p, err := newInspectorProxy("127.0.0.1:0", func(bool) {}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	c, err := net.Dial("tcp", p.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	const total = 64 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	type sending struct {
		sent int
		err  error
	}
	done := make(chan sending, 1)
	go func() {
		line := []byte("X-Pad: " + strings.Repeat("a", 8<<10) + "\r\n")
		s := sending{}
		var n int
		n, s.err = io.WriteString(c, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		for s.sent += n; s.err == nil && s.sent < total; s.sent += n {
			n, s.err = c.Write(line)
		}
		if s.err == nil { // a proxy that read it all answers now
			_, s.err = io.WriteString(c, "\r\n")
		}
		done <- s
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to an oversized head: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
	s := <-done
	runtime.ReadMemStats(&after)
	if s.err == nil {
		t.Errorf("the client sent all %d bytes of header: the proxy read them", s.sent)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("the client pushed %d KiB before the proxy cut it off; %d KiB allocated", s.sent>>10, alloc>>10)
	if alloc > 8<<20 {
		t.Errorf("%d MiB allocated while the client pushed %d MiB of header", alloc>>20, s.sent>>20)
	}
}

// A large head within the limit (cookies, say) still reaches the worker, and the
// answer comes back with the worker's address replaced by the public one.
func TestInspectorProxyPassesLargeHeadWithinLimit(t *testing.T) {
	cookies := make(chan int, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies <- len(r.Header.Get("Cookie"))
		io.WriteString(w, `[{"webSocketDebuggerUrl":"ws://`+r.Host+`/x"}]`)
	}))
	defer backend.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := free.Addr().String()
	free.Close()
	p, err := newInspectorProxy(public, func(bool) {}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	p.setBackend(strings.TrimPrefix(backend.URL, "http://"))

	req, err := http.NewRequest("GET", "http://"+public+"/json/list", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", strings.Repeat("c", maxInspectorHeaderBytes/2))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if n := <-cookies; n != maxInspectorHeaderBytes/2 {
		t.Errorf("the worker saw a %d-byte cookie, want %d", n, maxInspectorHeaderBytes/2)
	}
	if want := `[{"webSocketDebuggerUrl":"ws://` + public + `/x"}]`; string(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
}

// The inspector port takes any session path, so it refuses what Node's inspector
// refuses (a Host that is not this machine) and every web page's WebSocket: a page
// that opened a session could run code in the function.
func TestInspectorProxyRefusesPagesAndRebinding(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := free.Addr().String()
	free.Close()
	var attached atomic.Int32
	p, err := newInspectorProxy(public, func(on bool) {
		if on {
			attached.Add(1)
		}
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	upgrade := func(host, origin string) int {
		t.Helper()
		c, err := net.Dial("tcp", public)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req := "GET /any-session HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		if origin != "" {
			req += "Origin: " + origin + "\r\n"
		}
		io.WriteString(c, req+"\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("Host %s, Origin %s: %v", host, origin, err)
		}
		return resp.StatusCode
	}
	for _, c := range []struct{ host, origin string }{
		{"attacker.example:9229", ""},
		{public, "https://attacker.example"},
		{public, "http://localhost:3000"},
		{public, "null"},
	} {
		if got := upgrade(c.host, c.origin); got != http.StatusForbidden {
			t.Errorf("Host %s, Origin %q: %d, want 403", c.host, c.origin, got)
		}
	}
	if n := attached.Load(); n != 0 {
		t.Fatalf("%d refused clients were counted as debuggers", n)
	}
	// An editor (no Origin) and DevTools are let in.
	for _, origin := range []string{"", "devtools://devtools"} {
		if got := upgrade(public, origin); got == http.StatusForbidden {
			t.Errorf("Origin %q refused", origin)
		}
	}
}

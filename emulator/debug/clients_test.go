package debug

import (
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// A connection is a client from its first byte to its end; a probe that connects and
// hangs up is none.
func TestClientListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	cl := &clientListener{Listener: ln, seen: func(remote string, open bool) {
		mu.Lock()
		defer mu.Unlock()
		if open {
			seen = append(seen, "open")
		} else {
			seen = append(seen, "close")
		}
	}}
	defer cl.Close()
	go func() {
		for {
			c, err := cl.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 16)
				for {
					if _, err := c.Read(buf); err != nil {
						return // as delve does when a client leaves before its first byte: no Close
					}
				}
			}()
		}
	}()
	probe, _ := net.Dial("tcp", ln.Addr().String())
	probe.Close()
	client, _ := net.Dial("tcp", ln.Addr().String())
	client.Write([]byte("{}"))
	time.Sleep(100 * time.Millisecond)
	client.Close()

	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(seen)
		mu.Unlock()
		if slices.Equal(got, []string{"open", "close"}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("seen %v, want one client that came and left", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeConn returns its reads one chunk at a time.
type fakeConn struct {
	net.Conn
	chunks [][]byte
}

func (f *fakeConn) Read(p []byte) (int, error) {
	if len(f.chunks) == 0 {
		return 0, net.ErrClosed
	}
	n := copy(p, f.chunks[0])
	f.chunks = f.chunks[1:]
	return n, nil
}

func (f *fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// A client's request to run is found in JSON-RPC and DAP, spaced or not, and when a
// read splits it; other requests are not one.
func TestResumeRequests(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   int
	}{
		{"json-rpc continue", []string{`{"method":"RPCServer.Command","params":[{"name":"continue","ReturnInfoLoadConfig":null}],"id":3}`}, 1},
		{"json-rpc spaced", []string{`{"method": "RPCServer.Command", "params": [{"name" : "continue"}], "id": 3}`}, 1},
		{"json-rpc halt", []string{`{"method":"RPCServer.Command","params":[{"name":"halt"}],"id":1}`}, 0},
		{"json-rpc state", []string{`{"method":"RPCServer.State","params":[{"NonBlocking":true}],"id":2}`}, 0},
		{"dap configurationDone", []string{"Content-Length: 60\r\n\r\n", `{"seq":5,"type":"request","command":"configurationDone"}`}, 1},
		{"dap continue split", []string{`{"seq":9,"type":"request","comm`, `and":"contin`, `ue","arguments":{"threadId":1}}`}, 1},
		{"dap setBreakpoints", []string{`{"seq":4,"type":"request","command":"setBreakpoints"}`}, 0},
		{"two continues", []string{`{"name":"continue"}`, `{"name":"continue"}`}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := &fakeConn{}
			for _, c := range tc.chunks {
				fc.chunks = append(fc.chunks, []byte(c))
			}
			got := 0
			c := &clientConn{Conn: fc, seen: func(string, bool) {}, resumed: func(string) { got++ }}
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			if got != tc.want {
				t.Errorf("%d resume requests found, want %d", got, tc.want)
			}
		})
	}
}

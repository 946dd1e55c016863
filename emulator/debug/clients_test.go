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

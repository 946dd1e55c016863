package debug

import (
	"net"
	"testing"
)

func TestProcNetAddr(t *testing.T) {
	for _, tc := range []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "0100007F:1F90"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 2345}, "00000000000000000000000001000000:0929"},
	} {
		if got := procNetAddr(tc.addr); got != tc.want {
			t.Errorf("procNetAddr(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

// A client of this user, over IPv4 and IPv6 loopback, is found in the kernel's table
// and accepted.
func TestSameUser(t *testing.T) {
	for _, network := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", network)
		if err != nil && network == "[::1]:0" {
			t.Logf("no IPv6 loopback here, so only IPv4 is checked: %v", err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		server, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer server.Close()
		same, err := sameUser(server)
		if err != nil || !same {
			t.Errorf("%s: sameUser = %v, %v; want true", network, same, err)
		}
	}
}

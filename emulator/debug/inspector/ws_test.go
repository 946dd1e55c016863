package inspector

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// pipe is a client and a server end of one loopback connection.
func pipe(t *testing.T) (client, server *wsConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return &wsConn{c: a, br: bufio.NewReader(a), client: true, max: maxBackendMessage},
		&wsConn{c: b, br: bufio.NewReader(b), max: maxClientMessage}
}

// Messages of every length form cross both ways: masked from the client, plain from
// the server.
func TestWSMessages(t *testing.T) {
	client, server := pipe(t)
	defer client.close()
	defer server.close()
	for _, n := range []int{0, 5, 125, 126, 300, 1 << 16, 70000} {
		msg := []byte(strings.Repeat("x", n))
		go client.write(msg)
		got, err := server.read()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("client → server, %d bytes: %d bytes, %v", n, len(got), err)
		}
		go server.write(msg)
		got, err = client.read()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("server → client, %d bytes: %d bytes, %v", n, len(got), err)
		}
	}
}

// A message in continuation frames is one message; a ping on the way is answered;
// a close ends the reading.
func TestWSFramesAndControl(t *testing.T) {
	client, server := pipe(t)
	defer client.close()
	defer server.close()
	go func() {
		raw := func(b ...byte) { client.c.Write(b) } // unmasked frames: the server accepts both
		raw(0x01, 3, 'a', 'b', 'c')                  // text, not final
		raw(0x89, 1, 'p')                            // ping
		raw(0x80, 2, 'd', 'e')                       // continuation, final
		raw(0x88, 0)                                 // close
	}()
	got, err := server.read()
	if err != nil || string(got) != "abcde" {
		t.Fatalf("read %q, %v; want abcde", got, err)
	}
	// The pong and the close come back before the server reads the close.
	pong := make([]byte, 3) // a server frame: unmasked
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(client.c, pong); done <- err }()
	if _, err := server.read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after a close: %v, want EOF", err)
	}
	if err := <-done; err != nil || pong[0] != 0x8A || pong[2] != 'p' {
		t.Fatalf("pong %x, %v", pong, err)
	}
}

// A frame larger than the reader takes is refused before it is read.
func TestWSTooLarge(t *testing.T) {
	client, server := pipe(t)
	defer client.close()
	defer server.close()
	server.max = 10
	go client.write([]byte(strings.Repeat("y", 11)))
	if _, err := server.read(); !errors.Is(err, errTooLarge) {
		t.Fatalf("read: %v, want errTooLarge", err)
	}
}

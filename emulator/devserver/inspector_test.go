package devserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// frame builds a WebSocket text frame, masked as a client's are when key is set.
func frame(payload string, key []byte) []byte {
	b := []byte{0x81}
	m := byte(0)
	if key != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if key == nil {
		return append(b, payload...)
	}
	b = append(b, key...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return b
}

// copyFrames passes every frame on byte for byte, whatever its length form, and finds
// the message in masked and plain frames alike.
func TestCopyFrames(t *testing.T) {
	key := []byte{1, 2, 3, 4}
	pad := strings.Repeat("x", 300)
	var in bytes.Buffer
	in.Write(frame(`{"id":1,"method":"Debugger.enable"}`, key))
	in.Write(frame(`{"id":2,"method":"Runtime.runIfWaitingForDebugger","params":{}}`, key))
	in.Write(frame(`{"id":3,"method":"Runtime.evaluate","params":{"expression":"`+pad+`"}}`, key))            // 16-bit length
	in.Write(frame(`{"method":"Runtime.runIfWaitingForDebugger","x":"`+strings.Repeat("y", 70000)+`"}`, nil)) // 64-bit length
	in.Write(frame(`{"method":"Debugger.resumed"}`, nil))
	want := bytes.Clone(in.Bytes())

	var out bytes.Buffer
	found := 0
	copyFrames(&out, bufio.NewReader(&in), runIfWaiting, func() { found++ })
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("the frames were changed on the way: %d bytes in, %d out", len(want), out.Len())
	}
	if found != 2 {
		t.Errorf("found the message %d times, want 2", found)
	}
}

// Node refusing the upgrade (an unknown target id after a rebuild) reaches the client
// as Node wrote it.
func TestCopyHeadRefused(t *testing.T) {
	answer := "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nWebSockets request was expected\r\n"
	src := bufio.NewReader(strings.NewReader(answer))
	var out bytes.Buffer
	upgraded, err := copyHead(&out, src)
	if err != nil || upgraded {
		t.Fatalf("copyHead = %v, %v; want a refusal", upgraded, err)
	}
	out.ReadFrom(src)
	if out.String() != answer {
		t.Fatalf("the client got %q", out.String())
	}
	upgraded, err = copyHead(&bytes.Buffer{}, bufio.NewReader(strings.NewReader("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")))
	if err != nil || !upgraded {
		t.Fatalf("a 101: copyHead = %v, %v", upgraded, err)
	}
}

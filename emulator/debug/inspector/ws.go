package inspector

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// wsConn is the part of WebSocket (RFC 6455) the Chrome DevTools Protocol uses: text
// messages, possibly in continuation frames, pings and a close. A client masks what it
// sends, a server does not.
type wsConn struct {
	c      net.Conn
	br     *bufio.Reader
	client bool // this end is the client: it masks its frames
	max    int64
	wmu    sync.Mutex
}

// Message limits: a client's CDP commands are small (a large Runtime.evaluate at
// most); Node's answers can hold a whole bundle (Debugger.getScriptSource).
const (
	maxClientMessage  = 64 << 20
	maxBackendMessage = 512 << 20
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

var errTooLarge = errors.New("websocket: message too large")

// acceptWS completes a client's upgrade request, already read from c (br holds
// anything it sent after).
func acceptWS(c net.Conn, br *bufio.Reader, req *http.Request) (*wsConn, error) {
	key := req.Header.Get("Sec-WebSocket-Key")
	if key == "" || !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return nil, errors.New("websocket: not an upgrade request")
	}
	h := sha1.Sum([]byte(key + wsGUID))
	_, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "+base64.StdEncoding.EncodeToString(h[:])+"\r\n\r\n")
	if err != nil {
		return nil, err
	}
	return &wsConn{c: c, br: br, max: maxClientMessage}, nil
}

// dialWS opens a WebSocket to a ws:// URL, within timeout.
func dialWS(rawURL string, timeout time.Duration) (*wsConn, error) {
	rest, ok := strings.CutPrefix(rawURL, "ws://")
	if !ok {
		return nil, fmt.Errorf("websocket: %q is not a ws:// URL", rawURL)
	}
	host, path, _ := strings.Cut(rest, "/")
	c, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	if _, err := fmt.Fprintf(c, "GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, k); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("websocket: %s answered %s", rawURL, resp.Status)
	}
	c.SetDeadline(time.Time{})
	return &wsConn{c: c, br: br, client: true, max: maxBackendMessage}, nil
}

// read returns the next text (or binary) message, answering pings on the way; a close
// frame, or the end of the connection, is io.EOF.
func (w *wsConn) read() ([]byte, error) {
	var msg []byte
	for {
		fin, op, payload, err := w.frame()
		if err != nil {
			return nil, err
		}
		switch op {
		case 0x8: // close
			w.send(0x8, payload)
			return nil, io.EOF
		case 0x9: // ping
			w.send(0xA, payload)
			continue
		case 0xA: // pong
			continue
		}
		msg = append(msg, payload...)
		if int64(len(msg)) > w.max {
			return nil, errTooLarge
		}
		if fin {
			return msg, nil
		}
	}
}

// frame reads one frame and unmasks it.
func (w *wsConn) frame() (fin bool, op byte, payload []byte, err error) {
	var head [2]byte
	if _, err = io.ReadFull(w.br, head[:]); err != nil {
		return
	}
	fin, op = head[0]&0x80 != 0, head[0]&0x0f
	masked := head[1]&0x80 != 0
	size := uint64(head[1] & 0x7f)
	switch size {
	case 126:
		var ext [2]byte
		if _, err = io.ReadFull(w.br, ext[:]); err != nil {
			return
		}
		size = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err = io.ReadFull(w.br, ext[:]); err != nil {
			return
		}
		size = binary.BigEndian.Uint64(ext[:])
	}
	if size > uint64(w.max) {
		return false, 0, nil, errTooLarge
	}
	var key [4]byte
	if masked {
		if _, err = io.ReadFull(w.br, key[:]); err != nil {
			return
		}
	}
	payload = make([]byte, size)
	if _, err = io.ReadFull(w.br, payload); err != nil {
		return
	}
	if masked {
		for i := range payload {
			payload[i] ^= key[i%4]
		}
	}
	return
}

// write sends one text message in one frame.
func (w *wsConn) write(msg []byte) error { return w.send(0x1, msg) }

func (w *wsConn) send(op byte, payload []byte) error {
	frame := make([]byte, 0, len(payload)+14)
	frame = append(frame, 0x80|op)
	mask := byte(0)
	if w.client {
		mask = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		frame = append(frame, mask|byte(n))
	case n < 1<<16:
		frame = append(frame, mask|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, mask|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	if w.client {
		var key [4]byte
		rand.Read(key[:])
		frame = append(frame, key[:]...)
		for i, b := range payload {
			frame = append(frame, b^key[i%4])
		}
	} else {
		frame = append(frame, payload...)
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_, err := w.c.Write(frame)
	return err
}

func (w *wsConn) close() error { return w.c.Close() }

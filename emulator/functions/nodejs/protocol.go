package nodejs

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"strconv"

	"github.com/identity-dev/dev/emulator/functions"
)

// The worker protocol (shim.js says the same from its side). Every message is a frame:
// a 4-byte big-endian payload length, a type byte, the payload.
//
//	dev → worker  'I' invoke: JSON {id, deadline (unix ms, 0 = none), event, cc, v2}; v2 is the v2
//	              context's data plus "origin" (the client's, for the Request's URL) and
//	              "identityContext" (globalThis.netlifyIdentityContext), which the shim takes out
//	              'P' load (a spare worker only, once, first): JSON {bundle, name}
//	worker → dev  'T' token (tcp channel only, first)   'R' ready ("v1"|"v2")   'E' load failed (error JSON)
//	              'L' v1 result JSON   'F' invocation failed (error JSON)
//	              'H' v2 head JSON {status, headers:[[k,v]…]}   'B' raw body bytes   'Z' body end   'X' body failed
//
// An invocation is answered by exactly one of L, F, or H followed by B… and then Z or X.
const (
	frameInvoke    = 'I'
	frameLoad      = 'P'
	frameToken     = 'T'
	frameReady     = 'R'
	frameLoadError = 'E'
	frameResult    = 'L'
	frameError     = 'F'
	frameHead      = 'H'
	frameChunk     = 'B'
	frameEnd       = 'Z'
	frameBodyError = 'X'
)

// maxFrame is the most dev keeps of one frame: Lambda's limit for a v1 result. The shim
// sends body chunks of at most 1 MiB and clips error messages, so only a result can be
// larger; readFrame skips such a payload unread, and the invocation fails as Lambda's
// does (functions.ResponseSizeTooLarge). Frames to the worker (events) are not bound by it.
const maxFrame = functions.MaxResponseSize

type frame struct {
	kind byte
	data []byte
	// skipped is the payload's length when it was over maxFrame: read past, not kept
	// (data is nil), so the channel stays in step.
	skipped int64
}

func readFrame(r *bufio.Reader) (frame, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n > maxFrame {
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return frame{}, err
		}
		return frame{kind: head[4], skipped: int64(n)}, nil
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return frame{}, err
	}
	return frame{kind: head[4], data: data}, nil
}

// appendInvokeFrame encodes inv as an 'I' frame into buf (reused between invocations).
// The raw JSON parts are copied as they are; the shim reports invalid JSON as a FunctionError.
// The v2 context goes only to a worker whose function is v2 (v1 workers have no use for
// it, and the worker parses every byte of the frame).
func appendInvokeFrame(buf []byte, inv *functions.Invocation, v2 bool) []byte {
	buf = append(buf, 0, 0, 0, 0, frameInvoke)
	start := len(buf)
	id, _ := json.Marshal(inv.ID) // a string always marshals
	buf = append(buf, `{"id":`...)
	buf = append(buf, id...)
	buf = append(buf, `,"deadline":`...)
	var deadline int64
	if !inv.Deadline.IsZero() {
		deadline = inv.Deadline.UnixMilli()
	}
	buf = strconv.AppendInt(buf, deadline, 10)
	buf = appendRawField(buf, "event", inv.Event)
	buf = appendRawField(buf, "cc", inv.ClientContext)
	var v2Context json.RawMessage
	if v2 {
		v2Context = inv.V2Data()
	}
	buf = appendRawField(buf, "v2", v2Context)
	buf = append(buf, '}')
	binary.BigEndian.PutUint32(buf[start-5:], uint32(len(buf)-start))
	return buf
}

func appendRawField(buf []byte, name string, raw json.RawMessage) []byte {
	buf = append(buf, ',', '"')
	buf = append(buf, name...)
	buf = append(buf, '"', ':')
	if len(raw) == 0 {
		return append(buf, "null"...)
	}
	return append(buf, raw...)
}

// jsError is the error JSON of 'E', 'F' and 'X' frames.
type jsError struct {
	Type    string   `json:"type"`
	Message string   `json:"message"`
	Stack   []string `json:"stack"`
}

func functionError(data []byte) *functions.FunctionError {
	var e jsError
	if err := json.Unmarshal(data, &e); err != nil {
		return &functions.FunctionError{Type: "Error", Message: "the worker sent an unreadable error: " + string(data)}
	}
	return &functions.FunctionError{Type: e.Type, Message: e.Message, Stack: e.Stack}
}

// v2Head is the payload of an 'H' frame.
type v2Head struct {
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
}

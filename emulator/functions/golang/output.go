package golang

import (
	"bytes"
	"strings"
	"sync"

	"github.com/identity-dev/dev/emulator/functions"
)

// legacyPortMessage is what an aws-lambda-go from before the Runtime API prints when
// _LAMBDA_SERVER_PORT is missing; we restart such a binary in RPC mode.
const legacyPortMessage = "[_LAMBDA_SERVER_PORT] are not defined"

const maxLine = 64 << 10

// lineLog receives a process's output, one line at a time, serialized across streams.
type lineLog struct {
	mu  sync.Mutex
	log func(stream, line string)
}

func (l *lineLog) emit(stream, line string) {
	if l.log == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log(stream, line)
}

// lineWriter splits one stream of a process into lines for the log; the stderr one
// also keeps the last lines for error messages.
type lineWriter struct {
	stream string
	out    *lineLog
	keep   bool // keep a tail

	mu      sync.Mutex
	partial []byte
	tail    functions.StderrTail
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p...)
			if len(w.partial) > maxLine {
				w.line(string(w.partial))
				w.partial = w.partial[:0]
			}
			break
		}
		if len(w.partial) > 0 {
			w.partial = append(w.partial, p[:i]...)
			w.line(string(w.partial))
			w.partial = w.partial[:0]
		} else {
			w.line(string(p[:i]))
		}
		p = p[i+1:]
	}
	return n, nil
}

// flush emits an unterminated last line; called once the process has exited.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
}

func (w *lineWriter) line(s string) {
	s = strings.TrimSuffix(s, "\r")
	if w.keep {
		w.tail.Add(s)
	}
	// An old binary's complaint about _LAMBDA_SERVER_PORT is our cue to switch to RPC,
	// not something the user needs to read.
	if strings.Contains(s, legacyPortMessage) {
		return
	}
	w.out.emit(w.stream, s)
}

// Tail returns the last lines written, for an error message.
func (w *lineWriter) Tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tail.String()
}

// mentions reports whether the kept lines contain s.
func (w *lineWriter) mentions(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tail.Contains(s)
}

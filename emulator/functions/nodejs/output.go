package nodejs

import (
	"bufio"
	"bytes"
	"os"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

const maxLogLine = 64 << 10 // a longer line reaches Log in pieces of this size

// output forwards a worker's stdout and stderr to Log line by line, and keeps the end of
// stderr for an ExitError. Log is called from one goroutine at a time.
type output struct {
	log func(stream, line string)

	mu   sync.Mutex // serialises log and guards tail
	tail functions.StderrTail
	// A spare worker's lines wait here until it knows its function (setLog).
	spare   bool
	pending [][2]string
}

func newOutput(log func(stream, line string)) *output {
	return &output{log: log}
}

func (o *output) forward(f *os.File, stream string, done chan<- struct{}) {
	defer close(done)
	r := bufio.NewReaderSize(f, maxLogLine)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			o.line(stream, string(bytes.TrimRight(line, "\r\n")))
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// maxPending is how many lines a spare worker's output keeps until it is given a log.
const maxPending = 100

func (o *output) line(stream, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if stream == "stderr" {
		o.tail.Add(line)
	}
	if o.log != nil {
		o.log(stream, line)
	} else if o.spare && len(o.pending) < maxPending {
		o.pending = append(o.pending, [2]string{stream, line})
	}
}

// setLog gives a spare worker's output the log of the function it now runs, and hands
// it what the worker wrote before.
func (o *output) setLog(log func(stream, line string)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log, o.spare = log, false
	if log != nil {
		for _, l := range o.pending {
			log(l[0], l[1])
		}
	}
	o.pending = nil
}

func (o *output) stderrTail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.tail.String()
}

// finish waits briefly for the last output of a stopped worker, then stops reading: a
// grandchild that inherited stdout must not keep the instance's goroutines alive.
func (o *output) finish(stdout, stderr *os.File, stdoutDone, stderrDone <-chan struct{}) {
	expired := make(chan struct{})
	t := time.AfterFunc(logDrain, func() { close(expired) })
	defer t.Stop()
	for _, done := range []<-chan struct{}{stdoutDone, stderrDone} {
		select {
		case <-done:
		case <-expired:
		}
	}
	stdout.Close()
	stderr.Close()
	<-stdoutDone
	<-stderrDone
}

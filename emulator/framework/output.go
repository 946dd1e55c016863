package framework

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/term"
)

const (
	// maxLine is the longest line logged as one; longer ones are split.
	maxLine = 64 << 10
	// tailLines is how many of the last lines an error quotes.
	tailLines = 15
	// logDrain is how long finish waits for the last output of an ended command.
	logDrain = 200 * time.Millisecond
)

// colour matches a CSI sequence (colours, cursor moves), which a framework prints when
// FORCE_COLOR is set: the log drops it rather than show it escaped.
var colour = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]")

// output forwards the command's stdout and stderr to the log, one event a line
// (escaped by term), and keeps the last lines for Start's errors.
type output struct {
	log   *term.Logger
	files [2]*os.File
	done  [2]chan struct{}

	mu   sync.Mutex
	tail []string

	finishOnce sync.Once
}

func newOutput(log *term.Logger, stdout, stderr *os.File) *output {
	o := &output{log: log, files: [2]*os.File{stdout, stderr}}
	for i, f := range o.files {
		o.done[i] = make(chan struct{})
		outcome := term.Info
		if f == stderr {
			outcome = term.Warn
		}
		go o.forward(f, outcome, o.done[i])
	}
	return o
}

func (o *output) forward(f *os.File, outcome term.Outcome, done chan<- struct{}) {
	defer close(done)
	r := bufio.NewReaderSize(f, maxLine)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			o.line(outcome, colour.ReplaceAllString(string(bytes.TrimRight(line, "\r\n")), ""))
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

func (o *output) line(outcome term.Outcome, line string) {
	o.mu.Lock()
	o.tail = append(o.tail, line)
	if len(o.tail) > tailLines {
		o.tail = o.tail[len(o.tail)-tailLines:]
	}
	o.mu.Unlock()
	o.log.Event(term.KindServer, logSubject, outcome, line, 0)
}

// lines are the last lines the command printed, stdout and stderr together.
func (o *output) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.tail...)
}

// finish waits briefly for the last output of an ended command, then stops reading: a
// process that left the group but kept the pipes must not keep the log going.
func (o *output) finish() {
	o.finishOnce.Do(func() {
		expired := time.After(logDrain)
		for _, done := range o.done {
			select {
			case <-done:
			case <-expired:
			}
		}
		for i, f := range o.files {
			f.Close()
			<-o.done[i]
		}
	})
}

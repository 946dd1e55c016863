// Package term formats what dev prints for people: one line per event in dev serve's
// log, styled with lipgloss on a terminal and plain otherwise (or when NO_COLOR is set).
package term

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
)

// Kind is what an event line is about.
type Kind string

const (
	KindServer   Kind = "dev"
	KindIdentity Kind = "identity"
	KindMail     Kind = "mail"
	KindHook     Kind = "hook"
	KindFunction Kind = "function"
	KindBuild    Kind = "build"
	KindDebug    Kind = "debug"
)

// Outcome colours an event's result.
type Outcome int

const (
	OK Outcome = iota
	Warn
	Fail
	Info
)

// Logger writes event lines; it is safe for concurrent use.
//
// Lines that come while another is being written wait in pending, and the goroutine
// writing takes them with its next write: under load, many calls end at once, and their
// lines cost one write instead of one each. No line waits for a timer, and they stay in
// order. When the writer is stuck (a terminal paused with Ctrl-S), callers wait once
// maxPending bytes have gathered, as they would for a plain write.
type Logger struct {
	mu      sync.Mutex
	w       io.Writer
	styled  bool
	now     func() time.Time
	r       *lipgloss.Renderer
	pending []byte // lines waiting for the write under way
	spare   []byte // the last written buffer, for reuse
	writing bool   // a goroutine is writing; it writes pending before it stops
	written sync.Cond
}

// maxPending bounds the lines waiting behind a slow writer.
const maxPending = 256 << 10

// NewLogger writes to w, styled when w is a terminal and NO_COLOR is unset.
func NewLogger(w io.Writer) *Logger {
	l := &Logger{w: w, styled: Styled(w), now: time.Now, r: lipgloss.NewRenderer(w)}
	l.written.L = &l.mu
	return l
}

// emit writes line and a newline, or leaves them to the write under way.
func (l *Logger) emit(line string) {
	l.mu.Lock()
	for len(l.pending) >= maxPending {
		l.written.Wait()
	}
	l.pending = append(append(l.pending, line...), '\n')
	if l.writing {
		l.mu.Unlock()
		return
	}
	l.writing = true
	for len(l.pending) > 0 {
		buf := l.pending
		l.pending = l.spare[:0]
		l.mu.Unlock()
		l.w.Write(buf) // a log line that cannot be written has nowhere else to go
		l.mu.Lock()
		if cap(buf) <= 64<<10 {
			l.spare = buf
		} else {
			l.spare = nil
		}
		l.written.Broadcast()
	}
	l.writing = false
	l.mu.Unlock()
}

// Styled reports whether output to w should carry colour.
func Styled(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(interface{ Fd() uintptr })
	return ok && isatty.IsTerminal(f.Fd())
}

// Colours readable on light and dark terminals alike: lipgloss picks the Light or Dark
// one from the terminal's background. What a person must read (a mail's link, a
// function's output) is Info, in the terminal's own foreground colour.
var kindColors = map[Kind]lipgloss.AdaptiveColor{
	KindServer:   {Light: "25", Dark: "12"},
	KindIdentity: {Light: "30", Dark: "14"},
	KindMail:     {Light: "127", Dark: "13"},
	KindHook:     {Light: "130", Dark: "11"},
	KindFunction: {Light: "28", Dark: "10"},
	KindBuild:    {Light: "240", Dark: "245"},
	KindDebug:    {Light: "124", Dark: "9"},
}

var outcomeColors = map[Outcome]lipgloss.AdaptiveColor{
	OK:   {Light: "28", Dark: "2"},
	Warn: {Light: "130", Dark: "3"},
	Fail: {Light: "124", Dark: "1"},
}

// Event writes one line: time, kind, subject and outcome (with a duration when d > 0).
func (l *Logger) Event(kind Kind, subject string, outcome Outcome, result string, d time.Duration) {
	if l == nil {
		return
	}
	subject, result = Escape(subject), Escape(result)
	ts := l.now().Format("15:04:05")
	k := string(kind)
	if pad := 8 - len(k); pad > 0 {
		k += strings.Repeat(" ", pad)
	}
	if d > 0 {
		result = strings.TrimSpace(result + " " + Duration(d))
	}
	if l.styled {
		ts = l.r.NewStyle().Faint(true).Render(ts)
		k = l.r.NewStyle().Bold(true).Foreground(kindColors[kind]).Render(k)
		if c, ok := outcomeColors[outcome]; ok {
			result = l.r.NewStyle().Foreground(c).Render(result)
		}
	}
	l.emit(strings.TrimRight(ts+" "+k+" "+subject+"  "+result, " "))
}

// Printf writes a plain line, for start-up banners and notes.
func (l *Logger) Printf(format string, args ...any) {
	if l == nil {
		return
	}
	l.emit(EscapeText(fmt.Sprintf(format, args...)))
}

// Duration formats d compactly: 850µs, 3.2ms, 1.4s.
func Duration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

package term

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// styledLogger is a Logger styled as on a 256-colour terminal with a light or dark
// background.
func styledLogger(out *bytes.Buffer, dark bool) *Logger {
	l := NewLogger(out)
	l.styled = true
	l.r = lipgloss.NewRenderer(out)
	l.r.SetColorProfile(termenv.ANSI256)
	l.r.SetHasDarkBackground(dark)
	l.now = func() time.Time { return time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC) }
	return l
}

// What a person must read (Info: a mail's link) is in the terminal's own colour, and
// the coloured parts change with the background, so that no line is white on white.
func TestColoursReadableOnLightAndDark(t *testing.T) {
	var light, dark bytes.Buffer
	for _, c := range []struct {
		l   *Logger
		out *bytes.Buffer
	}{{styledLogger(&light, false), &light}, {styledLogger(&dark, true), &dark}} {
		c.l.Event(KindMail, "confirmation to ann@example.com", Info, "http://127.0.0.1:8888/#confirmation_token=abc", 0)
		c.l.Event(KindHook, "identity-signup", Warn, "reject 500", 0)
	}
	lines := strings.Split(light.String(), "\n")
	if !strings.Contains(lines[0], "  http://127.0.0.1:8888/#confirmation_token=abc") {
		t.Fatalf("the link is styled: %q", lines[0])
	}
	for _, white := range []string{"38;5;7m", "38;5;15m", "\x1b[37m", "\x1b[97m"} {
		if strings.Contains(light.String(), white) {
			t.Fatalf("white text on a light terminal: %q", light.String())
		}
	}
	if !strings.Contains(light.String(), "38;5;130m") || !strings.Contains(dark.String(), "1;93m") {
		t.Fatalf("the hook's colour does not follow the background:\nlight %q\ndark  %q", light.String(), dark.String())
	}
}

func TestPlainWithoutTerminal(t *testing.T) {
	var out bytes.Buffer
	l := NewLogger(&out)
	l.Event(KindServer, "serving", OK, "ok", 1500*time.Microsecond)
	if strings.Contains(out.String(), "\x1b") || !strings.HasSuffix(out.String(), "serving  ok 1.5ms\n") {
		t.Fatalf("%q", out.String())
	}
}

// gate is a writer whose first write waits until it is opened, and which keeps each
// write apart.
type gate struct {
	mu     sync.Mutex
	open   chan struct{}
	first  sync.Once
	writes []string
}

func (g *gate) Write(p []byte) (int, error) {
	g.first.Do(func() { <-g.open })
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes = append(g.writes, string(p))
	return len(p), nil
}

func (g *gate) all() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.writes...)
}

// Lines that come while a write is under way go out together in the next write, whole
// and in the order they came; none is lost.
func TestLinesThatComeDuringAWriteGoOutTogether(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	l := NewLogger(g)
	firstDone := make(chan struct{})
	go func() {
		l.Event(KindFunction, "first", OK, "200", 0)
		close(firstDone)
	}()
	// Wait until the first line's write is under way (and held by the gate).
	for {
		l.mu.Lock()
		writing := l.writing
		l.mu.Unlock()
		if writing {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 50; i++ {
		l.Event(KindFunction, fmt.Sprintf("call-%02d", i), OK, "200", 0) // returns at once
	}
	close(g.open)
	<-firstDone
	writes := g.all()
	if len(writes) != 2 {
		t.Fatalf("%d writes, want 2 (the first line, then the 50 that came during it): %q", len(writes), writes)
	}
	lines := strings.Split(strings.TrimSuffix(writes[1], "\n"), "\n")
	if len(lines) != 50 || !strings.Contains(writes[0], "first") {
		t.Fatalf("writes %q", writes)
	}
	for i, line := range lines {
		if want := fmt.Sprintf("call-%02d  200", i); !strings.HasSuffix(line, want) {
			t.Fatalf("line %d is %q, want it to end with %q", i, line, want)
		}
	}
}

// A writer that does not return (a paused terminal) holds callers back once maxPending
// bytes wait, as a plain write would, instead of gathering lines without end.
func TestAStuckWriterHoldsCallersBack(t *testing.T) {
	g := &gate{open: make(chan struct{})}
	l := NewLogger(g)
	subject := strings.Repeat("x", 1000)
	var logged atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2*maxPending/1000; i++ {
			l.Event(KindFunction, subject, OK, "200", 0)
			logged.Add(1)
		}
	}()
	time.Sleep(200 * time.Millisecond)
	l.mu.Lock()
	held := len(l.pending)
	l.mu.Unlock()
	if n := logged.Load(); n >= 2*maxPending/1000 || held > maxPending+1100 {
		t.Fatalf("with the writer stuck, %d lines were logged and %d bytes held (bound %d)", n, held, maxPending)
	}
	close(g.open)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the callers were not let go when the writer came back")
	}
	if got := strings.Count(strings.Join(g.all(), ""), "\n"); got != 2*maxPending/1000 {
		t.Fatalf("%d lines written, want %d", got, 2*maxPending/1000)
	}
}

package term

import (
	"bytes"
	"strings"
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

package term

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, line, text string }{
		{"plain/path?q=1", "plain/path?q=1", "plain/path?q=1"},
		{"/\x1b[2J\x1b[31mfake", `/\x1b[2J\x1b[31mfake`, `/\x1b[2J\x1b[31mfake`},
		{"a\nb\tc\rd", `a\nb\tc\rd`, "a\nb\tc\\rd"},
		{"bell\x07del\x7f", `bell\x07del\u007f`, `bell\x07del\u007f`},
		{"c1\u009b31m", `c1\u009b31m`, `c1\u009b31m`},
		{"bad\xffutf8", `bad\xffutf8`, `bad\xffutf8`},
		{"héllo ✓", "héllo ✓", "héllo ✓"},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.line {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := EscapeText(c.in); got != c.text {
			t.Errorf("EscapeText(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}

// A request path or a function's output cannot forge a log line or drive the terminal.
func TestLoggerEscapesFields(t *testing.T) {
	var out bytes.Buffer
	l := NewLogger(&out)
	l.now = func() time.Time { return time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC) }
	l.Event(KindFunction, "GET /x\x1b]0;pwned\x07", OK, "200\n10:00:00 dev      fake line", 0)
	l.Printf("banner %s", "\x1b[2Jgone\nnext")
	want := "10:00:00 function GET /x\\x1b]0;pwned\\x07  200\\n10:00:00 dev      fake line\nbanner \\x1b[2Jgone\nnext\n"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
}

// Text written through TextWriter comes out escaped, also when a UTF-8 sequence or an
// escape is split across writes; JSON stays JSON.
func TestTextWriter(t *testing.T) {
	var out bytes.Buffer
	w := TextWriter(&out)
	for _, chunk := range []string{"é"[:1], "é"[1:] + "\x1b", "[31m\n", "\u009b"[:1], "\u009b"[1:]} {
		if n, err := w.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if got, want := out.String(), "é\\x1b[31m\n\\u009b"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}

	out.Reset()
	b, _ := json.Marshal(map[string]string{"body": "del\x7f c1\u0085 esc\x1b"})
	w.Write(b)
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["body"] != "del\x7f c1\u0085 esc\x1b" {
		t.Fatalf("JSON through TextWriter: %s (%v)", out.String(), err)
	}
	if strings.ContainsAny(out.String(), "\x7f\u0085\x1b") {
		t.Fatalf("raw controls left: %q", out.String())
	}
}

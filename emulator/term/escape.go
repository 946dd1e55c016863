package term

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape makes s safe to print on one line of a terminal: control characters (C0,
// DEL and C1, newlines and tabs included) and bytes that are not UTF-8 are written as
// escapes (\x1b, \n, \u007f, \u009b; DEL and C1 as JSON writes them, so that JSON
// printed through TextWriter stays JSON), so that text from a request, a function or a mail
// cannot move the cursor, recolour the screen or forge log lines.
func Escape(s string) string {
	if !needsEscape(s, false) {
		return s
	}
	var b strings.Builder
	writeEscaped(&b, s, false)
	return b.String()
}

// EscapeText is Escape for several lines: newlines and tabs are kept.
func EscapeText(s string) string {
	if !needsEscape(s, true) {
		return s
	}
	var b strings.Builder
	writeEscaped(&b, s, true)
	return b.String()
}

func needsEscape(s string, text bool) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return true
			}
		}
		if isControl(r) && !(text && (r == '\n' || r == '\t')) {
			return true
		}
	}
	return false
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func writeEscaped(b *strings.Builder, s string, text bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case text && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			fmt.Fprintf(b, `\x%02x`, r)
		case isControl(r):
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// TextWriter escapes what is written to w as EscapeText does, for commands that print
// data (bodies, addresses, mail) as text. A UTF-8 sequence split across writes is
// held until its end arrives.
func TextWriter(w io.Writer) io.Writer { return &textWriter{w: w} }

type textWriter struct {
	w       io.Writer
	partial []byte
}

func (t *textWriter) Write(p []byte) (int, error) {
	buf := append(t.partial, p...)
	cut := len(buf)
	// Keep back an incomplete sequence at the end (at most 3 bytes).
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	out := EscapeText(string(buf[:cut]))
	t.partial = append(t.partial[:0:0], buf[cut:]...)
	if _, err := io.WriteString(t.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fd lets Styled see the terminal behind the writer.
func (t *textWriter) Fd() uintptr {
	if f, ok := t.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

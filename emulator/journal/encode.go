package journal

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends e as encoding/json's Marshal writes it, byte for byte. The
// journal's writer stores every entry as JSON, one per function call under load, and
// Marshal's reflection was a quarter of that writer's time; this writes the fields in
// turn. An entry Marshal would refuse (a time outside its years) goes to Marshal, and
// so does its error.
func (e *Entry) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, `{"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(e.Kind))
	b = appendOptString(b, `,"event":`, e.Event)
	b = appendOptString(b, `,"function":`, e.Function)
	b = appendOptString(b, `,"target":`, e.Target)
	b = appendOptString(b, `,"user_id":`, e.UserID)
	b = appendOptString(b, `,"user_email":`, e.UserEmail)
	b = appendOptInt(b, `,"attempt":`, e.Attempt)
	b = appendOptInt(b, `,"attempts":`, e.Attempts)
	b = append(b, `,"request":{"method":`...)
	b = appendString(b, e.Request.Method)
	b = append(b, `,"url":`...)
	b = appendString(b, e.Request.URL)
	b = append(b, `,"headers":`...)
	b = appendHeader(b, e.Request.Header)
	b = append(b, `,"body":`...)
	b = appendBytes(b, e.Request.Body)
	b = appendCut(b, e.Request.Cut, e.Request.Size)
	b = append(b, '}')
	if r := e.Response; r != nil {
		b = append(b, `,"response":{"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		if len(r.Header) > 0 {
			b = append(b, `,"headers":`...)
			b = appendHeader(b, r.Header)
		}
		b = append(b, `,"body":`...)
		b = appendBytes(b, r.Body)
		b = appendCut(b, r.Cut, r.Size)
		b = append(b, '}')
	}
	b = append(b, `,"outcome":`...)
	b = appendString(b, e.Outcome)
	b = appendOptString(b, `,"error":`, e.Error)
	b = append(b, `,"duration_ms":`...)
	if math.IsInf(e.DurationMS, 0) || math.IsNaN(e.DurationMS) {
		return marshalInstead(b[:start], e)
	}
	b = appendFloat(b, e.DurationMS)
	b = appendOptString(b, `,"replay_of":`, e.ReplayOf)
	b = append(b, `,"created_at":"`...)
	out, err := e.CreatedAt.AppendText(b) // on an error out is not b
	if err != nil {
		return marshalInstead(b[:start], e)
	}
	return append(out, `"}`...), nil
}

func marshalInstead(b []byte, e *Entry) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return b, err
	}
	return append(b, raw...), nil
}

func appendOptString(b []byte, field, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, field...), s)
}

func appendOptInt(b []byte, field string, n int) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, field...), int64(n), 10)
}

func appendCut(b []byte, cut bool, size int) []byte {
	if cut {
		b = append(b, `,"body_cut":true`...)
	}
	return appendOptInt(b, `,"body_size":`, size)
}

// appendHeader writes h as Marshal writes a map of lists: null when nil, names sorted.
func appendHeader(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, name), ':')
		values := h[name]
		if values == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendBytes writes a []byte as Marshal does: null when nil, else base64 in quotes.
func appendBytes(b, data []byte) []byte {
	if data == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// appendFloat writes a float64 as Marshal does (ES6 number to string).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString writes s as Marshal does: quoted, with <, > and & escaped for HTML,
// invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

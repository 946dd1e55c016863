// Package jsonout writes JSON values byte for byte as encoding/json's Marshal writes them,
// for the paths where Marshal's reflection costs too much: a function call's Lambda event
// (functions) and the journal's entries (journal). html says whether <, > and & are
// escaped, as Marshal does and an Encoder with SetEscapeHTML(false) does not.
package jsonout

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// String appends s quoted: invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped, and <, >
// and & escaped when html is set.
func String(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	safe := &plainSafe
	if html {
		safe = &htmlSafe
	}
	i := 0 // most strings need no escaping: one pass, one copy
	for i < len(s) && s[i] < utf8.RuneSelf && safe[s[i]] {
		i++
	}
	b = append(b, '"')
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
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

// plainSafe and htmlSafe are the ASCII bytes written as they are, without and with
// HTML escaping.
var plainSafe, htmlSafe = safeSets()

func safeSets() (plain, html [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}

// Strings appends vs as a list of strings: null when nil.
func Strings(b []byte, vs []string, html bool) []byte {
	if vs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = String(b, v, html)
	}
	return append(b, ']')
}

// Map appends m with its keys sorted, each value by value: null when nil.
func Map[M ~map[string]V, V any](b []byte, m M, html bool, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(String(b, k, html), ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// Bytes appends data as base64 in quotes: null when nil.
func Bytes(b, data []byte) []byte {
	if data == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// Float appends a finite f as an ES6 number (Marshal's cutoffs for an exponent);
// Marshal refuses NaN and infinities, which the caller checks.
func Float(b []byte, f float64) []byte {
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

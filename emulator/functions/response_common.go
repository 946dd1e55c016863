package functions

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// parseCommonResult reads the results most functions return, in one pass and without
// encoding/json: an object of statusCode (an integer), body (a string or null),
// headers (an object of strings, or null) and isBase64Encoded (true, false or null),
// each once, with nothing after it. Its result is then the one parseAnyResult gives;
// ok is false for anything else (another key, a \u escape, a number written another
// way, a value of another type, invalid UTF-8, any error), which parseAnyResult reads.
// It is most of the answer's cost per call in dev serve: 5 µs and 41 allocations
// through encoding/json for a three-field result.
func parseCommonResult(raw []byte) (*LambdaResult, bool) {
	s := resultScanner{b: raw}
	if !s.next('{') {
		return nil, false
	}
	var (
		status  int
		body    []byte
		base64  bool
		headers [][2]string
		seen    resultKey // each key once: encoding/json would keep the last
	)
	if !s.next('}') {
		for {
			name, ok := s.str()
			key := resultKeyOf(name)
			if !ok || key == 0 || seen&key != 0 || !s.next(':') {
				return nil, false
			}
			seen |= key
			switch key {
			case keyStatusCode:
				status, ok = s.status()
			case keyBody:
				if !s.null() {
					body, ok = s.str()
					if body == nil {
						body = []byte{}
					}
				}
			case keyHeaders:
				if !s.null() {
					headers, ok = s.headers()
				}
			case keyIsBase64Encoded:
				base64 = s.word("true")
				ok = base64 || s.word("false") || s.null()
			}
			if !ok {
				return nil, false
			}
			if s.next('}') {
				break
			}
			if !s.next(',') {
				return nil, false
			}
		}
	}
	if seen&keyStatusCode == 0 || !s.end() {
		return nil, false
	}
	res := &LambdaResult{StatusCode: status, Headers: http.Header{}, Body: body, IsBase64Encoded: base64}
	if base64 && body != nil {
		decoded, err := decodeBase64(body)
		if err != nil {
			return nil, false
		}
		res.Body = decoded
	}
	// As parseAnyResult: the names in order, so that of two that differ only in case
	// the last in that order wins.
	slices.SortFunc(headers, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	for i, h := range headers {
		if i > 0 && headers[i-1][0] == h[0] {
			return nil, false // a name twice: encoding/json keeps the last
		}
		res.Headers.Set(h[0], h[1])
	}
	return res, true
}

// resultKey is one of the keys parseCommonResult reads, as a bit.
type resultKey uint8

const (
	keyStatusCode resultKey = 1 << iota
	keyBody
	keyHeaders
	keyIsBase64Encoded
)

// resultKeyOf is name's bit, or 0 for a key parseCommonResult leaves to encoding/json.
func resultKeyOf(name []byte) resultKey {
	switch string(name) {
	case "statusCode":
		return keyStatusCode
	case "body":
		return keyBody
	case "headers":
		return keyHeaders
	case "isBase64Encoded":
		return keyIsBase64Encoded
	}
	return 0
}

func decodeBase64(b []byte) ([]byte, error) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	return out[:n], err
}

// resultScanner reads JSON tokens from b at i.
type resultScanner struct {
	b []byte
	i int
}

func (s *resultScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c, after any space, if it comes next.
func (s *resultScanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// word consumes the literal w (true, false, null) if it comes next, whole.
func (s *resultScanner) word(w string) bool {
	s.space()
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	if j := s.i + len(w); j < len(s.b) && isWordByte(s.b[j]) {
		return false
	}
	s.i += len(w)
	return true
}

func (s *resultScanner) null() bool { return s.word("null") }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '+'
}

// end reports whether nothing but space is left.
func (s *resultScanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// status reads an HTTP status written as digits only, 100 to 999.
func (s *resultScanner) status() (int, bool) {
	s.space()
	start := s.i
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' && s.i-start < 4 {
		n = n*10 + int(s.b[s.i]-'0')
		s.i++
	}
	if s.i-start != 3 || s.i < len(s.b) && isWordByte(s.b[s.i]) {
		return 0, false
	}
	return n, n >= 100
}

// str reads a string into a new slice (nil for ""), unescaping what JSON.stringify and
// encoding/json write for quotes, backslashes and the usual control characters; a \u
// escape, a raw control character, invalid UTF-8 or a missing quote leave it to
// encoding/json.
func (s *resultScanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	var out []byte
	start, ascii := s.i, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out = append(out, s.b[start:s.i]...)
			s.i++
			if !ascii && !utf8.Valid(out) {
				return nil, false
			}
			return out, true
		case c == '\\':
			if s.i+1 == len(s.b) {
				return nil, false
			}
			var r byte
			switch s.b[s.i+1] {
			case '"', '\\', '/':
				r = s.b[s.i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default:
				return nil, false
			}
			out = append(append(out, s.b[start:s.i]...), r)
			s.i += 2
			start = s.i
		case c < 0x20:
			return nil, false
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			s.i++
		}
	}
	return nil, false
}

// headers reads an object of string values, as name and value pairs in their order.
func (s *resultScanner) headers() ([][2]string, bool) {
	if !s.next('{') {
		return nil, false
	}
	var out [][2]string
	if s.next('}') {
		return out, true
	}
	for {
		name, ok := s.str()
		if !ok || !s.next(':') {
			return nil, false
		}
		value, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, [2]string{string(name), string(value)})
		if s.next('}') {
			return out, true
		}
		if !s.next(',') {
			return nil, false
		}
	}
}

package rules

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// HeaderRule is one set of custom headers for the paths that For matches.
type HeaderRule struct {
	For    string
	Values http.Header // one value a name; repeated names are joined with ", ", as production does
	Source string      // "public/_headers:3" or "netlify.toml [[headers]] #1"

	pattern *regexp.Regexp // For compiled; nil for a HeaderRule built by hand
}

// ParseHeaders parses a _headers file: a path line (starting with "/") followed by indented
// `Name: value` lines. name is the file as messages show it; a bad line becomes an error
// naming name:line and the rest are kept.
func ParseHeaders(name string, data []byte) ([]HeaderRule, []error) {
	var rules []HeaderRule
	var errs []error
	text := strings.TrimPrefix(string(data), "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		source := fmt.Sprintf("%s:%d", name, i+1)
		if strings.HasPrefix(line, "/") {
			rules = append(rules, HeaderRule{For: line, Values: http.Header{}, Source: source})
			continue
		}
		key, value, err := parseHeaderLine(line)
		if err == nil && len(rules) == 0 {
			err = fmt.Errorf("header %q comes before any path: put a path line (starting with /) above it", key)
		}
		if err != nil {
			errs = append(errs, &ParseError{Source: source, Text: line, Err: err})
			continue
		}
		addValue(rules[len(rules)-1].Values, key, value)
	}
	out := rules[:0]
	for _, r := range rules {
		if len(r.Values) > 0 { // production drops a path without headers
			r.pattern = compileFor(r.For)
			out = append(out, r)
		}
	}
	return out, errs
}

func parseHeaderLine(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", errors.New(`neither a path (starting with "/") nor a header ("Name: value")`)
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if err := checkHeaderName(name); err != nil {
		return "", "", err
	}
	if value == "" {
		return "", "", fmt.Errorf("header %q has no value", name)
	}
	return name, value, nil
}

func checkHeaderName(name string) error {
	if name == "" {
		return errors.New("missing header name")
	}
	for _, c := range name {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return fmt.Errorf("%q is not a header name", name)
		}
	}
	return nil
}

// addValue adds a value to a rule's header, joining a repeated name with ", ".
func addValue(h http.Header, name, value string) {
	value = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, value)
	if old := h.Get(name); old != "" {
		value = old + ", " + value
	}
	h.Set(name, value)
}

// headerFromTOML reads one [[headers]] table: for = "/path", [headers.values].
func headerFromTOML(t map[string]any) (HeaderRule, error) {
	path, ok := t["for"].(string)
	if !ok {
		return HeaderRule{}, errors.New(`missing "for": give the path the headers apply to, such as for = "/*"`)
	}
	path = strings.TrimSpace(path)
	h := HeaderRule{For: path, Values: http.Header{}, pattern: compileFor(path)}
	raw, ok := t["values"]
	if !ok {
		return h, nil
	}
	values, ok := raw.(map[string]any)
	if !ok {
		return HeaderRule{}, errors.New(`"values" must be a table of header names and values`)
	}
	for name, v := range values {
		name = strings.TrimSpace(name)
		if err := checkHeaderName(name); err != nil {
			return HeaderRule{}, err
		}
		value, err := headerValue(v)
		if err != nil {
			return HeaderRule{}, fmt.Errorf("header %q: %w", name, err)
		}
		addValue(h.Values, name, value)
	}
	return h, nil
}

var commaSpace = regexp.MustCompile(`\s*,\s*`)

// headerValue normalises a value as headers-parser does: a string's comma list (which may
// span lines) becomes "a, b"; an array's items are joined with ", ".
func headerValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return commaSpace.ReplaceAllString(strings.TrimSpace(v), ", "), nil
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				return "", fmt.Errorf("item %d must be a string, not %v", i, item)
			}
			items[i] = strings.TrimSpace(s)
		}
		return strings.Join(items, ", "), nil
	}
	return "", fmt.Errorf("the value must be a string or a list of strings, not %v", v)
}

// compileFor turns a `for` path into headers-parser's pattern: case-insensitive, the
// trailing slash optional, ":name" one segment, a standalone "*" anything (or nothing).
func compileFor(path string) *regexp.Regexp {
	var parts []string
	for part := range strings.SplitSeq(path, "/") {
		part = strings.TrimRight(part, " \t")
		switch {
		case part == "":
			continue
		case strings.HasPrefix(part, ":"):
			parts = append(parts, "([^/]+)")
		case part == "*":
			parts = append(parts, "?(.*)")
		default:
			quoted := strings.Split(part, "*")
			for i := range quoted {
				quoted[i] = regexp.QuoteMeta(quoted[i])
			}
			parts = append(parts, strings.Join(quoted, "(.*)"))
		}
	}
	return regexp.MustCompile("(?i)^/" + strings.Join(parts, "/") + "/?$")
}

// HeadersFor returns the custom headers for a path: those of every matching rule, in order,
// a later rule's value replacing an earlier one's for the same name (so netlify.toml's win
// over _headers'), as netlify dev does.
func (s *Set) HeadersFor(path string) http.Header {
	out := http.Header{}
	if s == nil {
		return out
	}
	for _, r := range s.Headers {
		pattern := r.pattern
		if pattern == nil {
			pattern = compileFor(r.For)
		}
		if !pattern.MatchString(path) {
			continue
		}
		for name, values := range r.Values {
			out[name] = append([]string(nil), values...)
		}
	}
	return out
}

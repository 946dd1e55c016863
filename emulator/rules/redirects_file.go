package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseRedirects parses a _redirects file, one rule a line:
//
//	from [key=value ...] [to] [status[!]] [Condition=a,b ...]
//
// name is the file as messages show it. A bad line becomes an error naming name:line; the
// other lines are kept, as netlify dev does.
func ParseRedirects(name string, data []byte) ([]Rule, []error) {
	var rules []Rule
	var errs []error
	text := strings.TrimPrefix(string(data), "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		source := fmt.Sprintf("%s:%d", name, i+1)
		rule, err := parseRedirectLine(line)
		if err != nil {
			errs = append(errs, &ParseError{Source: source, Text: line, Err: err})
			continue
		}
		rule.Source = source
		rules = append(rules, rule)
	}
	return rules, errs
}

// parseRedirectLine reads one line as redirect-parser's line_parser.js does.
func parseRedirectLine(line string) (Rule, error) {
	fields := withoutComment(strings.Fields(line))
	if len(fields) < 2 {
		return Rule{}, errors.New("missing destination: a rule is `from to [status]`, such as `/old /new 301`")
	}
	r := rawRule{from: fields[0]}
	rest := fields[1:]
	if _, _, ok := parseStatus(rest[0]); !ok {
		at := indexDestination(rest)
		if at < 0 {
			return Rule{}, errors.New(`missing destination: it must start with "/", "http://" or "https://"`)
		}
		query, err := parsePairs(rest[:at], "query condition")
		if err != nil {
			return Rule{}, err
		}
		r.query, r.to, r.hasTo, rest = query, rest[at], true, rest[at+1:]
	}
	if len(rest) > 0 {
		status, force, ok := parseStatus(rest[0])
		if !ok {
			return Rule{}, fmt.Errorf("%q is not a status: give a number such as 301, 302, 200 or 404, with ! to force", rest[0])
		}
		r.status, r.force, r.hasStatus, rest = status, force, true, rest[1:]
	}
	if err := r.readConditions(rest); err != nil {
		return Rule{}, err
	}
	return r.normalize()
}

// withoutComment drops a trailing `# comment`.
func withoutComment(fields []string) []string {
	for i, f := range fields {
		if strings.HasPrefix(f, "#") {
			return fields[:i]
		}
	}
	return fields
}

func indexDestination(fields []string) int {
	for i, f := range fields {
		if strings.HasPrefix(f, "/") || isURL(f) {
			return i
		}
	}
	return -1
}

// parseStatus reads "301" or "200!".
func parseStatus(s string) (status int, force, ok bool) {
	digits, force := strings.CutSuffix(s, "!")
	n, err := strconv.Atoi(digits)
	if err != nil || digits == "" || digits[0] < '0' || digits[0] > '9' {
		return 0, false, false
	}
	return n, force, true
}

// readConditions reads what follows the status: Role=a,b, Country=…, Language=…, Sign=VAR.
func (r *rawRule) readConditions(fields []string) error {
	pairs, err := parsePairs(fields, "condition")
	if err != nil {
		return err
	}
	for key, value := range pairs {
		if key == "Sign" || key == "signed" {
			r.signed = value
			continue
		}
		if r.conditions == nil {
			r.conditions = map[string][]string{}
		}
		r.conditions[key] = splitList(value)
	}
	return nil
}

func parsePairs(fields []string, what string) (map[string]string, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	pairs := make(map[string]string, len(fields))
	for _, f := range fields {
		key, value, ok := strings.Cut(f, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%s %q must be key=value", what, f)
		}
		pairs[key] = value
	}
	return pairs, nil
}

package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// ParseTOML reads netlify.toml's [[redirects]] (also under their old names origin,
// destination, params, parameters, sign, signing) and [[headers]]. name is the file as
// messages show it; a bad entry becomes an error naming it ("netlify.toml [[redirects]] #3")
// and the others are kept. A file that is not TOML gives one error and no rules.
func ParseTOML(name string, data []byte) ([]Rule, []HeaderRule, []error) {
	var file struct {
		Redirects []map[string]any `toml:"redirects"`
		Headers   []map[string]any `toml:"headers"`
	}
	if _, err := toml.Decode(string(data), &file); err != nil {
		return nil, nil, []error{&ParseError{Source: name, Err: err}}
	}
	var rules []Rule
	var errs []error
	for i, table := range file.Redirects {
		source := fmt.Sprintf("%s [[redirects]] #%d", name, i+1)
		rule, err := redirectFromTOML(table)
		if err != nil {
			errs = append(errs, &ParseError{Source: source, Err: err})
			continue
		}
		rule.Source = source
		rules = append(rules, rule)
	}
	var headers []HeaderRule
	for i, table := range file.Headers {
		source := fmt.Sprintf("%s [[headers]] #%d", name, i+1)
		h, err := headerFromTOML(table)
		if err != nil {
			errs = append(errs, &ParseError{Source: source, Err: err})
			continue
		}
		if len(h.Values) == 0 {
			continue // production drops a [[headers]] without values
		}
		h.Source = source
		headers = append(headers, h)
	}
	return rules, headers, errs
}

// redirectFromTOML reads one [[redirects]] table as normalize.js does: the current name
// wins over the old one.
func redirectFromTOML(t map[string]any) (Rule, error) {
	var r rawRule
	var err error
	if r.from, _, err = stringField(t, "from", "origin"); err != nil {
		return Rule{}, err
	}
	if r.to, r.hasTo, err = stringField(t, "to", "destination"); err != nil {
		return Rule{}, err
	}
	if r.signed, _, err = stringField(t, "signed", "signing", "sign"); err != nil {
		return Rule{}, err
	}
	if r.status, r.hasStatus, err = statusField(t["status"]); err != nil {
		return Rule{}, err
	}
	if v, ok := t["force"]; ok {
		if r.force, ok = v.(bool); !ok {
			return Rule{}, fmt.Errorf(`"force" must be true or false, not %v`, v)
		}
	}
	if r.query, err = stringMap(first(t, "query", "params", "parameters"), "query"); err != nil {
		return Rule{}, err
	}
	if r.headers, err = stringMap(t["headers"], "headers"); err != nil {
		return Rule{}, err
	}
	if r.conditions, err = conditionsField(t["conditions"]); err != nil {
		return Rule{}, err
	}
	return r.normalize()
}

// first is the value of the first of names that t has.
func first(t map[string]any, names ...string) any {
	for _, n := range names {
		if v, ok := t[n]; ok {
			return v
		}
	}
	return nil
}

func stringField(t map[string]any, names ...string) (string, bool, error) {
	v := first(t, names...)
	if v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, fmt.Errorf("%q must be a string, not %v", names[0], v)
	}
	return s, true, nil
}

// statusField reads `status = 301` or, as production's parseInt does, `status = "301"`.
func statusField(v any) (int, bool, error) {
	switch s := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		return int(s), true, nil
	case string:
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "!"))
		if err != nil {
			return 0, false, fmt.Errorf("status %q: give a number such as 301, 302, 200 or 404", s)
		}
		return n, true, nil
	}
	return 0, false, fmt.Errorf("status %v: give a number such as 301, 302, 200 or 404", v)
}

func stringMap(v any, field string) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q must be a table such as {key = \"value\"}, not %v", field, v)
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		switch val := val.(type) {
		case string:
			out[k] = val
		case int64, float64, bool:
			out[k] = fmt.Sprint(val)
		default:
			return nil, fmt.Errorf("%s.%s must be a string, not %v", field, k, val)
		}
	}
	return out, nil
}

// conditionsField reads `conditions = {Role = ["admin"], Country = "us,ca"}`.
func conditionsField(v any) (map[string][]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf(`"conditions" must be a table such as {Role = ["admin"]}, not %v`, v)
	}
	out := make(map[string][]string, len(m))
	for k, val := range m {
		list, err := stringList(val)
		if err != nil {
			return nil, fmt.Errorf("conditions.%s: %w", k, err)
		}
		out[k] = list
	}
	return out, nil
}

// stringList reads a comma list string or an array of strings.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return splitList(v), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not a string", item)
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	return nil, errors.New(`give a list such as ["admin", "editor"] or a string "admin,editor"`)
}

package rules

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Rule is one redirect or rewrite rule.
type Rule struct {
	From, To   string
	Status     int                 // 301 when the rule gives none
	Force      bool                // "!" in _redirects, force = true in netlify.toml
	Query      map[string]string   // query conditions: key -> ":name" binding or literal
	Conditions map[string][]string // Role, Country, Language
	Headers    map[string]string   // [[redirects]] headers (for proxies)
	Signed     string              // Sign=VAR: the variable holding the proxy signing secret
	Source     string              // "public/_redirects:12" or "netlify.toml [[redirects]] #3"
}

// The conditions a rule may carry, by their normalised names.
const (
	Role     = "Role"
	Country  = "Country"
	Language = "Language"
)

// ParseError is a rule or header that could not be read; the rest of its file still applies.
type ParseError struct {
	Source string // "public/_redirects:12", "netlify.toml [[redirects]] #3", "netlify.toml"
	Text   string // the offending line, for _redirects and _headers
	Err    error
}

func (e *ParseError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%s: %v", e.Source, e.Err)
	}
	return fmt.Sprintf("%s: %v (in %q)", e.Source, e.Err, e.Text)
}

func (e *ParseError) Unwrap() error { return e.Err }

// rawRule is a rule as read from either source, before production's checks and defaults
// (redirect-parser's normalize.js).
type rawRule struct {
	from, to   string
	hasTo      bool
	status     int
	hasStatus  bool
	force      bool
	query      map[string]string
	conditions map[string][]string // names as written
	headers    map[string]string
	signed     string
}

// normalize checks r and applies production's defaults: status 301, the forward rule's
// `to`, the conditions' capitalised names.
func (r rawRule) normalize() (Rule, error) {
	if r.from == "" {
		return Rule{}, errors.New(`missing "from": give the path the rule matches, such as /old-page`)
	}
	path, err := fromPath(r.from)
	if err != nil {
		return Rule{}, err
	}
	if strings.HasPrefix(path, "/.netlify") {
		return Rule{}, fmt.Errorf("%q: a rule cannot match paths under /.netlify (functions and Identity answer there first)", r.from)
	}
	status := 301
	if r.hasStatus {
		status = r.status
	}
	if status < 200 || status > 599 {
		return Rule{}, fmt.Errorf("status %d: give an HTTP status from 200 to 599, such as 301, 302, 200 or 404", status)
	}
	to, err := destination(r, status)
	if err != nil {
		return Rule{}, err
	}
	conds, err := normalizeConditions(r.conditions)
	if err != nil {
		return Rule{}, err
	}
	return Rule{
		From:       r.from,
		To:         to,
		Status:     status,
		Force:      r.force,
		Query:      r.query,
		Conditions: conds,
		Headers:    r.headers,
		Signed:     r.signed,
	}, nil
}

// fromPath is the path part of a rule's `from`, which may be an absolute URL (a host rule).
func fromPath(from string) (string, error) {
	if !isURL(from) {
		if !strings.HasPrefix(from, "/") {
			return "", fmt.Errorf("%q: the path a rule matches must start with \"/\", \"http://\" or \"https://\"", from)
		}
		return from, nil
	}
	u, err := url.Parse(from)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a valid URL: write it as https://host/path", from)
	}
	return u.Path, nil
}

// destination is the rule's `to`, which only a forward rule (`/x/* 200`) may leave out.
func destination(r rawRule, status int) (string, error) {
	if !r.hasTo {
		if !strings.HasSuffix(r.from, "/*") || status < 200 || status > 299 {
			return "", errors.New(`missing destination: only a rule whose path ends in "/*" with a 2xx status may leave it out`)
		}
		return strings.TrimSuffix(r.from, "*") + ":splat", nil
	}
	if !strings.HasPrefix(r.to, "/") && !isURL(r.to) {
		return "", fmt.Errorf("destination %q must start with \"/\", \"http://\" or \"https://\"", r.to)
	}
	return r.to, nil
}

// normalizeConditions gives the conditions production's names (it also reads them in lower
// case) and refuses others: a misspelt Role must not silently open a gate.
func normalizeConditions(raw map[string][]string) (map[string][]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	out := make(map[string][]string, len(raw))
	for name, values := range raw {
		var canon string
		switch name {
		case Role, "role":
			canon = Role
		case Country, "country":
			canon = Country
		case Language, "language":
			canon = Language
		default:
			return nil, fmt.Errorf("unknown condition %q: the conditions are Role, Country and Language (and Sign for proxies)", name)
		}
		if len(values) == 0 {
			return nil, fmt.Errorf("condition %s lists no value: give one or more, separated by commas", canon)
		}
		out[canon] = values
	}
	return out, nil
}

// splitList splits a comma list ("admin, editor") as conditions.js does, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

package rules

import (
	"net/url"
	"strings"
)

// result builds what rule makes of r, with params substituted into its `to`.
func result(rule *Rule, params map[string]string, r Request) Result {
	origin, rest := splitOrigin(rule.To)
	rest, fragment, hasFragment := strings.Cut(rest, "#")
	rawPath, rawQuery, _ := strings.Cut(rest, "?")
	if p, err := url.PathUnescape(rawPath); err == nil {
		rawPath = p
	}
	res := Result{
		Rule:     rule,
		Status:   rule.Status,
		Path:     expand(rawPath, params, func(s string) string { return s }),
		RawQuery: expand(rawQuery, params, url.QueryEscape),
	}
	if res.RawQuery == "" { // a `to` without a query of its own passes the request's on
		res.RawQuery = r.RawQuery
		if res.RawQuery == "" {
			res.RawQuery = r.Query.Encode()
		}
	}
	target := (&url.URL{Path: res.Path}).EscapedPath()
	if res.RawQuery != "" {
		target += "?" + res.RawQuery
	}
	redirect := rule.Status >= 300 && rule.Status < 400
	switch {
	case redirect:
		res.Kind = Redirect
		res.Location = origin + target
		if hasFragment {
			res.Location += "#" + fragment
		}
	case origin != "":
		res.Kind = Proxy
		res.URL = origin + target
	default:
		res.Kind = Rewrite
	}
	return res
}

// splitOrigin splits "https://host/path?q" into "https://host" and "/path?q"; a local
// target has no origin.
func splitOrigin(to string) (origin, rest string) {
	if !isURL(to) {
		return "", to
	}
	scheme, after, _ := strings.Cut(to, "://")
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		return to, ""
	}
	return scheme + "://" + after[:end], after[end:]
}

// expand replaces each ":name" bound in params (":splat" included) with its value, escaped
// by escape; unbound names stay as written.
func expand(s string, params map[string]string, escape func(string) string) string {
	if !strings.Contains(s, ":") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := i + 1
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if value, ok := params[s[i+1:j]]; ok && j > i+1 {
			b.WriteString(escape(value))
		} else {
			b.WriteString(s[i:j])
		}
		s = s[j:]
	}
}

func isNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

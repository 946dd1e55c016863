package rules

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Set is a site's rules in production's order: _redirects (publish folder) first, then
// netlify.toml's. Errors are the bad rules left out. A Set is read-only once built.
type Set struct {
	Redirects []Rule
	Headers   []HeaderRule
	Errors    []error
}

// Request is what matching needs of a request.
type Request struct {
	Path     string     // the URL path as the client sent it (decoded)
	Query    url.Values // for query conditions
	RawQuery string     // the query as sent, passed on verbatim; when empty, Query.Encode() is
	Host     string     // the Host header, for rules whose `from` is an absolute URL
	Country  string     // the country dev pretends the visitor is in; "" = unknown, no Country rule matches
	Language string     // the Accept-Language header
	// Roles returns the verified nf_jwt's roles; ok=false when there is no valid token.
	// It is called at most once, and only when a Role rule matches the path.
	Roles func() (roles []string, ok bool)
	// Exists says whether a file would be served at path (for shadowing); nil = none.
	Exists func(path string) bool
}

// CookieName is the cookie GoTrue sets and Role conditions read.
const CookieName = "nf_jwt"

// RequestFrom is the Request of an HTTP request, with Roles read from its nf_jwt cookie and
// verified with the instance secret. Country and Exists are the caller's to set.
func RequestFrom(r *http.Request, secret string) Request {
	return Request{
		Path:     r.URL.Path,
		Query:    r.URL.Query(),
		RawQuery: r.URL.RawQuery,
		Host:     r.Host,
		Language: r.Header.Get("Accept-Language"),
		Roles: func() ([]string, bool) {
			c, err := r.Cookie(CookieName)
			if err != nil {
				return nil, false
			}
			return RolesFromCookie(secret, c.Value)
		},
	}
}

// Kind is what a request's answer is.
type Kind int

const (
	NoMatch  Kind = iota // no rule applies: serve the path as it is
	Rewrite              // serve Path (with Status) under the request's URL
	Redirect             // answer Status with Location
	NotFound             // a Role gate failed and no later rule matched: 404, even where a file exists
	Proxy                // fetch URL and answer with it (Status)
)

func (k Kind) String() string {
	switch k {
	case NoMatch:
		return "NoMatch"
	case Rewrite:
		return "Rewrite"
	case Redirect:
		return "Redirect"
	case NotFound:
		return "NotFound"
	case Proxy:
		return "Proxy"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Result is what a rule makes of a request.
type Result struct {
	Kind     Kind
	Rule     *Rule  // the rule applied; for NotFound, the first Role rule that failed
	Status   int    // 200 for a rewrite, 3xx for a redirect, 4xx for a rewrite with another status, 404 for NotFound
	Path     string // the target path, decoded (may be /.netlify/functions/NAME/...); "" for NotFound and NoMatch
	RawQuery string // the target's query: the rule's `to` query replaces the request's; otherwise the request's passes on
	Location string // Redirect: relative when the target is local, as netlify dev sends it
	URL      string // Proxy: the absolute target with its query
}

// Match finds the first rule that applies to r, in order: its path, host and query conditions
// match, its Country and Language conditions hold, its Role gate opens, and it is forced or
// no file exists at the path (shadowing).
func (s *Set) Match(r Request) Result {
	if s == nil {
		return Result{}
	}
	m := &matching{req: r}
	var gate *Rule
	for i := range s.Redirects {
		rule := &s.Redirects[i]
		params, ok := m.matches(rule)
		if !ok {
			continue
		}
		if !m.rolesAllow(rule) {
			if gate == nil {
				gate = rule
			}
			continue
		}
		// Past a failed gate the file is never served, so shadowing no longer applies.
		if !rule.Force && gate == nil && m.exists() {
			continue
		}
		return result(rule, params, r)
	}
	if gate != nil {
		return Result{Kind: NotFound, Rule: gate, Status: http.StatusNotFound}
	}
	return Result{}
}

// matching is one request's matching, with what it learns once (roles, the file check).
type matching struct {
	req                 Request
	rolesRead, rolesOK  bool
	roles               []string
	existsRead, existed bool
}

func (m *matching) exists() bool {
	if !m.existsRead {
		m.existsRead = true
		m.existed = m.req.Exists != nil && m.req.Exists(m.req.Path)
	}
	return m.existed
}

// matches applies everything but the Role gate and returns the placeholders bound.
func (m *matching) matches(rule *Rule) (map[string]string, bool) {
	path := rule.From
	if isURL(rule.From) {
		u, err := url.Parse(rule.From)
		if err != nil || !sameHost(u.Host, m.req.Host) {
			return nil, false
		}
		path = u.Path
	}
	params := map[string]string{}
	if !matchPath(path, m.req.Path, params) {
		return nil, false
	}
	for key, want := range rule.Query {
		got, ok := m.req.Query[key]
		if !ok {
			return nil, false
		}
		if name, ok := strings.CutPrefix(want, ":"); ok && name != "" {
			params[name] = firstOr(got)
		} else if !slices.Contains(got, want) {
			return nil, false
		}
	}
	if c, ok := rule.Conditions[Country]; ok && !countryMatches(c, m.req.Country) {
		return nil, false
	}
	if c, ok := rule.Conditions[Language]; ok && !languageMatches(c, m.req.Language) {
		return nil, false
	}
	return params, true
}

// rolesAllow is the Role gate: any listed role, or "*" for any valid token.
func (m *matching) rolesAllow(rule *Rule) bool {
	want, ok := rule.Conditions[Role]
	if !ok {
		return true
	}
	if !m.rolesRead {
		m.rolesRead = true
		if m.req.Roles != nil {
			m.roles, m.rolesOK = m.req.Roles()
		}
	}
	if !m.rolesOK {
		return false
	}
	for _, w := range want {
		if w == "*" || slices.Contains(m.roles, w) {
			return true
		}
	}
	return false
}

func firstOr(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func sameHost(ruleHost, reqHost string) bool {
	return strings.EqualFold(hostname(ruleHost), hostname(reqHost))
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func countryMatches(want []string, country string) bool {
	if country == "" {
		return false
	}
	return slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, country) })
}

// languageMatches says whether an Accept-Language header names one of the languages: "en"
// covers "en" and "en-GB"; "en-GB" only itself.
func languageMatches(want []string, acceptLanguage string) bool {
	for entry := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(entry, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" || zeroWeight(params) {
			continue
		}
		for _, w := range want {
			if strings.EqualFold(tag, w) || len(tag) > len(w) && tag[len(w)] == '-' && strings.EqualFold(tag[:len(w)], w) {
				return true
			}
		}
	}
	return false
}

func zeroWeight(params string) bool {
	q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
	return ok && strings.Trim(strings.TrimSpace(q), "0.") == ""
}

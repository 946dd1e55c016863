package functions

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A function with config.path is served at those site paths, not at
// /.netlify/functions/NAME. A path is a URLPattern pathname: literal text, a named
// segment (:id, or :id? when it may be missing) and * for anything, slashes included.

// pathPattern is one compiled config.path or excludedPath.
type pathPattern struct {
	re    *regexp.Regexp
	names []string // the capture groups' names: a named segment's, or "0", "1" for *
}

// compilePath compiles a URLPattern pathname; false for one it cannot read.
func compilePath(pattern string) (pathPattern, bool) {
	if !strings.HasPrefix(pattern, "/") {
		return pathPattern{}, false
	}
	var b strings.Builder
	var names []string
	wild := 0
	b.WriteString("^")
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '/' && i+1 < len(pattern) && pattern[i+1] == ':':
			j := i + 2
			for j < len(pattern) && isIdentPart(pattern[j]) {
				j++
			}
			if j == i+2 {
				return pathPattern{}, false
			}
			names = append(names, pattern[i+2:j])
			if j < len(pattern) && pattern[j] == '?' {
				b.WriteString(`(?:/([^/]+))?`)
				j++
			} else {
				b.WriteString(`/([^/]+)`)
			}
			i = j
		case c == ':':
			j := i + 1
			for j < len(pattern) && isIdentPart(pattern[j]) {
				j++
			}
			if j == i+1 {
				return pathPattern{}, false
			}
			names = append(names, pattern[i+1:j])
			b.WriteString(`([^/]+)`)
			i = j
		case c == '*':
			names = append(names, strconv.Itoa(wild))
			wild++
			b.WriteString(`(.*)`)
			i++
		case c == '(' || c == ')' || c == '{' || c == '}':
			return pathPattern{}, false // groups and regexps: not supported
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
			i++
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return pathPattern{}, false
	}
	return pathPattern{re: re, names: names}, true
}

func (p pathPattern) match(path string) (map[string]string, bool) {
	m := p.re.FindStringSubmatch(path)
	if m == nil {
		return nil, false
	}
	params := map[string]string{}
	for i, name := range p.names {
		if v := m[i+1]; v != "" {
			params[name] = v
		}
	}
	return params, true
}

// routes are a function's compiled config.path and excludedPath.
type routes struct {
	paths, excluded []pathPattern
	methods         []string
	preferStatic    bool
}

func routesOf(d Declared) *routes {
	if len(d.Path) == 0 {
		return nil
	}
	r := &routes{methods: d.Method, preferStatic: d.PreferStatic}
	for _, p := range d.Path {
		if c, ok := compilePath(p); ok {
			r.paths = append(r.paths, c)
		}
	}
	for _, p := range d.ExcludedPath {
		if c, ok := compilePath(p); ok {
			r.excluded = append(r.excluded, c)
		}
	}
	return r
}

func (r *routes) match(method, path string) (map[string]string, bool) {
	if r == nil || (len(r.methods) > 0 && !slices.Contains(r.methods, method)) {
		return nil, false
	}
	for _, ex := range r.excluded {
		if _, ok := ex.match(path); ok {
			return nil, false
		}
	}
	for _, p := range r.paths {
		if params, ok := p.match(path); ok {
			return params, true
		}
	}
	return nil, false
}

// Route is the function a site path is served by.
type Route struct {
	Function     string
	Params       map[string]string // context.params
	PreferStatic bool              // a static file at the path wins
}

// Route finds the function whose config.path serves a request's method and path; when
// several do, the first by name.
func (s *Server) Route(method, path string) (Route, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for name, p := range s.pools {
		if p.routes() != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		r := s.pools[name].routes()
		if params, ok := r.match(method, path); ok {
			return Route{Function: name, Params: params, PreferStatic: r.preferStatic}, true
		}
	}
	return Route{}, false
}

// ServeRoute serves a request by the function a Route names: the function sees the
// path the client asked for and the route's params.
func (s *Server) ServeRoute(w http.ResponseWriter, r *http.Request, route Route) {
	r2 := Rewritten(r, Prefix+route.Function, r.URL.RawQuery)
	r2 = r2.WithContext(context.WithValue(r2.Context(), paramsKey{}, route.Params))
	s.ServeHTTP(w, r2)
}

type paramsKey struct{}

// paramsJSON is the JSON of a request's route params: {} when it has none.
func paramsJSON(r *http.Request) []byte {
	params, _ := r.Context().Value(paramsKey{}).(map[string]string)
	if len(params) == 0 {
		return []byte("{}")
	}
	b, err := json.Marshal(params)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// routed reports a request that reached a function through a rule or its config.path,
// not at /.netlify/functions/NAME.
func routed(r *http.Request) bool {
	_, ok := r.Context().Value(originalPathKey{}).(string)
	return ok
}

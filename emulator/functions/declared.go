package functions

import (
	"os"
	"sort"
	"strings"
)

// Declared is what a function's entry file declares about how it is called, read from
// its source as Netlify's build reads it (zip-it-and-ship-it's in-source config): the
// identity events its default-export object handles, and config.background.
type Declared struct {
	// Events are the X-Netlify-Event names of the identity events the default export
	// handles (identity_signup for userSignup), sorted.
	Events []string `json:"events,omitempty"`
	// Background is config.background: the function is answered 202 at once.
	Background bool `json:"background,omitempty"`
	// Path is config.path: the URL paths the function is served at (URLPattern
	// pathnames: /api/items/:id, /blog/*), instead of /.netlify/functions/NAME.
	Path []string `json:"path,omitempty"`
	// ExcludedPath is config.excludedPath: paths of Path it is not served at.
	ExcludedPath []string `json:"excluded_path,omitempty"`
	// Method is config.method: the only methods it is served for on its paths.
	Method []string `json:"method,omitempty"`
	// PreferStatic is config.preferStatic: a static file at the path wins.
	PreferStatic bool `json:"prefer_static,omitempty"`
}

// Handles reports whether the function subscribes to an X-Netlify-Event.
func (d Declared) Handles(netlifyEvent string) bool {
	for _, e := range d.Events {
		if e == netlifyEvent {
			return true
		}
	}
	return false
}

// EventMethods maps the methods of a default-export object to the X-Netlify-Event
// names of the identity events they handle, as Netlify's build maps them.
var EventMethods = map[string]string{
	"userValidate": "identity_validate",
	"userSignup":   "identity_signup",
	"userLogin":    "identity_login",
	"userModified": "identity_usermodified",
	"userDeleted":  "identity_userdeleted",
}

// MethodOf is the default-export method that handles an X-Netlify-Event; "" for none.
func MethodOf(netlifyEvent string) string {
	for m, e := range EventMethods {
		if e == netlifyEvent {
			return m
		}
	}
	return ""
}

// declaredInFile reads the declarations of a JS or TS entry file; a file that cannot
// be read declares nothing (its build reports the problem).
func declaredInFile(path string) Declared {
	src, err := os.ReadFile(path)
	if err != nil {
		return Declared{}
	}
	return declaredIn(src)
}

// declaredIn reads the declarations of JS or TS source. Like Netlify's build it looks
// only at the entry file, at an object literal exported as default (directly, or
// through a const, let or var bound to one) and at `export const config = {...}`,
// whose background wins over a config key in the default object.
func declaredIn(src []byte) Declared {
	toks := lexJS(src)
	var d Declared
	named := false
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].depth != 0 || !toks[i].is(tokIdent, "export") {
			continue
		}
		switch {
		case toks[i+1].is(tokIdent, "default"):
			obj := defaultObject(toks, i+2)
			if obj < 0 {
				continue
			}
			keys := objectKeys(toks, obj)
			events := map[string]bool{}
			for k := range keys {
				if e, ok := EventMethods[k]; ok {
					events[e] = true
				}
			}
			d.Events = d.Events[:0]
			for e := range events {
				d.Events = append(d.Events, e)
			}
			sort.Strings(d.Events)
			if at, ok := keys["config"]; ok && !named && at < len(toks) && toks[at].is(tokPunct, "{") {
				d.readConfig(toks, at)
			}
		case i+3 < len(toks) && (toks[i+1].is(tokIdent, "const") || toks[i+1].is(tokIdent, "let") || toks[i+1].is(tokIdent, "var")) &&
			toks[i+2].is(tokIdent, "config"):
			if obj := initializer(toks, i+3); obj >= 0 {
				named = true
				d.readConfig(toks, obj)
			}
		}
	}
	return d
}

// readConfig reads a config object literal at toks[obj]: the keys whose values are
// literals (a value computed at run time is not seen, as Netlify's build does not see it).
func (d *Declared) readConfig(toks []token, obj int) {
	keys := objectKeys(toks, obj)
	d.Background = boolAt(toks, keys, "background")
	d.PreferStatic = boolAt(toks, keys, "preferStatic")
	d.Path = stringsAt(toks, keys, "path")
	d.ExcludedPath = stringsAt(toks, keys, "excludedPath")
	d.Method = stringsAt(toks, keys, "method")
	for i, m := range d.Method {
		d.Method[i] = strings.ToUpper(m)
	}
}

func boolAt(toks []token, keys map[string]int, key string) bool {
	at, ok := keys[key]
	return ok && at < len(toks) && toks[at].is(tokIdent, "true")
}

// stringsAt reads a string literal, or an array of them, as the value of key.
func stringsAt(toks []token, keys map[string]int, key string) []string {
	at, ok := keys[key]
	if !ok || at >= len(toks) {
		return nil
	}
	if toks[at].kind == tokString {
		return []string{toks[at].text}
	}
	if !toks[at].is(tokPunct, "[") {
		return nil
	}
	var out []string
	for j := at + 1; j < len(toks) && toks[j].depth > toks[at].depth; j++ {
		if toks[j].kind == tokString && toks[j].depth == toks[at].depth+1 {
			out = append(out, toks[j].text)
		}
	}
	return out
}

// defaultObject is the index of the object literal an `export default` at toks[i]
// exports: the literal itself, or the one a top-level binding of that name holds; -1
// when it exports anything else.
func defaultObject(toks []token, i int) int {
	if i >= len(toks) {
		return -1
	}
	if toks[i].is(tokPunct, "{") {
		return i
	}
	if toks[i].kind != tokIdent {
		return -1
	}
	switch toks[i].text {
	case "function", "async", "class", "new":
		return -1
	}
	name := toks[i].text
	for j := 0; j+2 < len(toks); j++ {
		if toks[j].depth != 0 {
			continue
		}
		if (toks[j].is(tokIdent, "const") || toks[j].is(tokIdent, "let") || toks[j].is(tokIdent, "var")) && toks[j+1].is(tokIdent, name) {
			return initializer(toks, j+2)
		}
	}
	return -1
}

// initializer is the index of the object literal after a declared name at toks[i]
// (past a type annotation), or -1.
func initializer(toks []token, i int) int {
	depth := toks[i].depth
	for j := i; j < len(toks) && toks[j].depth >= depth; j++ {
		if toks[j].depth != depth {
			continue
		}
		if toks[j].is(tokPunct, "=") {
			if j+1 < len(toks) && toks[j+1].is(tokPunct, "{") {
				return j + 1
			}
			return -1
		}
		if toks[j].is(tokPunct, ";") {
			return -1
		}
	}
	return -1
}

// objectKeys are the property names of the object literal at toks[obj] ("{"), each
// with the index of the token after its colon (its value) or of the key itself for a
// method or a shorthand property.
func objectKeys(toks []token, obj int) map[string]int {
	keys := map[string]int{}
	inner := toks[obj].depth + 1
	expectKey := true
	for j := obj + 1; j < len(toks); j++ {
		t := toks[j]
		if t.depth < inner || (t.depth == toks[obj].depth && t.is(tokPunct, "}")) {
			break
		}
		if t.depth != inner {
			continue
		}
		if t.is(tokPunct, ",") {
			expectKey = true
			continue
		}
		if !expectKey {
			continue
		}
		expectKey = false
		// Modifiers before a method's name.
		for j+1 < len(toks) && (t.is(tokIdent, "async") || t.is(tokIdent, "get") || t.is(tokIdent, "set") || t.is(tokPunct, "*")) {
			next := toks[j+1]
			if next.is(tokPunct, ":") || next.is(tokPunct, "(") || next.is(tokPunct, ",") || next.is(tokPunct, "}") {
				break // a property named async, get or set
			}
			j++
			t = toks[j]
		}
		if t.kind != tokIdent && t.kind != tokString {
			continue // a spread or a computed key
		}
		if j+1 >= len(toks) {
			break
		}
		switch next := toks[j+1]; {
		case next.is(tokPunct, ":"):
			keys[t.text] = j + 2
		case next.is(tokPunct, "("), next.is(tokPunct, "<"), next.is(tokPunct, ","), next.is(tokPunct, "}"):
			keys[t.text] = j
		}
	}
	return keys
}

func (p *pool) setDeclared(d Declared) {
	r := routesOf(d)
	p.mu.Lock()
	p.declared, p.route = d, r
	p.mu.Unlock()
}

// routes are the function's compiled config.path; nil without one.
func (p *pool) routes() *routes {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.route
}

func (p *pool) declaration() Declared {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.declared
}

// background reports a background function: by its name or by config.background.
func (p *pool) background() bool { return p.fn.Background() || p.declaration().Background }

// Subscribers are the functions whose default export handles an identity event (by its
// X-Netlify-Event name), in the order they are called: by name.
func (s *Server) Subscribers(netlifyEvent string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for name, p := range s.pools {
		if p.declaration().Handles(netlifyEvent) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// DeclaredBy is what a function declares; false when there is no such function.
func (s *Server) DeclaredBy(name string) (Declared, bool) {
	s.mu.RLock()
	p, ok := s.pools[name]
	s.mu.RUnlock()
	if !ok {
		return Declared{}, false
	}
	return p.declaration(), true
}

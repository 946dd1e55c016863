package rules

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseTOMLRedirects(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want Rule
	}{
		{"no status is 301", `
[[redirects]]
from = "/old"
to = "/new"`, Rule{From: "/old", To: "/new", Status: 301}},
		{"every field", `
[[redirects]]
from = "/api/*"
to = "https://api.example.com/:splat"
status = 200
force = true
query = {id = ":id"}
conditions = {Role = ["admin", "editor"], Country = ["us"]}
headers = {X-From = "Netlify"}
signed = "API_SECRET"`, Rule{
			From: "/api/*", To: "https://api.example.com/:splat", Status: 200, Force: true,
			Query:      map[string]string{"id": ":id"},
			Conditions: map[string][]string{"Role": {"admin", "editor"}, "Country": {"us"}},
			Headers:    map[string]string{"X-From": "Netlify"}, Signed: "API_SECRET",
		}},
		{"old names origin, destination, params, sign", `
[[redirects]]
origin = "/store"
destination = "/blog/:id"
params = {id = ":id"}
sign = "SECRET"
status = 302`, Rule{From: "/store", To: "/blog/:id", Status: 302, Query: map[string]string{"id": ":id"}, Signed: "SECRET"}},
		{"old names parameters and signing", `
[[redirects]]
from = "/s"
to = "/t"
parameters = {page = 2}
signing = "S"`, Rule{From: "/s", To: "/t", Status: 301, Query: map[string]string{"page": "2"}, Signed: "S"}},
		{"current name wins over old", `
[[redirects]]
from = "/new-from"
origin = "/old-from"
to = "/t"`, Rule{From: "/new-from", To: "/t", Status: 301}},
		{"status as a string", `
[[redirects]]
from = "/a"
to = "/b"
status = "302"`, Rule{From: "/a", To: "/b", Status: 302}},
		{"conditions as comma strings, lower case", `
[[redirects]]
from = "/admin/*"
status = 200
force = true
conditions = {role = "admin, editor", language = "en,fr"}`, Rule{From: "/admin/*", To: "/admin/:splat", Status: 200, Force: true, Conditions: map[string][]string{"Role": {"admin", "editor"}, "Language": {"en", "fr"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, headers, errs := ParseTOML("netlify.toml", []byte(tt.toml))
			if len(errs) > 0 || len(rules) != 1 || len(headers) != 0 {
				t.Fatalf("ParseTOML = %v, %v, %v; want one rule", rules, headers, errs)
			}
			tt.want.Source = "netlify.toml [[redirects]] #1"
			if !reflect.DeepEqual(rules[0], tt.want) {
				t.Errorf("ParseTOML =\n %+v\nwant\n %+v", rules[0], tt.want)
			}
		})
	}
}

func TestParseTOMLBadEntries(t *testing.T) {
	file := `
[build]
publish = "public"

[[redirects]]
from = "/good"
to = "/one"

[[redirects]]
to = "/no-from"

[[redirects]]
from = "/.netlify/functions/x"
to = "/y"

[[redirects]]
from = "/bad-status"
to = "/y"
status = "moved"

[[redirects]]
from = "/bad-force"
to = "/y"
force = "yes"

[[redirects]]
from = "/bad-condition"
to = "/y"
conditions = {Roles = ["admin"]}

[[redirects]]
from = "/relative"
to = "page.html"

[[redirects]]
from = "/good-too"
to = "/two"

[[headers]]
values = {X-A = "1"}

[[headers]]
for = "/*"
[headers.values]
X-B = "2"
`
	rules, headers, errs := ParseTOML("netlify.toml", []byte(file))
	if len(rules) != 2 || rules[0].From != "/good" || rules[1].From != "/good-too" || rules[1].Source != "netlify.toml [[redirects]] #8" {
		t.Errorf("rules = %+v, want /good (#1) and /good-too (#8)", rules)
	}
	if len(headers) != 1 || headers[0].Source != "netlify.toml [[headers]] #2" {
		t.Errorf("headers = %+v, want #2 only", headers)
	}
	want := []string{
		`netlify.toml [[redirects]] #2: missing "from"`,
		`netlify.toml [[redirects]] #3: "/.netlify/functions/x"`,
		`netlify.toml [[redirects]] #4: status "moved"`,
		`netlify.toml [[redirects]] #5: "force" must be true or false`,
		`netlify.toml [[redirects]] #6: unknown condition "Roles"`,
		`netlify.toml [[redirects]] #7: destination "page.html"`,
		`netlify.toml [[headers]] #1: missing "for"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", errs, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to start with %q", i, errs[i], w)
		}
	}
}

func TestParseTOMLNotTOML(t *testing.T) {
	rules, headers, errs := ParseTOML("netlify.toml", []byte("[[redirects]]\nfrom = \"/a\"\nto = /b\n"))
	if len(rules) != 0 || len(headers) != 0 || len(errs) != 1 {
		t.Fatalf("ParseTOML = %v, %v, %v; want one error", rules, headers, errs)
	}
	if msg := errs[0].Error(); !strings.HasPrefix(msg, "netlify.toml: ") || !strings.Contains(msg, "line 3") {
		t.Errorf("error = %q, want the file and line 3", msg)
	}
}

func TestParseTOMLHeaders(t *testing.T) {
	file := `
[[headers]]
for = "/*"
[headers.values]
X-Frame-Options = "DENY"
cache-control = '''
  max-age=0,
  no-cache,
  no-store'''
Link = ["</style.css>; rel=preload", "</app.js>; rel=preload"]

[[headers]]
for = "/empty"
`
	_, headers, errs := ParseTOML("netlify.toml", []byte(file))
	if len(errs) > 0 || len(headers) != 1 {
		t.Fatalf("headers = %+v, errors %v; want one rule", headers, errs)
	}
	h := headers[0]
	want := http.Header{
		"X-Frame-Options": {"DENY"},
		"Cache-Control":   {"max-age=0, no-cache, no-store"},
		"Link":            {"</style.css>; rel=preload, </app.js>; rel=preload"},
	}
	if h.For != "/*" || h.Source != "netlify.toml [[headers]] #1" || !reflect.DeepEqual(h.Values, want) {
		t.Errorf("header rule = %+v, want for /* with %v", h, want)
	}
}

func TestParseTOMLFieldTypes(t *testing.T) {
	tests := []struct {
		name, entry, want string
	}{
		{"from not a string", "from = 1\nto = \"/b\"", `"from" must be a string`},
		{"to not a string", "from = \"/a\"\nto = [\"/b\"]", `"to" must be a string`},
		{"signed not a string", "from = \"/a\"\nto = \"/b\"\nsigned = true", `"signed" must be a string`},
		{"status a float", "from = \"/a\"\nto = \"/b\"\nstatus = 301.5", "status 301.5"},
		{"query not a table", "from = \"/a\"\nto = \"/b\"\nquery = \"id=:id\"", `"query" must be a table`},
		{"query value a list", "from = \"/a\"\nto = \"/b\"\nquery = {id = [1]}", "query.id must be a string"},
		{"headers not a table", "from = \"/a\"\nto = \"https://x.example\"\nstatus = 200\nheaders = 1", `"headers" must be a table`},
		{"conditions not a table", "from = \"/a\"\nto = \"/b\"\nconditions = [\"admin\"]", `"conditions" must be a table`},
		{"condition list of numbers", "from = \"/a\"\nto = \"/b\"\nconditions = {Role = [1]}", "conditions.Role: 1 is not a string"},
		{"condition a number", "from = \"/a\"\nto = \"/b\"\nconditions = {Role = 1}", "conditions.Role: give a list"},
		{"empty role list", "from = \"/a\"\nto = \"/b\"\nconditions = {Role = []}", "lists no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, _, errs := ParseTOML("netlify.toml", []byte("[[redirects]]\n"+tt.entry+"\n"))
			if len(rules) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("ParseTOML = %v, %v; want one error containing %q", rules, errs, tt.want)
			}
		})
	}
	headerTests := []struct {
		name, entry, want string
	}{
		{"values not a table", "for = \"/*\"\nvalues = \"X-A: 1\"", `"values" must be a table`},
		{"value a number", "for = \"/*\"\nvalues = {X-A = 1}", `header "X-A": the value must be a string`},
		{"list item a number", "for = \"/*\"\nvalues = {X-A = [\"a\", 2]}", "item 1 must be a string"},
		{"bad name", "for = \"/*\"\nvalues = {\"X A\" = \"1\"}", `"X A" is not a header name`},
	}
	for _, tt := range headerTests {
		t.Run(tt.name, func(t *testing.T) {
			_, headers, errs := ParseTOML("netlify.toml", []byte("[[headers]]\n"+tt.entry+"\n"))
			if len(headers) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("ParseTOML = %v, %v; want one error containing %q", headers, errs, tt.want)
			}
		})
	}
}

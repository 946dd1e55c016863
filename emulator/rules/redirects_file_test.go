package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseRedirects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Rule
	}{
		{"no status is 301", "/old /new", Rule{From: "/old", To: "/new", Status: 301}},
		{"status", "/old /new 302", Rule{From: "/old", To: "/new", Status: 302}},
		{"force", "/app/* /index.html 200!", Rule{From: "/app/*", To: "/index.html", Status: 200, Force: true}},
		{"404 with force", "/secret.html /404.html 404!", Rule{From: "/secret.html", To: "/404.html", Status: 404, Force: true}},
		{"comment after the rule", "/a /b 302 # moved in 2024", Rule{From: "/a", To: "/b", Status: 302}},
		{"comment right after to", "/a /b #302", Rule{From: "/a", To: "/b", Status: 301}},
		{"tabs and runs of spaces", "/a\t\t/b   307", Rule{From: "/a", To: "/b", Status: 307}},
		{"proxy", "/api/* https://api.example.com/:splat 200", Rule{From: "/api/*", To: "https://api.example.com/:splat", Status: 200}},
		{"host rule", "https://old.example.com/* https://new.example.com/:splat 301!", Rule{From: "https://old.example.com/*", To: "https://new.example.com/:splat", Status: 301, Force: true}},
		{"forward rule without to", "/app/* 200", Rule{From: "/app/*", To: "/app/:splat", Status: 200}},
		{"forward rule at the root", "/* 200!", Rule{From: "/*", To: "/:splat", Status: 200, Force: true}},
		{"query conditions", "/store id=:id lang=fr /blog/:id 301", Rule{From: "/store", To: "/blog/:id", Status: 301, Query: map[string]string{"id": ":id", "lang": "fr"}}},
		{"role list", "/admin/* 200! Role=admin,editor", Rule{From: "/admin/*", To: "/admin/:splat", Status: 200, Force: true, Conditions: map[string][]string{"Role": {"admin", "editor"}}}},
		{"lower-case condition names", "/admin/* /a 200! role=admin country=us language=en", Rule{From: "/admin/*", To: "/a", Status: 200, Force: true, Conditions: map[string][]string{"Role": {"admin"}, "Country": {"us"}, "Language": {"en"}}}},
		{"country and language", "/ /anz 302 Country=au,nz Language=en", Rule{From: "/", To: "/anz", Status: 302, Conditions: map[string][]string{"Country": {"au", "nz"}, "Language": {"en"}}}},
		{"sign", "/api/* https://api.example.com/:splat 200 Sign=API_SECRET", Rule{From: "/api/*", To: "https://api.example.com/:splat", Status: 200, Signed: "API_SECRET"}},
		{"function target", "/api/* /.netlify/functions/echo/:splat 200", Rule{From: "/api/*", To: "/.netlify/functions/echo/:splat", Status: 200}},
		{"target with query and fragment", "/docs /manual?v=2#intro 301", Rule{From: "/docs", To: "/manual?v=2#intro", Status: 301}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, errs := ParseRedirects("_redirects", []byte(tt.line))
			if len(errs) > 0 || len(rules) != 1 {
				t.Fatalf("ParseRedirects(%q) = %d rules, errors %v; want one rule", tt.line, len(rules), errs)
			}
			tt.want.Source = "_redirects:1"
			if !reflect.DeepEqual(rules[0], tt.want) {
				t.Errorf("ParseRedirects(%q) =\n %+v\nwant\n %+v", tt.line, rules[0], tt.want)
			}
		})
	}
}

func TestParseRedirectsBadLines(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"no destination", "/a", "missing destination"},
		{"destination not a path or URL", "/a b 301", "missing destination"},
		{"relative destination", "/a new-page", "missing destination"},
		{"status not a number", "/a /b 30x", `"30x" is not a status`},
		{"condition without a status", "/a /b Role=admin", `"Role=admin" is not a status`},
		{"status out of range", "/a /b 999", "status 999"},
		{"from under /.netlify", "/.netlify/functions/x /y 200", "/.netlify"},
		{"from not a path", "old /new", `must start with "/"`},
		{"omitted to without a splat", "/a 200", "only a rule whose path ends in \"/*\""},
		{"omitted to with a redirect status", "/a/* 301", "only a rule whose path ends in \"/*\""},
		{"misspelt condition", "/admin/* 200! Roles=admin", `unknown condition "Roles"`},
		{"condition without a value", "/admin/* 200! Role=", "lists no value"},
		{"query part without =", "/a foo /b 301", `query condition "foo" must be key=value`},
		{"word after the status", "/a /b 301 extra", `condition "extra" must be key=value`},
		{"invalid from URL", "https:///x /y 301", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, errs := ParseRedirects("public/_redirects", []byte("\n"+tt.line))
			if len(rules) != 0 || len(errs) != 1 {
				t.Fatalf("ParseRedirects(%q) = %v, %v; want one error", tt.line, rules, errs)
			}
			msg := errs[0].Error()
			if !strings.HasPrefix(msg, "public/_redirects:2: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want it to start with public/_redirects:2: and contain %q", msg, tt.want)
			}
			var pe *ParseError
			if !errors.As(errs[0], &pe) || pe.Text != tt.line {
				t.Errorf("error %v is not a *ParseError with the line", errs[0])
			}
		})
	}
}

func TestParseRedirectsKeepsGoodLines(t *testing.T) {
	file := "\ufeff# Moves\n" +
		"/old /new 301\n" +
		"/broken\n" +
		"\n" +
		"   /a /b 302   # indented\r\n" +
		"/.netlify/x /y 200\n" +
		"/c /d\n"
	rules, errs := ParseRedirects("public/_redirects", []byte(file))
	var sources []string
	for _, r := range rules {
		sources = append(sources, r.From+"@"+r.Source)
	}
	wantSources := []string{"/old@public/_redirects:2", "/a@public/_redirects:5", "/c@public/_redirects:7"}
	if !reflect.DeepEqual(sources, wantSources) {
		t.Errorf("rules = %v, want %v", sources, wantSources)
	}
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), "public/_redirects:3: ") || !strings.HasPrefix(errs[1].Error(), "public/_redirects:6: ") {
		t.Errorf("errors = %v, want lines 3 and 6", errs)
	}
}

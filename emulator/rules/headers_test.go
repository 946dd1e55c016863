package rules

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseHeaders(t *testing.T) {
	file := "# Security\n" +
		"/*\n" +
		"  X-Frame-Options: DENY\n" +
		"  Link: </a.css>; rel=preload\n" +
		"  Link: </b.js>; rel=preload\n" +
		"\n" +
		"/templates/index.html\n" +
		"  X-Robots-Tag: noindex\n" +
		"  Content-Security-Policy: default-src 'self'; img-src https://cdn.example.com\n" +
		"/nothing\n"
	headers, errs := ParseHeaders("public/_headers", []byte(file))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []HeaderRule{
		{For: "/*", Source: "public/_headers:2", Values: http.Header{
			"X-Frame-Options": {"DENY"},
			"Link":            {"</a.css>; rel=preload, </b.js>; rel=preload"},
		}},
		{For: "/templates/index.html", Source: "public/_headers:7", Values: http.Header{
			"X-Robots-Tag":            {"noindex"},
			"Content-Security-Policy": {"default-src 'self'; img-src https://cdn.example.com"},
		}},
	}
	if len(headers) != len(want) {
		t.Fatalf("headers = %+v, want %d rules (a path without headers is dropped)", headers, len(want))
	}
	for i := range want {
		got := headers[i]
		if got.For != want[i].For || got.Source != want[i].Source || !reflect.DeepEqual(got.Values, want[i].Values) {
			t.Errorf("rule %d = %+v, want %+v", i, got, want[i])
		}
	}
}

func TestParseHeadersBadLines(t *testing.T) {
	file := "X-Early: 1\n" + // 1: before any path
		"/a\n" +
		"  X-Ok: yes\n" +
		"  no colon here\n" + // 4
		"  : no name\n" + // 5
		"  X-Empty:\n" + // 6
		"  Bad Name: x\n" + // 7
		"  X-Also-Ok: yes\n"
	headers, errs := ParseHeaders("public/_headers", []byte(file))
	if len(headers) != 1 || !reflect.DeepEqual(headers[0].Values, http.Header{"X-Ok": {"yes"}, "X-Also-Ok": {"yes"}}) {
		t.Errorf("headers = %+v, want /a with X-Ok and X-Also-Ok", headers)
	}
	want := []string{
		`public/_headers:1: header "X-Early" comes before any path`,
		`public/_headers:4: neither a path`,
		`public/_headers:5: missing header name`,
		`public/_headers:6: header "X-Empty" has no value`,
		`public/_headers:7: "Bad Name" is not a header name`,
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

func TestHeadersFor(t *testing.T) {
	fileHeaders, errs := ParseHeaders("public/_headers", []byte(
		"/*\n  X-Frame-Options: DENY\n  X-Source: file\n"+
			"/blog/:slug\n  X-Post: yes\n"+
			"/assets/*.js\n  Cache-Control: immutable\n"+
			"/About\n  X-About: yes\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	_, tomlHeaders, errs := ParseTOML("netlify.toml", []byte(`
[[headers]]
for = "/*"
values = {X-Source = "toml"}

[[headers]]
for = "/admin/*"
values = {Cache-Control = "no-store"}
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set := &Set{Headers: append(fileHeaders, tomlHeaders...)}
	tests := []struct {
		path string
		want http.Header
	}{
		{"/", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}}},
		{"/blog/hello", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "X-Post": {"yes"}}},
		{"/blog/hello/", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "X-Post": {"yes"}}},
		{"/blog/hello/more", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}}},
		{"/assets/app.js", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "Cache-Control": {"immutable"}}},
		{"/assets/app.css", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}}},
		{"/about", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "X-About": {"yes"}}}, // headers-parser matches case-insensitively
		{"/admin", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "Cache-Control": {"no-store"}}},
		{"/admin/users", http.Header{"X-Frame-Options": {"DENY"}, "X-Source": {"toml"}, "Cache-Control": {"no-store"}}},
	}
	for _, tt := range tests {
		if got := set.HeadersFor(tt.path); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("HeadersFor(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	// A rule built by hand (no compiled pattern) matches too; the result is a copy.
	hand := &Set{Headers: []HeaderRule{{For: "/x", Values: http.Header{"X-Hand": {"1"}}}}}
	got := hand.HeadersFor("/x/")
	got.Set("X-Hand", "changed")
	if v := hand.Headers[0].Values.Get("X-Hand"); v != "1" || hand.HeadersFor("/x").Get("X-Hand") != "1" {
		t.Errorf("HeadersFor shares its values with the rule: %q", v)
	}
	if h := (*Set)(nil).HeadersFor("/"); len(h) != 0 {
		t.Errorf("nil Set gave %v", h)
	}
}

package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes a file and moves its mtime forward by step, so that a rewrite within
// the file system's time resolution still counts as a change.
func writeFile(t *testing.T, path, text string, step int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(time.Duration(step) * time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func newSite(t *testing.T) (site, publish, toml string) {
	t.Helper()
	site = t.TempDir()
	publish = filepath.Join(site, "public")
	if err := os.Mkdir(publish, 0o755); err != nil {
		t.Fatal(err)
	}
	return site, publish, filepath.Join(site, "netlify.toml")
}

func TestLoaderReloads(t *testing.T) {
	_, publish, toml := newSite(t)
	redirects := filepath.Join(publish, "_redirects")
	writeFile(t, redirects, "/a /first 301\n", 0)
	writeFile(t, toml, "[[redirects]]\nfrom = \"/t\"\nto = \"/toml\"\n[[headers]]\nfor = \"/*\"\nvalues = {X-Source = \"toml\"}\n", 0)
	l := NewLoader(publish, toml)

	set, errs := l.Set()
	if len(errs) > 0 || len(set.Redirects) != 2 || set.Redirects[0].Source != "public/_redirects:1" || set.Redirects[1].Source != "netlify.toml [[redirects]] #1" {
		t.Fatalf("first Set = %+v, %v", set, errs)
	}
	if again, _ := l.Set(); again != set {
		t.Errorf("Set without a change built a new Set")
	}

	writeFile(t, redirects, "/a /second 301\n", 1)
	set, _ = l.Set()
	if res := set.Match(Request{Path: "/a"}); res.Location != "/second" {
		t.Errorf("after editing _redirects, /a goes to %q, want /second", res.Location)
	}

	writeFile(t, filepath.Join(publish, "_headers"), "/*\n  X-Source: file\n  X-Frame-Options: DENY\n", 2)
	set, _ = l.Set()
	if h := set.HeadersFor("/"); h.Get("X-Source") != "toml" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("after adding _headers, headers = %v, want X-Source from netlify.toml and X-Frame-Options from _headers", h)
	}

	writeFile(t, toml, "[[redirects]]\nfrom = \"/a\"\nto = \"/toml\"\n", 3)
	set, _ = l.Set()
	if len(set.Redirects) != 2 || set.Redirects[1].To != "/toml" || set.HeadersFor("/").Get("X-Source") != "file" {
		t.Errorf("after editing netlify.toml: %+v", set)
	}

	if err := os.Remove(redirects); err != nil {
		t.Fatal(err)
	}
	set, _ = l.Set()
	if res := set.Match(Request{Path: "/a"}); res.Location != "/toml" {
		t.Errorf("after removing _redirects, /a goes to %q, want netlify.toml's /toml", res.Location)
	}
}

func TestLoaderReportsErrorsOnce(t *testing.T) {
	_, publish, toml := newSite(t)
	redirects := filepath.Join(publish, "_redirects")
	writeFile(t, redirects, "/ok /fine\n/broken\n", 0)
	l := NewLoader(publish, toml)

	set, errs := l.Set()
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "public/_redirects:2: ") || len(set.Redirects) != 1 {
		t.Fatalf("first Set: errors %v, %d rules; want the error at public/_redirects:2 and the good rule", errs, len(set.Redirects))
	}
	set, errs = l.Set()
	if len(errs) != 0 || len(set.Errors) != 1 {
		t.Errorf("second Set: new errors %v, Set errors %v; want none new, one kept", errs, set.Errors)
	}

	writeFile(t, toml, "[[redirects]\n", 1) // not TOML
	set, errs = l.Set()
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "netlify.toml: ") || len(set.Errors) != 2 || len(set.Redirects) != 1 {
		t.Errorf("after breaking netlify.toml: new errors %v, Set errors %v; want only netlify.toml's new", errs, set.Errors)
	}

	writeFile(t, redirects, "/ok /fine\n", 2)
	set, errs = l.Set()
	if len(errs) != 0 || len(set.Errors) != 1 {
		t.Errorf("after fixing _redirects: new errors %v, Set errors %v; want none new, netlify.toml's kept", errs, set.Errors)
	}
}

func TestLoaderWithoutFiles(t *testing.T) {
	_, publish, toml := newSite(t)
	for _, l := range []*Loader{NewLoader(publish, toml), NewLoader("", ""), NewLoader(filepath.Join(publish, "missing"), "")} {
		set, errs := l.Set()
		if set == nil || len(set.Redirects) != 0 || len(set.Headers) != 0 || len(errs) != 0 {
			t.Errorf("Set = %+v, %v; want an empty Set", set, errs)
		}
		if res := set.Match(Request{Path: "/"}); res.Kind != NoMatch {
			t.Errorf("empty Set matched: %+v", res)
		}
	}
}

func TestLoaderNamesFiles(t *testing.T) {
	site, publish, toml := newSite(t)
	outside := t.TempDir()
	tests := []struct {
		publish, toml, want string
	}{
		{publish, toml, "public/_redirects:1"},
		{site, toml, "_redirects:1"},
		{outside, toml, filepath.Join(outside, "_redirects") + ":1"},
		{publish, "", filepath.Join(publish, "_redirects") + ":1"},
	}
	for _, tt := range tests {
		writeFile(t, filepath.Join(tt.publish, "_redirects"), "/broken\n", 0)
		_, errs := NewLoader(tt.publish, tt.toml).Set()
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tt.want+": ") {
			t.Errorf("NewLoader(%q, %q) errors = %v, want one naming %s", tt.publish, tt.toml, errs, tt.want)
		}
	}
}

func TestLoaderUnreadableFile(t *testing.T) {
	_, publish, toml := newSite(t)
	// A directory where _redirects should be cannot be read.
	if err := os.Mkdir(filepath.Join(publish, "_redirects"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, errs := NewLoader(publish, toml).Set()
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "public/_redirects: ") {
		t.Errorf("errors = %v, want one naming public/_redirects", errs)
	}
}

func TestLoaderConcurrentUse(t *testing.T) {
	_, publish, toml := newSite(t)
	writeFile(t, filepath.Join(publish, "_redirects"), "/a /b 301\n", 0)
	l := NewLoader(publish, toml)
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				set, _ := l.Set()
				if res := set.Match(Request{Path: "/a"}); res.Kind != Redirect {
					t.Errorf("goroutine %d: %v", i, res.Kind)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

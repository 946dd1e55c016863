package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Loader keeps a site's Set current: each call to Set re-reads _redirects and _headers (in
// the publish folder) and netlify.toml when their size or modification time changed, so
// rules reload without a restart. It is safe for concurrent use.
type Loader struct {
	mu    sync.Mutex
	files [3]*ruleFile // _redirects, _headers, netlify.toml: the Set's order
	set   *Set
}

// ruleFile is one file the Loader watches and what it last read there.
type ruleFile struct {
	path, name string
	parse      func(name string, data []byte) ([]Rule, []HeaderRule, []error)
	stamp      fileStamp
	read       bool
	redirects  []Rule
	headers    []HeaderRule
	errs       []error
}

// fileStamp is what says a file changed: whether it exists, its size and its mtime.
type fileStamp struct {
	exists  bool
	size    int64
	modNano int64
}

// NewLoader watches publishDir's _redirects and _headers and the netlify.toml at tomlPath;
// either may be "" for none. Messages name the files relative to the netlify.toml's folder.
func NewLoader(publishDir, tomlPath string) *Loader {
	base := ""
	if tomlPath != "" {
		base = filepath.Dir(tomlPath)
	}
	file := func(path string, parse func(string, []byte) ([]Rule, []HeaderRule, []error)) *ruleFile {
		return &ruleFile{path: path, name: displayName(base, path), parse: parse}
	}
	var redirectsPath, headersPath string
	if publishDir != "" {
		redirectsPath = filepath.Join(publishDir, "_redirects")
		headersPath = filepath.Join(publishDir, "_headers")
	}
	return &Loader{files: [3]*ruleFile{
		file(redirectsPath, func(name string, data []byte) ([]Rule, []HeaderRule, []error) {
			r, errs := ParseRedirects(name, data)
			return r, nil, errs
		}),
		file(headersPath, func(name string, data []byte) ([]Rule, []HeaderRule, []error) {
			h, errs := ParseHeaders(name, data)
			return nil, h, errs
		}),
		file(tomlPath, ParseTOML),
	}}
}

func displayName(base, path string) string {
	if base == "" || path == "" {
		return path
	}
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return filepath.ToSlash(rel)
}

// Set returns the current rules, re-reading the files that changed since the last call,
// and the errors of the files it re-read (to log once; the Set keeps them all).
func (l *Loader) Set() (*Set, []error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var fresh []error
	changed := l.set == nil
	for _, f := range l.files {
		if f.refresh() {
			fresh = append(fresh, f.errs...)
			changed = true
		}
	}
	if changed {
		l.set = l.build()
	}
	return l.set, fresh
}

// refresh re-reads f when its stamp changed and says whether it did.
func (f *ruleFile) refresh() bool {
	if f.path == "" {
		return false
	}
	stamp := stampOf(f.path)
	if f.read && stamp == f.stamp {
		return false
	}
	f.read, f.stamp = true, stamp
	f.redirects, f.headers, f.errs = nil, nil, nil
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		f.errs = []error{&ParseError{Source: f.name, Err: err}}
		return true
	}
	f.redirects, f.headers, f.errs = f.parse(f.name, data)
	return true
}

func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{exists: true, size: info.Size(), modNano: info.ModTime().UnixNano()}
}

func (l *Loader) build() *Set {
	s := &Set{}
	for _, f := range l.files {
		s.Redirects = append(s.Redirects, f.redirects...)
		s.Headers = append(s.Headers, f.headers...)
		s.Errors = append(s.Errors, f.errs...)
	}
	return s
}

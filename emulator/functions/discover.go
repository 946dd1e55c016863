// Package functions serves a site's functions at /.netlify/functions/{name} the way
// Netlify runs them: discovery of the functions folder, the Lambda event and the
// response mapping, clientContext, warm instances with a concurrency limit and a time
// limit, and hot reload. The runtimes (Node, Go) live in subpackages behind Runtime.
package functions

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// jsExtensions are the entry files Netlify runs with Node, in no order of preference:
// two candidates for one name are an error.
var jsExtensions = []string{".js", ".cjs", ".mjs", ".ts", ".mts", ".cts"}

// Discovery is what a functions folder holds.
type Discovery struct {
	Functions []*Function
	// Conflicts are names with more than one candidate; such a function is not served
	// until one candidate is removed.
	Conflicts map[string]error
}

// Discover lists the functions of dir: NAME.js|.cjs|.mjs|.ts|.mts, a folder NAME
// holding NAME.* or index.*, or a folder NAME holding a Go main package.
// A missing folder holds no functions.
func Discover(siteDir, dir string) (*Discovery, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &Discovery{Conflicts: map[string]error{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read functions folder %s: %w", dir, err)
	}
	candidates := map[string][]*Function{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		path := filepath.Join(dir, name)
		if e.IsDir() {
			if fns := folderCandidates(siteDir, path, name); len(fns) > 0 {
				candidates[name] = append(candidates[name], fns...)
			}
			continue
		}
		ext := filepath.Ext(name)
		if isJS(ext) && !strings.HasSuffix(name, ".d.ts") {
			base := strings.TrimSuffix(name, ext)
			candidates[base] = append(candidates[base], &Function{Name: base, Kind: KindJS, Entry: path, Dir: dir, SiteDir: siteDir})
		}
	}
	d := &Discovery{Conflicts: map[string]error{}}
	for name, fns := range candidates {
		if len(fns) > 1 {
			var files []string
			for _, fn := range fns {
				files = append(files, rel(siteDir, fn.Entry))
			}
			sort.Strings(files)
			d.Conflicts[name] = fmt.Errorf("function %q has %d candidates: %s; keep one", name, len(files), strings.Join(files, " and "))
			continue
		}
		if fns[0].Kind == KindJS {
			fns[0].Declared = declaredInFile(fns[0].Entry)
		}
		d.Functions = append(d.Functions, fns[0])
	}
	sort.Slice(d.Functions, func(i, j int) bool { return d.Functions[i].Name < d.Functions[j].Name })
	return d, nil
}

// folderCandidates are the functions a folder NAME can be: NAME/NAME.*, NAME/index.*,
// a Go main package.
func folderCandidates(siteDir, path, name string) []*Function {
	var out []*Function
	for _, base := range []string{name, "index"} {
		for _, ext := range jsExtensions {
			entry := filepath.Join(path, base+ext)
			if st, err := os.Stat(entry); err == nil && !st.IsDir() {
				out = append(out, &Function{Name: name, Kind: KindJS, Entry: entry, Dir: path, SiteDir: siteDir})
			}
		}
	}
	if isGoMain(path) {
		out = append(out, &Function{Name: name, Kind: KindGo, Entry: path, Dir: path, SiteDir: siteDir})
	}
	return out
}

// isGoMain reports whether dir holds a .go file of package main.
func isGoMain(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if goPackage(f) == "main" {
			return true
		}
	}
	return false
}

func goPackage(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inComment := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if inComment {
			if i := strings.Index(line, "*/"); i >= 0 {
				line, inComment = strings.TrimSpace(line[i+2:]), false
			} else {
				continue
			}
		}
		if strings.HasPrefix(line, "/*") && !strings.Contains(line, "*/") {
			inComment = true
			continue
		}
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "package "); ok {
			return strings.Fields(rest)[0]
		}
		return ""
	}
	return ""
}

func isJS(ext string) bool {
	for _, e := range jsExtensions {
		if e == ext {
			return true
		}
	}
	return false
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

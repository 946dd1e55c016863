package devserver

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// staticSite serves the publish folder: a path without a file is tried as path.html
// and path/index.html, as Netlify's pretty URLs do; a custom 404.html answers what
// is missing. With no publish folder set the site root is served, so what must stay
// on the machine is never answered, whatever the spelling of the path: netlify.toml,
// .env files and every other dot file or folder but .well-known (.netlify among them), node_modules,
// the functions folder and the --db store with its -wal, -shm and -journal files.
// Symbolic links are followed and the file they reach is held to the same rules.
type staticSite struct {
	dir     string   // the publish folder
	root    string   // the site root, where netlify.toml and .env are
	private []string // absolute paths never served, with everything under them
	files   http.Handler
}

func newStaticSite(dir, root, functionsDir, db string) *staticSite {
	s := &staticSite{dir: dir, root: root, files: http.FileServer(http.Dir(dir))}
	if functionsDir != "" {
		s.private = append(s.private, functionsDir)
	}
	if db != "" && db != ":memory:" {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			s.private = append(s.private, db+suffix)
		}
	}
	for i, p := range s.private {
		s.private[i] = realPath(p)
	}
	return s
}

func (s *staticSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	clean := path.Clean("/" + r.URL.Path)
	p := filepath.Join(s.dir, filepath.FromSlash(clean))
	if !s.servable(clean, p) {
		s.notFound(w, r)
		return
	}
	st, err := os.Stat(p)
	if clean == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !fileExists(filepath.Join(s.dir, "index.html")) {
		s.welcome(w) // a mail's link lands here; without a page of the site's, dev's own finishes it
		return
	}
	if err != nil || (st.IsDir() && !fileExists(filepath.Join(p, "index.html"))) {
		if html := p + ".html"; s.servable(clean+".html", html) && fileExists(html) {
			http.ServeFile(w, r, html)
			return
		}
		s.notFound(w, r)
		return
	}
	if st.IsDir() && !s.servable(path.Join(clean, "index.html"), filepath.Join(p, "index.html")) {
		s.notFound(w, r)
		return
	}
	s.files.ServeHTTP(w, r)
}

// servable says whether the file at clean (a cleaned URL path) and p (its place on
// disk) may be answered.
func (s *staticSite) servable(clean, p string) bool {
	if !publicPath(clean) {
		return false
	}
	real := realPath(p)
	for _, priv := range s.private {
		if within(real, priv) {
			return false
		}
	}
	// A link may lead out of the publish folder; what it reaches in the site root
	// is held to the same rules, relative to the root.
	if rel, err := filepath.Rel(realPath(s.root), real); s.root != "" && err == nil && !strings.HasPrefix(rel, "..") {
		if !publicPath(path.Clean("/" + filepath.ToSlash(rel))) {
			return false
		}
	}
	if rel, err := filepath.Rel(realPath(s.dir), real); err == nil && !strings.HasPrefix(rel, "..") {
		return publicPath(path.Clean("/" + filepath.ToSlash(rel)))
	}
	return true
}

// publicPath refuses dot files and folders but .well-known, node_modules and
// netlify.toml, in any case (a case-insensitive file system finds NETLIFY.TOML too).
// A deploy leaves out the same files, .well-known kept, as netlify-cli's deploy filter does.
func publicPath(clean string) bool {
	for _, part := range strings.Split(clean, "/") {
		lower := strings.ToLower(part)
		if strings.HasPrefix(part, ".") && part != ".well-known" || lower == "node_modules" || lower == "netlify.toml" {
			return false
		}
	}
	return true
}

func (s *staticSite) notFound(w http.ResponseWriter, r *http.Request) {
	custom := filepath.Join(s.dir, "404.html")
	if s.servable("/404.html", custom) {
		if b, err := os.ReadFile(custom); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write(b)
			return
		}
	}
	http.NotFound(w, r)
}

// realPath resolves symbolic links as far as the path exists, and makes it absolute.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	// Resolve the part that exists, so a link to a folder is followed for a file
	// that is not there yet.
	dir, base := filepath.Split(abs)
	if dir == abs || dir == "" {
		return abs
	}
	return filepath.Join(realPath(filepath.Clean(dir)), base)
}

func within(p, dir string) bool {
	if p == dir {
		return true
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

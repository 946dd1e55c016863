package devserver

import (
	"bytes"
	"io"
	"mime"
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
	widget  bool     // add widgetSetup to pages that load the identity widget
}

func newStaticSite(dir, root, functionsDir, db string, widget bool) *staticSite {
	s := &staticSite{dir: dir, root: root, widget: widget}
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
	if file, ok := s.resolve(r.URL.Path); ok {
		s.serveFile(w, r, file, http.StatusOK)
		return
	}
	if s.isWelcome(r) {
		s.welcome(w) // a mail's link lands here; without a page of the site's, dev's own finishes it
		return
	}
	s.notFound(w, r)
}

// isWelcome: / of a site with no index.html gets dev's own page.
func (s *staticSite) isWelcome(r *http.Request) bool {
	return path.Clean("/"+r.URL.Path) == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		!fileExists(filepath.Join(s.dir, "index.html"))
}

// resolve is the file served at a URL path: the file itself, a folder's index.html,
// or path.html (Netlify's pretty URLs); false when there is none that may be served.
func (s *staticSite) resolve(urlPath string) (string, bool) {
	clean := path.Clean("/" + urlPath)
	p := filepath.Join(s.dir, filepath.FromSlash(clean))
	if !s.servable(clean, p) {
		return "", false
	}
	if st, err := os.Stat(p); err == nil {
		if !st.IsDir() {
			return p, true
		}
		if idx := filepath.Join(p, "index.html"); s.servable(path.Join(clean, "index.html"), idx) && fileExists(idx) {
			return idx, true
		}
	}
	if html := p + ".html"; clean != "/" && s.servable(clean+".html", html) && fileExists(html) {
		return html, true
	}
	return "", false
}

// exists reports whether a file is served at a URL path, for rules' shadowing.
func (s *staticSite) exists(urlPath string) bool {
	_, ok := s.resolve(urlPath)
	return ok
}

// serveFile answers with a file: with status 200, as net/http serves files (ranges,
// If-Modified-Since); with another status (a rule's 404 or 401 page), its content and
// that status. Pages that load the identity widget get widgetSetup.
func (s *staticSite) serveFile(w http.ResponseWriter, r *http.Request, file string, status int) {
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	var content io.ReadSeeker = f
	if s.widget && strings.EqualFold(filepath.Ext(file), ".html") {
		if b, err := io.ReadAll(io.LimitReader(f, maxInjectedPage+1)); err == nil && len(b) <= maxInjectedPage {
			content = bytes.NewReader(withWidgetSetup(b))
		} else {
			f.Seek(0, io.SeekStart)
		}
	}
	if status == http.StatusOK {
		http.ServeContent(w, r, filepath.Base(file), st.ModTime(), content)
		return
	}
	if ct := mime.TypeByExtension(filepath.Ext(file)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, content)
	}
}

// maxInjectedPage bounds the pages read whole to add widgetSetup; larger ones are
// served as they are.
const maxInjectedPage = 4 << 20

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

// publicPath refuses dot files and folders but .well-known, node_modules,
// netlify.toml and the rule files _redirects and _headers, which a deploy reads and
// does not publish, in any case (a case-insensitive file system finds NETLIFY.TOML too).
// A deploy leaves out the same files, .well-known kept, as netlify-cli's deploy filter does.
func publicPath(clean string) bool {
	for _, part := range strings.Split(clean, "/") {
		lower := strings.ToLower(part)
		if strings.HasPrefix(part, ".") && part != ".well-known" || lower == "node_modules" || lower == "netlify.toml" ||
			lower == "_redirects" || lower == "_headers" {
			return false
		}
	}
	return true
}

// notFound answers 404 with the publish folder's 404.html, or a plain one.
func (s *staticSite) notFound(w http.ResponseWriter, r *http.Request) {
	custom := filepath.Join(s.dir, "404.html")
	if s.servable("/404.html", custom) && fileExists(custom) {
		s.serveFile(w, r, custom, http.StatusNotFound)
		return
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

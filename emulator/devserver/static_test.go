package devserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With no publish folder set, the site root is served: what holds secrets or code is
// never answered, however the path is spelt.
func TestStaticSiteServesNoSecrets(t *testing.T) {
	site := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(site, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "home page")
	write("about.html", "about page")
	write("docs/index.html", "docs page")
	write(".well-known/security.txt", "security page")
	write("_redirects", "/a /b 301 # SECRET-rules")
	write("_headers", "/*\n  X-Secret: SECRET-headers")
	write("netlify.toml", "[dev.identity]\njwt_secret = \"SECRET-toml\"\n")
	write(".env", "API_KEY=SECRET-env")
	write(".env.development", "API_KEY=SECRET-envdev")
	write(".netlify/dev/state.json", `{"url":"SECRET-state"}`)
	write(".git/config", "SECRET-git")
	write("netlify/functions/hello.js", "// SECRET-source")
	write("node_modules/pkg/index.js", "// SECRET-module")
	write("app/node_modules/pkg/index.js", "// SECRET-nested-module")
	if err := os.Symlink(filepath.Join(site, ".env"), filepath.Join(site, "env-link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(site, "netlify", "functions"), filepath.Join(site, "fns")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(site, "users.db")
	srv := startServer(t, Options{SiteDir: site, PublishDir: site, FunctionsDir: filepath.Join(site, "netlify", "functions"), DB: db})
	srv.signupConfirmLogin(t, "someone@example.com", "a-password") // the store and its -wal now hold data

	for _, p := range []string{"/", "/about", "/about.html", "/docs/", "/.well-known/security.txt"} {
		if r := srv.do(t, "GET", srv.URL()+p, ""); r.Status != 200 || !strings.Contains(string(r.Body), "page") {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	for _, p := range []string{
		"/netlify.toml", "/NETLIFY.TOML", "/Netlify.toml", "/%6eetlify.toml", "//netlify.toml", "/docs/../netlify.toml", "/./netlify.toml",
		"/.env", "/%2eenv", "/%2Eenv", "//.env", "/docs/..//.env", "/.env.development", "/.env.development/",
		"/.netlify/dev/state.json", "/.git/config", "/.git/", "/.well-known/../.env",
		"/netlify/functions/hello.js", "/netlify//functions/hello.js", "/netlify/functions/", "/NetLify/Functions/hello.js",
		"/node_modules/pkg/index.js", "/app/node_modules/pkg/index.js", "/NODE_MODULES/pkg/index.js",
		"/users.db", "/users.db-wal", "/users.db-shm", "/users", "/users.db%2d%77al",
		"/env-link.txt", "/fns/hello.js", "/_redirects", "/_headers",
	} {
		if r := srv.rawGet(t, p); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), "SECRET") || strings.Contains(string(r.Body), "SQLite") {
			t.Errorf("GET %s: %d %.80q", p, r.Status, r.Body)
		}
	}

	// The store's files are the owner's alone.
	for _, p := range []string{db, db + "-wal"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, st.Mode().Perm())
		}
	}
}

// A store file that an older dev created readable by others is made private.
func TestStoreMadePrivate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, Options{DB: db})
	if st, _ := os.Stat(db); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

// rawGet sends the path exactly as written, as an attacker's client would, without
// the cleaning Go's client does.
func (s *testServer) rawGet(t testing.TB, path string) *response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body := readAll(t, resp)
	// A redirect to a cleaned path is followed once, as a browser would.
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" && loc != path {
		return s.rawGet(t, loc)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

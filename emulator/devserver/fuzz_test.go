package devserver

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const fuzzSecret = "FUZZ-JWT-SECRET-3f9c2a7d1e"

// FuzzHTTPSurface sends dev serve any request line, Host, Origin, content type and body,
// to the identity API, the dev API, dev's pages and the static site. Whatever comes:
// no panic, no 5xx from the static site, no secret in any answer, a Host that is not
// this machine refused, and no dev API call that changes state from another site or
// without JSON.
func FuzzHTTPSurface(f *testing.F) {
	site := f.TempDir()
	for name, body := range map[string]string{
		"index.html":                 "home",
		"netlify.toml":               "[dev.identity]\njwt_secret = \"" + fuzzSecret + "\"\n",
		".env":                       "KEY=SECRET-DOTENV",
		"netlify/functions/hello.js": "// SECRET-SOURCE",
	} {
		p := filepath.Join(site, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	srv := startServer(f, Options{SiteDir: site, PublishDir: site, FunctionsDir: filepath.Join(site, "netlify", "functions"),
		DB: filepath.Join(site, "users.db"), JWTSecret: fuzzSecret, Autoconfirm: true})
	handler := srv.Handler()
	signup := httptest.NewRequest("POST", "/.netlify/identity/signup", strings.NewReader(`{"email":"known@example.com","password":"pw-123456"}`))
	signup.Host = "127.0.0.1"
	handler.ServeHTTP(httptest.NewRecorder(), signup)

	seeds := []struct{ method, path, host, origin, ctype, body string }{
		{"GET", "/", "127.0.0.1:8888", "", "", ""},
		{"GET", "/.env", "localhost", "", "", ""},
		{"GET", "/%2e%65nv", "localhost", "", "", ""},
		{"GET", "//netlify.toml", "localhost", "", "", ""},
		{"GET", "/a/../users.db", "localhost", "", "", ""},
		{"GET", "/users.db-wal", "localhost", "", "", ""},
		{"GET", "/netlify/functions/hello.js", "localhost", "", "", ""},
		{"POST", "/.netlify/dev/api/reset", "127.0.0.1", "", "text/plain", "x"},
		{"POST", "/.netlify/dev/api/reset", "127.0.0.1", "http://evil.example", "application/json", "{}"},
		{"POST", "/.netlify/dev/api/invoke", "attacker.example", "", "application/json", `{"function":"hello","as":"known@example.com"}`},
		{"GET", "/.netlify/dev/api/mail", "attacker.example", "", "", ""},
		{"GET", "/.netlify/dev/api/events?limit=-1&before=%00", "localhost", "", "", ""},
		{"POST", "/.netlify/identity/signup", "localhost", "http://any.example", "application/json", `{"email":"a@b.c","password":"x","data":{"a":1}}`},
		{"POST", "/.netlify/identity/token", "localhost", "", "application/x-www-form-urlencoded", "grant_type=password&username=known@example.com&password=pw-123456"},
		{"PUT", "/.netlify/identity/user", "localhost", "", "application/json", `{"data":null}`},
		{"GET", "/.netlify/identity/admin/users?page=-1&per_page=99999999", "localhost", "", "", ""},
		{"GET", "/.netlify/dev/oauth/github?state=%ff", "localhost", "", "", ""},
		{"OPTIONS", "/.netlify/identity/token", "localhost", "http://x", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.host, s.origin, s.ctype, s.body)
	}
	f.Fuzz(func(t *testing.T, method, target, host, origin, ctype, body string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n"
		if origin != "" {
			raw += "Origin: " + origin + "\r\n"
		}
		if ctype != "" {
			raw += "Content-Type: " + ctype + "\r\n"
		}
		raw += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || req.Host != host {
			return // not a request a server would read
		}
		req.RemoteAddr = "127.0.0.1:40000"
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		answer, _ := io.ReadAll(res.Body)
		for _, secret := range []string{fuzzSecret, "SECRET-DOTENV", "SECRET-SOURCE", "SQLite format"} {
			if strings.Contains(string(answer), secret) {
				t.Fatalf("%s %s (Host %q) answered %q", method, target, host, secret)
			}
		}
		if !newHostPolicy("127.0.0.1", "", nil).allows(host) && res.StatusCode != http.StatusForbidden {
			t.Fatalf("Host %q reached %s %s: %d", host, method, target, res.StatusCode)
		}
		dev := strings.HasPrefix(req.URL.Path, DevPrefix+"api/")
		if dev && res.StatusCode/100 == 2 && !safeMethod(req.Method) && (!isJSON(ctype) || (origin != "" && !sameOrigin(origin, host))) {
			t.Fatalf("%s %s with Content-Type %q, Origin %q changed state: %d", method, target, ctype, origin, res.StatusCode)
		}
		if !strings.HasPrefix(req.URL.Path, "/.netlify/") && res.StatusCode >= 500 {
			t.Fatalf("static %s %s: %d %s", method, target, res.StatusCode, answer)
		}
	})
}

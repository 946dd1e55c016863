package devserver

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/term"
)

// A page whose name was rebound to 127.0.0.1 reaches dev serve with its own name in
// Host: every route refuses it, and says how to allow a name on purpose.
func TestHostAllowList(t *testing.T) {
	var log bytes.Buffer
	site := t.TempDir()
	os.WriteFile(filepath.Join(site, "index.html"), []byte("home"), 0o644)
	srv := startServer(t, Options{Log: term.NewLogger(&log), PublishDir: site, SiteDir: site,
		AllowedHosts: []string{"myapp.test", ".tunnel.example"}, SiteURL: "http://site-url.test:3000"})
	srv.signupConfirmLogin(t, "victim@example.com", "secret-password")

	routes := []struct{ method, path, body string }{
		{"GET", "/.netlify/dev/api/mail", ""},
		{"GET", "/.netlify/dev/api/events", ""},
		{"POST", "/.netlify/dev/api/invoke", `{"function":"x","as":"victim@example.com"}`},
		{"POST", "/.netlify/dev/api/reset", "{}"},
		{"GET", "/.netlify/identity/settings", ""},
		{"GET", "/.netlify/functions/anything", ""},
		{"GET", "/", ""},
	}
	for _, host := range []string{"attacker.example", "attacker.example:8888", "127.0.0.1.attacker.example", "localhost.attacker.example", "myapp.test.evil", "tunnel.example.evil"} {
		for _, rt := range routes {
			r := srv.do(t, rt.method, srv.URL()+rt.path, rt.body, "Host: "+host, "Content-Type: application/json")
			name := normalHost(host)
			if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), `"`+name+`"`) || !strings.Contains(string(r.Body), "--allow-host "+name) {
				t.Errorf("%s %s with Host %s: %d %s", rt.method, rt.path, host, r.Status, r.Body)
			}
		}
	}
	// Nothing was wiped or leaked: the user is still there.
	if r := srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/mail?to=victim@example.com", ""); r.Status != 200 || !strings.Contains(string(r.Body), "victim@example.com") {
		t.Fatalf("mail after the refused reset: %d %s", r.Status, r.Body)
	}
	if got := strings.Count(log.String(), "refused host attacker.example"); got != 1 {
		t.Errorf("the refused host is logged %d times, want once:\n%s", got, log.String())
	}

	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL(), "http://"), ":")
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST.:" + port, "app.localhost:" + port, "127.1.2.3:" + port,
		"[::1]:" + port, "myapp.test:" + port, "tunnel.example", "a.b.tunnel.example", "site-url.test"} {
		if r := srv.do(t, "GET", srv.URL()+"/.netlify/identity/settings", "", "Host: "+host); r.Status != 200 {
			t.Errorf("Host %s: %d %s", host, r.Status, r.Body)
		}
	}
}

func TestHostPolicy(t *testing.T) {
	cases := []struct {
		listen string
		host   string
		want   bool
	}{
		{"127.0.0.1", "127.0.0.1:8888", true},
		{"127.0.0.1", "192.168.1.5:8888", false},
		{"127.0.0.1", "", false},
		{"0.0.0.0", "192.168.1.5:8888", true},
		{"0.0.0.0", "evil.example", false},
		{"192.168.1.5", "192.168.1.5", true},
		{"devbox.lan", "devbox.lan:8888", true},
		{"devbox.lan", "other.lan", false},
		{"::", "[fe80::1]:8888", true},
	}
	for _, c := range cases {
		if got := newHostPolicy(c.listen, "", nil).allows(c.host); got != c.want {
			t.Errorf("listening on %s, Host %q: %v, want %v", c.listen, c.host, got, c.want)
		}
	}
}

// Any page the developer opens can send simple requests to 127.0.0.1:8888: dev-only
// routes refuse them, and the identity API keeps GoTrue's CORS.
func TestDevRoutesRefuseCrossSiteUse(t *testing.T) {
	var log bytes.Buffer
	srv := startServer(t, Options{Log: term.NewLogger(&log)})
	srv.signupConfirmLogin(t, "victim@example.com", "secret-password")
	self := srv.URL()

	refused := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		status  int
	}{
		{"a text/plain form post", "POST", "/.netlify/dev/api/reset", "x", []string{"Content-Type: text/plain"}, 415},
		{"a urlencoded form post", "POST", "/.netlify/dev/api/invoke", "function=x", []string{"Content-Type: application/x-www-form-urlencoded"}, 415},
		{"no content type", "POST", "/.netlify/dev/api/reset", "", nil, 415},
		{"a foreign Origin", "POST", "/.netlify/dev/api/reset", "{}", []string{"Content-Type: application/json", "Origin: http://attacker.example"}, 403},
		{"Origin null", "POST", "/.netlify/dev/api/reset", "{}", []string{"Content-Type: application/json", "Origin: null"}, 403},
		{"another local port", "DELETE", "/.netlify/dev/api/mail", "", []string{"Content-Type: application/json", "Origin: http://localhost:3000"}, 403},
		{"a cross-site fetch", "POST", "/.netlify/dev/api/reset", "{}", []string{"Content-Type: application/json", "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: cors"}, 403},
		{"a cross-site read", "GET", "/.netlify/dev/api/mail", "", []string{"Origin: http://attacker.example", "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: cors"}, 403},
		{"a preflight", "OPTIONS", "/.netlify/dev/api/reset", "", []string{"Origin: http://attacker.example", "Access-Control-Request-Method: POST"}, 403},
		{"a cross-site form to the OAuth page", "POST", "/.netlify/dev/oauth/github", "state=x&email=a@b.c", []string{"Content-Type: application/x-www-form-urlencoded", "Origin: http://attacker.example"}, 403},
	}
	for _, c := range refused {
		r := srv.do(t, c.method, self+c.path, c.body, c.headers...)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: the dev API answered with CORS headers %v", c.name, r.Header)
		}
	}
	if r := srv.do(t, "GET", self+"/.netlify/dev/api/mail?to=victim@example.com", ""); !strings.Contains(string(r.Body), "victim@example.com") {
		t.Fatalf("the refused calls wiped the mail: %s", r.Body)
	}
	if !strings.Contains(log.String(), "cross-site POST /.netlify/dev/api/reset") {
		t.Errorf("no log line for the refused cross-site call:\n%s", log.String())
	}

	// The developer's own tools and pages: same origin, or a link followed from elsewhere.
	allowed := []struct {
		name    string
		method  string
		path    string
		headers []string
	}{
		{"a top-level navigation from another site", "GET", "/.netlify/dev/oauth/github?state=x", []string{"Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate"}},
		{"a same-origin fetch", "GET", "/.netlify/dev/api/mail", []string{"Origin: " + self, "Sec-Fetch-Site: same-origin"}},
		{"the CLI", "GET", "/.netlify/dev/api/events", nil},
		{"a same-origin JSON post", "POST", "/.netlify/dev/api/reset", []string{"Origin: " + self, "Content-Type: application/json; charset=utf-8"}},
	}
	for _, c := range allowed {
		if r := srv.do(t, c.method, self+c.path, "", c.headers...); r.Status >= 400 {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}

	// The identity API is called from pages by design, with GoTrue's CORS.
	r := srv.do(t, "OPTIONS", srv.identityURL("/token"), "", "Origin: http://another.example", "Access-Control-Request-Method: POST")
	if r.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("identity preflight from another origin lost its CORS answer: %d %v", r.Status, r.Header)
	}
}

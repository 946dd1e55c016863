package devserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The site around the functions, through dev serve: rules in file order, Role gates
// from the nf_jwt cookie GoTrue sets, rewrites to functions keeping the client's path,
// custom headers, and rules that reload when their file changes.
func TestSiteRulesThroughDevServe(t *testing.T) {
	dir := copySite(t, "functions")
	pub := filepath.Join(dir, "public")
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(pub, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("admin/index.html", "admin page")
	write("members/index.html", "members page")
	write("login.html", "login page")
	write("404.html", "custom 404")
	write("_redirects", `# gates
/admin/*    /admin/:splat  200!  Role=admin
/members/*  /members/:splat 200! Role=member,admin
/members/*  /login.html     401!
/old        /new           301
/api/*      /.netlify/functions/echo/:splat  200
/go         /login.html
/login.html /nowhere       404
`)
	write("_headers", "/admin/*\n  X-Frame-Options: DENY\n")
	srv, _ := startSiteIn(t, dir, Options{Autoconfirm: true})
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"m@example.com","password":"pw-123456"}`, "Content-Type: application/json")

	// Anonymous.
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/admin/", 404, "custom 404"}, // a failed gate with no later rule: 404 over the existing file
		{"/admin/index.html", 404, "custom 404"},
		{"/members/", 401, "login page"},   // the later 401! rule
		{"/login.html", 200, "login page"}, // an existing file shadows the unforced 404 rule
	} {
		r := srv.do(t, "GET", srv.URL()+c.path, "")
		if r.Status != c.status || string(r.Body) != c.body {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, r.Status, r.Body, c.status, c.body)
		}
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(srv.URL() + "/old/")
	if err != nil || resp.StatusCode != 301 || resp.Header.Get("Location") != "/new" {
		t.Errorf("GET /old/: %v %d %q", err, resp.StatusCode, resp.Header.Get("Location"))
	}

	// A rewrite to a function keeps event.path and the query.
	r := srv.do(t, "GET", srv.URL()+"/api/hello?x=1", "")
	var echo struct {
		Event struct {
			Path                  string            `json:"path"`
			QueryStringParameters map[string]string `json:"queryStringParameters"`
		} `json:"event"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &echo) != nil || echo.Event.Path != "/api/hello" || echo.Event.QueryStringParameters["x"] != "1" {
		t.Errorf("GET /api/hello: %d %.300s", r.Status, r.Body)
	}

	// Logged in with the cookie GoTrue sets: the member gate opens, the admin one stays shut.
	form := url.Values{"grant_type": {"password"}, "username": {"m@example.com"}, "password": {"pw-123456"}}
	login := srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded", "X-Use-Cookie: 1")
	cookie := ""
	for _, c := range (&http.Response{Header: login.Header}).Cookies() {
		if c.Name == "nf_jwt" {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("no nf_jwt cookie from /token: %v", login.Header)
	}
	// The user has no role yet: promote with the admin API, log in again for a new cookie.
	if r := srv.do(t, "GET", srv.URL()+"/members/", "", "Cookie: nf_jwt="+cookie); r.Status != 401 {
		t.Errorf("a user without the role: %d %q", r.Status, r.Body)
	}
	admin, _ := srv.AdminToken(time.Minute)
	var list struct{ Users []struct{ ID string } }
	srv.do(t, "GET", srv.identityURL("/admin/users"), "", "Authorization: Bearer "+admin).json(t, &list)
	srv.do(t, "PUT", srv.identityURL("/admin/users/"+list.Users[0].ID), `{"app_metadata":{"roles":["member"]}}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
	if r := srv.do(t, "GET", srv.URL()+"/members/", "", "Cookie: nf_jwt="+cookie); r.Status != 401 {
		t.Errorf("a stale cookie keeps stale roles: %d %q", r.Status, r.Body)
	}
	login = srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded", "X-Use-Cookie: 1")
	for _, c := range (&http.Response{Header: login.Header}).Cookies() {
		if c.Name == "nf_jwt" {
			cookie = c.Value
		}
	}
	if r := srv.do(t, "GET", srv.URL()+"/members/", "", "Cookie: nf_jwt="+cookie); r.Status != 200 || string(r.Body) != "members page" {
		t.Errorf("a member: %d %q", r.Status, r.Body)
	}
	r = srv.do(t, "GET", srv.URL()+"/admin/", "", "Cookie: nf_jwt="+cookie)
	if r.Status != 404 || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("a member at /admin/: %d %q %v", r.Status, r.Body, r.Header)
	}
	// A forged cookie (another secret) is no cookie.
	forged := strings.Split(cookie, ".")
	if r := srv.do(t, "GET", srv.URL()+"/members/", "", "Cookie: nf_jwt="+forged[0]+"."+forged[1]+".AAAA"); r.Status != 401 {
		t.Errorf("a forged cookie: %d", r.Status)
	}

	// Rules reload without a restart.
	write("_redirects", "/members/*  /login.html  302!\n")
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(filepath.Join(pub, "_redirects"), future, future)
	resp, err = noFollow.Get(srv.URL() + "/members/")
	if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "/login.html" {
		t.Errorf("after editing _redirects: %v %d", err, resp.StatusCode)
	}
}

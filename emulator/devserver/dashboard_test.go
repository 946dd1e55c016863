package devserver

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
)

func TestDashboardPageAndItsGuard(t *testing.T) {
	srv := startServer(t, Options{})
	for _, c := range []struct {
		path    string
		headers []string
		status  int
		want    string
	}{
		{"/.netlify/dev/", nil, 200, "<title>dev dashboard</title>"},
		{"/.netlify/dev/app.js", nil, 200, "EventSource"},
		{"/.netlify/dev/app.css", nil, 200, "prefers-color-scheme"},
		{"/.netlify/dev/nope.js", nil, 404, ""},
		// A visit from a link on another site is a visit; the same page in its frame is not.
		{"/.netlify/dev/", []string{"Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate", "Sec-Fetch-Dest: document"}, 200, ""},
		{"/.netlify/dev/", []string{"Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate", "Sec-Fetch-Dest: iframe"}, 403, ""},
		{"/.netlify/dev/api/users", []string{"Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: cors"}, 403, ""},
		{"/.netlify/dev/api/stream", []string{"Origin: https://evil.example"}, 403, ""},
	} {
		r := srv.do(t, "GET", srv.URL()+c.path, "", c.headers...)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("GET %s %v: %d %.200s", c.path, c.headers, r.Status, r.Body)
		}
		if c.path == "/.netlify/dev/" && r.Status == 200 && !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("no CSP: %v", r.Header)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL() + "/.netlify/dev")
	if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "/.netlify/dev/" {
		t.Fatalf("/.netlify/dev: %v %v", err, resp)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", srv.URL()+"/.netlify/dev/", nil)
	req.Host = "attacker.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Fatalf("a foreign Host: %v %v", err, resp)
	}
}

func TestDevAPIUsers(t *testing.T) {
	srv := startServer(t, Options{})
	api := srv.URL() + "/.netlify/dev/api"
	json := "Content-Type: application/json"
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"ann@example.com","password":"pw","data":{"full_name":"Ann Lee"}}`, json)
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"bob@example.com","password":"pw"}`, json)

	var page struct {
		Users []identity.User
		Total int
	}
	srv.do(t, "GET", api+"/users?q=lee", "").json(t, &page)
	if page.Total != 1 || len(page.Users) != 1 || page.Users[0].Email != "ann@example.com" {
		t.Fatalf("search by name: %+v", page)
	}
	ann := page.Users[0].ID
	srv.do(t, "GET", api+"/users?q="+ann, "").json(t, &page)
	if page.Total != 1 || page.Users[0].ID != ann {
		t.Fatalf("search by id: %+v", page)
	}
	srv.do(t, "GET", api+"/users", "").json(t, &page)
	if page.Total != 2 || page.Users[0].Email != "bob@example.com" {
		t.Fatalf("newest first: %+v", page)
	}
	if r := srv.do(t, "GET", api+"/users?per_page=0", ""); r.Status != 400 || !strings.Contains(string(r.Body), `"code":400`) {
		t.Fatalf("bad per_page: %d %s", r.Status, r.Body)
	}

	var u identity.User
	r := srv.do(t, "PATCH", api+"/users/"+ann, `{"roles":["editor"],"user_metadata":{"plan":"pro"}}`, json)
	r.json(t, &u)
	if r.Status != 200 || u.AppMetaData["provider"] != "email" || u.UserMetaData["plan"] != "pro" || u.UserMetaData["full_name"] != "Ann Lee" {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if r := srv.do(t, "PATCH", api+"/users/"+ann, `{"app_metadata":[1]}`, json); r.Status != 400 {
		t.Fatalf("bad patch: %d %s", r.Status, r.Body)
	}
	r = srv.do(t, "PATCH", api+"/users/"+ann, `{"confirm":true}`, json)
	r.json(t, &u)
	if u.ConfirmedAt == nil {
		t.Fatalf("confirm: %s", r.Body)
	}
	if r := srv.do(t, "POST", api+"/users/"+ann+"/recover", `{}`, json); r.Status != 200 {
		t.Fatalf("recover: %d %s", r.Status, r.Body)
	}
	srv.mailToken(t, "ann@example.com", identity.MailRecovery)
	if r := srv.do(t, "POST", api+"/users/invite", `{"email":"cat@example.com"}`, json); r.Status != 200 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	srv.mailToken(t, "cat@example.com", identity.MailInvite)
	if r := srv.do(t, "POST", api+"/users", `{"email":"dan@example.com","password":"pw","confirm":true}`, json); r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := srv.do(t, "DELETE", api+"/users/"+ann, "", json); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := srv.do(t, "GET", api+"/users/"+ann, ""); r.Status != 404 || !strings.Contains(string(r.Body), `"msg":"User not found"`) {
		t.Fatalf("deleted user: %d %s", r.Status, r.Body)
	}
	if r := srv.do(t, "DELETE", api+"/users/"+ann, "", "Content-Type: text/plain"); r.Status != 415 {
		t.Fatalf("a state change without JSON: %d", r.Status)
	}
}

// The stream says "users" when a user signs up, "mail" when mail is captured.
func TestDashboardStream(t *testing.T) {
	srv := startServer(t, Options{})
	resp, err := http.Get(srv.URL() + "/.netlify/dev/api/stream")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%v %v", err, resp)
	}
	defer resp.Body.Close()
	seen := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				seen <- ev
			}
		}
		close(seen)
	}()
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"ann@example.com","password":"pw"}`, "Content-Type: application/json")
	got := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for !got["users"] || !got["mail"] {
		select {
		case ev, ok := <-seen:
			if !ok {
				t.Fatalf("the stream ended; saw %v", got)
			}
			got[ev] = true
		case <-timeout:
			t.Fatalf("saw %v, want users and mail", got)
		}
	}
}

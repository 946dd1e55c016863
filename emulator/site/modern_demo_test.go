package site

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/internal/browsertest"
	"github.com/identity-dev/dev/internal/npmtest"
)

// modernDemo is a copy of examples/modern-site with its framework on a free port, using
// the example's own node_modules (installed by npm ci from its lock file).
func modernDemo(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "modern-site"))
	if err != nil {
		t.Fatal(err)
	}
	npmtest.CI(t, src)
	dst := copyExample(t, "modern-site")
	if err := os.Symlink(filepath.Join(src, "node_modules"), filepath.Join(dst, "node_modules")); err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile(filepath.Join(dst, "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(freePort(t))
	if err := os.WriteFile(filepath.Join(dst, "netlify.toml"), []byte(strings.ReplaceAll(string(toml), "5173", port)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// The modern demo, as a user of it would go through it: Vite behind dev, typed handlers,
// a role-gated v2 function at its config.path, server-side login() setting nf_jwt, and
// the Role gate reading it.
func TestModernDemoSite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing Vite and running the modern demo")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node on PATH: install Node.js 18 or newer; the demo runs Vite and its functions in Node")
	}
	srv := serveForTest(t, modernDemo(t))
	base := srv.URL()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if status, body := do("GET", "/", ""); status != 200 || !strings.Contains(body, "/@vite/client") || !strings.Contains(body, "today's way") {
		t.Fatalf("the page through Vite: %d %.300s", status, body)
	}
	if status, body := do("POST", "/.netlify/identity/signup", `{"email":"eve@blocked.example","password":"pw"}`); status != 401 || body != `{"code":401,"msg":"Denied by an identity event handler"}` {
		t.Fatalf("userValidate's deny: %d %s", status, body)
	}
	if status, body := do("POST", "/.netlify/identity/signup", `{"email":"ann@example.com","password":"pw"}`); status != 200 {
		t.Fatalf("signup: %d %s", status, body)
	}
	_, mailJSON := do("GET", "/.netlify/dev/api/mail?to=ann@example.com", "")
	var mails []struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(mailJSON), &mails); err != nil || len(mails) != 1 {
		t.Fatalf("mail: %v %s", err, mailJSON)
	}
	if status, body := do("POST", "/.netlify/identity/verify", `{"type":"signup","token":"`+mails[0].Token+`"}`); status != 200 {
		t.Fatalf("verify: %d %s", status, body)
	}
	if status, body := do("GET", "/api/members", ""); status != 401 || !strings.Contains(body, "log in first") {
		t.Fatalf("members without a login: %d %s", status, body)
	}
	if status, _ := do("GET", "/members/", ""); status != 404 {
		t.Fatalf("the Role gate let a stranger in: %d", status)
	}
	if status, body := do("POST", "/api/session", `{"email":"ann@example.com","password":"pw"}`); status != 200 || body != `{"email":"ann@example.com","roles":["member"]}` {
		t.Fatalf("server login: %d %s", status, body)
	}
	if status, body := do("GET", "/api/members", ""); status != 200 || body != `{"message":"Welcome, member ann@example.com","roles":["member"],"logins":1}` {
		t.Fatalf("members with the nf_jwt cookie: %d %s", status, body)
	}
	if status, body := do("GET", "/members/", ""); status != 200 || !strings.Contains(body, "Members only") {
		t.Fatalf("the Role gate with nf_jwt: %d %.200s", status, body)
	}
	if status, _ := do("DELETE", "/api/session", ""); status != 204 {
		t.Fatalf("server logout: %d", status)
	}
	if status, _ := do("GET", "/api/members", ""); status != 401 {
		t.Fatalf("members after logout: %d", status)
	}
}

// The modern demo in Chromium, as a person goes through it (testdata/browser/modern-demo.mjs).
func TestModernDemoInTheBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing Vite and driving Chromium")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node on PATH: install Node.js 18 or newer; the demo runs Vite and its functions in Node")
	}
	srv := serveForTest(t, modernDemo(t))
	out := browsertest.Run(t, "modern-demo.mjs", srv.URL(), "EMAIL=ann@example.com")
	var res struct {
		Denied, Confirmed, HashLeft, Members, Hydrated, LoggedIn string
		CookieAfterLogin, CookieAfterLogout                      bool
		Gate                                                     struct {
			Status int
			Title  string
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	const member = "Logged in as ann@example.com; roles: member"
	if !strings.HasPrefix(res.Denied, "Sign up failed") || res.Confirmed != member || res.HashLeft != "" ||
		!strings.Contains(res.Members, "Welcome, member ann@example.com") || res.Hydrated != member ||
		res.LoggedIn != member || !res.CookieAfterLogin || res.CookieAfterLogout ||
		res.Gate.Status != 200 || res.Gate.Title != "Members" {
		t.Fatalf("%+v", res)
	}
}

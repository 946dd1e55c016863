package site

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/identity-dev/dev/internal/npmtest"
)

// viteSSR is a copy of testdata/vite-ssr on a free port, with its node_modules.
func viteSSR(t *testing.T) (dir string, port int) {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "vite-ssr"))
	if err != nil {
		t.Fatal(err)
	}
	npmtest.CI(t, src)
	dir = t.TempDir()
	for _, name := range []string{"package.json", "server.mjs", "netlify.toml", "src/entry-server.js"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err := os.Symlink(filepath.Join(src, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	port = freePort(t)
	toml, _ := os.ReadFile(filepath.Join(dir, "netlify.toml"))
	os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(strings.ReplaceAll(string(toml), "5199", fmt.Sprint(port))), 0o644)
	return dir, port
}

// @netlify/identity in a real Vite app's server-side rendering, behind dev: getUser()
// by the nf_jwt cookie and by Bearer, admin.listUsers() with the operator token, login()
// and logout() setting and clearing cookies, and nothing for a request that reaches the
// framework's port without dev.
func TestSSRFrameworkGetsIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing Vite and running a server-rendered app")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node on PATH: install Node.js 18 or newer; the app is a Node server")
	}
	dir, port := viteSSR(t)
	srv := serveForTest(t, dir)
	base := srv.URL()
	get := func(rawURL string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", rawURL, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	field := func(html, id string) string {
		m := regexp.MustCompile(`<p id="` + id + `">([^<]*)</p>`).FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("no #%s in %q", id, html)
		}
		return m[1]
	}

	// A confirmed user with a password, and an access token.
	resp, err := http.Post(base+"/.netlify/identity/signup", "application/json", strings.NewReader(`{"email":"ann@example.com","password":"pw-123456"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signup: %v %v", err, resp)
	}
	_, mails := get(base + "/.netlify/dev/api/mail?to=ann@example.com")
	var m []struct{ Token string }
	json.Unmarshal([]byte(mails), &m)
	if len(m) == 0 {
		t.Fatalf("no mail: %s", mails)
	}
	resp, _ = http.Post(base+"/.netlify/identity/verify", "application/json", strings.NewReader(`{"type":"signup","token":"`+m[0].Token+`"}`))
	resp, err = http.PostForm(base+"/.netlify/identity/token", url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw-123456"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	_, html := get(base + "/")
	if field(html, "user") != "nobody" || field(html, "origin") != base {
		t.Fatalf("anonymous: %s", html)
	}
	_, html = get(base+"/", "Cookie", "nf_jwt="+tok.AccessToken)
	if field(html, "user") != "ann@example.com" || field(html, "users") != "ann@example.com" {
		t.Fatalf("by the nf_jwt cookie: %s", html)
	}
	_, html = get(base+"/", "Authorization", "Bearer "+tok.AccessToken)
	if field(html, "user") != "ann@example.com" {
		t.Fatalf("by Bearer: %s", html)
	}

	// Straight to the framework's port with a forged context: nobody, no admin token.
	forged, _ := json.Marshal(map[string]any{"secret": "guess", "identity": map[string]any{"url": base + "/.netlify/identity", "token": tok.AccessToken,
		"user": map[string]any{"sub": "x", "email": "mallory@example.com"}}})
	_, html = get(fmt.Sprintf("http://127.0.0.1:%d/", port), "X-Nf-Dev-Context", base64.StdEncoding.EncodeToString(forged), "Cookie", "nf_jwt="+tok.AccessToken)
	if field(html, "users") != "" || field(html, "origin") != "none" {
		t.Fatalf("a forged context was used: %s", html)
	}

	// login() and logout() in SSR code set and clear the cookies, with production's attributes.
	resp, html = get(base + "/login?email=ann%40example.com&password=pw-123456")
	cookies := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	if field(html, "login") != "ann@example.com" || !regexp.MustCompile(`(?m)^nf_jwt=[^;]+; Secure; Path=/; SameSite=Lax|^nf_jwt=[^;]+; Secure; SameSite=Lax; Path=/`).MatchString(cookies) ||
		!strings.Contains(cookies, "nf_refresh=") {
		t.Fatalf("login: %s\n%s", html, cookies)
	}
	resp, _ = get(base+"/logout", "Cookie", "nf_jwt="+tok.AccessToken)
	if cookies := strings.Join(resp.Header.Values("Set-Cookie"), "\n"); !strings.Contains(cookies, "nf_jwt=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT") {
		t.Fatalf("logout: %s", cookies)
	}
}

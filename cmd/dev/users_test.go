package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/site"
)

func postForm(t *testing.T, endpoint string, form url.Values) int {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func signupUser(t *testing.T, base, email, password string) {
	t.Helper()
	resp, err := http.Post(base+"/.netlify/identity/signup", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"`+password+`","data":{"full_name":"Ann"}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signup %s: %v %v", email, err, resp)
	}
	resp.Body.Close()
}

// Users out of one dev serve and into another: the old passwords log in, a second
// import adds no one, and a bad file is refused whole.
func TestUsersExportImportThroughServers(t *testing.T) {
	autoconfirm := func(set *site.ServeSettings) { set.Autoconfirm = true }
	from := startServer(t, "", autoconfirm)
	signupUser(t, from.URL(), "ann@example.com", "ann-pw")
	signupUser(t, from.URL(), "bob@example.com", "bob-pw")

	file := filepath.Join(t.TempDir(), "users.jsonl")
	if _, errOut, err := runCmd(t, "users", "export", "--url", from.URL(), "--out", file); err != nil || !strings.Contains(errOut, "2 users written") {
		t.Fatalf("export: %v %s", err, errOut)
	}
	b, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"email":"ann@example.com"`) || !strings.Contains(lines[0], `"encrypted_password":"$2a$`) ||
		!strings.Contains(lines[0], `"full_name":"Ann"`) {
		t.Fatalf("export:\n%s", b)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("the export is %v, want 0600: it holds password hashes", st.Mode().Perm())
	}

	to := startServer(t, "", nil)
	out, _, err := runCmd(t, "users", "import", file, "--url", to.URL(), "--json")
	var res struct {
		Imported int
		Skipped  []struct{ Line int }
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Imported != 2 || len(res.Skipped) != 0 {
		t.Fatalf("import: %v %s", err, out)
	}
	if code := postForm(t, to.URL()+"/.netlify/identity/token", url.Values{"grant_type": {"password"}, "username": {"bob@example.com"}, "password": {"bob-pw"}}); code != 200 {
		t.Fatalf("the old password after import: %d", code)
	}

	out, _, err = runCmd(t, "users", "import", file, "--url", to.URL())
	if err != nil || !strings.Contains(out, "imported 0 users, skipped 2") || !strings.Contains(out, "line 1  ann@example.com  a user with this id exists") {
		t.Fatalf("second import: %v %s", err, out)
	}

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"id":"5b8f7f4e-2f0a-4a39-9d52-1b1c8a0e2f11","email":"carl@example.com","created_at":"2026-01-02T03:04:05Z"}`+"\n"+`{"id":"x","email":"dora@example.com"}`+"\n"), 0o644)
	if _, _, err := runCmd(t, "users", "import", bad, "--url", to.URL()); err == nil || !strings.Contains(err.Error(), `line 2: id "x" is not a UUID; nothing was imported`) {
		t.Fatalf("bad file: %v", err)
	}
	out, _, _ = runCmd(t, "users", "export", "--url", to.URL())
	if strings.Contains(out, "carl@example.com") || strings.Count(out, "\n") != 2 {
		t.Fatalf("a refused file left users behind:\n%s", out)
	}
}

// --db works on a store file with no server: import creates it private, export reads it.
func TestUsersExportImportOnAStoreFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "identity.db")
	in := filepath.Join(dir, "in.jsonl")
	line := `{"id":"5b8f7f4e-2f0a-4a39-9d52-1b1c8a0e2f11","aud":"","role":"","email":"carl@example.com","app_metadata":{"provider":"email","roles":["admin"]},"user_metadata":{},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z","encrypted_password":"$2a$04$0wD2H8yq0r3m8nFjv5m4Xe7iY1oQb2rO9vV5s1kDq3dZfQy9k6G6e"}`
	os.WriteFile(in, []byte(line+"\n"), 0o644)
	if out, _, err := runCmd(t, "users", "import", in, "--db", db); err != nil || !strings.Contains(out, "imported 1 users") {
		t.Fatalf("import: %v %s", err, out)
	}
	if st, err := os.Stat(db); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("store %v %v", st, err)
	}
	out, _, err := runCmd(t, "users", "export", "--db", db)
	if err != nil || !strings.Contains(out, `"roles":["admin"]`) || !strings.Contains(out, `"created_at":"2026-01-02T03:04:05Z"`) {
		t.Fatalf("export: %v %s", err, out)
	}
	if _, _, err := runCmd(t, "users", "export", "--db", filepath.Join(dir, "missing.db")); err == nil || !strings.Contains(err.Error(), "no such store") {
		t.Fatalf("missing store: %v", err)
	}
}

// dev users does what the dashboard's Users view does, through the dev API.
func TestUsersCommands(t *testing.T) {
	srv := startServer(t, "", nil)
	u := srv.URL()
	signupUser(t, u, "ann@example.com", "pw")
	run := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCmd(t, append(append([]string{"users"}, args...), "--url", u)...)
		if err != nil {
			t.Fatalf("dev users %v: %v %s", args, err, errOut)
		}
		return out
	}
	if out := run("list"); !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "false") {
		t.Fatalf("list:\n%s", out)
	}
	if out := run("update", "ann@example.com", "--role", "editor", "--role", "tester", "--user-metadata", `{"plan":"pro"}`); !strings.Contains(out, `"editor"`) || !strings.Contains(out, `"plan": "pro"`) {
		t.Fatalf("update:\n%s", out)
	}
	if out := run("confirm", "ann@example.com"); !strings.Contains(out, `"confirmed_at"`) {
		t.Fatalf("confirm:\n%s", out)
	}
	run("recover", "ann@example.com")
	run("invite", "bob@example.com")
	if out := run("create", "cat@example.com", "--password", "pw"); !strings.Contains(out, `"confirmed_at"`) {
		t.Fatalf("create:\n%s", out)
	}
	mail, _, _ := runCmd(t, "mail", "--url", u, "--json")
	if !strings.Contains(mail, `"kind": "recovery"`) && !strings.Contains(mail, `"kind":"recovery"`) || !strings.Contains(mail, "bob@example.com") {
		t.Fatalf("mail after recover and invite:\n%s", mail)
	}
	if out := run("delete", "ann@example.com"); !strings.Contains(out, "deleted ann@example.com") {
		t.Fatalf("delete:\n%s", out)
	}
	if _, _, err := runCmd(t, "users", "get", "ann@example.com", "--url", u); err == nil || !strings.Contains(err.Error(), "no user ann@example.com") {
		t.Fatalf("get a deleted user: %v", err)
	}
	if _, _, err := runCmd(t, "users", "update", "cat@example.com", "--url", u); err == nil || !strings.Contains(err.Error(), "nothing to change") {
		t.Fatalf("an empty update: %v", err)
	}
}

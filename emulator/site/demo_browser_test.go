package site

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/identity-dev/dev/internal/browsertest"
)

// copyDemo copies examples/demo-site without what a run left in it.
func copyDemo(t *testing.T) string {
	t.Helper()
	return copyExample(t, "demo-site")
}

// copyExample copies examples/NAME without what a run or npm left in it.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".netlify" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// The demo, in Chromium, as a person goes through it: sign up through the identity
// widget with no site URL prompt, confirm from the captured mail, the member role that
// identity-signup gives arrives, the members' page opens, logging out closes it.
func TestDemoMembersAreaInTheBrowser(t *testing.T) {
	srv := serveForTest(t, copyDemo(t))

	out := browsertest.Run(t, "demo.mjs", srv.URL(), "EMAIL=ann@example.com")
	var res struct {
		Before, Member, After struct {
			Status int
			Title  string
		}
		Prompted int
		Status   string
		Cookie   bool
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if res.Before.Status != 401 || res.Before.Title != "For members" {
		t.Errorf("before signing up, /members/: %+v", res.Before)
	}
	if res.Prompted != 0 {
		t.Errorf("the widget asked for the site's URL")
	}
	if res.Status != "Logged in as ann@example.com (roles: member)" || !res.Cookie {
		t.Errorf("after confirming: %q, nf_jwt cookie %v", res.Status, res.Cookie)
	}
	if res.Member.Status != 200 || res.Member.Title != "Members only" {
		t.Errorf("a member at /members/: %+v", res.Member)
	}
	if res.After.Status != 401 || res.After.Title != "For members" {
		t.Errorf("after logging out, /members/: %+v", res.After)
	}
}

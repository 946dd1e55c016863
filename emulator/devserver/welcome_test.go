package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A site with no page at / answers dev's own page there, which finishes a mail's link
// through the identity API; a site with one keeps its own.
func TestWelcomePageWhereTheSiteHasNone(t *testing.T) {
	site := t.TempDir()
	srv := startServer(t, Options{SiteDir: site, PublishDir: site})
	r := srv.do(t, "GET", srv.URL()+"/", "")
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, "<code>"+site+"</code> has no <code>index.html</code>") ||
		!strings.Contains(body, `post("/verify", {type: "signup", token: token("confirmation_token")})`) {
		t.Fatalf("GET /: %d\n%s", r.Status, body)
	}
	if r := srv.do(t, "GET", srv.URL()+"/missing", ""); r.Status != 404 {
		t.Fatalf("GET /missing: %d", r.Status)
	}
	os.WriteFile(filepath.Join(site, "index.html"), []byte("the site's own"), 0o644)
	if r := srv.do(t, "GET", srv.URL()+"/", ""); string(r.Body) != "the site's own" {
		t.Fatalf("GET / with an index.html: %s", r.Body)
	}
}

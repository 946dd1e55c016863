package devserver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/internal/browsertest"
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

// In Chromium: the confirmation link of a captured mail, opened on a site with no page
// at /, confirms the user.
func TestWelcomePageConfirmsInTheBrowser(t *testing.T) {
	site := t.TempDir()
	srv := startServer(t, Options{SiteDir: site, PublishDir: site})
	if r := srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"new@example.com","password":"pw-123456"}`, "Content-Type: application/json"); r.Status != 200 {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	token := srv.mailToken(t, "new@example.com", identity.MailConfirmation)
	out := browsertest.Run(t, "welcome.mjs", srv.URL(), "TOKEN="+token)
	var res struct{ Status, URL string }
	if err := json.Unmarshal(out, &res); err != nil || !strings.Contains(res.Status, "confirmed") || strings.Contains(res.URL, "token") {
		t.Fatalf("%s (%v)", out, err)
	}
	form := "grant_type=password&username=new%40example.com&password=pw-123456"
	if r := srv.do(t, "POST", srv.identityURL("/token"), form, "Content-Type: application/x-www-form-urlencoded"); r.Status != 200 {
		t.Fatalf("login after confirming in the browser: %d %s", r.Status, r.Body)
	}
}

package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A page that loads the identity widget gets dev's setup right after <head>, once;
// other pages, and every page with the setup turned off, are served as they are.
func TestWidgetSetupAddedToPagesThatLoadTheWidget(t *testing.T) {
	site := t.TempDir()
	widgetPage := `<!doctype html><html><HEAD lang="en"><title>x</title></HEAD><body><script src="https://identity.netlify.com/v1/netlify-identity-widget.js"></script></body></html>`
	os.WriteFile(filepath.Join(site, "index.html"), []byte(widgetPage), 0o644)
	os.WriteFile(filepath.Join(site, "plain.html"), []byte("<html><head></head><body>plain</body></html>"), 0o644)
	srv := startServer(t, Options{SiteDir: site, PublishDir: site})
	body := string(srv.do(t, "GET", srv.URL()+"/", "").Body)
	if !strings.HasPrefix(body, `<!doctype html><html><HEAD lang="en">`+"\n"+`<script data-dev-identity-widget>`) || strings.Count(body, "data-dev-identity-widget") != 1 ||
		!strings.Contains(body, `localStorage.setItem("netlifySiteURL", location.origin)`) || !strings.HasSuffix(body, "</html>") {
		t.Fatalf("widget page:\n%s", body)
	}
	if body := string(srv.do(t, "GET", srv.URL()+"/plain", "").Body); body != "<html><head></head><body>plain</body></html>" {
		t.Fatalf("a page without the widget changed:\n%s", body)
	}
	off := startServer(t, Options{SiteDir: site, PublishDir: site, NoWidgetSetup: true})
	if body := string(off.do(t, "GET", off.URL()+"/", "").Body); body != widgetPage {
		t.Fatalf("with the setup off:\n%s", body)
	}
}

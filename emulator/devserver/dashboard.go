package devserver

import (
	"embed"
	"net/http"

	"github.com/identity-dev/dev/emulator/devapi"
)

// The dashboard: one page, its script and its style, embedded; it loads nothing from
// anywhere else and talks to the dev API only.
//
//go:embed dashboard/index.html dashboard/app.js dashboard/app.css
var dashboardFiles embed.FS

// DashboardPath is where dev serve answers the dashboard.
const DashboardPath = devapi.DashboardPath

// dashboardCSP lets the page use its own files and the dev API, and a captured mail's
// HTML (in a sandboxed srcdoc frame, which inherits this policy) its inline styles and
// inline images; nothing else loads and no script but the page's runs.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	types := map[string]string{"": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
	ct, ok := types[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" {
		name = "index.html"
	}
	b, err := dashboardFiles.ReadFile("dashboard/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}

package devserver

import (
	"net/http"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/term"
)

// contextUpstream is the framework behind dev with production's per-request context
// added to each request for dev's preload in the framework's process (so that SSR code
// sees Netlify.context and netlifyIdentityContext). The header a client sends itself is
// always dropped.
type contextUpstream struct {
	Upstream
	server *Server
}

func (u contextUpstream) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Upstream.Handler().ServeHTTP(w, u.withContext(r))
	})
}

func (u contextUpstream) Try(w http.ResponseWriter, r *http.Request) bool {
	return u.Upstream.Try(w, u.withContext(r))
}

func (u contextUpstream) withContext(r *http.Request) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header.Del(functions.FrameworkHeader)
	if u.server.opts.FrameworkSecret == "" {
		return r2
	}
	v, err := u.server.contexts.FrameworkContext(r, u.server.opts.FrameworkSecret, u.server.siteID)
	if err != nil {
		u.server.opts.Log.Event(term.KindServer, "framework", term.Warn, "no identity context for "+r.URL.Path+": "+err.Error(), 0)
		return r2
	}
	r2.Header.Set(functions.FrameworkHeader, v)
	return r2
}

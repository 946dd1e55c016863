package devserver

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/rules"
	"github.com/identity-dev/dev/emulator/term"
)

// siteHandler answers every path dev does not own (/.netlify/*) as production's edge
// does: the site's rules first (_redirects, then netlify.toml; Role gates from nf_jwt),
// then the publish folder or the framework behind dev, with the custom headers of
// _headers and [[headers]] on static answers.
type siteHandler struct {
	rules    *rules.Loader
	secret   string
	static   *staticSite       // nil in framework mode
	upstream Upstream          // nil without a framework
	fns      *functions.Server // nil without functions
	log      *term.Logger
}

func (h *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A function's config.path comes before the rules and the site, as on Netlify;
	// with preferStatic a file of the publish folder at the path wins.
	if h.fns != nil {
		if route, ok := h.fns.Route(r.Method, r.URL.Path); ok && !(route.PreferStatic && h.static != nil && h.static.exists(r.URL.Path)) {
			h.fns.ServeRoute(w, r, route)
			return
		}
	}
	set, errs := h.rules.Set()
	for _, err := range errs {
		h.log.Event(term.KindServer, "rules", term.Warn, err.Error()+" (this rule is skipped; the others apply)", 0)
	}
	req := rules.RequestFrom(r, h.secret)
	if h.static != nil {
		req.Exists = h.static.exists
	}
	res := set.Match(req)
	switch res.Kind {
	case rules.Redirect:
		w.Header().Set("Location", res.Location)
		w.WriteHeader(res.Status)
	case rules.NotFound:
		h.notFound(w, r, set)
	case rules.Proxy:
		h.proxy(w, r, res)
	case rules.Rewrite:
		h.rewrite(w, r, set, res)
	default:
		h.serve(w, r, set, r.URL.Path, http.StatusOK, false)
	}
}

// rewrite answers with the target's content, the URL unchanged: a function (which sees
// the path the client asked for), or a page with the rule's status.
func (h *siteHandler) rewrite(w http.ResponseWriter, r *http.Request, set *rules.Set, res rules.Result) {
	if strings.HasPrefix(res.Path, functions.Prefix) {
		if h.fns == nil {
			http.Error(w, "Function not found: this dev serve has no functions folder", http.StatusNotFound)
			return
		}
		h.fns.ServeHTTP(w, functions.Rewritten(r, res.Path, res.RawQuery))
		return
	}
	if h.upstream != nil {
		// In front of a framework, an unforced 200 rewrite applies only where the framework
		// has no page of its own (netlify dev's emulation of shadowing).
		if res.Status == http.StatusOK && !res.Rule.Force && h.upstream.Try(w, r) {
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath, r2.URL.RawQuery = res.Path, "", res.RawQuery
		if res.Status == http.StatusOK {
			h.upstream.Handler().ServeHTTP(w, r2)
			return
		}
		h.upstream.Handler().ServeHTTP(&statusWriter{ResponseWriter: w, status: res.Status}, r2)
		return
	}
	h.serve(w, r, set, res.Path, res.Status, true)
}

// serve answers a path of the publish folder (or the framework) with status.
func (h *siteHandler) serve(w http.ResponseWriter, r *http.Request, set *rules.Set, urlPath string, status int, rewritten bool) {
	if h.upstream != nil {
		h.upstream.Handler().ServeHTTP(w, r)
		return
	}
	if file, ok := h.static.resolve(urlPath); ok {
		addHeaders(w, set.HeadersFor(r.URL.Path))
		h.static.serveFile(w, r, file, status)
		return
	}
	if !rewritten && h.static.isWelcome(r) {
		h.static.welcome(w)
		return
	}
	h.notFound(w, r, set)
}

// notFound is the site's 404 page, with the headers its path would get.
func (h *siteHandler) notFound(w http.ResponseWriter, r *http.Request, set *rules.Set) {
	if h.static == nil {
		http.NotFound(w, r)
		return
	}
	addHeaders(w, set.HeadersFor(r.URL.Path))
	h.static.notFound(w, r)
}

// proxy passes a request to a rule's absolute URL, on this machine only: dev calls
// nothing on the internet.
func (h *siteHandler) proxy(w http.ResponseWriter, r *http.Request, res rules.Result) {
	target, err := url.Parse(res.URL)
	if err != nil || !loopbackHost(target.Hostname()) {
		h.log.Event(term.KindServer, "rules", term.Warn, fmt.Sprintf("%s proxies %s to %s: dev does not call the internet, so it answers 502 (production would proxy)", res.Rule.Source, r.URL.Path, res.URL), 0)
		http.Error(w, fmt.Sprintf("dev does not proxy to %s: only addresses on this machine are proxied locally (the rule %s)", res.URL, res.Rule.Source), http.StatusBadGateway)
		return
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL = target
		pr.Out.Host = target.Host
		for k, v := range res.Rule.Headers {
			pr.Out.Header.Set(k, v)
		}
		pr.SetXForwarded()
	}}
	if res.Status != 0 && res.Status != http.StatusOK {
		w = &statusWriter{ResponseWriter: w, status: res.Status}
	}
	rp.ServeHTTP(w, r)
}

func loopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func addHeaders(w http.ResponseWriter, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// statusWriter answers with the rule's status whatever the target answered (a 404
// rule to a page of the framework).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(int) { s.ResponseWriter.WriteHeader(s.status) }

// newSiteHandler is the site handler of a server's options.
func (s *Server) newSiteHandler(secret string) http.Handler {
	toml := ""
	if s.opts.SiteDir != "" {
		toml = filepath.Join(s.opts.SiteDir, "netlify.toml")
	}
	publish := s.opts.PublishDir
	h := &siteHandler{secret: secret, fns: s.fns, log: s.opts.Log}
	if s.opts.Upstream != nil {
		h.upstream = contextUpstream{Upstream: s.opts.Upstream, server: s}
	}
	if h.upstream == nil {
		h.static = newStaticSite(publish, s.opts.SiteDir, s.opts.FunctionsDir, s.opts.DB, !s.opts.NoWidgetSetup)
	}
	h.rules = rules.NewLoader(publish, toml)
	return h
}

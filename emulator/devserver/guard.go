package devserver

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/identity-dev/dev/emulator/term"
)

// DevPrefix is where dev's own pages and the dev API live: dev-only, with admin power
// over the instance, so never usable from another site.
const DevPrefix = "/.netlify/dev/"

// hostPolicy says which Host headers dev serve answers. A page on attacker.example
// whose name is rebound to 127.0.0.1 reaches the server with Host: attacker.example;
// refusing names the developer did not choose closes that (DNS rebinding), as
// webpack-dev-server's and Vite's host checks do. IP literals cannot be rebound.
type hostPolicy struct {
	anyIP    bool            // listening on every address: any IP literal is this machine
	ips      map[string]bool // IP literals besides loopback
	names    map[string]bool
	suffixes []string // ".example.test" allows example.test and its subdomains
}

func newHostPolicy(listen, siteURL string, allowed []string) *hostPolicy {
	p := &hostPolicy{ips: map[string]bool{}, names: map[string]bool{"localhost": true}}
	add := func(h string) {
		h = normalHost(h)
		switch {
		case h == "":
		case net.ParseIP(h) != nil:
			ip := net.ParseIP(h)
			if ip.IsUnspecified() {
				p.anyIP = true
			}
			p.ips[ip.String()] = true
		case strings.HasPrefix(h, "*."):
			p.suffixes = append(p.suffixes, h[1:])
		case strings.HasPrefix(h, "."):
			p.suffixes = append(p.suffixes, h)
		default:
			p.names[h] = true
		}
	}
	add(listen)
	if u, err := url.Parse(siteURL); err == nil && siteURL != "" {
		add(u.Hostname())
	}
	for _, h := range allowed {
		add(h)
	}
	return p
}

// allows reports whether a request's Host (with or without a port) is this machine
// or a name the developer allowed.
func (p *hostPolicy) allows(hostport string) bool {
	h := normalHost(hostport)
	if h == "" {
		return false
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || p.anyIP || p.ips[ip.String()]
	}
	if p.names[h] || strings.HasSuffix(h, ".localhost") {
		return true
	}
	for _, s := range p.suffixes {
		if h == s[1:] || strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// normalHost is a host without port, brackets or final dot, in lower case.
func normalHost(hostport string) string {
	h := strings.ToLower(strings.TrimSpace(hostport))
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// guard refuses, before any route runs, a Host that is not this machine and any
// cross-site use of dev-only routes.
type guard struct {
	hosts *hostPolicy
	log   *term.Logger
	next  http.Handler

	mu     sync.Mutex
	logged map[string]bool // refused hosts already logged, so a flood writes a few lines
}

const maxLoggedHosts = 64

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hosts.allows(r.Host) {
		g.refuseHost(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, DevPrefix) {
		if why := crossSite(r); why != "" {
			g.note("cross-site "+r.Method+" "+r.URL.Path, why)
			writeJSON(w, http.StatusForbidden, apiError{Code: http.StatusForbidden, Msg: "dev-only routes answer only pages of this dev serve: " + why})
			return
		}
		if strings.HasPrefix(r.URL.Path, DevPrefix+"api/") && !safeMethod(r.Method) && !isJSON(r.Header.Get("Content-Type")) {
			writeJSON(w, http.StatusUnsupportedMediaType, apiError{Code: http.StatusUnsupportedMediaType,
				Msg: fmt.Sprintf("%s %s needs Content-Type: application/json (the dev API takes no forms, so that no other site can post one)", r.Method, r.URL.Path)})
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

func (g *guard) refuseHost(w http.ResponseWriter, r *http.Request) {
	host := normalHost(r.Host)
	msg := fmt.Sprintf("dev serve does not answer host %q: it answers this machine only (127.0.0.1, localhost). If you reach it by that name on purpose, allow it with --allow-host %s or allowedHosts in netlify.toml's [dev] table.", host, host)
	if host == "" {
		msg = "dev serve does not answer a request without a Host header"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintln(w, msg)
	g.mu.Lock()
	first := !g.logged[host] && len(g.logged) < maxLoggedHosts
	if first {
		if g.logged == nil {
			g.logged = map[string]bool{}
		}
		g.logged[host] = true
	}
	g.mu.Unlock()
	if first {
		g.log.Event(term.KindServer, "refused host "+host, term.Warn,
			fmt.Sprintf("403 for %s %s (DNS rebinding guard; once per host): allow it with --allow-host %s", r.Method, r.URL.Path, host), 0)
	}
}

func (g *guard) note(subject, why string) {
	g.log.Event(term.KindServer, subject, term.Warn, "403: "+why, 0)
}

// crossSite says why a request to a dev-only route comes from another site, or "".
// A browser names the page behind a request in Origin (every POST, every CORS
// request) and Sec-Fetch-Site; a top-level GET navigation (a link the developer
// follows, the OAuth redirect) is allowed, since its answer goes to no other page.
func crossSite(r *http.Request) string {
	if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
		return fmt.Sprintf("the request came from a page on %s", origin)
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		// A visit, from a link or a mail: allowed. In a frame of the other site: not.
		if dest := r.Header.Get("Sec-Fetch-Dest"); safeMethod(r.Method) && r.Header.Get("Sec-Fetch-Mode") == "navigate" && (dest == "" || dest == "document") {
			return ""
		}
		return "the request came from a page of another site (Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site") + ")"
	}
	return ""
}

// sameOrigin reports whether an Origin header names the host the request was sent to.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" among them: a sandboxed frame or a file
	}
	return withPort(u.Host, u.Scheme) == withPort(host, "http") || withPort(u.Host, u.Scheme) == withPort(host, "https")
}

func withPort(hostport, scheme string) string {
	hostport = strings.ToLower(hostport)
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	if scheme == "https" {
		return net.JoinHostPort(normalHost(hostport), "443")
	}
	return net.JoinHostPort(normalHost(hostport), "80")
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// isJSON accepts JSON and JSON Lines (a users import): neither is a type a form or a
// cross-site fetch without a preflight can send.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == ndjson)
}

const ndjson = "application/x-ndjson"

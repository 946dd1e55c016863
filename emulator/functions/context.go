package functions

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// The fixed place dev says a request comes from: production derives geo from the
// client's IP, which on loopback means nothing.
var localGeo = map[string]any{
	"city":        "Localhost",
	"country":     map[string]string{"code": "XX", "name": "Local"},
	"subdivision": map[string]string{"code": "LO", "name": "Local"},
	"timezone":    "UTC",
	"latitude":    0,
	"longitude":   0,
	"postalCode":  "00000",
}

// edgeHeaders are the headers Netlify's edge adds to a function's request; they are
// the same for every request, so they are made once.
func (s *Server) edgeHeaders() map[string]string {
	s.edgeOnce.Do(func() { s.edge = EdgeHeaders(s.siteID()) })
	return s.edge
}

// EdgeHeaders are the headers Netlify's edge adds to every function request.
func EdgeHeaders(siteID string) map[string]string {
	geo, _ := json.Marshal(localGeo)
	return map[string]string{
		"x-nf-geo":            base64.StdEncoding.EncodeToString(geo),
		"x-nf-site-id":        siteID,
		"x-nf-account-id":     "local-account",
		"x-nf-deploy-context": "dev",
		"x-country":           "XX",
	}
}

func (s *Server) siteID() string {
	if s.opts.SiteID != "" {
		return s.opts.SiteID
	}
	return "local-site"
}

// v2Context is the data of a v2 function's context argument that makes sense locally,
// and two things the shim takes out of it: "origin", the origin the client used (the
// Request's URL carries it, as production's does), and "identityContext", the
// function's globalThis.netlifyIdentityContext (null on a server without Identity).
// Only these, ip and requestId change between requests; the rest is encoded once.
func (s *Server) v2Context(r *http.Request, requestID, baseURL string) json.RawMessage {
	s.v2Once.Do(func() {
		site := baseURL
		if s.opts.Contexts != nil && s.opts.Contexts.SiteURL != "" {
			site = s.opts.Contexts.SiteURL
		}
		enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		s.v2Head = `{"account":` + enc(map[string]string{"id": "local-account"}) +
			`,"deploy":` + enc(map[string]any{"context": "dev", "id": "0", "published": false}) +
			`,"geo":` + enc(localGeo) + `,"ip":`
		s.v2Tail = `,"server":` + enc(map[string]string{"region": "local"}) +
			`,"site":` + enc(map[string]string{"id": s.siteID(), "name": siteName(site), "url": site}) + `}`
	})
	ip, _ := json.Marshal(clientIP(r))
	id, _ := json.Marshal(requestID)
	origin, _ := json.Marshal(clientOrigin(r))
	return json.RawMessage(s.v2Head + string(ip) + `,"params":` + string(paramsJSON(r)) + `,"requestId":` + string(id) +
		`,"origin":` + string(origin) + `,"identityContext":` + string(s.identityContext(r)) + s.v2Tail)
}

// identityContext is the JSON of a request's IdentityContext, or null. A failure to mint
// the admin token has failed the invocation already (ClientContexts.Build mints first).
func (s *Server) identityContext(r *http.Request) []byte {
	if s.opts.Contexts == nil {
		return []byte("null")
	}
	ic, err := s.opts.Contexts.IdentityContext(r)
	if err != nil {
		return []byte("null")
	}
	b, err := json.Marshal(ic)
	if err != nil {
		return []byte("null")
	}
	return b
}

// clientOrigin is scheme://host as the client reached dev, or "" when the request has no
// Host. @netlify/identity's verifyRequestOrigin compares the Origin header with the
// origin of req.url, so that must be the browser's, not dev's own URL.
func clientOrigin(r *http.Request) string {
	if r.Host == "" {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func siteName(url string) string {
	host := url
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	return host
}

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

// edgeHeaders are the headers Netlify's edge adds to a function's request.
func (s *Server) edgeHeaders() map[string]string {
	geo, _ := json.Marshal(localGeo)
	siteID := s.siteID()
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

// v2Context is the data of a v2 function's context argument that makes sense locally.
func (s *Server) v2Context(r *http.Request, requestID, baseURL string) json.RawMessage {
	site := baseURL
	if s.opts.Contexts != nil && s.opts.Contexts.SiteURL != "" {
		site = s.opts.Contexts.SiteURL
	}
	b, _ := json.Marshal(map[string]any{
		"account":   map[string]string{"id": "local-account"},
		"deploy":    map[string]any{"context": "dev", "id": "0", "published": false},
		"geo":       localGeo,
		"ip":        clientIP(r),
		"params":    map[string]string{},
		"requestId": requestID,
		"server":    map[string]string{"region": "local"},
		"site":      map[string]string{"id": s.siteID(), "name": siteName(site), "url": site},
	})
	return b
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

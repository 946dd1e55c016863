package identity

import (
	"net/http"
	"strings"
)

// CORS as GoTrue answers it (rs/cors v1.11): any origin, credentials allowed, methods
// GET/POST/PUT/DELETE. A preflight's requested headers must be a sorted, lower-case,
// duplicate-free list of allowed names (browsers send exactly that); anything else is
// refused silently with a bare 204. GoTrue's list lacks x-nf-client, which gotrue-js
// and the widget send on every request, so a page on another origin fails its preflight
// in production; dev allows it (docs/fidelity.md).
var corsAllowedHeaders = map[string]bool{
	"accept": true, "authorization": true, "content-type": true, "origin": true,
	"x-jwt-aud": true, "x-use-cookie": true, "x-nf-client": true,
}

var corsAllowedMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "OPTIONS": true}

// corsPreflight answers an OPTIONS request that carries Access-Control-Request-Method.
func corsPreflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	h.Set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	defer w.WriteHeader(http.StatusNoContent)
	if r.Header.Get("Origin") == "" {
		return true
	}
	method := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	if !corsAllowedMethods[method] {
		return true
	}
	reqHeaders, found := r.Header["Access-Control-Request-Headers"]
	if found && !corsHeadersAccepted(reqHeaders) {
		return true
	}
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", method)
	if found && reqHeaders[0] != "" {
		h.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ","))
	}
	h.Set("Access-Control-Allow-Credentials", "true")
	return true
}

// corsSimple adds the headers of an actual cross-origin request.
func corsSimple(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "" || !corsAllowedMethods[r.Method] {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Credentials", "true")
}

func corsHeadersAccepted(values []string) bool {
	prev := ""
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			name = strings.Trim(name, " \t")
			if name == "" {
				continue
			}
			if !corsAllowedHeaders[name] || name <= prev {
				return false
			}
			prev = name
		}
	}
	return true
}

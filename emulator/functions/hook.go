package functions

import (
	"context"
	"net/http"
	"strings"
)

// InvokeHook runs a function as an identity hook target: the request GoTrue would POST
// to /.netlify/functions/{name}, answered as Netlify's edge would answer GoTrue. ctx
// carries the hook's time limit; a function that passes it gets a context error. A
// -background function is answered 202 at once and runs on, as over HTTP.
func (s *Server) InvokeHook(ctx context.Context, name string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	a, err := s.Call(ctx, name, CallRequest{Method: http.MethodPost, Header: header, Body: body, Hook: true})
	if err != nil {
		return 0, nil, nil, err
	}
	return a.Status, a.Header, a.Body, nil
}

func (s *Server) baseURL() string {
	if s.opts.BaseURL != nil {
		return s.opts.BaseURL()
	}
	return "http://127.0.0.1"
}

// hostOf is the host[:port] of a URL.
func hostOf(url string) string {
	if _, rest, ok := strings.Cut(url, "://"); ok {
		return rest
	}
	return url
}

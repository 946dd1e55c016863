package functions

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"time"
)

// InvokeHook runs a function as an identity hook target: the request GoTrue would POST
// to /.netlify/functions/{name}, answered as Netlify's edge would answer GoTrue. ctx
// carries the hook's time limit; a function that passes it gets a context error. A
// -background function is answered 202 at once and runs on, as over HTTP.
func (s *Server) InvokeHook(ctx context.Context, name string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	p, err := s.pool(name)
	if err != nil || p == nil {
		return http.StatusNotFound, nil, []byte("Function not found"), nil
	}
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, Prefix+name, bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:0"
	r.Host = hostOf(s.baseURL())
	r.Header = header.Clone()
	start := time.Now()
	inv, err := s.invocation(r, body)
	if err != nil {
		return 0, nil, nil, err
	}
	if p.fn.Background() {
		go s.run(context.WithoutCancel(ctx), p, inv, DefaultBackgroundTimeout, r, body, nil, start)
		return http.StatusAccepted, http.Header{}, nil, nil
	}
	// The function's own limit sets its deadline, as in production; the hook's
	// shorter one, in ctx, ends the call first.
	rec := httptest.NewRecorder()
	if _, _, err := s.invokeWrite(ctx, p, inv, s.opts.Timeout, rec); err != nil && ctx.Err() != nil {
		return 0, nil, nil, ctx.Err()
	}
	return rec.Code, rec.Header(), rec.Body.Bytes(), nil
}

func (s *Server) baseURL() string {
	if s.opts.BaseURL != nil {
		return s.opts.BaseURL()
	}
	return "http://127.0.0.1"
}

func hostOf(url string) string {
	if i := bytes.Index([]byte(url), []byte("://")); i >= 0 {
		url = url[i+3:]
	}
	return url
}

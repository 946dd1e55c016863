package functions

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"time"
)

// InvokeHook runs a function as an identity hook target: the request GoTrue would POST
// to /.netlify/functions/{name}, answered as Netlify's edge would answer GoTrue. ctx
// carries the hook's time limit; a function that passes it gets a context error.
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
	timeout := s.opts.Timeout
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < timeout {
		timeout = 0 // the hook's own limit is shorter; ctx carries it
	}
	if err := s.beforeInvoke(ctx, name); err != nil {
		return 0, nil, nil, err
	}
	resp, err := p.invoke(ctx, inv, s.limit(name, timeout))
	rec := httptest.NewRecorder()
	status := http.StatusAccepted
	if p.fn.Background() && err == nil {
		if resp != nil && resp.Body != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		rec.WriteHeader(http.StatusAccepted)
	} else {
		if err != nil && ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		status = s.write(rec, resp, err)
	}
	if s.opts.OnInvoke != nil {
		s.opts.OnInvoke(InvocationRecord{Function: name, Request: inv, Response: resp, Status: status, Err: err, Duration: time.Since(start), Hook: true})
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

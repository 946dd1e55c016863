package functions

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/suggest"
	"github.com/identity-dev/dev/emulator/term"
)

// CallRequest is a call of a function made without HTTP: what a client would send to
// /.netlify/functions/NAME.
type CallRequest struct {
	Method string // GET when empty
	Path   string // after /.netlify/functions/NAME: empty or starting with "/"
	Query  string // the raw query, without "?"
	Header http.Header
	Body   []byte
	// Host is the request's host; the host of Options.BaseURL when empty.
	Host string
	// Hook marks an identity hook's request: the hooks dispatcher journals and logs it,
	// a missing function gets the edge's bare 404, and the body has no size limit.
	Hook bool
}

// call is one invocation on its way: the request as the function sees it, and its
// event and contexts.
type call struct {
	p     *pool
	r     *http.Request
	body  []byte
	inv   *Invocation
	hook  bool
	start time.Time
}

// Call invokes a function as ServeHTTP would for the same request, with the same
// answer, read whole: a streamed body as far as MaxResponseSize. A -background
// function is answered 202 at once and runs on. Call fails only when the request
// cannot be made, or when ctx ends first (a hook's time limit); the function's own
// limit sets its deadline, as in production, and a shorter one in ctx ends the call.
func (s *Server) Call(ctx context.Context, name string, req CallRequest) (*Answer, error) {
	start := time.Now()
	p, missing := s.target(name, req.Hook)
	if missing != nil {
		return missing, nil
	}
	if !req.Hook && len(req.Body) > MaxEventBody {
		return tooLargeAnswer(), nil
	}
	r, err := s.callRequest(ctx, name, req)
	if err != nil {
		return nil, err
	}
	c, err := s.newCall(p, r, req.Body, req.Hook, start)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", name, err)
	}
	if p.background() {
		go s.background(ctx, c)
		return &Answer{Status: http.StatusAccepted, Header: http.Header{}}, nil
	}
	resp, err := s.invoke(ctx, c, s.opts.Timeout)
	a, stream := answerOf(resp, err)
	var readErr error
	if stream != nil {
		a, readErr = readAnswerBody(a, stream)
	}
	if len(a.Body) == 0 {
		a.Body = nil
	}
	s.finish(c, resp, a.Status, err)
	if (err != nil || readErr != nil) && ctx.Err() != nil {
		return nil, fmt.Errorf("call %s: %w", name, ctx.Err())
	}
	return a, nil
}

// target is the pool of a function or, when there is none, the answer to the call:
// to a hook, the bare 404 Netlify's edge gives GoTrue.
func (s *Server) target(name string, hook bool) (*pool, *Answer) {
	p, err := s.pool(name)
	switch {
	case hook && (err != nil || p == nil):
		return nil, &Answer{Status: http.StatusNotFound, Body: []byte("Function not found")}
	case err != nil:
		return nil, functionErrorAnswer(http.StatusInternalServerError, "FunctionConflict", err.Error(), nil)
	case p == nil:
		msg := fmt.Sprintf("Function not found: no function %q in %s", name, rel(s.opts.SiteDir, s.opts.FunctionsDir))
		if near := suggest.Nearest(name, s.names()); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		return nil, textAnswer(http.StatusNotFound, msg)
	}
	return p, nil
}

// callRequest is the HTTP request a call stands for, from a loopback client.
func (s *Server) callRequest(ctx context.Context, name string, req CallRequest) (*http.Request, error) {
	if req.Path != "" && !strings.HasPrefix(req.Path, "/") {
		return nil, fmt.Errorf("call %s: path %q must start with \"/\"", name, req.Path)
	}
	target := Prefix + name + req.Path
	if req.Query != "" {
		target += "?" + req.Query
	}
	host := req.Host
	if host == "" {
		host = hostOf(s.baseURL())
	}
	r, err := newRequest(ctx, req.Method, target, req.Header, req.Body)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", name, err)
	}
	r.Host, r.RemoteAddr = host, "127.0.0.1:0"
	return r, nil
}

// newRequest is a request as a server receives it: target is the path and raw query
// the client sent. The header is copied.
func newRequest(ctx context.Context, method, target string, header http.Header, body []byte) (*http.Request, error) {
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("request target: %w", err)
	}
	r, err := http.NewRequestWithContext(ctx, method, "/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	r.URL, r.RequestURI = u, target
	r.Header = header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r, nil
}

// newCall builds the invocation of a request.
func (s *Server) newCall(p *pool, r *http.Request, body []byte, hook bool, start time.Time) (*call, error) {
	inv, err := s.invocation(r, body)
	if err != nil {
		return nil, err
	}
	return &call{p: p, r: r, body: body, inv: inv, hook: hook, start: start}, nil
}

// invoke runs a call, once a debugger is ready (with --debug-wait).
func (s *Server) invoke(ctx context.Context, c *call, timeout time.Duration) (*Response, error) {
	if err := s.beforeInvoke(ctx, c.p.fn.Name); err != nil {
		return nil, err
	}
	return c.p.invoke(ctx, c.inv, s.limit(c.p.fn.Name, timeout))
}

// background runs a -background function's call, whose client was answered 202, to
// its end, with the background limit.
func (s *Server) background(ctx context.Context, c *call) {
	resp, err := s.invoke(context.WithoutCancel(ctx), c, DefaultBackgroundTimeout)
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.finish(c, resp, http.StatusAccepted, err)
}

// finish journals (through OnInvoke) and logs a call that ended. A hook's call is
// journaled and logged by the hooks dispatcher, which sees only its answer: only a
// background hook's end, which the dispatcher never sees, is logged here.
func (s *Server) finish(c *call, resp *Response, status int, err error) {
	if c.hook && !c.p.background() {
		return
	}
	d := time.Since(c.start)
	if !c.hook && s.opts.OnInvoke != nil {
		s.opts.OnInvoke(InvocationRecord{Function: c.p.fn.Name, Response: resp, Status: status, Err: err, Duration: d,
			Method: c.r.Method, URL: s.baseURL() + clientURI(c.r), Header: c.r.Header, Body: c.body})
	}
	outcome, result := term.OK, fmt.Sprint(status)
	if err != nil {
		outcome, result = term.Fail, fmt.Sprintf("%d %s", status, err)
	} else if status >= 400 {
		outcome = term.Warn
	}
	s.opts.Log.Event(term.KindFunction, c.p.fn.Name+" "+c.r.Method+" "+clientPath(c.r), outcome, result, d)
}

// clientPath is the path the client asked for: before a rewrite or a config.path route
// sent the request to a function.
func clientPath(r *http.Request) string {
	if orig, ok := r.Context().Value(originalPathKey{}).(string); ok {
		return orig
	}
	return r.URL.Path
}

// clientURI is clientPath with the request's query.
func clientURI(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return clientPath(r)
	}
	return clientPath(r) + "?" + r.URL.RawQuery
}

// names are the functions served.
func (s *Server) names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.pools))
	for name := range s.pools {
		out = append(out, name)
	}
	return out
}

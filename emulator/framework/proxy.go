package framework

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/term"
)

// maxTryBody is the largest request body Try keeps to hand back to its caller; a larger
// one goes to the framework without the 404 check.
const maxTryBody = 10 << 20

// newProxy proxies to the framework at addr: path and query as given, the Host that of
// the framework (dev servers refuse hosts they do not know), X-Forwarded-Host and
// X-Forwarded-Proto those of the request, websocket upgrades passed both ways.
func newProxy(addr string, opts Options) (*httputil.ReverseProxy, *http.Transport) {
	tr := &http.Transport{
		Proxy:               nil, // never through HTTP_PROXY: the framework is on this machine
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 64, // a page loads its modules from a dev server in parallel
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // pass Accept-Encoding and encoded bodies through as they are
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = addr
			pr.Out.Host = addr
			pr.SetXForwarded()
		},
		Transport: tr,
		ErrorLog:  log.New(proxyLog{opts.Log}, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the client went away
			}
			msg := strings.ReplaceAll(err.Error(), "\n", " ")
			opts.Log.Event(term.KindServer, logSubject, term.Warn, r.Method+" "+r.URL.Path+": 502 "+msg, 0)
			http.Error(w, fmt.Sprintf("dev: the framework dev server at %s did not answer (%s): is %q still running? dev's log says more.",
				addr, msg, opts.Command), http.StatusBadGateway)
		},
	}
	return p, tr
}

// proxyLog puts what the proxy reports beyond a request's answer (a body cut short)
// in dev's log rather than on stderr.
type proxyLog struct{ log *term.Logger }

func (l proxyLog) Write(p []byte) (int, error) {
	l.log.Event(term.KindServer, logSubject, term.Warn, strings.TrimSpace(string(p)), 0)
	return len(p), nil
}

// Handler proxies every request to the framework; one it does not answer gets 502 with
// a line of text saying so.
func (s *Server) Handler() http.Handler { return s.proxy }

// Try proxies r to the framework unless the framework answers 404: then it writes
// nothing, leaves r's body readable again and returns false, so that dev can apply an
// unforced rewrite instead (netlify dev's emulation of shadowing). Otherwise it writes
// the framework's answer (or a 502) and returns true. A body over 10 MiB is not kept:
// such a request is proxied as Handler does and Try returns true.
func (s *Server) Try(w http.ResponseWriter, r *http.Request) bool {
	body, kept, err := keepBody(r, maxTryBody)
	if err != nil {
		http.Error(w, "dev: read the request body: "+err.Error(), http.StatusBadRequest)
		return true
	}
	if !kept {
		s.proxy.ServeHTTP(w, r)
		return true
	}
	tw := &tryWriter{w: w, header: make(http.Header)}
	s.proxy.ServeHTTP(tw, r)
	if !tw.notFound {
		return true
	}
	if body != nil {
		setBody(r, body)
	}
	return false
}

// keepBody reads r's body into memory, up to limit, and gives r a copy to read. When
// the body is larger, kept is false and r's body reads as before, whole.
func keepBody(r *http.Request, limit int64) (body []byte, kept bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > limit {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return nil, false, nil
	}
	setBody(r, body)
	return body, true, nil
}

func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

type readCloser struct {
	io.Reader
	io.Closer
}

// tryWriter holds a response back until its status is known: a 404 is dropped, whatever
// else goes to w as it comes (an upgrade through Hijack).
type tryWriter struct {
	w        http.ResponseWriter
	header   http.Header // the framework's headers until the status is known
	decided  bool
	notFound bool
}

func (t *tryWriter) Header() http.Header {
	if t.decided && !t.notFound {
		return t.w.Header()
	}
	return t.header
}

func (t *tryWriter) WriteHeader(code int) {
	if t.decided || code >= 100 && code < 200 {
		return // informational answers (103 Early Hints) are dropped: the final one may be a 404
	}
	t.decided = true
	if code == http.StatusNotFound {
		t.notFound = true
		return
	}
	t.commitHeader()
	t.w.WriteHeader(code)
}

func (t *tryWriter) commitHeader() {
	for k, v := range t.header {
		t.w.Header()[k] = v
	}
}

func (t *tryWriter) Write(p []byte) (int, error) {
	if !t.decided {
		t.WriteHeader(http.StatusOK)
	}
	if t.notFound {
		return len(p), nil
	}
	return t.w.Write(p)
}

// FlushError lets the proxy stream; before the status is known, or after a 404, there
// is nothing to flush.
func (t *tryWriter) FlushError() error {
	if !t.decided || t.notFound {
		return nil
	}
	return http.NewResponseController(t.w).Flush()
}

// Hijack hands the connection over for a protocol switch (a websocket), which the
// framework accepted, so the request is answered.
func (t *tryWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if t.decided {
		return nil, nil, errors.New("dev: the response has started: the connection cannot be taken over")
	}
	t.commitHeader()
	conn, brw, err := http.NewResponseController(t.w).Hijack()
	if err == nil {
		t.decided = true
	}
	return conn, brw, err
}

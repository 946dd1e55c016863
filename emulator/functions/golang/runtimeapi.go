package golang

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
)

// The Lambda Runtime API as a provided.al2 bootstrap sees it, served per instance on
// 127.0.0.1. The function long-polls /next for an invocation and posts its answer to
// /response or /error; see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
//
// Any local process can reach a loopback port, and an invocation carries the admin
// token in its clientContext, so the API answers only requests whose path starts with
// the instance's secret: AWS_LAMBDA_RUNTIME_API is "127.0.0.1:PORT/SECRET", and Lambda
// clients (aws-lambda-go, custom runtimes) build every URL as
// "http://" + AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime/...", so they carry it unchanged.

const (
	runtimePrefix   = "/2018-06-01/runtime/"
	extensionPrefix = "/2020-01-01/extension/"
	// noDeadline stands in for an invocation without a time limit (a debugger holds it).
	noDeadline = 24 * time.Hour
)

// runtimeAPI serves one instance's process.
type runtimeAPI struct {
	in      *Instance
	arn     string
	secret  []byte // the first segment of every path the function may use
	ln      net.Listener
	polls   chan *poll    // the function's /next, waiting for an invocation
	ready   chan struct{} // closed at the first /next: the function's init is done
	once    sync.Once
	sigterm atomic.Bool // the function registered an extension: it wants SIGTERM before SIGKILL

	initFailed chan struct{} // closed when the function posts /init/error
	initOnce   sync.Once
	initErr    *functions.FunctionError

	mu      sync.Mutex
	current *apiCall          // the invocation the function is working on
	conns   map[*apiConn]bool // open connections, closed with the API
	closed  bool
}

// poll is a /next request waiting for an invocation. Invoke answers it on its
// connection itself, and reads the function's answer from that connection when it
// comes there, as it does from aws-lambda-go: that spares the goroutine switches of
// handing the invocation over and the answer back, about a third of a warm call.
type poll struct {
	conn     *apiConn
	last     bool          // the /next asked for its connection to close after the answer
	released chan struct{} // closed by Invoke once it is done with conn
	back     *http.Request // a request Invoke read from conn and left to conn's goroutine
	mu       sync.Mutex
	state    int
}

const (
	pollWaiting = iota
	pollTaken   // Invoke uses its connection; the handler must wait for released
	pollGone    // the handler returned without an invocation
)

// take claims p for an invocation, unless its handler has given up on it.
func (p *poll) take() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != pollWaiting {
		return false
	}
	p.state = pollTaken
	return true
}

// abandon gives p up, unless Invoke has taken it.
func (p *poll) abandon() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == pollTaken {
		return false
	}
	p.state = pollGone
	return true
}

// release hands p's connection back to its goroutine, with the request Invoke read
// and did not answer, if any.
func (p *poll) release(back *http.Request) {
	p.back = back
	close(p.released)
}

// apiCall is one invocation handed to the function.
type apiCall struct {
	id   string
	inv  *functions.Invocation
	done chan struct{} // closed once resp or err is final
	resp []byte
	// err is set by /error. It becomes final when the function asks for /next again;
	// if the process exits instead (a panic), the error is fatal.
	err *functions.FunctionError
	// wake, set while Invoke reads the connection it sent c on, stops that read when c
	// ends another way (the answer came on another connection).
	wake func()
}

// finish ends c; a.mu is held.
func (c *apiCall) finish() {
	close(c.done)
	if c.wake != nil {
		c.wake()
	}
}

func startRuntimeAPI(ctx context.Context, r *Runtime, art *Artifact, opts functions.StartOptions) (*Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start %s: the Runtime API listener: %w", art.fn.Name, err)
	}
	in := newInstance(art, opts, TransportRuntimeAPI)
	secret := rand.Text()
	api := &runtimeAPI{
		in:         in,
		arn:        arn(r.region(), art.fn.Name),
		secret:     []byte(secret),
		ln:         ln,
		polls:      make(chan *poll),
		ready:      make(chan struct{}),
		initFailed: make(chan struct{}),
		conns:      map[*apiConn]bool{},
	}
	in.api = api
	go api.serve()

	env := lambdaEnv(opts.Env, art, r.region(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String()+"/"+secret)
	if err := in.spawn(env); err != nil {
		api.close()
		return nil, err
	}
	timer := time.NewTimer(r.opts.StartTimeout)
	defer timer.Stop()
	select {
	case <-api.ready:
		return in, nil
	case <-api.initFailed:
		in.Close()
		return nil, fmt.Errorf("start %s: its init failed: %w", art.fn.Name, api.initErr)
	case <-in.exited:
		in.Close()
		if in.stderr.mentions(legacyPortMessage) {
			return nil, errLegacyBinary
		}
		return nil, in.exitedDuringStart()
	case <-timer.C:
		in.Close()
		return nil, fmt.Errorf("start %s: the function did not ask for an invocation within %s; "+
			"does main call lambda.Start, or is its init stuck?", art.fn.Name, r.opts.StartTimeout)
	case <-ctx.Done():
		in.Close()
		return nil, ctx.Err()
	}
}

// close stops the API: its listener and every connection.
func (a *runtimeAPI) close() {
	a.ln.Close()
	a.mu.Lock()
	a.closed = true
	for c := range a.conns {
		c.nc.Close()
	}
	a.mu.Unlock()
}

func (a *runtimeAPI) wantsSIGTERM() bool { return a.sigterm.Load() }

// invoke hands inv to the function's /next and waits for its answer.
func (a *runtimeAPI) invoke(ctx context.Context, inv *functions.Invocation) (*functions.Response, error) {
	c := &apiCall{id: inv.ID, inv: inv, done: make(chan struct{})}
	if c.id == "" {
		c.id = newRequestID()
	}
	in := a.in
	for sent := false; !sent; {
		select {
		case p := <-a.polls:
			if !p.take() {
				continue
			}
			if !p.conn.alive() {
				// Its client gave up on it (and may ask again on another connection).
				p.conn.nc.Close()
				p.release(nil)
				continue
			}
			sent = a.deliver(ctx, p, c)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-in.exited:
			return nil, in.exitErr
		case <-a.initFailed:
			return nil, a.initErr
		}
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-in.exited:
		select {
		case <-c.done: // answered just before it ended
		default:
			return nil, a.diedDuring(c)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return &functions.Response{Lambda: c.resp}, nil
}

// deliver sends c on p's connection and, unless that connection is to close, waits
// there for the function's next request; then it hands the connection back. Until then
// the end of ctx closes the connection: a call given up on is not waited for in the
// middle of a request, and its instance is stopped (its process would find a request
// half read otherwise).
func (a *runtimeAPI) deliver(ctx context.Context, p *poll, c *apiCall) bool {
	conn := p.conn
	stop := context.AfterFunc(ctx, func() { conn.nc.Close() })
	defer stop()
	if !a.send(p, c) {
		p.release(nil)
		return false
	}
	if p.last {
		conn.nc.Close()
		p.release(nil)
		return true
	}
	p.release(a.await(conn, c))
	return true
}

// await reads the function's requests on conn, where it sent c, for as long as they
// are about c: its response, which ends it, or its error, after which the function asks
// for its next invocation or exits. The first other request it returns for conn's
// goroutine to answer. It returns early, having read nothing, when c ends another way.
func (a *runtimeAPI) await(conn *apiConn, c *apiCall) *http.Request {
	a.mu.Lock()
	if a.current != c {
		a.mu.Unlock()
		return nil
	}
	c.wake = conn.interrupt
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		c.wake = nil
		a.mu.Unlock()
	}()
	for {
		conn.waiting(true)
		_, err := conn.br.Peek(1)
		conn.waiting(false)
		if err != nil {
			if !isTimeout(err) {
				conn.nc.Close() // gone: its goroutine ends
			}
			return nil
		}
		r, err := conn.readRequest()
		if err != nil {
			conn.nc.Close()
			return nil
		}
		path, ok := a.authorized(r.URL.Path)
		if !ok || r.Method != http.MethodPost {
			return r
		}
		switch path {
		case runtimePrefix + "invocation/" + c.id + "/response":
			conn.reply(r, func(w http.ResponseWriter) { a.response(w, r, c.id) })
			return nil
		case runtimePrefix + "invocation/" + c.id + "/error":
			conn.reply(r, func(w http.ResponseWriter) { a.error(w, r, c.id) })
		default:
			return r
		}
	}
}

// diedDuring is the error of an invocation whose process ended: the error it posted
// before exiting (a panic), or the exit itself.
func (a *runtimeAPI) diedDuring(c *apiCall) error {
	a.mu.Lock()
	fe := c.err
	a.mu.Unlock()
	if fe == nil {
		return a.in.exitErr
	}
	fatal := *fe
	fatal.Fatal = true
	return &fatal
}

// handle answers r, which came on conn. It returns a request Invoke read from conn
// and handed back unanswered, if any.
func (a *runtimeAPI) handle(conn *apiConn, r *http.Request) *http.Request {
	path, ok := a.authorized(r.URL.Path)
	if !ok {
		conn.refuse(r, http.StatusForbidden, "AccessDenied", "This is the Runtime API of one function instance; the path must start with its secret.")
		return nil
	}
	if rest, ok := strings.CutPrefix(path, runtimePrefix); ok {
		switch {
		case rest == "invocation/next" && r.Method == http.MethodGet:
			return a.next(conn, r)
		case rest == "init/error" && r.Method == http.MethodPost:
			conn.reply(r, func(w http.ResponseWriter) { a.initError(w, r) })
			return nil
		case strings.HasPrefix(rest, "invocation/") && r.Method == http.MethodPost:
			id, action, _ := cutLast(strings.TrimPrefix(rest, "invocation/"), "/")
			switch action {
			case "response":
				conn.reply(r, func(w http.ResponseWriter) { a.response(w, r, id) })
				return nil
			case "error":
				conn.reply(r, func(w http.ResponseWriter) { a.error(w, r, id) })
				return nil
			}
		}
	}
	if rest, ok := strings.CutPrefix(path, extensionPrefix); ok {
		switch {
		case rest == "register" && r.Method == http.MethodPost:
			conn.reply(r, func(w http.ResponseWriter) { a.registerExtension(w, r) })
			return nil
		case rest == "event/next" && r.Method == http.MethodGet:
			// aws-lambda-go's SIGTERM extension registers for no events: this never answers.
			select {
			case <-a.in.closing:
			case <-a.in.exited:
			}
			conn.nc.Close()
			return nil
		}
	}
	conn.reply(r, func(w http.ResponseWriter) { http.NotFound(w, r) })
	return nil
}

// authorized checks that path starts with "/SECRET/" and returns the rest, from its "/".
func (a *runtimeAPI) authorized(path string) (string, bool) {
	rest, rooted := strings.CutPrefix(path, "/")
	secret, _, found := strings.Cut(rest, "/")
	if !rooted || !found || subtle.ConstantTimeCompare([]byte(secret), a.secret) != 1 {
		return "", false
	}
	return rest[len(secret):], true
}

// next is the function's long poll for its next invocation. Invoke answers it on
// conn; until Invoke releases conn, this goroutine leaves it alone.
func (a *runtimeAPI) next(conn *apiConn, r *http.Request) *http.Request {
	if !drain(r) {
		conn.refuse(r, http.StatusBadRequest, "InvalidRequest", "A request for the next invocation carries no body.")
		return nil
	}
	a.once.Do(func() { close(a.ready) })
	a.mu.Lock()
	if c := a.current; c != nil {
		// Asking again ends the invocation in hand: it failed (posted /error) and the
		// function lived on, or it never answered at all.
		if c.err == nil && c.resp == nil {
			c.resp = []byte("null")
		}
		a.current = nil
		c.finish()
	}
	a.mu.Unlock()

	p := &poll{conn: conn, last: r.Close, released: make(chan struct{})}
	select {
	case a.polls <- p:
	case <-a.in.closing:
		conn.reply(r, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
		return nil
	case <-a.in.exited:
		return nil
	}
	select {
	case <-p.released:
	case <-a.in.closing:
		if p.abandon() {
			conn.reply(r, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
			return nil
		}
		<-p.released
	case <-a.in.exited:
		if p.abandon() {
			return nil
		}
		<-p.released
	}
	return p.back
}

// send writes invocation c as the answer to the function's /next, and reports
// whether it went out. One that did not is not the function's to answer.
func (a *runtimeAPI) send(p *poll, c *apiCall) bool {
	a.mu.Lock()
	a.current = c
	a.mu.Unlock()

	deadline := c.inv.Deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(noDeadline)
	}
	payload := []byte(c.inv.Event)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	w := p.conn.bw
	w.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(payload)))
	writeHeader(w, "Lambda-Runtime-Aws-Request-Id", c.id)
	writeHeader(w, "Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
	writeHeader(w, "Lambda-Runtime-Invoked-Function-Arn", a.arn)
	writeHeader(w, "Lambda-Runtime-Trace-Id", newTraceID())
	if cc := c.inv.LambdaClientContext; len(cc) > 0 {
		writeHeader(w, "Lambda-Runtime-Client-Context", string(cc))
	}
	if p.last {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n\r\n")
	w.Write(payload)
	if err := w.Flush(); err != nil {
		p.conn.nc.Close()
		a.mu.Lock()
		if a.current == c {
			a.current = nil
		}
		a.mu.Unlock()
		return false
	}
	return true
}

// response receives an invocation's result.
func (a *runtimeAPI) response(w http.ResponseWriter, r *http.Request, id string) {
	body, tooBig, err := readBody(r)
	if err != nil {
		broken(w) // an answer cut off is no answer
		return
	}
	a.mu.Lock()
	c := a.current
	if c == nil || c.id != id {
		a.mu.Unlock()
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	status := http.StatusAccepted
	switch {
	case tooBig:
		// The runtime fails on the 413 and exits, as it does in Lambda.
		status = http.StatusRequestEntityTooLarge
		c.err = functions.ResponseSizeTooLarge()
		c.err.Fatal = true
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		// The handler's io.Reader failed while the runtime streamed it.
		c.err = trailerError(r.Trailer)
	default:
		c.resp = body
	}
	a.current = nil
	c.finish()
	a.mu.Unlock()
	if status != http.StatusAccepted {
		apiError(w, status, "RequestEntityTooLarge", fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", functions.MaxResponseSize))
		return
	}
	accepted(w)
}

// error receives an invocation's failure: a returned error or a panic.
func (a *runtimeAPI) error(w http.ResponseWriter, r *http.Request, id string) {
	body, _, err := readBody(r)
	if err != nil {
		broken(w)
		return
	}
	fe := parseErrorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	a.mu.Lock()
	c := a.current
	if c == nil || c.id != id {
		a.mu.Unlock()
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	c.err = fe // final at the next /next, or fatal if the process exits first
	a.mu.Unlock()
	accepted(w)
}

func (a *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readBody(r)
	if err != nil {
		broken(w)
		return
	}
	fe := parseErrorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	fe.Fatal = true
	a.initOnce.Do(func() {
		a.initErr = fe
		close(a.initFailed)
	})
	accepted(w)
}

func (a *runtimeAPI) registerExtension(w http.ResponseWriter, r *http.Request) {
	// The body (the events it wants) is skipped by reply, within maxDrain.
	a.sigterm.Store(true)
	w.Header().Set("Lambda-Extension-Identifier", newRequestID())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"functionName":    a.in.art.fn.Name,
		"functionVersion": "$LATEST",
		"handler":         "bootstrap",
	})
}

var acceptedBody = []byte(`{"status":"OK"}`)

func accepted(w http.ResponseWriter) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(http.StatusAccepted)
	w.Write(acceptedBody)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// readBody reads a posted payload up to Lambda's limit. An error is a body that did not
// arrive whole: the connection broke, or the call was given up on.
func readBody(r *http.Request) (body []byte, tooBig bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, functions.MaxResponseSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(body) > functions.MaxResponseSize {
		return nil, true, nil
	}
	return body, false, nil
}

// parseErrorBody reads {"errorMessage","errorType","stackTrace"} as a runtime posts it.
func parseErrorBody(body []byte, headerType string) *functions.FunctionError {
	var b struct {
		ErrorMessage string          `json:"errorMessage"`
		ErrorType    string          `json:"errorType"`
		StackTrace   json.RawMessage `json:"stackTrace"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return &functions.FunctionError{Type: headerType, Message: strings.TrimSpace(string(body))}
	}
	fe := &functions.FunctionError{Type: b.ErrorType, Message: b.ErrorMessage, Stack: stackLines(b.StackTrace)}
	if fe.Type == "" {
		fe.Type = headerType
	}
	return fe
}

// stackLines reads a stack trace: aws-lambda-go's frames, or lines as other runtimes send.
func stackLines(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var lines []string
	if json.Unmarshal(raw, &lines) == nil {
		return lines
	}
	var frames []struct {
		Path  string `json:"path"`
		Line  int    `json:"line"`
		Label string `json:"label"`
	}
	if json.Unmarshal(raw, &frames) != nil {
		return nil
	}
	lines = make([]string, len(frames))
	for i, f := range frames {
		lines[i] = stackLine(f.Label, f.Path, f.Line)
	}
	return lines
}

// stackLine formats one frame of a Go stack as "label (path:line)".
func stackLine(label, path string, line int) string {
	return fmt.Sprintf("%s (%s:%d)", label, path, line)
}

// trailerError reads the error a runtime reports in the trailers of a failed stream.
func trailerError(t http.Header) *functions.FunctionError {
	if b, err := base64.StdEncoding.DecodeString(t.Get("Lambda-Runtime-Function-Error-Body")); err == nil {
		if fe := parseErrorBody(b, t.Get("Lambda-Runtime-Function-Error-Type")); fe.Message != "" {
			return fe
		}
	}
	return &functions.FunctionError{Type: t.Get("Lambda-Runtime-Function-Error-Type")}
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

package identity

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// MaxBodyBytes bounds a request body, so that one request holds at most this much.
// GoTrue sets no bound of its own on JSON bodies (it decodes r.Body as it comes); its
// /token form is cut at net/http's 10 MiB form limit, and that is the bound here for
// every route: above the 6 MB a function event may carry, so a user any identity-*
// function can receive is accepted. A larger body fails to read with "http: request
// body too large", which the route reports in its own words.
const MaxBodyBytes = 10 << 20

// API serves the GoTrue HTTP API. Mount it where the prefix is already stripped
// (dev serve mounts it under /.netlify/identity).
type API struct {
	cfg    Config
	store  Store
	hooks  Hooks
	signer *tokens.Signer
	clock  func() time.Time
	routes map[string]map[string]handler

	dummyOnce sync.Once
	dummy     []byte
	verified  verifiedPasswords // pairs bcrypt has matched: a login again skips it
	codes     codes
	// Observe, when set, hears about each request and each captured mail.
	observer Observer
}

// Observer hears what the API did, for the log and the dashboard.
type Observer interface {
	Request(r RequestRecord)
	MailCaptured(m *Mail)
}

// RequestRecord describes one answered request.
type RequestRecord struct {
	Method   string
	Path     string
	Status   int
	Email    string // the user the request was about, when known
	Message  string // the error message, when it failed
	Internal error  // the cause behind a 5xx
	Duration time.Duration
}

// Option configures an API.
type Option func(*API)

// WithHooks sets where identity events go.
func WithHooks(h Hooks) Option { return func(a *API) { a.hooks = h } }

// WithClock replaces time.Now, for tests of expiry.
func WithClock(clock func() time.Time) Option { return func(a *API) { a.clock = clock } }

// WithObserver sets who hears about requests and mail.
func WithObserver(o Observer) Option { return func(a *API) { a.observer = o } }

type handler func(w http.ResponseWriter, r *http.Request) error

// New returns the API for one instance.
func New(cfg Config, store Store, opts ...Option) *API {
	cfg.withDefaults()
	a := &API{cfg: cfg, store: store, hooks: NoHooks{}, clock: time.Now, signer: tokens.NewSigner(cfg.JWTSecret)}
	for _, o := range opts {
		o(a)
	}
	a.routes = map[string]map[string]handler{
		"/health":      {"GET": a.health},
		"/authorize":   {"GET": a.authorize},
		"/callback":    {"GET": a.callback},
		"/settings":    {"GET": a.settings},
		"/signup":      {"POST": a.signup},
		"/recover":     {"POST": a.recover},
		"/token":       {"POST": a.token},
		"/verify":      {"POST": a.verify},
		"/invite":      {"POST": a.requireAdmin(a.invite)},
		"/logout":      {"POST": a.requireUser(a.logout)},
		"/user":        {"GET": a.requireUser(a.getUser), "PUT": a.requireUser(a.updateUser)},
		"/admin/users": {"GET": a.requireAdmin(a.adminListUsers), "POST": a.requireAdmin(a.adminCreateUser)},
		"/admin/audit": {"GET": a.requireAdmin(a.adminAudit)},
	}
	return a
}

// Config returns the instance settings in force.
func (a *API) Config() Config { return a.cfg }

// Signer returns the instance's token signer.
func (a *API) Signer() *tokens.Signer { return a.signer }

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxClaims
	ctxAdmin
	ctxBody
	ctxRecord
)

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &RequestRecord{Method: r.Method, Path: r.URL.Path}
	ctx := context.WithValue(r.Context(), ctxRequestID, tokens.NewUUID())
	ctx = context.WithValue(ctx, ctxRecord, rec)
	r = r.WithContext(ctx)
	sw := &statusWriter{ResponseWriter: w}
	w = sw

	w.Header().Add("Vary", "Origin")
	if handled := corsPreflight(w, r); handled {
		a.finish(rec, sw, start)
		return
	}
	corsSimple(w, r)

	h, allowed := a.route(r)
	switch {
	case h != nil:
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	case allowed:
		w.WriteHeader(http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
	a.finish(rec, sw, start)
}

func (a *API) finish(rec *RequestRecord, sw *statusWriter, start time.Time) {
	if a.observer == nil {
		return
	}
	rec.Status = sw.status
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	rec.Duration = time.Since(start)
	a.observer.Request(*rec)
}

// route finds the handler; allowed reports a known path asked with another method.
func (a *API) route(r *http.Request) (h handler, allowed bool) {
	path := r.URL.Path
	if methods, ok := a.routes[path]; ok {
		return methods[r.Method], true
	}
	if id, ok := strings.CutPrefix(path, "/admin/users/"); ok && id != "" && !strings.Contains(id, "/") {
		switch r.Method {
		case "GET":
			return a.requireAdmin(a.withUserID(id, a.adminGetUser)), true
		case "PUT":
			return a.requireAdmin(a.withUserID(id, a.adminUpdateUser)), true
		case "DELETE":
			return a.requireAdmin(a.withUserID(id, a.adminDeleteUser)), true
		}
		return nil, true
	}
	return nil, false
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if rec, ok := r.Context().Value(ctxRecord).(*RequestRecord); ok {
		rec.Message, rec.Internal = errorSummary(err)
	}
	writeError(w, r, err)
}

// noteEmail tells the log which user a request was about.
func noteEmail(r *http.Request, email string) {
	if rec, ok := r.Context().Value(ctxRecord).(*RequestRecord); ok {
		rec.Email = email
	}
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

// readBody reads the request body once, bounded; handlers decode from the bytes.
func readBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Context().Value(ctxBody).([]byte); ok {
		return b, nil
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, err
	}
	*r = *r.WithContext(context.WithValue(r.Context(), ctxBody, b))
	return b, nil
}

// decodeBody decodes the JSON body into v; any failure, reading or decoding, is a 400
// with what as its prefix ("Could not read Signup params: unexpected EOF").
func decodeBody(r *http.Request, v any, what string) error {
	body, err := readBody(r)
	if err == nil {
		err = decodeJSON(body, v)
	}
	if err != nil {
		return badRequest("%s: %v", what, err)
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// errorSummary is what the log says of a failed request: the client's message, and
// the cause behind a 5xx.
func errorSummary(err error) (string, error) {
	var oe *OAuthError
	if errors.As(err, &oe) {
		return strings.TrimSpace(oe.Err + " " + oe.Description), nil
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Message, he.internal
	}
	return "Internal server error", err
}

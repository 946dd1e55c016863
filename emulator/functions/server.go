package functions

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
)

// Prefix is where functions are served, as on Netlify.
const Prefix = "/.netlify/functions/"

// Defaults of dev serve.
const (
	DefaultTimeout           = 10 * time.Second
	DefaultBackgroundTimeout = 15 * time.Minute
	DefaultConcurrency       = 4
)

// Options configure a Server.
type Options struct {
	SiteDir      string
	FunctionsDir string
	Runtimes     map[Kind]Runtime
	Concurrency  int           // instances per function at most; DefaultConcurrency when 0
	Timeout      time.Duration // per invocation; DefaultTimeout when 0
	Env          []string      // KEY=VALUE, every function's environment
	Contexts     *ClientContexts
	BaseURL      func() string // dev serve's URL, for rawUrl
	SiteID       string
	Only         string // serve this one function and no other (dev invoke)
	Log          *term.Logger
	// OnInvoke, when set, hears about every invocation but a hook's, which the hooks
	// dispatcher journals (the journal uses it).
	OnInvoke func(InvocationRecord)
	// Supervisor, when set, runs some functions its own way (under a debugger).
	Supervisor Supervisor
}

// Supervisor runs some functions its own way: dev serve's debugger gives a debugged
// function a runtime of its own and one instance, attaches to each instance it starts,
// holds invocations until it is ready, and suspends time limits while it holds one.
// Every method is called for every function; a function it does not supervise gets
// the zero answer (nil, 0, false, nil).
type Supervisor interface {
	// RuntimeFor may give a function a runtime of its own; nil keeps Options.Runtimes'.
	// It is called without the server's lock held.
	RuntimeFor(fn *Function) Runtime
	// ConcurrencyFor, when positive, overrides Options.Concurrency for one function.
	ConcurrencyFor(name string) int
	// OnStart hears about each new instance.
	OnStart(fn *Function, in Instance)
	// OnOutput sees each line a function writes before the log; true keeps it out of it.
	OnOutput(fn *Function, stream, line string) bool
	// Held suspends a function's time limits while it says so.
	Held(name string) bool
	// BeforeInvoke runs before each invocation and may make it wait; an error fails it.
	BeforeInvoke(ctx context.Context, name string) error
	// Prestart starts an instance after each build instead of at the first call.
	Prestart(name string) bool
}

// InvocationRecord describes one finished invocation.
type InvocationRecord struct {
	Function string
	Response *Response // nil when it failed; Lambda set for v1 answers
	Status   int
	Err      error
	Duration time.Duration
	// The HTTP request as the client sent it.
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Server serves the functions of one folder and keeps them built and warm.
type Server struct {
	opts Options

	mu        sync.RWMutex
	pools     map[string]*pool
	conflicts map[string]error
	held      map[string]bool // functions a debugger holds: no time limits

	edgeOnce       sync.Once
	edge           map[string]string
	v2Once         sync.Once
	v2Head, v2Tail string

	// builders bounds the builds that run in the background, one per runtime at a time
	// (go build and esbuild each use every core): a site of a hundred functions then
	// builds without slowing the start of the one that is called first, whose build
	// skips the queue (see build).
	builders map[Kind]chan struct{}
	// built hears of each finished build, so that Watch watches the folders of the
	// files it read outside the functions folder.
	built chan struct{}
	// Builds run under life, which Close ends, and Close waits for them, so that no
	// build writes into the site after dev has stopped.
	life   context.Context
	stop   context.CancelFunc
	builds sync.WaitGroup
}

// NewServer returns a server for opts; Load discovers and builds the functions.
func NewServer(opts Options) *Server {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	life, stop := context.WithCancel(context.Background())
	return &Server{opts: opts, pools: map[string]*pool{}, conflicts: map[string]error{},
		builders: map[Kind]chan struct{}{KindGo: make(chan struct{}, 1), KindJS: make(chan struct{}, 1)},
		built:    make(chan struct{}, 1), life: life, stop: stop}
}

// Load discovers the functions and starts building them; requests wait for builds.
func (s *Server) Load(ctx context.Context) error {
	d, err := Discover(s.opts.SiteDir, s.opts.FunctionsDir)
	if err != nil {
		return err
	}
	d = only(d, s.opts.Only)
	s.apply(ctx, d, nil)
	s.prewarm(d)
	return nil
}

// Prepare is the start of Load, for a caller that can begin it before it has all of
// a server's Options: it discovers opts' functions and has each runtime that boots an
// instance ahead (a Prewarmer) start one now, with opts.Env. dev serve calls it as
// soon as it listens, so that node's own start, the longest part of the first call,
// runs while the store opens. LoadPrepared takes the discovery. A Supervisor's own
// runtimes are not consulted: a caller that debugs loads as usual.
func Prepare(opts Options) (*Discovery, error) {
	d, err := Discover(opts.SiteDir, opts.FunctionsDir)
	if err != nil {
		return nil, err
	}
	d = only(d, opts.Only)
	for _, w := range toPrewarm(d, opts.Runtimes) {
		if err := w.rt.Prewarm(w.fn, opts.Env); err != nil && opts.Log != nil {
			opts.Log.Event(term.KindFunction, w.fn.Name, term.Warn, err.Error(), 0)
		}
	}
	return d, nil
}

// prewarmTarget is a runtime that can boot an instance ahead, and the function it
// boots one for.
type prewarmTarget struct {
	fn *Function
	rt Prewarmer
}

// toPrewarm is, for each of runtimes that is a Prewarmer, the first of d's functions
// it runs.
func toPrewarm(d *Discovery, runtimes map[Kind]Runtime) []prewarmTarget {
	var out []prewarmTarget
	seen := map[Kind]bool{}
	for _, fn := range d.Functions {
		rt, ok := runtimes[fn.Kind].(Prewarmer)
		if !ok || seen[fn.Kind] {
			continue
		}
		seen[fn.Kind] = true
		out = append(out, prewarmTarget{fn, rt})
	}
	return out
}

// StopPrepared stops what Prepare booted, for a caller that fails before it builds
// the server (whose Close would).
func StopPrepared(runtimes map[Kind]Runtime) {
	for _, rt := range runtimes {
		if pw, ok := rt.(Prewarmer); ok {
			pw.StopPrewarmed()
		}
	}
}

// LoadPrepared is Load with Prepare's discovery, made with the same functions folder
// and runtimes: it starts the builds, and boots nothing ahead again.
func (s *Server) LoadPrepared(ctx context.Context, d *Discovery) {
	s.apply(ctx, d, nil)
}

// prewarm has each runtime that can boot an instance ahead do so, for its first
// function, while the builds run.
func (s *Server) prewarm(d *Discovery) {
	for _, w := range toPrewarm(d, s.opts.Runtimes) {
		s.mu.RLock()
		p := s.pools[w.fn.Name]
		s.mu.RUnlock()
		if p == nil || p.runtime != s.opts.Runtimes[w.fn.Kind] { // a debugger's own runtime
			continue
		}
		s.builds.Add(1)
		go func() {
			defer s.builds.Done()
			if err := w.rt.Prewarm(w.fn, s.opts.Env); err != nil {
				s.opts.Log.Event(term.KindFunction, w.fn.Name, term.Warn, err.Error(), 0)
			}
		}()
	}
}

// only keeps the one function name names (Options.Only), or all for "".
func only(d *Discovery, name string) *Discovery {
	if name == "" {
		return d
	}
	out := &Discovery{Conflicts: map[string]error{}}
	for _, fn := range d.Functions {
		if fn.Name == name {
			out.Functions = append(out.Functions, fn)
		}
	}
	if err, ok := d.Conflicts[name]; ok {
		out.Conflicts[name] = err
	}
	return out
}

// apply brings the set of functions in line with a discovery: new ones are added and
// built, removed ones stopped, and those whose files changed rebuilt.
func (s *Server) apply(ctx context.Context, d *Discovery, changed map[string]bool) {
	// A function's own runtime (a debugger's) may open listeners: ask for it before the
	// lock that every request takes.
	own := s.ownRuntimes(d)
	s.mu.Lock()
	var build []*pool
	seen := map[string]bool{}
	for _, fn := range d.Functions {
		seen[fn.Name] = true
		p, ok := s.pools[fn.Name]
		if ok && p.fn.Kind == fn.Kind && p.fn.Entry == fn.Entry {
			p.setDeclared(fn.Declared)
			if s.touches(p, changed) {
				build = append(build, p)
			}
			continue
		}
		if ok {
			p.close()
		}
		rt := s.opts.Runtimes[fn.Kind]
		if r := own[fn.Name]; r != nil {
			rt = r
		}
		if rt == nil {
			s.conflicts[fn.Name] = fmt.Errorf("no runtime for %s functions in this build of dev", fn.Kind)
			delete(s.pools, fn.Name)
			continue
		}
		name, fnc := fn.Name, fn
		limit := s.opts.Concurrency
		if s.opts.Supervisor != nil {
			if n := s.opts.Supervisor.ConcurrencyFor(name); n > 0 {
				limit = n
			}
		}
		p = newPool(fn, rt, limit, func() []string { return s.opts.Env }, func(stream, line string) {
			if s.opts.Supervisor != nil && s.opts.Supervisor.OnOutput(fnc, stream, line) {
				return
			}
			s.opts.Log.Event(term.KindFunction, name, outcomeOf(stream), line, 0)
		})
		p.life = s.life
		if s.opts.Supervisor != nil {
			p.onStart = s.opts.Supervisor.OnStart
		}
		s.pools[fn.Name] = p
		delete(s.conflicts, fn.Name)
		if ok {
			s.opts.Log.Event(term.KindFunction, name, term.Info, "changed: now "+rel(s.opts.SiteDir, fn.Entry), 0)
		} else if changed != nil {
			s.opts.Log.Event(term.KindFunction, name, term.Info, "added: "+rel(s.opts.SiteDir, fn.Entry), 0)
		}
		build = append(build, p)
	}
	for name, p := range s.pools {
		if !seen[name] {
			p.close()
			delete(s.pools, name)
			s.opts.Log.Event(term.KindFunction, name, term.Info, "removed", 0)
		}
	}
	for name, err := range d.Conflicts {
		if p, ok := s.pools[name]; ok {
			p.close()
			delete(s.pools, name)
		}
		s.conflicts[name] = err
		s.opts.Log.Event(term.KindFunction, name, term.Fail, err.Error(), 0)
	}
	for name := range s.conflicts {
		if _, still := d.Conflicts[name]; !still && !seen[name] {
			delete(s.conflicts, name)
		}
	}
	// Builds are marked in progress before the lock is released, so a request that
	// arrives now waits for the new build instead of using the old one.
	for _, p := range build {
		p.markBuilding()
	}
	s.mu.Unlock()

	// A build outlives the request or watch event that started it, never the server.
	s.builds.Add(len(build))
	for _, p := range build {
		go func() {
			defer s.builds.Done()
			s.build(s.life, p)
		}()
	}
}

// ownRuntimes asks the Supervisor for the runtimes of the functions that will need a
// new pool.
func (s *Server) ownRuntimes(d *Discovery) map[string]Runtime {
	if s.opts.Supervisor == nil {
		return nil
	}
	s.mu.RLock()
	var fresh []*Function
	for _, fn := range d.Functions {
		if p, ok := s.pools[fn.Name]; !ok || p.fn.Kind != fn.Kind || p.fn.Entry != fn.Entry {
			fresh = append(fresh, fn)
		}
	}
	s.mu.RUnlock()
	own := map[string]Runtime{}
	for _, fn := range fresh {
		if rt := s.opts.Supervisor.RuntimeFor(fn); rt != nil {
			own[fn.Name] = rt
		}
	}
	return own
}

// touches reports whether a changed path belongs to the function: its entry, a file
// in its own folder, or a file its last build read.
func (s *Server) touches(p *pool, changed map[string]bool) bool {
	if len(changed) == 0 {
		return false
	}
	fn := p.fn
	p.mu.Lock()
	a := p.artifact
	p.mu.Unlock()
	for path := range changed {
		if path == fn.Entry {
			return true
		}
		if fn.Dir != s.opts.FunctionsDir && strings.HasPrefix(path, fn.Dir+string(filepath.Separator)) {
			return true
		}
	}
	if a != nil {
		for _, f := range a.Files() {
			if changed[f] {
				return true
			}
		}
	}
	return false
}

func (s *Server) build(ctx context.Context, p *pool) {
	// Builds wait for a slot, unless a request waits for this one: then it runs at
	// once, so that the first call of one function in a site of a hundred does not
	// queue behind the other ninety-nine.
	if slots := s.builders[p.fn.Kind]; slots != nil {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-p.wantedNow():
		case <-ctx.Done(): // dev stops: the build fails at once, and its waiters with it
		}
	}
	name := p.fn.Name
	p.build(ctx, func(took time.Duration, err error) {
		if err != nil {
			s.opts.Log.Event(term.KindBuild, name, term.Fail, oneLine(err.Error()), took)
			return
		}
		s.opts.Log.Event(term.KindBuild, name, term.OK, "built "+rel(s.opts.SiteDir, p.fn.Entry), took)
		p.mu.Lock()
		a := p.artifact
		p.mu.Unlock()
		if w, ok := a.(interface{ Warnings() []string }); ok {
			for _, line := range w.Warnings() { // esbuild's, worth reading before they bite
				s.opts.Log.Event(term.KindBuild, name, term.Warn, line, 0)
			}
		}
		select {
		case s.built <- struct{}{}:
		default:
		}
		if s.opts.Supervisor != nil && s.opts.Supervisor.Prestart(name) {
			go s.prestart(ctx, p)
		}
	})
}

// prestart starts an instance and keeps it warm.
func (s *Server) prestart(ctx context.Context, p *pool) {
	in, err := p.acquire(context.WithoutCancel(ctx))
	if err != nil {
		s.opts.Log.Event(term.KindFunction, p.fn.Name, term.Fail, "start: "+err.Error(), 0)
		return
	}
	p.release(in, true)
}

// Close stops the builds under way, waits for them, and stops every function instance.
func (s *Server) Close() {
	s.stop()
	s.builds.Wait()
	StopPrepared(s.opts.Runtimes)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pools {
		p.close()
	}
}

func (s *Server) pool(name string) (*pool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err, ok := s.conflicts[name]; ok {
		return nil, err
	}
	p, ok := s.pools[name]
	if !ok {
		return nil, nil
	}
	return p, nil
}

// Invoke runs a function by name with the server's time limit.
func (s *Server) Invoke(ctx context.Context, name string, inv *Invocation, timeout time.Duration) (*Response, error) {
	p, err := s.pool(name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("function %s not found in %s", name, rel(s.opts.SiteDir, s.opts.FunctionsDir))
	}
	if timeout == 0 {
		timeout = s.opts.Timeout
	}
	if err := s.beforeInvoke(ctx, name); err != nil {
		return nil, err
	}
	return p.invoke(ctx, inv, s.limit(name, timeout))
}

// Hold suspends the time limits of a function while a debugger holds it; Release
// brings them back. Hook time limits follow (see Held).
func (s *Server) Hold(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]bool{}
	}
	s.held[name] = true
}

// Release ends a Hold.
func (s *Server) Release(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, name)
}

// Held reports whether a debugger holds the function.
func (s *Server) Held(name string) bool {
	s.mu.RLock()
	held := s.held[name]
	s.mu.RUnlock()
	return held || (s.opts.Supervisor != nil && s.opts.Supervisor.Held(name))
}

func (s *Server) beforeInvoke(ctx context.Context, name string) error {
	if s.opts.Supervisor == nil {
		return nil
	}
	return s.opts.Supervisor.BeforeInvoke(ctx, name)
}

// limit is the time limit of one invocation of a function: none while it is held.
func (s *Server) limit(name string, timeout time.Duration) time.Duration {
	if s.Held(name) {
		return 0
	}
	return timeout
}

// Built waits for a function's build in progress and returns its error: a
// *BuildError when it does not build. Nothing is started.
func (s *Server) Built(ctx context.Context, name string) error {
	p, err := s.pool(name)
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("no function %q", name)
	}
	_, _, err = p.ready(ctx)
	return err
}

// Has reports whether a function of that name is served.
func (s *Server) Has(name string) bool {
	p, err := s.pool(name)
	return p != nil && err == nil
}

// ServeHTTP answers /.netlify/functions/{name}[/rest], streaming a v2 function's body
// as it comes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	p, missing := s.target(name, false)
	if missing == nil && p.routes() != nil && !routed(r) {
		// A function with config.path is not served at /.netlify/functions/NAME.
		missing = textAnswer(http.StatusNotFound, fmt.Sprintf("Function not found: %s is served at its config.path (%s), not here", name, strings.Join(p.declaration().Path, ", ")))
	}
	if missing != nil {
		writeAnswer(w, missing)
		s.opts.Log.Event(term.KindFunction, name+" "+r.Method+" "+r.URL.Path, term.Warn,
			fmt.Sprintf("%d %s", missing.Status, strings.TrimSpace(strings.TrimPrefix(string(missing.Body), "Function not found: "))), time.Since(start))
		return
	}
	body := []byte{} // a request without a body (most GETs) costs no read and no buffer
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEventBody)); err != nil {
			writeAnswer(w, bodyErrorAnswer(err))
			return
		}
	}
	c, err := s.newCall(p, r, body, false, start)
	if err != nil {
		writeAnswer(w, functionErrorAnswer(http.StatusInternalServerError, "InternalError", err.Error(), nil))
		return
	}
	if p.background() {
		w.WriteHeader(http.StatusAccepted)
		go s.background(r.Context(), c)
		return
	}
	resp, err := s.invoke(r.Context(), c, s.opts.Timeout)
	a, stream := answerOf(resp, err)
	if stream != nil {
		writeAnswer(w, a)
		streamTo(w, stream)
	} else {
		// The client has its answer before the call is journaled and logged.
		writeWholeAnswer(w, a)
	}
	s.finish(c, resp, a.Status, err)
}

// invocation builds the event and contexts of a request.
func (s *Server) invocation(r *http.Request, body []byte) (*Invocation, error) {
	id := tokens.NewUUID()
	base := ""
	if s.opts.BaseURL != nil {
		base = s.opts.BaseURL()
	}
	ev := NewEvent(EventRequest{Request: r, Body: body, BaseURL: base, RequestID: id, Extra: s.edgeHeaders()})
	inv := &Invocation{ID: id, Event: ev.JSON()}
	if s.opts.Contexts != nil {
		js, lambda, err := s.opts.Contexts.Build(r.Header.Get("Authorization"))
		if err != nil {
			return nil, err
		}
		inv.ClientContext, inv.LambdaClientContext = js, lambda
	}
	inv.V2 = func() json.RawMessage { return s.v2Context(r, id, base) }
	return inv, nil
}

func outcomeOf(stream string) term.Outcome {
	if stream == "stderr" {
		return term.Warn
	}
	return term.Info
}

// oneLine joins a message's lines for the log, which writes one line per event.
func oneLine(msg string) string {
	var b strings.Builder
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		switch s := b.String(); {
		case s == "":
		case strings.HasSuffix(s, ":"):
			b.WriteString(" ")
		default:
			b.WriteString(" | ")
		}
		b.WriteString(l)
	}
	return b.String()
}

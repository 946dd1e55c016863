// Package inspector keeps an editor's Node inspector session alive across the
// workers dev starts for a JS function. The editor's WebSocket ends at dev; dev opens
// its own to each worker's inspector behind it. What the editor set up (the domains it
// enabled, its pause-on-exception and blackbox settings, its breakpoints by URL) is
// recorded, and when a rebuild starts a new worker it is sent to that worker before
// the worker takes its first invocation, so that the editor's breakpoints stop the
// next call without the editor doing anything. A breakpoint in a bundle with a source
// map (esbuild's inline ones) is kept on its line of the original source: the line it
// was set on in the old bundle is mapped back through the old bundle's map, and
// forward through the new one's, as Node reports them (Debugger.scriptParsed).
package inspector

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// targetWait bounds how long an editor's request waits for a worker (the function is
// being rebuilt, or its new worker started) before it is answered with why there is
// none.
var targetWait = 30 * time.Second

// replayTimeout bounds each request dev makes of a new worker's inspector.
const replayTimeout = 10 * time.Second

// Options configure a Session.
type Options struct {
	Name string           // the function, for messages
	Log  func(msg string) // what the user should read
	// OnRun hears the editor send Runtime.runIfWaitingForDebugger: it has set its
	// breakpoints and lets the program run (what node --inspect-brk waits for).
	OnRun func()
	// OnPause hears a worker tell the editor that it stopped (Debugger.paused).
	OnPause func()
}

// Session is one editor's WebSocket, and the worker it currently reaches.
type Session struct {
	opts   Options
	client *wsConn
	done   chan struct{}
	once   sync.Once

	attachMu sync.Mutex // one Attach at a time
	mu       sync.Mutex
	back     *backend // the current worker's inspector; nil between workers
	ready    bool     // and it is set up: requests may go there
	why      string   // why there is no worker
	changed  chan struct{}
	next     int64
	pending  map[int64]*call
	setup    []*setupCall  // replayed in order
	bps      []*breakpoint // the editor's, in the order it set them
	paused   bool
	toClient map[string]string // a breakpoint's id in this worker → the id the editor knows
}

type backend struct {
	conn    *wsConn
	url     string // the worker's WebSocket address: each worker has its own
	mu      sync.Mutex
	scripts map[string]*script // by scriptId
}

type script struct {
	url, mapURL string
	once        sync.Once
	sm          *sourceMap
}

type call struct {
	clientID  json.RawMessage // nil for dev's own requests
	method    string
	params    json.RawMessage
	sessionID string
	back      *backend
	reply     chan *message
}

type setupCall struct {
	key, method string
	params      json.RawMessage
}

// breakpoint is one the editor set by URL (or on a script, kept by the script's URL).
type breakpoint struct {
	id      string // the editor's
	current string // in the current worker; "" when it did not resolve there
	at      byURL
	orig    *position // its place in the original source, through the bundle's map
	// in is the worker whose scripts at refers to, while orig is not known: an editor
	// may set a breakpoint before that worker has loaded the bundle (Node keeps it by
	// URL), and its place in the source is read when the bundle's script is parsed.
	in    *backend
	match func(url string) bool // at's URL or regex, compiled once
}

// byURL are Debugger.setBreakpointByUrl's parameters.
type byURL struct {
	LineNumber   int    `json:"lineNumber"`
	URL          string `json:"url,omitempty"`
	URLRegex     string `json:"urlRegex,omitempty"`
	ScriptHash   string `json:"scriptHash,omitempty"`
	ColumnNumber *int   `json:"columnNumber,omitempty"`
	Condition    string `json:"condition,omitempty"`
}

// message is any CDP message: a command, its answer, or an event.
type message struct {
	ID        json.RawMessage `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     json.RawMessage `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

// Accept completes an editor's WebSocket upgrade, read from c (br holds what the
// editor sent after it). The session reaches no worker until Attach.
func Accept(c net.Conn, br *bufio.Reader, req *http.Request, opts Options) (*Session, error) {
	w, err := acceptWS(c, br, req)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	return &Session{opts: opts, client: w, done: make(chan struct{}), changed: make(chan struct{}),
		why:     opts.Name + "'s worker has not started yet",
		pending: map[int64]*call{}, toClient: map[string]string{}}, nil
}

// Serve passes the editor's requests on until it leaves, then closes the session.
func (s *Session) Serve() {
	defer s.Close()
	for {
		raw, err := s.client.read()
		if err != nil {
			return
		}
		var m message
		if json.Unmarshal(raw, &m) != nil || m.Method == "" || len(m.ID) == 0 {
			continue
		}
		s.fromClient(&m)
	}
}

// Close ends the editor's connection and dev's to the worker.
func (s *Session) Close() {
	s.once.Do(func() {
		close(s.done)
		s.client.close()
		s.mu.Lock()
		b := s.back
		s.mu.Unlock()
		if b != nil {
			b.conn.close()
		}
	})
}

// Done is closed once the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Attach moves the session to the worker whose inspector listens at addr (host:port),
// and sets up there what the editor set up before. It returns once the worker has the
// editor's breakpoints; those that no longer resolve are said in the log. moved tells
// whether the editor had set anything up on an earlier worker.
func (s *Session) Attach(addr string) (moved bool, err error) {
	s.attachMu.Lock()
	defer s.attachMu.Unlock()
	wsURL, err := workerURL(addr, 5*time.Second)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	there := s.back != nil && s.back.url == wsURL && s.ready
	moved = len(s.setup)+len(s.bps) > 0
	s.mu.Unlock()
	if there {
		return false, nil // already attached to this worker
	}
	conn, err := dialWS(wsURL, 5*time.Second)
	if err != nil {
		return false, fmt.Errorf("the inspector of %s at %s: %w", s.opts.Name, addr, err)
	}
	b := &backend{conn: conn, url: wsURL, scripts: map[string]*script{}}
	s.mu.Lock()
	old := s.back
	s.back, s.ready = b, false
	s.toClient = map[string]string{}
	wasPaused := s.paused
	s.paused = false
	s.mu.Unlock()
	if old != nil {
		old.conn.close()
		s.dropped(wasPaused)
	}
	go s.readBackend(b)
	err = s.replay(b)
	s.mu.Lock()
	if s.back == b {
		s.ready = true
		s.broadcast()
	}
	s.mu.Unlock()
	return moved, err
}

// workerURL asks a worker's inspector for its WebSocket address, while it starts.
func workerURL(addr string, within time.Duration) (string, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for {
		var list []struct{ WebSocketDebuggerURL string }
		resp, err := client.Get("http://" + addr + "/json/list")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
		}
		if err == nil && len(list) > 0 && list[0].WebSocketDebuggerURL != "" {
			return list[0].WebSocketDebuggerURL, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("it lists no target")
			}
			return "", fmt.Errorf("the inspector at %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Session) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// current is the worker a request goes to; while there is none it waits, at most
// targetWait, and then says why there is none.
func (s *Session) current() (*backend, error) {
	timer := time.NewTimer(targetWait)
	defer timer.Stop()
	for {
		s.mu.Lock()
		b, ready, why, changed := s.back, s.ready, s.why, s.changed
		s.mu.Unlock()
		if b != nil && ready {
			return b, nil
		}
		select {
		case <-changed:
		case <-s.done:
			return nil, errors.New("the session ended")
		case <-timer.C:
			return nil, fmt.Errorf("dev: no worker of %s to debug after waiting %s: %s", s.opts.Name, targetWait, why)
		}
	}
}

func (s *Session) fromClient(m *message) {
	if m.Method == "Runtime.runIfWaitingForDebugger" && s.opts.OnRun != nil {
		s.opts.OnRun()
	}
	b, err := s.current()
	if err != nil {
		s.fail(m.ID, m.SessionID, err.Error())
		return
	}
	if m.Method == "Debugger.removeBreakpoint" && s.removes(m) {
		return
	}
	s.send(b, &call{clientID: m.ID, method: m.Method, params: m.Params, sessionID: m.SessionID})
}

// removes forgets a breakpoint the editor removes, and gives the worker the id it
// has there; one the worker does not have is answered here.
func (s *Session) removes(m *message) bool {
	var p struct {
		BreakpointID string `json:"breakpointId"`
	}
	if json.Unmarshal(m.Params, &p) != nil {
		return false
	}
	s.mu.Lock()
	var bp *breakpoint
	for i, b := range s.bps {
		if b.id == p.BreakpointID {
			bp = b
			s.bps = append(s.bps[:i:i], s.bps[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if bp == nil || bp.current == bp.id {
		return false
	}
	if bp.current == "" {
		s.answer(m.ID, m.SessionID, json.RawMessage("{}"))
		return true
	}
	m.Params, _ = json.Marshal(map[string]string{"breakpointId": bp.current})
	return false
}

func (s *Session) send(b *backend, c *call) {
	s.mu.Lock()
	s.next++
	id := s.next
	c.back = b
	s.pending[id] = c
	s.mu.Unlock()
	raw, _ := json.Marshal(struct {
		ID        int64           `json:"id"`
		Method    string          `json:"method"`
		Params    json.RawMessage `json:"params,omitempty"`
		SessionID string          `json:"sessionId,omitempty"`
	}{id, c.method, c.params, c.sessionID})
	if err := b.conn.write(raw); err != nil {
		b.conn.close() // readBackend answers what is pending
	}
}

// ask sends a request of dev's own and waits for the worker's answer.
func (s *Session) ask(b *backend, method string, params json.RawMessage) (*message, error) {
	c := &call{method: method, params: params, reply: make(chan *message, 1)}
	s.send(b, c)
	select {
	case m := <-c.reply:
		if m == nil {
			return nil, fmt.Errorf("%s: the worker's inspector went away", method)
		}
		if len(m.Error) > 0 && string(m.Error) != "null" {
			var e struct{ Message string }
			json.Unmarshal(m.Error, &e)
			return m, fmt.Errorf("%s: %s", method, e.Message)
		}
		return m, nil
	case <-time.After(replayTimeout):
		return nil, fmt.Errorf("%s: the worker's inspector did not answer within %s", method, replayTimeout)
	}
}

func (s *Session) readBackend(b *backend) {
	for {
		raw, err := b.conn.read()
		if err != nil {
			break
		}
		var m message
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if m.Method == "" && len(m.ID) > 0 {
			s.response(b, &m)
		} else if m.Method != "" {
			s.event(b, &m, raw)
		}
	}
	b.conn.close()
	s.lost(b)
}

func (s *Session) response(b *backend, m *message) {
	var id int64
	json.Unmarshal(m.ID, &id)
	s.mu.Lock()
	c := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if c == nil {
		return
	}
	if c.reply != nil {
		c.reply <- m
		return
	}
	if len(m.Error) == 0 || string(m.Error) == "null" {
		s.record(b, c, m.Result)
	}
	m.ID = c.clientID
	s.write(m)
}

// event passes a worker's event on, with the breakpoint ids the editor knows. Only
// the current worker's reach the editor.
func (s *Session) event(b *backend, m *message, raw []byte) {
	s.mu.Lock()
	current := s.back == b
	s.mu.Unlock()
	switch m.Method {
	case "Debugger.scriptParsed":
		var p struct {
			ScriptID     string `json:"scriptId"`
			URL          string `json:"url"`
			SourceMapURL string `json:"sourceMapURL"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			sc := &script{url: p.URL, mapURL: p.SourceMapURL}
			b.mu.Lock()
			b.scripts[p.ScriptID] = sc
			b.mu.Unlock()
			s.placeLate(b, sc)
		}
	case "Debugger.paused":
		if current {
			s.mu.Lock()
			s.paused = true
			s.mu.Unlock()
			if s.opts.OnPause != nil {
				s.opts.OnPause()
			}
			m.Params = s.clientIDs(m.Params, "hitBreakpoints")
			raw = nil
		}
	case "Debugger.resumed":
		if current {
			s.mu.Lock()
			s.paused = false
			s.mu.Unlock()
		}
	case "Debugger.breakpointResolved":
		m.Params = s.clientIDs(m.Params, "breakpointId")
		raw = nil
	}
	if !current {
		return
	}
	if raw != nil {
		s.client.write(raw) // as Node wrote it
		return
	}
	s.write(m)
}

// clientIDs gives the breakpoint ids in an event's field the ids the editor knows.
func (s *Session) clientIDs(params json.RawMessage, field string) json.RawMessage {
	s.mu.Lock()
	ids := s.toClient
	s.mu.Unlock()
	if len(ids) == 0 {
		return params
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return params
	}
	if field == "hitBreakpoints" {
		var hits []string
		if json.Unmarshal(p[field], &hits) != nil {
			return params
		}
		for i, h := range hits {
			if id, ok := ids[h]; ok {
				hits[i] = id
			}
		}
		p[field], _ = json.Marshal(hits)
	} else {
		var id string
		if json.Unmarshal(p[field], &id) != nil {
			return params
		}
		if known, ok := ids[id]; ok {
			p[field], _ = json.Marshal(known)
		}
	}
	out, err := json.Marshal(p)
	if err != nil {
		return params
	}
	return out
}

// lost deals with a worker whose inspector went away: what was asked of it is
// answered with the reason, and the editor's requests wait for the next worker.
func (s *Session) lost(b *backend) {
	s.mu.Lock()
	var calls []*call
	for id, c := range s.pending {
		if c.back == b {
			calls = append(calls, c)
			delete(s.pending, id)
		}
	}
	current := s.back == b
	wasPaused := s.paused
	if current {
		s.back, s.ready, s.paused = nil, false, false
		s.why = s.opts.Name + "'s worker ended; dev starts the next one after a rebuild, or at the next call"
		s.broadcast()
	}
	s.mu.Unlock()
	for _, c := range calls {
		if c.reply != nil {
			c.reply <- nil
			continue
		}
		s.fail(c.clientID, c.sessionID, fmt.Sprintf("dev: %s's worker went away before it answered %s; ask again", s.opts.Name, c.method))
	}
	if current {
		s.dropped(wasPaused)
	}
}

// dropped tells the editor that the worker it saw is gone: it runs no more (if it was
// paused), and its scripts and contexts are no more. The next worker's come with it.
func (s *Session) dropped(wasPaused bool) {
	if wasPaused {
		s.write(&message{Method: "Debugger.resumed", Params: json.RawMessage("{}")})
	}
	s.write(&message{Method: "Runtime.executionContextsCleared", Params: json.RawMessage("{}")})
}

// setupMethod tells the requests that set up a session, which a new worker is sent
// again, and the key under which the last one counts.
func setupMethod(method string, params json.RawMessage) (key string, ok bool) {
	switch {
	case strings.HasSuffix(method, ".enable"), strings.HasSuffix(method, ".disable"):
		return strings.TrimSuffix(strings.TrimSuffix(method, ".enable"), ".disable"), true
	case method == "Debugger.setInstrumentationBreakpoint", method == "Debugger.removeInstrumentationBreakpoint":
		var p struct {
			Instrumentation string `json:"instrumentation"`
		}
		json.Unmarshal(params, &p)
		return "instrumentation:" + p.Instrumentation, true
	case method == "Runtime.addBinding", method == "Runtime.removeBinding":
		var p struct {
			Name string `json:"name"`
		}
		json.Unmarshal(params, &p)
		return "binding:" + p.Name, true
	}
	switch method {
	case "Debugger.setPauseOnExceptions", "Debugger.setAsyncCallStackDepth", "Debugger.setBlackboxPatterns",
		"Debugger.setBreakpointsActive", "Debugger.setSkipAllPauses", "Runtime.setAsyncCallStackDepth",
		"NodeRuntime.notifyWhenWaitingForDisconnect", "Target.setAutoAttach", "Target.setDiscoverTargets":
		return method, true
	}
	return "", false
}

// record keeps what a new worker must be told again.
func (s *Session) record(b *backend, c *call, result json.RawMessage) {
	if c.sessionID != "" {
		return // a worker thread's session: it starts again with the worker
	}
	if key, ok := setupMethod(c.method, c.params); ok {
		undo := strings.HasSuffix(c.method, ".disable") || strings.HasPrefix(c.method, "Debugger.remove") || c.method == "Runtime.removeBinding"
		s.mu.Lock()
		for i, sc := range s.setup {
			if sc.key == key {
				s.setup = append(s.setup[:i:i], s.setup[i+1:]...)
				break
			}
		}
		if !undo {
			s.setup = append(s.setup, &setupCall{key: key, method: c.method, params: c.params})
		}
		s.mu.Unlock()
		return
	}
	var res struct {
		BreakpointID string `json:"breakpointId"`
	}
	switch c.method {
	case "Debugger.setBreakpointByUrl":
		var at byURL
		if json.Unmarshal(c.params, &at) != nil || json.Unmarshal(result, &res) != nil {
			return
		}
		s.keep(b, &breakpoint{id: res.BreakpointID, current: res.BreakpointID, at: at})
	case "Debugger.setBreakpoint":
		var p struct {
			Location struct {
				ScriptID     string `json:"scriptId"`
				LineNumber   int    `json:"lineNumber"`
				ColumnNumber *int   `json:"columnNumber"`
			} `json:"location"`
			Condition string `json:"condition"`
		}
		if json.Unmarshal(c.params, &p) != nil || json.Unmarshal(result, &res) != nil {
			return
		}
		b.mu.Lock()
		sc := b.scripts[p.Location.ScriptID]
		b.mu.Unlock()
		if sc == nil || sc.url == "" {
			return // a script with no URL (an eval) is not in the next worker
		}
		s.keep(b, &breakpoint{id: res.BreakpointID, current: res.BreakpointID,
			at: byURL{URL: sc.url, LineNumber: p.Location.LineNumber, ColumnNumber: p.Location.ColumnNumber, Condition: p.Condition}})
	}
}

// keep records a breakpoint with its place in the original source, when its script
// has a source map.
func (s *Session) keep(b *backend, bp *breakpoint) {
	bp.match = bp.at.matcher()
	for _, sc := range s.scriptsFor(b, bp.at) {
		if p, ok := bp.placeIn(sc); ok {
			bp.orig = &p
			break
		}
	}
	if bp.orig == nil {
		bp.in = b
	}
	s.mu.Lock()
	s.bps = append(s.bps, bp)
	s.mu.Unlock()
}

// placeIn is the breakpoint's place in the original source, through sc's source map.
func (bp *breakpoint) placeIn(sc *script) (position, bool) {
	sm := sc.sourceMap()
	if sm == nil {
		return position{}, false
	}
	col := 0
	if bp.at.ColumnNumber != nil {
		col = *bp.at.ColumnNumber
	}
	return sm.original(bp.at.LineNumber, col)
}

// placeLate finds the place in the original source of the breakpoints set in b before
// b had parsed sc, the script they are for.
func (s *Session) placeLate(b *backend, sc *script) {
	var waiting []*breakpoint
	s.mu.Lock()
	for _, bp := range s.bps {
		if bp.orig == nil && bp.in == b && bp.match(sc.url) {
			waiting = append(waiting, bp)
		}
	}
	s.mu.Unlock()
	for _, bp := range waiting {
		if p, ok := bp.placeIn(sc); ok {
			s.mu.Lock()
			if bp.orig == nil {
				bp.orig, bp.in = &p, nil
			}
			s.mu.Unlock()
		}
	}
}

// matcher reports whether a breakpoint by URL applies to a script of a given URL.
func (at byURL) matcher() func(url string) bool {
	var re *regexp.Regexp
	if at.URLRegex != "" {
		re, _ = regexp.Compile(at.URLRegex) // Node refused a bad one: nothing matches
	}
	return func(url string) bool {
		return (at.URL != "" && url == at.URL) || (re != nil && re.MatchString(url))
	}
}

// scriptsFor are the worker's scripts a breakpoint by URL applies to.
func (s *Session) scriptsFor(b *backend, at byURL) []*script {
	match := at.matcher()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*script
	for _, sc := range b.scripts {
		if match(sc.url) {
			out = append(out, sc)
		}
	}
	return out
}

// sourceMap is the script's source map, read once; nil if it has none (or a broken one).
func (sc *script) sourceMap() *sourceMap {
	sc.once.Do(func() {
		if sc.mapURL != "" {
			sc.sm, _ = loadSourceMap(sc.mapURL, sc.url)
		}
	})
	return sc.sm
}

// replay sets up a new worker's inspector as the editor set up the last one: its
// settings, then its breakpoints.
func (s *Session) replay(b *backend) error {
	s.mu.Lock()
	setup := append([]*setupCall(nil), s.setup...)
	bps := append([]*breakpoint(nil), s.bps...)
	s.mu.Unlock()
	var errs []error
	for _, sc := range setup {
		if _, err := s.ask(b, sc.method, sc.params); err != nil {
			errs = append(errs, err)
		}
	}
	for _, bp := range bps {
		s.rebind(b, bp)
	}
	return errors.Join(errs...)
}

// rebind sets one breakpoint in a new worker: on the same line of the original source
// when the bundle has a source map, else on the same line of the bundle.
func (s *Session) rebind(b *backend, bp *breakpoint) {
	s.mu.Lock()
	at, orig := bp.at, bp.orig
	if orig == nil {
		// Set again on the same line of the same bundle (its rebuild may not have
		// changed it): its place in the source is read when b parses it.
		bp.in = b
	}
	s.mu.Unlock()
	if orig != nil {
		line, col, ok, mapped := 0, 0, false, false
		for _, sc := range s.scriptsFor(b, at) {
			if sm := sc.sourceMap(); sm != nil {
				mapped = true
				if line, col, ok = sm.generated(*orig); ok {
					break
				}
			}
		}
		switch {
		case !mapped:
			s.unresolved(bp, "", "the new worker has loaded no script of that URL with a source map")
			return
		case !ok:
			s.unresolved(bp, "", "that line has no code in the rebuilt bundle")
			return
		}
		at.LineNumber = line
		if at.ColumnNumber != nil {
			at.ColumnNumber = &col
		}
	}
	params, _ := json.Marshal(at)
	m, err := s.ask(b, "Debugger.setBreakpointByUrl", params)
	if err != nil {
		s.unresolved(bp, "", err.Error())
		return
	}
	var res struct {
		BreakpointID string            `json:"breakpointId"`
		Locations    []json.RawMessage `json:"locations"`
	}
	json.Unmarshal(m.Result, &res)
	s.mu.Lock()
	if res.BreakpointID != bp.id {
		s.toClient[res.BreakpointID] = bp.id
	}
	s.mu.Unlock()
	if len(res.Locations) == 0 {
		// Node keeps it, for a script of that URL loaded later.
		s.unresolved(bp, res.BreakpointID, "no script of the new worker has code there")
		return
	}
	s.mu.Lock()
	bp.current = res.BreakpointID
	s.mu.Unlock()
	for _, loc := range res.Locations {
		params, _ := json.Marshal(map[string]any{"breakpointId": bp.id, "location": loc})
		s.write(&message{Method: "Debugger.breakpointResolved", Params: params})
	}
}

// unresolved says in the log that a breakpoint did not resolve in the new worker
// (current is its id there, if Node keeps it all the same). It is kept: a later build
// may have the line again.
func (s *Session) unresolved(bp *breakpoint, current, why string) {
	s.mu.Lock()
	bp.current = current
	where := bp.where()
	s.mu.Unlock()
	s.opts.Log(fmt.Sprintf("breakpoint at %s no longer resolves in the rebuilt %s (%s); it is kept and set again after the next rebuild",
		where, s.opts.Name, why))
}

// where names a breakpoint's place as the user reads it: in the original source when
// there is a map, 1-based.
func (bp *breakpoint) where() string {
	if bp.orig != nil {
		return fmt.Sprintf("%s:%d", filepath.Base(bp.orig.source), bp.orig.line+1)
	}
	name := bp.at.URL
	if name == "" {
		name = bp.at.URLRegex
	}
	return fmt.Sprintf("%s:%d", filepath.Base(name), bp.at.LineNumber+1)
}

// answer and fail answer an editor's request here.
func (s *Session) answer(id json.RawMessage, sessionID string, result json.RawMessage) {
	s.write(&message{ID: id, Result: result, SessionID: sessionID})
}

func (s *Session) fail(id json.RawMessage, sessionID, msg string) {
	e, _ := json.Marshal(map[string]any{"code": -32000, "message": msg})
	s.write(&message{ID: id, Error: e, SessionID: sessionID})
}

func (s *Session) write(m *message) {
	raw, err := json.Marshal(m)
	if err != nil {
		return
	}
	s.client.write(raw)
}

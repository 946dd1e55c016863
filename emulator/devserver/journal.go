package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
)

// recordHook journals one hook or webhook attempt and logs it, with what production
// would make of it the first time each surprising thing happens.
func (s *Server) recordHook(e *journal.Entry) {
	s.journal.add(e)
	s.news.notify("events")
	who := e.Function
	if who == "" {
		who = "webhook " + e.Target
	}
	subject := fmt.Sprintf("%s %s %s", who, e.Event, e.UserEmail)
	outcome, result := term.OK, e.Outcome
	if e.Response != nil {
		result = fmt.Sprintf("%s %d", e.Outcome, e.Response.Status)
	}
	if e.Attempts > 1 && (e.Attempt > 1 || e.Outcome != journal.OutcomePass) {
		result += fmt.Sprintf(" (attempt %d of %d)", e.Attempt, e.Attempts)
	}
	if e.Outcome != journal.OutcomePass {
		outcome = term.Warn
		if e.Error != "" {
			result += ": " + e.Error
		} else if cause := causeOf(e.Response); cause != "" {
			result += ": " + cause
		}
	}
	s.opts.Log.Event(term.KindHook, subject, outcome, result, msDuration(e.DurationMS))
	for _, note := range s.notes.explain(e) {
		s.opts.Log.Event(term.KindHook, who, term.Info, note, 0)
	}
}

// recordInvocation journals a function invoked over HTTP or by dev invoke. A hook's
// invocation, background or not, never comes here: the dispatcher journals it, once,
// as a hook.
func (s *Server) recordInvocation(rec functions.InvocationRecord) {
	e := &journal.Entry{
		ID: tokens.NewOrderedUUID(), Kind: journal.KindFunction, Function: rec.Function,
		Request:    journal.Request{Method: rec.Method, URL: rec.URL, Header: rec.Header, Body: rec.Body},
		Outcome:    journal.OutcomeOK,
		DurationMS: float64(rec.Duration.Microseconds()) / 1000, CreatedAt: nowUTC(),
	}
	if rec.Err != nil {
		e.Outcome, e.Error = journal.OutcomeError, rec.Err.Error()
	}
	if rec.Response != nil && rec.Response.Lambda != nil {
		e.Response = &journal.Response{Status: rec.Status, Body: rec.Response.Lambda}
	} else {
		e.Response = &journal.Response{Status: rec.Status}
	}
	s.journal.add(e)
	s.news.notify("events")
}

// journalWriter writes entries in the background, in batches, so that recording
// costs a request nothing; sync waits until what was added is stored. What waits is
// bounded like the journal itself: when the store falls behind by more than
// journal.MaxBytes, the oldest waiting entries are dropped and counted.
//
// A batch gathers for journalLinger after its first entry, unless a reader syncs
// first: a transaction per call was most of the journal's cost under load (one
// call's entry is a few microseconds to store, its transaction tens), and with the
// writer waking for every call it was most of dev's CPU.
type journalWriter struct {
	store        journal.Store
	log          *term.Logger
	linger       time.Duration
	mu           sync.Mutex
	cond         *sync.Cond
	pending      []*journal.Entry
	pendingBytes int
	dropped      int64
	added        uint64
	written      uint64
	closed       bool
	flush        chan struct{} // a reader waits: write now
	done         chan struct{}
}

// journalLinger is how long a batch of the journal gathers before it is written.
const journalLinger = 50 * time.Millisecond

// A batch is written journalChunk entries to a transaction, with a pause between two.
// dev serve runs its Go code on one thread (internal/procs), and Go looks for requests
// that have arrived only when the running goroutine stops: a whole batch under load
// (hundreds of entries, a few milliseconds of SQLite) held every request back that long.
// A chunk is well under a millisecond, and the pause lets what arrived run.
const (
	journalChunk = 64
	journalPause = 50 * time.Microsecond
)

func newJournalWriter(store journal.Store, log *term.Logger) *journalWriter {
	return startJournalWriter(store, log, journalLinger)
}

func startJournalWriter(store journal.Store, log *term.Logger, linger time.Duration) *journalWriter {
	w := &journalWriter{store: store, log: log, linger: linger, flush: make(chan struct{}, 1), done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

func (w *journalWriter) add(e *journal.Entry) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return // a background call that ended after dev serve did
	}
	kept := journal.Kept(e)
	w.pending = append(w.pending, kept)
	w.pendingBytes += kept.Bytes()
	for w.pendingBytes > journal.MaxBytes && len(w.pending) > 1 {
		w.pendingBytes -= w.pending[0].Bytes()
		w.pending[0] = nil
		w.pending = w.pending[1:]
		w.dropped++
		w.written++ // never to be written: sync must not wait for it
	}
	w.added++
	first := len(w.pending) == 1
	w.mu.Unlock()
	if first {
		w.cond.Broadcast() // the writer waits for a batch's first entry only
	}
}

func (w *journalWriter) loop() {
	defer close(w.done)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		w.mu.Lock()
		for len(w.pending) == 0 && !w.closed {
			w.cond.Wait()
		}
		if len(w.pending) == 0 && w.closed {
			w.mu.Unlock()
			return
		}
		closed := w.closed
		w.mu.Unlock()
		if !closed {
			linger.Reset(w.linger)
			select {
			case <-linger.C:
			case <-w.flush:
				linger.Stop()
			}
		}
		w.mu.Lock()
		batch := w.pending
		w.pending, w.pendingBytes = nil, 0
		w.mu.Unlock()
		for len(batch) > 0 {
			chunk := batch[:min(len(batch), journalChunk)]
			batch = batch[len(chunk):]
			if err := w.store.AddEntries(context.Background(), chunk); err != nil {
				w.log.Event(term.KindServer, "journal", term.Fail, err.Error(), 0)
			}
			w.mu.Lock()
			w.written += uint64(len(chunk))
			w.mu.Unlock()
			w.cond.Broadcast()
			if len(batch) > 0 {
				time.Sleep(journalPause)
			}
		}
	}
}

// sync waits until every entry added so far is stored.
func (w *journalWriter) sync() {
	w.mu.Lock()
	defer w.mu.Unlock()
	target := w.added
	if w.written < target {
		w.wake()
	}
	for w.written < target {
		w.cond.Wait()
	}
}

// wake ends the current batch's linger.
func (w *journalWriter) wake() {
	select {
	case w.flush <- struct{}{}:
	default:
	}
}

// droppedWaiting is how many entries were dropped before the store took them.
func (w *journalWriter) droppedWaiting() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dropped
}

// close writes what is pending and stops.
func (w *journalWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wake()
	w.cond.Broadcast()
	<-w.done
}

// notes says, once per cause, what production does that would surprise a developer.
type notes struct {
	mu   sync.Mutex
	said map[string]bool
}

func (n *notes) once(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.said == nil {
		n.said = map[string]bool{}
	}
	if n.said[key] {
		return false
	}
	n.said[key] = true
	return true
}

// retried says, once per function, that a rejecting hook is called again.
func (n *notes) retried(who string, e *journal.Entry) []string {
	if e.Attempt == 1 && e.Attempts > 1 && n.once("retry:"+who) {
		return []string{fmt.Sprintf("%s answered %d: production calls it again at once, %d times in all, so side effects (mail, database writes) happen %d times", who, e.Response.Status, e.Attempts, e.Attempts)}
	}
	return nil
}

func (n *notes) explain(e *journal.Entry) []string {
	who := e.Function
	if who == "" {
		who = "the webhook"
	}
	var out []string
	rule, known := identity.RuleOf(identity.Event(e.Event))
	if known && !rule.Blocking && e.Outcome != journal.OutcomePass {
		// Sent after the change is saved (spec §6.5): retried like any hook, but its
		// failure never reaches the client.
		if e.Outcome == journal.OutcomeReject {
			out = append(out, n.retried(who, e)...)
		}
		if e.Attempt == e.Attempts && n.once("nonblocking:"+who) {
			out = append(out, fmt.Sprintf("%s failed (%s): production only logs a failed %s hook; the admin's request still succeeds", who, e.Outcome, e.Event))
		}
		return out
	}
	switch e.Outcome {
	case journal.OutcomeDeny:
		if n.once("deny:" + who) {
			out = append(out, fmt.Sprintf("%s called event.deny(): the %s is refused at once, not retried, and the client gets 401 (as Netlify documents; --deny-profile gotrue gives public GoTrue's retries and 422)", who, operationOf(rule, e.Event)))
		}
	case journal.OutcomeReject:
		out = append(out, n.retried(who, e)...)
		if e.Attempt == e.Attempts && n.once("reject:"+who) {
			msg := fmt.Sprintf("%s rejected the %s (status %d, attempt %d of %d): the client gets 422 \"Failed to handle signup webhook\"", who, operationOf(rule, e.Event), e.Response.Status, e.Attempt, e.Attempts)
			if len(strings.TrimSpace(string(e.Response.Body))) > 0 {
				msg += "; your function's message never reaches the browser in production"
			}
			out = append(out, msg)
		}
	case journal.OutcomeTimeout:
		if n.once("timeout:" + who) {
			out = append(out, fmt.Sprintf("%s did not answer within the hook time limit: production tries again and, after the last attempt, the client gets 504 \"Failed to perform webhook in time frame\"", who))
		}
	case journal.OutcomePass:
		body := strings.TrimSpace(string(e.Response.Body))
		if body == "" {
			break
		}
		var answer map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &answer) != nil {
			if n.once("nonjson:" + who) {
				out = append(out, fmt.Sprintf("%s answered %d with a body that is not JSON: production fails the operation with 500 \"Webhook returned malformed JSON\"; answer 204, or 200 with a JSON object", who, e.Response.Status))
			}
			break
		}
		if raw, ok := answer["app_metadata"]; ok && string(raw) != "null" {
			var app map[string]any
			if json.Unmarshal(raw, &app) == nil {
				if _, has := app["provider"]; !has && n.once("provider:"+who) {
					out = append(out, fmt.Sprintf("%s returned app_metadata without provider: production replaces the whole map, so provider is gone; copy user.app_metadata and add to it", who))
				}
			}
		}
		if msDuration(e.DurationMS) > identity.HookTimeout-time.Second && n.once("slow:"+who) {
			out = append(out, fmt.Sprintf("%s took %.1fs: production gives up after %s and tries again", who, e.DurationMS/1000, identity.HookTimeout))
		}
	}
	return out
}

func nowUTC() time.Time { return time.Now().UTC() }

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// operationOf names what an event's rejection refuses.
func operationOf(rule identity.EventRule, event string) string {
	if rule.Operation == "" {
		return event
	}
	return rule.Operation
}

// hookSkipped says, once per function, that the 2024 profile kept it out of an
// external sign-in.
func (s *Server) hookSkipped(event identity.Event, function, provider string) {
	if !s.notes.once("skipped:" + function) {
		return
	}
	s.opts.Log.Event(term.KindHook, function, term.Info, fmt.Sprintf(
		"not called for this %s sign-in: under --gotrue-profile 2024 (production before March 2026) external providers reached only the outgoing webhook, never identity-* functions", provider), 0)
}

// causeOf says in a few words why a hook was refused, so that the log line shows it
// without dev events show: a function's error (type, message and where it was thrown
// in the site's files), else the start of the body it answered.
func causeOf(r *journal.Response) string {
	if r == nil || r.Status < 300 || len(r.Body) == 0 {
		return ""
	}
	var fe struct {
		Type    string   `json:"errorType"`
		Message string   `json:"errorMessage"`
		Trace   []string `json:"trace"`
	}
	if json.Unmarshal(r.Body, &fe) == nil && (fe.Type != "" || fe.Message != "") {
		cause := strings.TrimSpace(fe.Type + ": " + fe.Message)
		for _, line := range fe.Trace {
			if at := strings.TrimSpace(line); strings.HasPrefix(at, "at ") && !strings.Contains(at, "node:") && !strings.Contains(at, "node_modules") {
				if i := strings.LastIndex(at, "("); i >= 0 {
					at = "at " + strings.TrimSuffix(at[i+1:], ")")
				}
				return cause + " " + at
			}
		}
		return cause
	}
	body := strings.Join(strings.Fields(string(r.Body)), " ")
	if len(body) > 160 {
		body = body[:157] + "..."
	}
	return fmt.Sprintf("it answered %q", body)
}

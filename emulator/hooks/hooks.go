// Package hooks delivers identity events the way GoTrue does: the request production
// sends ({"event","instance_id","user"}, X-Netlify-Event, X-Webhook-Signature), the
// attempts and time limit, and what the answer means (pass, block, replace metadata).
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/tokens"
)

// Production's defaults for webhook.retries and webhook.timeout_sec.
const (
	DefaultAttempts = identity.HookAttempts
	DefaultTimeout  = identity.HookTimeout
)

// functionsPrefix is where GoTrue sends function hooks (functions.Prefix, which this
// package reaches only through Functions).
const functionsPrefix = "/.netlify/functions/"

// Webhook is an outgoing webhook: while its URL is set it replaces the function hooks.
type Webhook struct {
	URL    string
	Secret string   // signs X-Webhook-Signature; none is sent without it
	Events []string // of validate, signup, login
}

// Functions is where function hooks go: the site's identity-* functions.
type Functions interface {
	Has(name string) bool
	// Held reports that a debugger holds the function: its hook attempts have no time
	// limit.
	Held(name string) bool
	// Built waits for the function's build under way, if any, and returns its error
	// (or ctx's). Production's functions are built before any hook can reach them, so
	// the time a hook attempt is given starts after it.
	Built(ctx context.Context, name string) error
	// InvokeHook sends the hook request to the function and answers as Netlify's edge
	// answers GoTrue: a status, headers and body; an error only when ctx ended.
	InvokeHook(ctx context.Context, name string, header http.Header, body []byte) (int, http.Header, []byte, error)
	// Subscribers are the functions whose default export handles an event (typed
	// handlers: userSignup for identity_signup), in the order they are called.
	Subscribers(netlifyEvent string) []string
}

// Deny profiles: what the end user gets when a typed handler calls event.deny().
const (
	// DenyDocumented is what Netlify documents to its users (the types of
	// @netlify/functions and its Identity guidance): 401 at once, the chain ends.
	DenyDocumented = "documented"
	// DenyGoTrue is what public GoTrue's code does with any 401: it is retried like any
	// failure, then the operation fails 422 "Failed to handle signup webhook".
	DenyGoTrue = "gotrue"
)

// Dispatcher implements identity.Hooks: the outgoing webhook when one is set,
// otherwise the identity-{event} functions (and their -background variants), signed
// with the instance secret, as production does.
type Dispatcher struct {
	InstanceID string
	Secret     string // the instance JWT secret, which signs function hook requests
	Functions  Functions
	Webhook    *Webhook
	Attempts   int              // DefaultAttempts when 0
	Timeout    time.Duration    // DefaultTimeout when 0
	Record     journal.Recorder // hears every attempt
	// Profile "2024" reproduces GoTrue before March 2026: external (OAuth) sign-ins did
	// not reach function hooks, only the webhook. "current" (or "") fires them.
	Profile string
	// Skipped hears about a function hook the 2024 profile did not call.
	Skipped func(event identity.Event, function, provider string)
	// Deny is DenyDocumented (or "") or DenyGoTrue.
	Deny string
}

// target is one place an event goes.
type target struct {
	kind     journal.Kind
	function string // for function hooks
	typed    bool   // the function's default export handles the event: its 401 is a deny
	url      string // for the webhook
	secret   string
}

var _ identity.Hooks = (*Dispatcher)(nil)

// WebhookResponse is what a hook may answer: maps that replace the user's.
type WebhookResponse struct {
	AppMetaData  map[string]any `json:"app_metadata,omitempty"`
	UserMetaData map[string]any `json:"user_metadata,omitempty"`
}

// Trigger delivers event to each of its targets in turn; the first failure ends it.
// A later target sees the user as the earlier ones changed it.
func (d *Dispatcher) Trigger(ctx context.Context, event identity.Event, user *identity.User) (*identity.HookResult, error) {
	targets := d.targets(ctx, event)
	if len(targets) == 0 {
		return nil, nil
	}
	return d.chain(ctx, event, targets, user, nil)
}

// chain delivers event to targets in turn; the first failure ends it, and a later
// target sees the user as the earlier ones changed it. The first gets body when it is
// given, the others (and the first without it) GoTrue's body for the user.
func (d *Dispatcher) chain(ctx context.Context, event identity.Event, targets []target, user *identity.User, body []byte) (*identity.HookResult, error) {
	var merged *identity.HookResult
	u := user.Clone()
	for i, t := range targets {
		if i > 0 || body == nil {
			var err error
			body, err = json.Marshal(identity.HookBody{Event: event, InstanceID: d.InstanceID, User: u})
			if err != nil {
				return nil, fmt.Errorf("encode %s hook body: %w", event, err)
			}
		}
		res, err := d.deliver(ctx, event, t, u, body)
		if err != nil {
			return nil, err
		}
		if res != nil {
			if merged == nil {
				merged = &identity.HookResult{}
			}
			if res.AppMetaData != nil {
				merged.AppMetaData, u.AppMetaData = res.AppMetaData, res.AppMetaData
			}
			if res.UserMetaData != nil {
				merged.UserMetaData, u.UserMetaData = res.UserMetaData, res.UserMetaData
			}
		}
	}
	return merged, nil
}

// targets are where event goes: the webhook alone while one is set, else the functions.
func (d *Dispatcher) targets(ctx context.Context, event identity.Event) []target {
	if d.Webhook != nil && d.Webhook.URL != "" {
		if !d.subscribed(event) {
			return nil
		}
		return []target{{kind: journal.KindWebhook, url: d.Webhook.URL, secret: d.Webhook.Secret}}
	}
	rule, ok := identity.RuleOf(event)
	if d.Functions == nil || !ok {
		return nil
	}
	// The identity-{event} functions first, as before typed handlers existed, then every
	// other function whose default export handles the event, by name.
	subscribers := d.Functions.Subscribers(rule.NetlifyEvent)
	var names []string
	for _, name := range rule.Functions() {
		if d.Functions.Has(name) {
			names = append(names, name)
		}
	}
	for _, name := range subscribers {
		if name != rule.Function && name != rule.Function+identity.BackgroundSuffix {
			names = append(names, name)
		}
	}
	var out []target
	for _, name := range names {
		if provider := identity.ExternalProvider(ctx); provider != "" && d.Profile == "2024" {
			if d.Skipped != nil {
				d.Skipped(event, name, provider)
			}
			continue
		}
		out = append(out, d.functionTarget(name, event))
	}
	return out
}

func (d *Dispatcher) subscribed(event identity.Event) bool {
	for _, e := range d.Webhook.Events {
		if strings.TrimSpace(e) == string(event) {
			return true
		}
	}
	return false
}

// deliver makes up to Attempts attempts: 200, 202 and 204 pass; any other status and
// a timeout are tried again at once; a connection failure ends it.
func (d *Dispatcher) deliver(ctx context.Context, event identity.Event, t target, user *identity.User, body []byte) (*identity.HookResult, error) {
	attempts, timeout := d.Attempts, d.Timeout
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Signed once: each attempt sends the same request again, as GoTrue does.
	header, err := d.header(event, t.secret, body)
	if err != nil {
		return nil, err
	}
	for i := 0; i < attempts; i++ {
		start := time.Now()
		var payload []byte
		var status int
		var respHeader http.Header
		var err error
		if t.kind == journal.KindHook {
			payload, status, respHeader, err = d.attemptFunction(ctx, t.function, header, body, timeout)
		} else {
			payload, status, respHeader, err = d.attempt(ctx, t.url, header, body, timeout)
		}
		d.record(event, t, user, i+1, attempts, header, body, status, respHeader, payload, err, time.Since(start))
		switch {
		case err != nil && isTimeout(err):
			if i == attempts-1 {
				return nil, identity.HookError(http.StatusGatewayTimeout, fmt.Sprintf("Failed to perform webhook in time frame (%v seconds)", timeout.Seconds()), err)
			}
			continue
		case err != nil:
			return nil, err
		case passes(status):
			return parseAnswer(payload)
		case d.denies(t, status):
			return nil, identity.HookError(http.StatusUnauthorized, DeniedMessage, nil)
		}
	}
	return nil, identity.HookError(http.StatusUnprocessableEntity, "Failed to handle signup webhook", nil)
}

// DeniedMessage is the error message the end user gets when a typed handler denies
// (under DenyDocumented). Netlify does not publish it; this one says what happened.
const DeniedMessage = "Denied by an identity event handler"

// denies reports a typed handler's event.deny() (a 401 from a typed target) under the
// documented profile.
func (d *Dispatcher) denies(t target, status int) bool {
	return t.typed && status == http.StatusUnauthorized && d.Deny != DenyGoTrue
}

// passes reports a status that lets the operation go on.
func passes(status int) bool {
	return status == http.StatusOK || status == http.StatusAccepted || status == http.StatusNoContent
}

type timeoutError struct{ error }

func isTimeout(err error) bool {
	var t timeoutError
	return errors.As(err, &t)
}

// header is the request's headers: GoTrue's, signed when there is a secret.
func (d *Dispatcher) header(event identity.Event, secret string, body []byte) (http.Header, error) {
	rule, ok := identity.RuleOf(event)
	if !ok {
		return nil, fmt.Errorf("%q is not an identity event", event)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Netlify-Event", rule.NetlifyEvent)
	if secret != "" {
		sig, err := tokens.SignWebhook(secret, d.InstanceID, body, time.Now())
		if err != nil {
			return nil, identity.HookError(http.StatusInternalServerError, "Failed build signing string", err)
		}
		h.Set("X-Webhook-Signature", sig)
	}
	return h, nil
}

// attempt sends the request to the webhook once, answering the body and status, or an
// error in GoTrue's shape (502 when no connection was made, 500 when it broke mid-way).
func (d *Dispatcher) attempt(ctx context.Context, url string, header http.Header, body []byte, timeout time.Duration) ([]byte, int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	gotConn := false
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn = true }})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, nil, identity.HookError(http.StatusInternalServerError, "Failed to make request object", err)
	}
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, 0, nil, timeoutError{err}
		}
		if gotConn {
			return nil, 0, nil, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+url, err)
		}
		return nil, 0, nil, identity.HookError(http.StatusBadGateway, "Failed to connect to "+url, err)
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, nil, timeoutError{err}
		}
		return nil, 0, nil, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+url, err)
	}
	return payload, resp.StatusCode, resp.Header, nil
}

// attemptFunction invokes a function hook once.
func (d *Dispatcher) attemptFunction(ctx context.Context, name string, header http.Header, body []byte, timeout time.Duration) ([]byte, int, http.Header, error) {
	// A build's time is dev's, not the attempt's: a signup right after dev serve starts
	// waits for a Go function's go build instead of timing out. A failed build is left
	// for the call to answer, as it answers any request.
	if err := d.Functions.Built(ctx, name); err != nil && ctx.Err() != nil {
		return nil, 0, nil, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+functionsPrefix+name, ctx.Err())
	}
	if !d.Functions.Held(name) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// What Go's HTTP client adds on the wire, as the function sees it in production.
	header = header.Clone()
	header.Set("User-Agent", "Go-http-client/1.1")
	header.Set("Accept-Encoding", "gzip")
	header.Set("Content-Length", strconv.Itoa(len(body)))
	status, respHeader, payload, err := d.Functions.InvokeHook(ctx, name, header, body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, nil, timeoutError{err}
		}
		return nil, 0, nil, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+functionsPrefix+name, err)
	}
	return payload, status, respHeader, nil
}

// record writes one attempt to the journal.
func (d *Dispatcher) record(event identity.Event, t target, user *identity.User, attempt, attempts int, header http.Header, body []byte,
	status int, respHeader http.Header, payload []byte, err error, took time.Duration) {
	if d.Record == nil {
		return
	}
	e := &journal.Entry{
		ID: tokens.NewOrderedUUID(), Kind: t.kind, Event: string(event), Function: t.function, Target: t.url,
		UserID: user.ID, UserEmail: user.Email, Attempt: attempt, Attempts: attempts,
		Request:    journal.Request{Method: http.MethodPost, URL: t.url, Header: header, Body: body},
		DurationMS: float64(took.Microseconds()) / 1000, CreatedAt: time.Now().UTC(),
	}
	switch {
	case err != nil:
		e.Outcome, e.Error = journal.OutcomeError, err.Error()
		if isTimeout(err) {
			e.Outcome = journal.OutcomeTimeout
		}
	case passes(status):
		e.Outcome = journal.OutcomePass
	case d.denies(t, status):
		e.Outcome = journal.OutcomeDeny
	default:
		e.Outcome = journal.OutcomeReject
	}
	if err == nil {
		e.Response = &journal.Response{Status: status, Header: respHeader, Body: payload}
	}
	d.Record(e)
}

// parseAnswer reads a passing answer: empty means no change; otherwise it must be JSON.
func parseAnswer(payload []byte) (*identity.HookResult, error) {
	if len(payload) == 0 {
		return nil, nil
	}
	var rsp WebhookResponse
	if err := json.NewDecoder(bytes.NewReader(payload)).Decode(&rsp); err != nil {
		// GoTrue's type lives in its api package; say what it says.
		msg := strings.ReplaceAll(err.Error(), "hooks.WebhookResponse", "api.WebhookResponse")
		return nil, identity.HookError(http.StatusInternalServerError, "Webhook returned malformed JSON: "+msg, err)
	}
	return &identity.HookResult{AppMetaData: rsp.AppMetaData, UserMetaData: rsp.UserMetaData}, nil
}

// functionTarget is the function hook target for the function name.
// A function whose default export handles the event is a typed target.
func (d *Dispatcher) functionTarget(name string, event identity.Event) target {
	t := target{kind: journal.KindHook, function: name, url: functionsPrefix + name, secret: d.Secret}
	if rule, ok := identity.RuleOf(event); ok && d.Functions != nil {
		for _, sub := range d.Functions.Subscribers(rule.NetlifyEvent) {
			t.typed = t.typed || sub == name
		}
	}
	return t
}

// Replay sends a journaled hook or webhook request again, once, re-signed with a new
// iat (and to another function when function is set), records the attempt and
// returns its entry.
func (d *Dispatcher) Replay(ctx context.Context, old *journal.Entry, function string) (*journal.Entry, error) {
	t := target{kind: old.Kind, function: old.Function, url: old.Target}
	switch {
	case function != "":
		if d.Functions == nil || !d.Functions.Has(function) {
			return nil, fmt.Errorf("no function %q to replay to", function)
		}
		t = d.functionTarget(function, identity.Event(old.Event))
	case old.Kind == journal.KindHook:
		if d.Functions == nil || !d.Functions.Has(old.Function) {
			return nil, fmt.Errorf("function %q is gone; replay to another with --function", old.Function)
		}
		t = d.functionTarget(old.Function, identity.Event(old.Event))
	case old.Kind == journal.KindWebhook:
		if d.Webhook != nil && d.Webhook.URL == old.Target {
			t.secret = d.Webhook.Secret
		}
	default:
		return nil, fmt.Errorf("entry %s is a %s, not a hook delivery", old.ID, old.Kind)
	}
	body, err := old.FullRequestBody()
	if err != nil {
		return nil, fmt.Errorf("entry %s cannot be sent again: %w", old.ID, err)
	}
	var recorded *journal.Entry
	record := d.Record
	d2 := *d
	d2.Record = func(e *journal.Entry) {
		e.ReplayOf = old.ID
		recorded = e
		if record != nil {
			record(e)
		}
	}
	d2.Attempts = 1
	user := &identity.User{ID: old.UserID, Email: old.UserEmail}
	_, err = d2.deliver(ctx, identity.Event(old.Event), t, user, body)
	if recorded == nil {
		return nil, err
	}
	return recorded, nil
}

// DeliverTo sends body for event to one function with production's attempts and time
// limit, as if it were the event's only hook, and returns every attempt and what the
// identity operation would make of it.
func (d *Dispatcher) DeliverTo(ctx context.Context, function string, event identity.Event, user *identity.User, body []byte) ([]*journal.Entry, *identity.HookResult, error) {
	if d.Functions == nil || !d.Functions.Has(function) {
		return nil, nil, fmt.Errorf("no function %q", function)
	}
	var attempts []*journal.Entry
	d2 := *d
	d2.Record = func(e *journal.Entry) {
		attempts = append(attempts, e)
		if d.Record != nil {
			d.Record(e)
		}
	}
	res, err := d2.deliver(ctx, event, d.functionTarget(function, event), user, body)
	return attempts, res, err
}

// DeliverAll delivers an identity event as production would to every function that
// receives it (the identity-{event} functions, then the typed subscribers), in order,
// each seeing the answers before it: the first gets body, the others GoTrue's body for
// the user as it then is. The outgoing webhook is left out. Every attempt is recorded
// and returned; the error is the first failure, as the client would get it.
func (d *Dispatcher) DeliverAll(ctx context.Context, event identity.Event, user *identity.User, body []byte) ([]*journal.Entry, *identity.HookResult, error) {
	var attempts []*journal.Entry
	d2 := *d
	d2.Webhook = nil
	d2.Record = func(e *journal.Entry) {
		attempts = append(attempts, e)
		if d.Record != nil {
			d.Record(e)
		}
	}
	targets := d2.targets(ctx, event)
	if len(targets) == 0 {
		return nil, nil, fmt.Errorf("no function receives %s", event)
	}
	res, err := d2.chain(ctx, event, targets, user, body)
	return attempts, res, err
}

// Receivers are the functions an event goes to, in the order they are called; none
// while the outgoing webhook replaces them.
func (d *Dispatcher) Receivers(ctx context.Context, event identity.Event) []string {
	if d.Webhook != nil && d.Webhook.URL != "" {
		return nil
	}
	var out []string
	for _, t := range d.targets(ctx, event) {
		out = append(out, t.function)
	}
	return out
}

package invoke

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/mockdata"
)

// Request is what to invoke and with what.
type Request struct {
	Function string           `json:"function"`
	Payload  json.RawMessage  `json:"payload,omitempty"` // identity-*: the payload given; else a Lambda event
	Mock     mockdata.Options `json:"mock"`              // identity-* without a payload
	Method   string           `json:"method,omitempty"`
	Path     string           `json:"path,omitempty"` // after /.netlify/functions/NAME
	Query    string           `json:"query,omitempty"`
	Headers  []string         `json:"headers,omitempty"` // "Name: value"
	Body     string           `json:"body,omitempty"`
	As       string           `json:"as,omitempty"` // an email: the request carries that user's token
	// Event picks the identity event for a function with typed handlers that handles
	// several: a method name (userSignup) or an event (signup, identity_signup).
	Event string `json:"event,omitempty"`
}

// Env is where the function runs: dev serve's, or one made for a single invocation.
type Env struct {
	Mode       string // "standalone" or "server"
	Functions  *functions.Server
	Hooks      *hooks.Dispatcher
	InstanceID string
	// Token is an access token for the user with this email (--as).
	Token func(ctx context.Context, email string) (string, error)
}

// Result is what happened, and for identity events what production would do with it.
type Result struct {
	Function    string            `json:"function"`
	Mode        string            `json:"mode"`
	Event       string            `json:"event,omitempty"`
	PayloadKind string            `json:"payload_kind,omitempty"`
	Warnings    []string          `json:"warnings"`
	Request     journal.Request   `json:"request"`
	Attempts    []*journal.Entry  `json:"attempts,omitempty"`
	Response    *journal.Response `json:"response,omitempty"`
	DurationMS  float64           `json:"duration_ms"`
	Verdict     Verdict           `json:"verdict"`
	// Client is what the browser would get from the identity operation when it blocks.
	Client     *ClientAnswer  `json:"client,omitempty"`
	UserBefore *identity.User `json:"user_before,omitempty"`
	UserAfter  *identity.User `json:"user_after,omitempty"`
	Changes    []string       `json:"changes"`
}

// Verdict sums up an invocation: for identity events whether production goes on, for
// other functions whether they worked.
type Verdict string

const (
	VerdictPass  Verdict = "pass"  // an identity event: production goes on
	VerdictBlock Verdict = "block" // an identity event: production refuses the operation
	VerdictOK    Verdict = "ok"    // a plain function answered below 500
	VerdictError Verdict = "error" // a plain function failed: 500 or more
)

// ClientAnswer is a status and body the client gets.
type ClientAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// ExitCode is dev invoke's: 0 when the function worked and would not block.
func (r *Result) ExitCode() int {
	if r.Verdict == VerdictPass || r.Verdict == VerdictOK {
		return 0
	}
	return 1
}

// Run invokes the function once (for identity events: with production's attempts).
//
// NAME is a function, or a typed handler's method (userSignup): then the event goes,
// as production sends it, to every function that receives it, in production's order.
func Run(ctx context.Context, env Env, req Request) (*Result, error) {
	if !env.Functions.Has(req.Function) {
		if rule, ok := ruleOfMethod(req.Function); ok {
			return runChain(ctx, env, req, rule)
		}
		return nil, fmt.Errorf("no function %q in this site (dev serve's GET /.netlify/dev/api/functions lists them)", req.Function)
	}
	if err := built(ctx, env, req.Function); err != nil {
		return nil, err
	}
	event, ok := identity.EventOfFunction(req.Function)
	if declared, _ := env.Functions.DeclaredBy(req.Function); len(declared.Events) > 0 && (!ok || req.Event != "") {
		var err error
		if event, err = typedEvent(req, declared); err != nil {
			return nil, err
		}
		ok = true
	}
	if ok {
		return runHook(ctx, env, req, event, func(user *identity.User, body []byte) ([]*journal.Entry, *identity.HookResult, error) {
			return env.Hooks.DeliverTo(ctx, req.Function, event, user, body)
		})
	}
	return runHTTP(ctx, env, req)
}

// built waits for a function's build. A function that does not build is said to be so,
// with the build's output, before it is read as a function that refused or failed.
func built(ctx context.Context, env Env, name string) error {
	var be *functions.BuildError
	if err := env.Functions.Built(ctx, name); errors.As(err, &be) {
		return fmt.Errorf("%s does not build, so it was not run:\n%s", name, strings.TrimSpace(be.Output))
	} else if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	return nil
}

// ruleOfMethod is the rule of the event a typed handler's method handles.
func ruleOfMethod(method string) (identity.EventRule, bool) {
	for _, r := range identity.Events {
		if r.Method == method {
			return r, true
		}
	}
	return identity.EventRule{}, false
}

// IsEventMethod reports a typed handler's method name (userSignup), which Run takes as
// the name of every function that receives its event.
func IsEventMethod(name string) bool {
	_, ok := ruleOfMethod(name)
	return ok
}

// typedEvent is the event to send to a function with typed handlers: --event's, or
// the one it handles.
func typedEvent(req Request, declared functions.Declared) (identity.Event, error) {
	var methods []string
	for _, r := range identity.Events {
		if declared.Handles(r.NetlifyEvent) {
			methods = append(methods, r.Method)
		}
	}
	if req.Event == "" {
		if len(methods) == 1 {
			rule, _ := ruleOfMethod(methods[0])
			return rule.Event, nil
		}
		return "", fmt.Errorf("%s handles %s: say which with --event", req.Function, strings.Join(methods, ", "))
	}
	event, err := mockdata.ParseEvent(req.Event)
	if err != nil {
		return "", fmt.Errorf("--event: %w", err)
	}
	rule, _ := identity.RuleOf(event)
	if !declared.Handles(rule.NetlifyEvent) {
		if _, legacy := identity.EventOfFunction(req.Function); !legacy {
			return "", fmt.Errorf("%s does not handle %s: it handles %s", req.Function, rule.Method, strings.Join(methods, ", "))
		}
	}
	return event, nil
}

// runChain sends an event to every function that receives it, as production does.
func runChain(ctx context.Context, env Env, req Request, rule identity.EventRule) (*Result, error) {
	if env.Hooks == nil {
		return nil, fmt.Errorf("no functions to send %s to", rule.Method)
	}
	for _, name := range append(rule.Functions(), env.Functions.Subscribers(rule.NetlifyEvent)...) {
		if env.Functions.Has(name) {
			if err := built(ctx, env, name); err != nil {
				return nil, err
			}
		}
	}
	return runHook(ctx, env, req, rule.Event, func(user *identity.User, body []byte) ([]*journal.Entry, *identity.HookResult, error) {
		return env.Hooks.DeliverAll(ctx, rule.Event, user, body)
	})
}

// deliverFunc sends the hook request and returns every attempt and the answer.
type deliverFunc func(user *identity.User, body []byte) ([]*journal.Entry, *identity.HookResult, error)

func runHook(ctx context.Context, env Env, req Request, event identity.Event, deliver deliverFunc) (*Result, error) {
	res := &Result{Function: req.Function, Mode: env.Mode, Event: string(event), Warnings: []string{}, Changes: []string{}}
	var p *hookPayload
	var err error
	if len(req.Payload) > 0 {
		p, err = readHookPayload(req.Payload, event, env.InstanceID)
		if err != nil {
			return nil, err
		}
	} else {
		mock := req.Mock
		mock.InstanceID = env.InstanceID
		body, user, err := mockdata.Body(event, mock)
		if err != nil {
			return nil, err
		}
		p = &hookPayload{Kind: KindMock, Body: body, User: user}
	}
	res.PayloadKind, res.Warnings = p.Kind, append(res.Warnings, p.Warnings...)
	start := time.Now()
	attempts, answer, err := deliver(p.User, p.Body)
	res.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	res.Attempts = attempts
	if len(attempts) > 0 {
		last := attempts[len(attempts)-1]
		res.Request, res.Response = last.Request, last.Response
	}
	res.UserBefore = p.User
	rule, _ := identity.RuleOf(event)
	var he *identity.HTTPError
	switch {
	case err != nil && errors.As(err, &he):
		res.Verdict = VerdictBlock
		if !rule.Blocking {
			res.Verdict = VerdictPass
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s failed (%s), which production only logs: it never blocks", rule.Function, he.Message))
			break
		}
		b, _ := json.Marshal(he)
		res.Client = &ClientAnswer{Status: he.Code, Body: string(b)}
	case err != nil:
		return nil, err
	default:
		res.Verdict = VerdictPass
		after := p.User.Clone()
		if answer != nil && rule.Answered {
			if answer.AppMetaData != nil {
				after.AppMetaData = answer.AppMetaData
			}
			if answer.UserMetaData != nil {
				after.UserMetaData = answer.UserMetaData
			}
		}
		res.UserAfter = after
		res.Changes = diffMaps(p.User, after)
	}
	return res, nil
}

// runHTTP invokes a plain function with a request built from the flags, as dev
// serve's /.netlify/functions/NAME would (functions.Server.Call).
func runHTTP(ctx context.Context, env Env, req Request) (*Result, error) {
	if len(req.Payload) > 0 {
		if err := fromLambdaEvent(&req); err != nil {
			return nil, err
		}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
		if req.Body != "" {
			method = http.MethodPost
		}
	}
	if req.Path != "" && !strings.HasPrefix(req.Path, "/") {
		return nil, fmt.Errorf("--path %q: write what follows /.netlify/functions/%s, starting with \"/\"", req.Path, req.Function)
	}
	query := strings.TrimPrefix(req.Query, "?")
	target := functions.Prefix + req.Function + req.Path
	if query != "" {
		target += "?" + query
	}
	header := http.Header{}
	for _, h := range req.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("--header %q: write it as \"Name: value\"", h)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if req.As != "" {
		tok, err := env.Token(ctx, req.As)
		if err != nil {
			return nil, err
		}
		header.Set("Authorization", "Bearer "+tok)
	}
	if req.Body != "" && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	res := &Result{Function: req.Function, Mode: env.Mode, Warnings: []string{}, Changes: []string{},
		Request: journal.Request{Method: method, URL: target, Header: header.Clone(), Body: []byte(req.Body)}}
	start := time.Now()
	a, err := env.Functions.Call(ctx, req.Function, functions.CallRequest{
		Method: method, Path: req.Path, Query: query, Header: header, Body: []byte(req.Body), Host: "127.0.0.1"})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", req.Function, err)
	}
	res.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	res.Response = &journal.Response{Status: a.Status, Header: a.Header, Body: a.Body}
	res.Verdict = VerdictOK
	if a.Status >= http.StatusInternalServerError {
		res.Verdict = VerdictError
	}
	return res, nil
}

// diffMaps lists how the answer changed the user's maps: production replaces each map
// the answer names.
func diffMaps(before, after *identity.User) []string {
	var out []string
	for _, m := range []struct {
		name string
		a, b map[string]any
	}{{"app_metadata", before.AppMetaData, after.AppMetaData}, {"user_metadata", before.UserMetaData, after.UserMetaData}} {
		keys := map[string]bool{}
		for k := range m.a {
			keys[k] = true
		}
		for k := range m.b {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			va, inA := m.a[k]
			vb, inB := m.b[k]
			ja, _ := json.Marshal(va)
			jb, _ := json.Marshal(vb)
			switch {
			case inA && !inB:
				out = append(out, fmt.Sprintf("- %s.%s: %s", m.name, k, ja))
			case !inA && inB:
				out = append(out, fmt.Sprintf("+ %s.%s: %s", m.name, k, jb))
			case string(ja) != string(jb):
				out = append(out, fmt.Sprintf("~ %s.%s: %s → %s", m.name, k, ja, jb))
			}
		}
	}
	return out
}

// fromLambdaEvent takes method, path, query, headers and body from a Lambda event
// given as --payload to a plain function.
func fromLambdaEvent(req *Request) error {
	var ev functions.Event
	if err := json.Unmarshal(req.Payload, &ev); err != nil || ev.HTTPMethod == "" {
		return fmt.Errorf("--payload for %s must be a Lambda event (with httpMethod, path, headers, body): dev payload lambda-event prints one", req.Function)
	}
	req.Method = ev.HTTPMethod
	if rest, ok := strings.CutPrefix(ev.Path, functions.Prefix+req.Function); ok {
		req.Path = rest
	}
	req.Query = ev.RawQuery
	if req.Query == "" && len(ev.MultiValueQueryStringParameters) > 0 {
		req.Query = url.Values(ev.MultiValueQueryStringParameters).Encode()
	}
	req.Headers = nil
	for k, vs := range ev.MultiValueHeaders {
		if isEdgeHeader(k) {
			continue
		}
		for _, v := range vs {
			req.Headers = append(req.Headers, k+": "+v)
		}
	}
	sort.Strings(req.Headers)
	req.Body = ev.Body
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return fmt.Errorf("the Lambda event says isBase64Encoded but its body is not base64: %w", err)
		}
		req.Body = string(b)
	}
	return nil
}

// isEdgeHeader reports headers the runner adds itself.
func isEdgeHeader(name string) bool {
	switch name {
	case "host", "client-ip", "x-nf-client-connection-ip", "x-nf-request-id", "content-length":
		return true
	}
	return strings.HasPrefix(name, "x-nf-") || name == "x-country"
}

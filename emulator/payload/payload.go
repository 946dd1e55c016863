// Package payload makes what production sends a function, for dev payload and for the
// people who write fixtures: the body GoTrue POSTs to identity functions, with a mock
// user at the event's moment, the Lambda event of a plain function call, and their
// JSON Schemas.
package payload

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/fixtures"
	"github.com/identity-dev/dev/mockdata"
)

// Mock says who the mock user is.
type Mock = mockdata.Options

// LambdaEvent names the payload of a plain function call.
const LambdaEvent = "lambda-event"

// Names are the payloads dev payload makes, in the order it lists them.
func Names() []string {
	var out []string
	for _, r := range identity.Events {
		out = append(out, r.Function)
	}
	return append(out, LambdaEvent)
}

// Methods are the methods of typed identity handlers (userSignup, ...), which name
// their events as the identity-* names do.
func Methods() []string {
	var out []string
	for _, r := range identity.Events {
		out = append(out, r.Method)
	}
	return out
}

// Request is a plain function call to describe as a Lambda event.
type Request struct {
	Method  string
	Path    string
	Query   []string // name=value
	Headers []string // "Name: value"
	Body    string
}

// Hook is the body GoTrue POSTs for an identity event (identity-signup, signup, ...).
func Hook(name string, m Mock) ([]byte, error) {
	event, err := mockdata.ParseEvent(name)
	if err != nil {
		return nil, fmt.Errorf("%w, or %s", err, LambdaEvent)
	}
	body, _, err := mockdata.Body(event, m)
	return body, err
}

// Lambda is the Lambda event a plain function receives for r, as dev serve at its
// default address would build it.
func Lambda(r Request, seed int64) ([]byte, error) {
	target := r.Path
	if len(r.Query) > 0 {
		target += "?" + QueryString(r.Query)
	}
	req, err := http.NewRequest(strings.ToUpper(r.Method), devapi.DefaultURL+target, bytes.NewReader([]byte(r.Body)))
	if err != nil {
		return nil, fmt.Errorf("--method %s --path %s: %w", r.Method, r.Path, err)
	}
	req.RemoteAddr, req.Host = "127.0.0.1:52000", strings.TrimPrefix(devapi.DefaultURL, "http://")
	for _, h := range r.Headers {
		if k, v, ok := strings.Cut(h, ":"); ok {
			req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	if r.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return functions.NewEvent(functions.EventRequest{Request: req, Body: []byte(r.Body), BaseURL: devapi.DefaultURL,
		RequestID: "01234567-89ab-4cde-8f01-23456789abcd", Extra: functions.EdgeHeaders(mockdata.InstanceID(seed))}).JSON(), nil
}

// Schema is the JSON Schema of a payload.
func Schema(name string) ([]byte, error) {
	if name == LambdaEvent || name == "lambda" {
		return fixtures.Schema(LambdaEvent)
	}
	event, err := mockdata.ParseEvent(name)
	if err != nil {
		return nil, fmt.Errorf("%w, or %s", err, LambdaEvent)
	}
	return fixtures.Schema("identity-" + string(event))
}

// QueryString encodes name=value pairs (--query) as a query string.
func QueryString(pairs []string) string {
	v := url.Values{}
	for _, p := range pairs {
		k, val, _ := strings.Cut(p, "=")
		v.Add(k, val)
	}
	return v.Encode()
}

package functions

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// MaxEventBody is production's limit on a synchronous function's request body.
const MaxEventBody = 6 << 20

// Event is the Lambda v1 event a function receives, in the field order Netlify uses.
type Event struct {
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	Body                            string              `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
	RawURL                          string              `json:"rawUrl"`
	RawQuery                        string              `json:"rawQuery"`
}

// EventRequest is what an event is built from: the request and its body, read whole.
type EventRequest struct {
	Request   *http.Request
	Body      []byte
	BaseURL   string // scheme://host of dev serve, for rawUrl
	RequestID string
	// Extra headers production's edge adds (x-nf-geo, x-nf-site-id, ...), lower-case.
	Extra map[string]string
}

// NewEvent builds the Lambda v1 event for a request, as Netlify does: header names
// lower-cased and values joined with ", "; the body a string for text types and
// base64 for everything else (a missing content type included).
func NewEvent(er EventRequest) *Event {
	r := er.Request
	path, rawURL := r.URL.Path, r.URL.RequestURI()
	if orig, ok := r.Context().Value(originalPathKey{}).(string); ok {
		path = orig // a site rule rewrote the request to the function
		rawURL = (&url.URL{Path: path, RawQuery: r.URL.RawQuery}).RequestURI()
	}
	e := &Event{
		Path:                            path,
		HTTPMethod:                      r.Method,
		Headers:                         map[string]string{},
		MultiValueHeaders:               map[string][]string{},
		QueryStringParameters:           map[string]string{},
		MultiValueQueryStringParameters: map[string][]string{},
		RawQuery:                        r.URL.RawQuery,
		RawURL:                          strings.TrimRight(er.BaseURL, "/") + rawURL,
	}
	add := func(name, value string) {
		name = strings.ToLower(name)
		e.MultiValueHeaders[name] = append(e.MultiValueHeaders[name], value)
	}
	for name, values := range r.Header {
		for _, v := range values {
			add(name, v)
		}
	}
	if r.Host != "" {
		add("host", r.Host)
	}
	ip := clientIP(r)
	add("client-ip", ip)
	add("x-nf-client-connection-ip", ip)
	if er.RequestID != "" {
		add("x-nf-request-id", er.RequestID)
	}
	for k, v := range er.Extra {
		if _, set := e.MultiValueHeaders[k]; !set {
			add(k, v)
		}
	}
	for k, vs := range e.MultiValueHeaders {
		e.Headers[k] = strings.Join(vs, ", ")
	}
	for k, vs := range r.URL.Query() {
		e.MultiValueQueryStringParameters[k] = vs
		e.QueryStringParameters[k] = strings.Join(vs, ", ")
	}
	if len(er.Body) > 0 {
		if isTextType(r.Header.Get("Content-Type")) {
			e.Body = string(er.Body)
		} else {
			e.Body = base64.StdEncoding.EncodeToString(er.Body)
			e.IsBase64Encoded = true
		}
	}
	return e
}

// EventFields are the plain parts of a request, to build its event without one
// (dev payload lambda-event).
type EventFields struct {
	Method     string // GET when empty
	Target     string // the path and raw query as a client sends them: /.netlify/functions/hello/sub?a=1
	Host       string // host[:port], the Host header
	RemoteAddr string // ip:port of the client
	Header     http.Header
	Body       []byte
	BaseURL    string // scheme://host of dev serve, for rawUrl
	RequestID  string
	Extra      map[string]string // as in EventRequest
}

// NewEventFromFields builds the event NewEvent builds for a request made of f.
func NewEventFromFields(f EventFields) (*Event, error) {
	r, err := newRequest(context.Background(), f.Method, f.Target, f.Header, f.Body)
	if err != nil {
		return nil, fmt.Errorf("lambda event: %w", err)
	}
	r.Host, r.RemoteAddr = f.Host, f.RemoteAddr
	return NewEvent(EventRequest{Request: r, Body: f.Body, BaseURL: f.BaseURL, RequestID: f.RequestID, Extra: f.Extra}), nil
}

// JSON is the event's bytes.
func (e *Event) JSON() json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "&" stays "&", as a JS runtime writes it
	_ = enc.Encode(e)        // only strings, maps and bools: cannot fail
	return bytes.TrimRight(b.Bytes(), "\n")
}

// isTextType is Netlify's rule for which bodies reach a function as text.
func isTextType(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/graphql",
		"application/x-www-form-urlencoded", "application/x-ndjson", "application/csp-report":
		return true
	}
	return false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sortedKeys is for stable output in tests and logs.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type originalPathKey struct{}

// Rewritten is r sent to a function by a site rule (/api/* /.netlify/functions/:splat
// 200): it is routed by target, while the function sees the path the client asked
// for, as production's event.path is, and the query the rule gave.
func Rewritten(r *http.Request, target, rawQuery string) *http.Request {
	r2 := r.WithContext(context.WithValue(r.Context(), originalPathKey{}, r.URL.Path))
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = target, "", rawQuery
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}

package functions

import (
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

	"github.com/identity-dev/dev/internal/jsonout"
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
	query := r.URL.Query()
	headers := len(r.Header) + len(er.Extra) + 4 // and host, client-ip, x-nf-client-connection-ip, x-nf-request-id
	e := &Event{
		Path:                            path,
		HTTPMethod:                      r.Method,
		Headers:                         make(map[string]string, headers),
		MultiValueHeaders:               make(map[string][]string, headers),
		QueryStringParameters:           make(map[string]string, len(query)),
		MultiValueQueryStringParameters: query,
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
	for k, vs := range query {
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

// JSON is the event's bytes: what encoding/json writes for it without HTML escaping
// ("&" stays "&", as a JS runtime writes it). It is written here, field by field, as
// every call makes one and encoding/json spent most of its time on the maps (keys
// sorted through reflection), with internal/jsonout.
func (e *Event) JSON() json.RawMessage {
	b := make([]byte, 0, e.sizeJSON())
	b = append(b, `{"path":`...)
	b = appendJSONString(b, e.Path)
	b = append(b, `,"httpMethod":`...)
	b = appendJSONString(b, e.HTTPMethod)
	b = append(b, `,"headers":`...)
	b = jsonout.Map(b, e.Headers, false, appendJSONString)
	b = append(b, `,"multiValueHeaders":`...)
	b = jsonout.Map(b, e.MultiValueHeaders, false, appendJSONStrings)
	b = append(b, `,"queryStringParameters":`...)
	b = jsonout.Map(b, e.QueryStringParameters, false, appendJSONString)
	b = append(b, `,"multiValueQueryStringParameters":`...)
	b = jsonout.Map(b, e.MultiValueQueryStringParameters, false, appendJSONStrings)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, e.Body)
	if e.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true`...)
	} else {
		b = append(b, `,"isBase64Encoded":false`...)
	}
	b = append(b, `,"rawUrl":`...)
	b = appendJSONString(b, e.RawURL)
	b = append(b, `,"rawQuery":`...)
	b = appendJSONString(b, e.RawQuery)
	return append(b, '}')
}

// sizeJSON is about the length of e's JSON when no string needs escaping, so that JSON
// writes it into one allocation: the headers appear twice (headers, multiValueHeaders),
// and so do the query's parameters.
func (e *Event) sizeJSON() int {
	n := 256 + len(e.Path) + len(e.HTTPMethod) + len(e.Body) + len(e.RawURL) + 3*len(e.RawQuery)
	for k, vs := range e.MultiValueHeaders {
		for _, v := range vs {
			n += 2 * (len(k) + len(v) + 8)
		}
	}
	return n
}

// appendJSONString and appendJSONStrings are jsonout's without HTML escaping, the
// event's way (see JSON), as values for jsonout.Map.
func appendJSONString(b []byte, s string) []byte { return jsonout.String(b, s, false) }

func appendJSONStrings(b []byte, vs []string) []byte { return jsonout.Strings(b, vs, false) }

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

// sortedKeys are m's keys in order: the order encoding/json writes them in.
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

package functions

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEventFields(t *testing.T) {
	r := httptest.NewRequest("POST", "http://127.0.0.1:8888/.netlify/functions/hello/sub?a=1&a=2&b=x%20y", strings.NewReader(`{"a":1}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Add("X-Multi", "one")
	r.Header.Add("X-Multi", "two")
	r.RemoteAddr = "127.0.0.1:5555"
	e := NewEvent(EventRequest{Request: r, Body: []byte(`{"a":1}`), BaseURL: "http://127.0.0.1:8888", RequestID: "req-1"})
	if e.Path != "/.netlify/functions/hello/sub" || e.HTTPMethod != "POST" {
		t.Fatalf("path/method %q %q", e.Path, e.HTTPMethod)
	}
	if e.Headers["x-multi"] != "one, two" || strings.Join(e.MultiValueHeaders["x-multi"], "|") != "one|two" {
		t.Fatalf("headers %v %v", e.Headers["x-multi"], e.MultiValueHeaders["x-multi"])
	}
	if e.Headers["content-type"] != "application/json" || e.Headers["client-ip"] != "127.0.0.1" || e.Headers["x-nf-request-id"] != "req-1" || e.Headers["host"] != "127.0.0.1:8888" {
		t.Fatalf("headers %v", e.Headers)
	}
	if e.QueryStringParameters["a"] != "1, 2" || strings.Join(e.MultiValueQueryStringParameters["a"], ",") != "1,2" || e.QueryStringParameters["b"] != "x y" {
		t.Fatalf("query %v %v", e.QueryStringParameters, e.MultiValueQueryStringParameters)
	}
	if e.Body != `{"a":1}` || e.IsBase64Encoded {
		t.Fatalf("body %q %v", e.Body, e.IsBase64Encoded)
	}
	if e.RawURL != "http://127.0.0.1:8888/.netlify/functions/hello/sub?a=1&a=2&b=x%20y" || e.RawQuery != "a=1&a=2&b=x%20y" {
		t.Fatalf("raw %q %q", e.RawURL, e.RawQuery)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(e.JSON())))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	want := "path,httpMethod,headers,multiValueHeaders,queryStringParameters,multiValueQueryStringParameters,body,isBase64Encoded,rawUrl,rawQuery"
	if strings.Join(keys, ",") != want {
		t.Fatalf("event keys %v", keys)
	}
}

func TestEventBodyTextOrBase64(t *testing.T) {
	for ctype, text := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"text/plain":                        true,
		"application/vnd.api+json":          true,
		"image/svg+xml":                     true,
		"application/x-www-form-urlencoded": true,
		"application/graphql":               true,
		"application/octet-stream":          false,
		"image/png":                         false,
		"":                                  false,
		"multipart/form-data; boundary=x":   false,
	} {
		r := httptest.NewRequest("POST", "/.netlify/functions/f", nil)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		body := []byte{0xff, 'h', 'i'}
		e := NewEvent(EventRequest{Request: r, Body: body})
		if e.IsBase64Encoded == text {
			t.Errorf("%q: isBase64Encoded = %v", ctype, e.IsBase64Encoded)
		}
		if !text && e.Body != base64.StdEncoding.EncodeToString(body) {
			t.Errorf("%q: body %q", ctype, e.Body)
		}
	}
	e := NewEvent(EventRequest{Request: httptest.NewRequest("GET", "/.netlify/functions/f", nil)})
	if e.Body != "" || e.IsBase64Encoded || e.QueryStringParameters == nil {
		t.Fatalf("empty request: %+v", e)
	}
}

func TestParseLambdaResult(t *testing.T) {
	res, err := ParseLambdaResult([]byte(`{"statusCode":201,"headers":{"X-One":"1","X-N":5,"X-B":true},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"aGk=","isBase64Encoded":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 201 || string(res.Body) != "hi" || res.Headers.Get("X-N") != "5" || res.Headers.Get("X-B") != "true" || len(res.Headers.Values("Set-Cookie")) != 2 {
		t.Fatalf("%+v", res)
	}
	for raw, want := range map[string]string{
		`null`:                                  "a function must return an object",
		`"hi"`:                                  "a function must return an object",
		`{"body":"x"}`:                          "no numeric statusCode",
		`{"statusCode":"200"}`:                  "no numeric statusCode",
		`{"statusCode":99}`:                     "not an HTTP status",
		`{"statusCode":200,"body":{"a":1}}`:     "must be a string",
		`{"statusCode":200,"headers":[1]}`:      "must be an object of strings",
		`{"statusCode":200,"headers":{"a":{}}}`: "is not a string",
		`{"statusCode":200,"body":"%%","isBase64Encoded":true}`: "not base64",
	} {
		if _, err := ParseLambdaResult([]byte(raw)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", raw, err, want)
		}
	}
}

// An event built from plain fields is the event of the request they describe, as dev
// payload lambda-event built it from an httptest request.
func TestNewEventFromFieldsIsTheRequestsEvent(t *testing.T) {
	for _, tt := range []struct {
		method, target, body string
		header               map[string][]string
	}{
		{"GET", "/.netlify/functions/hello", "", nil},
		{"POST", "/.netlify/functions/hello/sub?a=1&a=2&b=x%20y", `{"a":1}`, map[string][]string{"Content-Type": {"application/json"}, "X-Multi": {"one", "two"}}},
		{"PUT", "/.netlify/functions/caf%C3%A9/p%2Fq?x", "\x00\x01", map[string][]string{"Authorization": {"Bearer t"}}},
	} {
		r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		r.RemoteAddr, r.Host = "127.0.0.1:52000", "127.0.0.1:8888"
		for k, vs := range tt.header {
			r.Header[k] = vs
		}
		extra := EdgeHeaders("site-1")
		want := NewEvent(EventRequest{Request: r, Body: []byte(tt.body), BaseURL: "http://127.0.0.1:8888", RequestID: "req-1", Extra: extra}).JSON()
		e, err := NewEventFromFields(EventFields{Method: tt.method, Target: tt.target, Host: "127.0.0.1:8888", RemoteAddr: "127.0.0.1:52000",
			Header: tt.header, Body: []byte(tt.body), BaseURL: "http://127.0.0.1:8888", RequestID: "req-1", Extra: extra})
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if got := e.JSON(); string(got) != string(want) {
			t.Fatalf("%s %s:\n got %s\nwant %s", tt.method, tt.target, got, want)
		}
	}
	if _, err := NewEventFromFields(EventFields{Target: "no-slash"}); err == nil {
		t.Fatal("a target that is not a path: no error")
	}
}

// Event.JSON writes what encoding/json writes for the event (without HTML escaping),
// byte for byte, whatever its strings hold: quotes, backslashes, control characters,
// HTML's characters, U+2028, invalid UTF-8, and nil or empty maps and lists.
func TestEventJSONIsEncodingJSONs(t *testing.T) {
	reference := func(e *Event) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	palette := []string{"a", "Z", "0", "/", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\r", "\b", "\f",
		"\x00", "\x1f", "\x7f", "é", "€", "\u2028", "\u2029", "\xff", "\xc3", "😀", "%2F", "?"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(palette[rng.IntN(len(palette))])
		}
		return sb.String()
	}
	strMap := func() map[string]string {
		switch rng.IntN(5) {
		case 0:
			return nil
		case 1:
			return map[string]string{}
		}
		m := map[string]string{}
		for range rng.IntN(6) {
			m[str()] = str()
		}
		return m
	}
	strsMap := func() map[string][]string {
		switch rng.IntN(5) {
		case 0:
			return nil
		case 1:
			return map[string][]string{}
		}
		m := map[string][]string{}
		for range rng.IntN(6) {
			var vs []string
			if rng.IntN(4) > 0 {
				vs = []string{}
				for range rng.IntN(3) {
					vs = append(vs, str())
				}
			}
			m[str()] = vs
		}
		return m
	}
	for i := range 3000 {
		e := &Event{Path: str(), HTTPMethod: str(), Headers: strMap(), MultiValueHeaders: strsMap(),
			QueryStringParameters: strMap(), MultiValueQueryStringParameters: strsMap(), Body: str(),
			IsBase64Encoded: rng.IntN(2) == 0, RawURL: str(), RawQuery: str()}
		if got, want := string(e.JSON()), reference(e); got != want {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// An event's JSON is written into the one buffer its size estimate asks for, as long as
// no string needs escaping: a bare request, a browser's (many headers, a long cookie),
// one with a query and a body.
func TestEventJSONFitsItsEstimate(t *testing.T) {
	browser := http.Header{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Sec-Ch-Ua", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "User-Agent"} {
		browser.Set(k, strings.Repeat("v", 60))
	}
	browser.Set("Cookie", "nf_jwt="+strings.Repeat("c", 1200))
	for _, f := range []EventFields{
		{Target: "/.netlify/functions/hello"},
		{Target: "/.netlify/functions/hello", Header: browser},
		{Method: "POST", Target: "/.netlify/functions/hello?a=1&b=2&a=3&long=" + strings.Repeat("q", 300), Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"x":"` + strings.Repeat("b", 500) + `"}`)},
	} {
		f.Host, f.RemoteAddr, f.BaseURL, f.RequestID, f.Extra = "localhost:8888", "127.0.0.1:5555", "http://localhost:8888", "01234567-89ab-cdef-0123-456789abcdef", EdgeHeaders("local-site")
		ev, err := NewEventFromFields(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, est := len(ev.JSON()), ev.sizeJSON(); got > est {
			t.Errorf("%s %s: JSON of %d bytes, estimated %d: it grows its buffer", f.Method, f.Target, got, est)
		}
	}
}

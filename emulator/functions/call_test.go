package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/term"
)

// answerRuntime answers by function name, each in one of the ways a function can.
func answerRuntime() *fakeRuntime {
	return &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		var ev Event
		if err := json.Unmarshal(inv.Event, &ev); err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(ev.Path, Prefix), "/")
		switch name {
		case "v1":
			return &Response{Lambda: json.RawMessage(`{"statusCode":201,"headers":{"x-one":"1","x-num":2},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"` + ev.HTTPMethod + " " + ev.Path + "?" + ev.RawQuery + `"}`)}, nil
		case "v1empty":
			return &Response{Lambda: json.RawMessage(`{"statusCode":204,"body":""}`)}, nil
		case "invalid":
			return &Response{Lambda: json.RawMessage(`{"statusCode":"200"}`)}, nil
		case "throws":
			return nil, &FunctionError{Type: "TypeError", Message: "boom", Stack: []string{"at handler (throws.js:1:1)"}}
		case "exits":
			return nil, &ExitError{Code: 3, Detail: "bye"}
		case "slow":
			<-ctx.Done()
			return nil, ctx.Err()
		case "v2":
			return &Response{Header: http.Header{"content-type": {"text/plain"}, "x-lower": {"a", "b"}},
				Body: io.NopCloser(io.MultiReader(strings.NewReader("chunk one, "), strings.NewReader("chunk two")))}, nil
		case "v2empty":
			return &Response{Status: 202, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}, nil
		}
		return nil, fmt.Errorf("no answer for %s", name)
	}}
}

// Call gives, for every kind of answer, what ServeHTTP writes for the same request,
// header for header and byte for byte (an empty body is nil, as a recorder keeps it).
func TestCallAnswersAsServeHTTP(t *testing.T) {
	s, _ := newTestServer(t, answerRuntime(), "v1.js", "v1empty.js", "invalid.js", "throws.js", "exits.js", "slow.js", "v2.js", "v2empty.js")
	for _, tt := range []struct {
		name string
		req  CallRequest
	}{
		{"v1", CallRequest{Method: "POST", Path: "/sub", Query: "a=1&a=2", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"x":1}`)}},
		{"v1empty", CallRequest{}},
		{"invalid", CallRequest{}},
		{"throws", CallRequest{}},
		{"exits", CallRequest{}},
		{"slow", CallRequest{}},
		{"v2", CallRequest{Method: "PUT"}},
		{"v2empty", CallRequest{}},
		{"missing", CallRequest{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := Prefix + tt.name + tt.req.Path
			if tt.req.Query != "" {
				target += "?" + tt.req.Query
			}
			method := tt.req.Method
			if method == "" {
				method = "GET"
			}
			r := httptest.NewRequest(method, target, bytes.NewReader(tt.req.Body))
			for k, vs := range tt.req.Header {
				r.Header[k] = vs
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, r)

			a, err := s.Call(context.Background(), tt.name, tt.req)
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			// Over HTTP a whole answer is sent with its length, the framing of the
			// body; Call hands back the body itself.
			if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()); got != "" && got != want {
				t.Fatalf("ServeHTTP sent Content-Length %q for a body of %s bytes", got, want)
			}
			rec.Header().Del("Content-Length")
			if a.Status != rec.Code || !reflect.DeepEqual(a.Header, rec.Header()) || !bytes.Equal(a.Body, rec.Body.Bytes()) || (a.Body == nil) != (rec.Body.Bytes() == nil) {
				t.Fatalf("Call answered %d %v %q;\nServeHTTP wrote %d %v %q", a.Status, a.Header, a.Body, rec.Code, rec.Header(), rec.Body.Bytes())
			}
		})
	}

	// What the answers are, not only that they agree.
	a, _ := s.Call(context.Background(), "v1", CallRequest{Method: "POST", Path: "/sub", Query: "a=1"})
	if a.Status != 201 || string(a.Body) != "POST /.netlify/functions/v1/sub?a=1" || a.Header.Get("X-Num") != "2" || len(a.Header.Values("Set-Cookie")) != 2 {
		t.Fatalf("v1: %d %v %q", a.Status, a.Header, a.Body)
	}
	a, _ = s.Call(context.Background(), "v2", CallRequest{})
	if a.Status != 200 || string(a.Body) != "chunk one, chunk two" || strings.Join(a.Header.Values("X-Lower"), ",") != "a,b" || a.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("v2: %d %v %q", a.Status, a.Header, a.Body)
	}
	a, _ = s.Call(context.Background(), "throws", CallRequest{})
	if a.Status != 500 || a.Header.Get("Content-Type") != "application/json" || string(a.Body) != `{"errorType":"TypeError","errorMessage":"boom","trace":["at handler (throws.js:1:1)"]}` {
		t.Fatalf("throws: %d %v %s", a.Status, a.Header, a.Body)
	}
}

// A hook's call to a missing function gets the edge's bare 404, not dev's own page.
func TestCallHookToMissingFunction(t *testing.T) {
	s, _ := newTestServer(t, answerRuntime())
	a, err := s.Call(context.Background(), "identity-login", CallRequest{Method: "POST", Hook: true})
	if err != nil || a.Status != 404 || string(a.Body) != "Function not found" || a.Header != nil {
		t.Fatalf("%+v %v", a, err)
	}
}

// Call reads a streamed body whole as far as MaxResponseSize; past it, the answer is
// Lambda's to an oversized result.
func TestCallBoundsAStreamedBody(t *testing.T) {
	size := MaxResponseSize
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) {
		return &Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(make([]byte, size)))}, nil
	}}
	s, _ := newTestServer(t, rt, "big.js")
	a, err := s.Call(context.Background(), "big", CallRequest{})
	if err != nil || a.Status != 200 || len(a.Body) != MaxResponseSize {
		t.Fatalf("at the limit: %v %d, %d bytes", err, a.Status, len(a.Body))
	}
	size = MaxResponseSize + 1
	a, err = s.Call(context.Background(), "big", CallRequest{})
	want := invokeErrorAnswer(ResponseSizeTooLarge())
	if err != nil || a.Status != 500 || !bytes.Equal(a.Body, want.Body) {
		t.Fatalf("over the limit: %v %d %.200s", err, a.Status, a.Body)
	}
	if a, err := s.Call(context.Background(), "big", CallRequest{Path: "sub"}); err == nil {
		t.Fatalf("a path without its \"/\": %+v, want an error", a)
	}
}

// A call journals (through OnInvoke) once, unless it is a hook's: the hooks
// dispatcher journals those, and a background hook's end only reaches the log.
func TestOnlyCallsThatAreNotHooksReachOnInvoke(t *testing.T) {
	var mu sync.Mutex
	var records []InvocationRecord
	log := &syncBuffer{}
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"hi"`) }}
	s, hs := newTestServerWith(t, rt, func(o *Options) {
		o.Log = term.NewLogger(log)
		o.BaseURL = func() string { return "http://127.0.0.1:8888" }
		o.OnInvoke = func(rec InvocationRecord) {
			mu.Lock()
			defer mu.Unlock()
			records = append(records, rec)
		}
	}, "plain.js", "identity-validate.js", "identity-validate-background.js", "job-background.js")
	recorded := func() []InvocationRecord {
		mu.Lock()
		defer mu.Unlock()
		return append([]InvocationRecord(nil), records...)
	}
	waitLog := func(line string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), line); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log:\n%s", line, log.String())
			}
		}
	}
	ctx := context.Background()

	if a, err := s.Call(ctx, "plain", CallRequest{Method: "POST", Path: "/x", Query: "q=1", Body: []byte("b")}); err != nil || a.Status != 200 {
		t.Fatalf("plain: %+v %v", a, err)
	}
	got := recorded()
	if len(got) != 1 || got[0].Function != "plain" || got[0].Status != 200 || got[0].Method != "POST" ||
		got[0].URL != "http://127.0.0.1:8888/.netlify/functions/plain/x?q=1" || string(got[0].Body) != "b" {
		t.Fatalf("records %+v, want the plain call's", got)
	}

	if status, _, _, err := s.InvokeHook(ctx, "identity-validate", http.Header{}, []byte(`{}`)); err != nil || status != 200 {
		t.Fatalf("hook: %d %v", status, err)
	}
	if status, _, _, err := s.InvokeHook(ctx, "identity-validate-background", http.Header{}, []byte(`{}`)); err != nil || status != 202 {
		t.Fatalf("background hook: %d %v", status, err)
	}
	waitLog("identity-validate-background POST /.netlify/functions/identity-validate-background")
	if got := recorded(); len(got) != 1 {
		t.Fatalf("hooks reached OnInvoke: %+v", got[1:])
	}
	if strings.Contains(log.String(), "identity-validate POST") {
		t.Fatalf("a hook's call was logged by the functions server:\n%s", log.String())
	}

	if code, _ := get(t, hs.URL+"/.netlify/functions/job-background"); code != 202 {
		t.Fatalf("background over HTTP: %d", code)
	}
	waitLog("job-background GET /.netlify/functions/job-background")
	if got := recorded(); len(got) != 2 || got[1].Function != "job-background" || got[1].Status != 202 {
		t.Fatalf("records %+v, want the background call's after the plain one's", got)
	}
}

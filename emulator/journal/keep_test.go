package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func TestKeptRedactsCredentials(t *testing.T) {
	reqHeader := http.Header{
		"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig"},
		"Cookie":        {"nf_jwt=eyJsecret; theme=dark"},
		"X-Nf-Client":   {"kept"},
	}
	lambda := `{"statusCode":200,"headers":{"Set-Cookie":"nf_jwt=eyJsecret2; Path=/; HttpOnly","X-Other":"kept"},` +
		`"multiValueHeaders":{"set-cookie":["a=secret3; Secure","b=secret4"]},"body":"hello"}`
	e := &Entry{
		ID:      "1",
		Request: Request{Method: "POST", Header: reqHeader, Body: []byte(`{"a":1}`)},
		Response: &Response{Status: 200, Header: http.Header{"Set-Cookie": {"nf_jwt=eyJsecret5; Path=/; SameSite=Lax"}},
			Body: []byte(lambda)},
	}
	k := Kept(e)
	headers, _ := json.Marshal([]http.Header{k.Request.Header, k.Response.Header})
	raw := append(append(headers, k.Request.Body...), k.Response.Body...)
	for _, secret := range []string{"eyJ", "secret.sig", "secret2", "secret3", "secret4", "secret5"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("kept entry holds %q: %s", secret, raw)
		}
	}
	for _, want := range []string{"Bearer [redacted]", "nf_jwt=[redacted]; theme=[redacted]", "Path=/; HttpOnly", "X-Other", "hello", "kept"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("kept entry lost %q: %s", want, raw)
		}
	}
	// The live entry is untouched: the request in flight still needs its credentials.
	if e.Request.Header.Get("Authorization") != "Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig" || string(e.Response.Body) != lambda {
		t.Fatalf("Kept changed the entry it was given: %+v", e.Request.Header)
	}
}

func TestKeptCutsBodies(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 6<<20)
	e := &Entry{Request: Request{Body: big}, Response: &Response{Body: []byte("small")}}
	k := Kept(e)
	if len(k.Request.Body) != MaxBody || !k.Request.Cut || k.Request.Size != len(big) {
		t.Fatalf("request body kept %d bytes, cut %v, size %d", len(k.Request.Body), k.Request.Cut, k.Request.Size)
	}
	if k.Response.Cut || string(k.Response.Body) != "small" || k.Response.Size != 0 {
		t.Fatalf("a small response was changed: %+v", k.Response)
	}
	if cap(k.Request.Body) > MaxBody {
		t.Fatalf("the kept body still holds the whole request (cap %d)", cap(k.Request.Body))
	}
	if _, err := k.FullRequestBody(); !errors.Is(err, ErrCut) {
		t.Fatalf("FullRequestBody of a cut entry: %v", err)
	}
	if b, err := Kept(&Entry{Request: Request{Body: []byte("whole")}}).FullRequestBody(); err != nil || string(b) != "whole" {
		t.Fatalf("FullRequestBody: %q %v", b, err)
	}
	if n := k.Bytes(); n < MaxBody || n > MaxBody+4096 {
		t.Fatalf("Bytes %d for an entry holding %d body bytes", n, MaxBody+5)
	}
}

// A result is searched for cookies in any case; one without any is kept as it is (the
// same bytes), and a cookies list alone is redacted too.
func TestKeptFindsCookiesInAnyCase(t *testing.T) {
	for _, c := range []struct {
		body   string
		redact bool
	}{
		{`{"statusCode":200,"body":"no crumbs here"}`, false},
		{`{"statusCode":200,"body":"cooki"}`, false},
		{`{"statusCode":200,"headers":{"SET-COOKIE":"a=secret1"}}`, true},
		{`{"statusCode":200,"multiValueHeaders":{"sEt-CoOkIe":["a=secret1"]}}`, true},
		{`{"statusCode":200,"cookies":["a=secret1; Path=/"]}`, true},
	} {
		if got := mentionsCookie([]byte(c.body)); got != c.redact {
			t.Errorf("mentionsCookie(%s) = %v, want %v", c.body, got, c.redact)
		}
		body := []byte(c.body)
		kept := Kept(&Entry{Response: &Response{Body: body}}).Response.Body
		switch {
		case c.redact && bytes.Contains(kept, []byte("secret1")):
			t.Errorf("kept %s", kept)
		case !c.redact && &kept[0] != &body[0]:
			t.Errorf("a result without cookies was copied: %s", kept)
		}
	}
}

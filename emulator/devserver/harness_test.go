package devserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

// testServer is a dev serve started in-process on a free loopback port: the one
// harness every end-to-end test of the server uses.
type testServer struct {
	*Server
	t      *testing.T
	client *http.Client
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	if opts.Log == nil {
		opts.Log = term.NewLogger(io.Discard)
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start dev serve: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	tt, _ := t.(*testing.T)
	return &testServer{Server: srv, t: tt, client: client}
}

// identityURL is the URL of an identity API path such as "/signup".
func (s *testServer) identityURL(path string) string {
	return s.URL() + IdentityPrefix + path
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do sends a request; body is sent as is, headers are "Name: value" lines.
func (s *testServer) do(t testing.TB, method, rawURL, body string, headers ...string) *response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body == "" {
		req.Body = http.NoBody
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		if strings.EqualFold(strings.TrimSpace(name), "Host") {
			req.Host = strings.TrimSpace(value) // the client sends req.Host, never a Host header
			continue
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, rawURL, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// signup, confirm and log a user in; returns the token response.
func (s *testServer) signupConfirmLogin(t testing.TB, email, password string) identity.TokenResponse {
	t.Helper()
	r := s.do(t, "POST", s.identityURL("/signup"), `{"email":"`+email+`","password":"`+password+`"}`, "Content-Type: application/json")
	if r.Status != 200 {
		t.Fatalf("signup %s: %d %s", email, r.Status, r.Body)
	}
	token := s.mailToken(t, email, identity.MailConfirmation)
	r = s.do(t, "POST", s.identityURL("/verify"), `{"type":"signup","token":"`+token+`"}`, "Content-Type: application/json")
	if r.Status != 200 {
		t.Fatalf("verify %s: %d %s", email, r.Status, r.Body)
	}
	form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}}
	r = s.do(t, "POST", s.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	var tr identity.TokenResponse
	r.json(t, &tr)
	return tr
}

// mailToken is the token of the newest captured mail of kind to email.
func (s *testServer) mailToken(t testing.TB, email string, kind identity.MailKind) string {
	t.Helper()
	r := s.do(t, "GET", s.URL()+"/.netlify/dev/api/mail?to="+url.QueryEscape(email), "")
	var mails []identity.Mail
	r.json(t, &mails)
	for _, m := range mails {
		if m.Kind == kind {
			return m.Token
		}
	}
	t.Fatalf("no %s mail to %s in %s", kind, email, r.Body)
	return ""
}

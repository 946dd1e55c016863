package devapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Two servers of one site each keep their own record; a record whose process is gone
// is dropped; the newest comes first.
func TestStatesPerServer(t *testing.T) {
	site := t.TempDir()
	removeA, err := WriteState(site, State{URL: "http://127.0.0.1:1111"})
	if err != nil {
		t.Fatal(err)
	}
	// A second server of the same site: another process, still running.
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Skip("no sleep command to stand for a second server:", err)
	}
	defer other.Process.Kill()
	if _, err := WriteState(site, State{URL: "http://127.0.0.1:2222", PID: other.Process.Pid}); err != nil {
		t.Fatal(err)
	}
	// A record left by a dev that was killed.
	dead := exec.Command("true")
	dead.Run()
	if _, err := WriteState(site, State{URL: "http://127.0.0.1:3333", PID: dead.Process.Pid}); err != nil {
		t.Fatal(err)
	}
	states, err := ReadStates(site)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, st := range states {
		urls = append(urls, st.URL)
	}
	if strings.Join(urls, " ") != "http://127.0.0.1:2222 http://127.0.0.1:1111" {
		t.Fatalf("states %v", urls)
	}
	if _, err := os.Stat(filepath.Join(StateDir(site), "3333.json")); err == nil {
		t.Fatal("the dead server's record was kept")
	}
	removeA()
	if states, _ := ReadStates(site); len(states) != 1 || states[0].URL != "http://127.0.0.1:2222" {
		t.Fatalf("after removing one: %+v", states)
	}
	if st, _ := os.Stat(filepath.Join(StateDir(site), "1111.json")); st != nil {
		t.Fatal("the removed record is still there")
	}
}

func TestNewClientTakesAddressesWithoutScheme(t *testing.T) {
	for in, want := range map[string]string{"": DefaultURL, "127.0.0.1:9999": "http://127.0.0.1:9999", "http://localhost:8888/": "http://localhost:8888"} {
		c, err := NewClient(in)
		if err != nil || c.BaseURL != want {
			t.Errorf("NewClient(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "http://", "::"} {
		if _, err := NewClient(bad); err == nil || !strings.Contains(err.Error(), "--url") {
			t.Errorf("NewClient(%q): %v", bad, err)
		}
	}
}

// The client sends what the dev API takes (JSON for state changes) and reads its
// errors and pages.
func TestClient(t *testing.T) {
	var gotType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == Prefix+"/reset":
			gotType = r.Header.Get("Content-Type")
			w.WriteHeader(204)
		case r.URL.Path == Prefix+"/events":
			w.Header().Set("X-Journal-Dropped", "7")
			w.Header().Set("Link", `<`+Prefix+`/events?before=abc%2Fd&limit=2>; rel="next"`)
			json.NewEncoder(w).Encode([]*Entry{{ID: "1"}, {ID: "2"}})
		default:
			w.WriteHeader(404)
			json.NewEncoder(w).Encode(Error{Code: 404, Msg: "no such thing"})
		}
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL)
	ctx := context.Background()
	if err := c.Reset(ctx); err != nil || gotType != "application/json" {
		t.Fatalf("reset: %v, Content-Type %q", err, gotType)
	}
	page, err := c.Events(ctx, EventsQuery{Limit: 2})
	if err != nil || len(page.Entries) != 2 || page.Next != "abc/d" || page.Dropped != 7 {
		t.Fatalf("events: %+v %v", page, err)
	}
	var apiErr *Error
	if _, err := c.Event(ctx, "x"); !errors.As(err, &apiErr) || apiErr.Msg != "no such thing" {
		t.Fatalf("error: %v", err)
	}
	srv.Close()
	if _, err := c.Mail(ctx, ""); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("a stopped server: %v", err)
	}
}

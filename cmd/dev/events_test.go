package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/site"
)

func TestEventsListShowReplay(t *testing.T) {
	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(204)
			return
		}
		w.WriteHeader(200)
		io.WriteString(w, `{"user_metadata":{"replayed":true}}`)
	}))
	defer receiver.Close()
	srv := startServer(t, "", func(set *site.ServeSettings) {
		set.WebhookURL, set.WebhookSecret, set.WebhookEvents = receiver.URL+"/hook", "s", []string{"validate"}
	})
	resp, err := http.Post(srv.URL()+"/.netlify/identity/signup", "application/json", strings.NewReader(`{"email":"ev@example.com","password":"pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	out, _, err := runCmd(t, "events", "list", "--url", srv.URL())
	if err != nil || !strings.Contains(out, "webhook") || !strings.Contains(out, "validate") || !strings.Contains(out, "ev@example.com") || !strings.Contains(out, "pass") {
		t.Fatalf("events list: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "events", "list", "--url", srv.URL(), "--json", "--user", "ev@example.com")
	var entries []journal.Entry
	if err != nil || json.Unmarshal([]byte(out), &entries) != nil || len(entries) != 1 {
		t.Fatalf("events list --json: %v %s", err, out)
	}
	id := entries[0].ID
	out, _, err = runCmd(t, "events", "show", id, "--url", srv.URL())
	if err != nil || !strings.Contains(out, `> X-Netlify-Event: identity_validate`) || !strings.Contains(out, `"event":"validate"`) || !strings.Contains(out, "< 204") {
		t.Fatalf("events show: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "events", "replay", id, "--url", srv.URL())
	if err != nil || !strings.Contains(out, "204") || !strings.Contains(out, `{"user_metadata":{"replayed":true}}`) {
		t.Fatalf("events replay: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "events", "show", "nope", "--url", srv.URL()); err == nil || !strings.Contains(err.Error(), "no journal entry nope") {
		t.Fatalf("show of a missing entry: %v", err)
	}
}

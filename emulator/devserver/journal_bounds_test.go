package devserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/journal"
)

// What the journal keeps of a function call: the credentials redacted, a body over
// journal.MaxBody cut with its size; the listing comes a page at a time.
func TestJournalKeepsBoundedRedactedEntries(t *testing.T) {
	srv, _ := startSite(t, "functions", Options{})
	big := strings.Repeat("x", 2<<20)
	r := srv.fn(t, "POST", "echo", big, "Authorization: Bearer SECRET.access.token", "Cookie: nf_jwt=SECRET.cookie; theme=dark")
	if r.Status != 200 {
		t.Fatalf("echo: %d %.200s", r.Status, r.Body)
	}
	for i := 0; i < 3; i++ {
		srv.fn(t, "GET", "echo", "")
	}

	entries := srv.events(t, "kind=function&function=echo&limit=1000")
	if len(entries) != 4 {
		t.Fatalf("%d entries", len(entries))
	}
	e := entries[len(entries)-1]
	raw, _ := json.Marshal(e.Request.Header)
	if bytes.Contains(raw, []byte("SECRET")) || e.Request.Header.Get("Authorization") != "Bearer "+journal.Redacted {
		t.Errorf("the journal kept credentials: %s", raw)
	}
	if !e.Request.Cut || e.Request.Size != len(big) || len(e.Request.Body) != journal.MaxBody {
		t.Errorf("request body: cut %v, size %d, kept %d", e.Request.Cut, e.Request.Size, len(e.Request.Body))
	}
	// echo answers with the whole event: over MaxBody, so cut too.
	if e.Response == nil || !e.Response.Cut || len(e.Response.Body) != journal.MaxBody || e.Response.Size <= len(big) {
		t.Errorf("response: status %d, cut %v, kept %d of %d", e.Response.Status, e.Response.Cut, len(e.Response.Body), e.Response.Size)
	}

	// Two a page: the Link header leads to the next, and the last has none.
	r = srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/events?kind=function&limit=2", "")
	var page1, page2 []journal.Entry
	r.json(t, &page1)
	next := r.Header.Get("Link")
	if len(page1) != 2 || !strings.Contains(next, `rel="next"`) || r.Header.Get("X-Journal-Dropped") != "0" {
		t.Fatalf("page 1: %d entries, Link %q, dropped %q", len(page1), next, r.Header.Get("X-Journal-Dropped"))
	}
	path := next[strings.Index(next, "<")+1 : strings.Index(next, ">")]
	r = srv.do(t, "GET", srv.URL()+path, "")
	r.json(t, &page2)
	if len(page2) != 2 || page2[0].ID == page1[1].ID || page2[1].ID != e.ID || r.Header.Get("Link") != "" {
		t.Fatalf("page 2: %d entries, Link %q", len(page2), r.Header.Get("Link"))
	}
	if r := srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/events?limit=100000", ""); r.Status != http.StatusBadRequest {
		t.Fatalf("limit=100000: %d %s", r.Status, r.Body)
	}
}

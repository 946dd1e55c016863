package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/journal"
)

func entry(i int, body int) *journal.Entry {
	return &journal.Entry{ID: fmt.Sprintf("e%05d", i), Kind: journal.KindFunction, Function: "fn",
		Request: journal.Request{Method: "POST", Body: []byte(strings.Repeat("x", body))}, Outcome: "ok", CreatedAt: time.Unix(int64(i), 0)}
}

// The journal keeps the newest entries within its count and byte limits, counts what
// it dropped, and lists a page at a time.
func TestJournalIsBounded(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// By bytes: 200 entries of 256 KiB are about 45 MB once encoded, over MaxBytes.
	for i := 0; i < 200; i += 10 {
		batch := []*journal.Entry{}
		for j := i; j < i+10; j++ {
			batch = append(batch, entry(j, journal.MaxBody))
		}
		if err := s.AddEntries(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.JournalStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes > journal.MaxBytes || st.Entries >= 200 || st.Dropped != int64(200-st.Entries) {
		t.Fatalf("after 200 large entries: %+v (limit %d bytes)", st, journal.MaxBytes)
	}
	newest, err := s.Entries(ctx, journal.Query{Limit: 1})
	if err != nil || len(newest) != 1 || newest[0].ID != "e00199" {
		t.Fatalf("the newest entry was dropped: %v %v", newest, err)
	}

	// A page stops at its byte limit, and the next begins where it stopped.
	page, err := s.Entries(ctx, journal.Query{Limit: 100, MaxBytes: 1 << 20})
	if err != nil || len(page) == 0 || len(page) > 3 {
		t.Fatalf("a 1 MiB page of 350 KB entries held %d entries (%v)", len(page), err)
	}
	next, err := s.Entries(ctx, journal.Query{Limit: 100, MaxBytes: 1 << 20, Before: page[len(page)-1].ID})
	if err != nil || len(next) == 0 || next[0].ID >= page[len(page)-1].ID {
		t.Fatalf("next page %v after %s (%v)", ids(next), page[len(page)-1].ID, err)
	}

	// By count: small entries beyond MaxEntries drop the oldest.
	for i := 1000; i < 1000+journal.MaxEntries+50; i += 500 {
		batch := []*journal.Entry{}
		for j := i; j < i+500; j++ {
			batch = append(batch, entry(j, 10))
		}
		if err := s.AddEntries(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	st2, _ := s.JournalStats(ctx)
	if st2.Entries != journal.MaxEntries || st2.Dropped <= st.Dropped {
		t.Fatalf("after %d small entries: %+v", journal.MaxEntries+50, st2)
	}
}

func ids(es []*journal.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

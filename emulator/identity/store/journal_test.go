package store

import (
	"context"
	"fmt"
	"path/filepath"
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

// BenchmarkAddEntryToAFullJournal: one function call's entry (about 1 KB, as the
// hello function's is with its headers) added to a journal at its limit of entries,
// which drops the oldest: the store's cost of journaling each call under load.
func BenchmarkAddEntryToAFullJournal(b *testing.B) {
	for _, c := range []struct {
		store string
		batch int
	}{{"memory", 1}, {"memory", 50}, {"file", 1}, {"file", 50}} {
		b.Run(fmt.Sprintf("%s/batch=%d", c.store, c.batch), func(b *testing.B) {
			batch := c.batch
			ctx := context.Background()
			path := Memory
			if c.store == "file" {
				path = filepath.Join(b.TempDir(), "journal.db")
			}
			s, err := Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < journal.MaxEntries; i += 500 {
				es := []*journal.Entry{}
				for j := i; j < i+500; j++ {
					es = append(es, entry(j, 800))
				}
				if err := s.AddEntries(ctx, es); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			n := journal.MaxEntries
			for i := 0; i < b.N; i++ {
				es := make([]*journal.Entry, batch)
				for j := range es {
					es[j] = entry(n, 800)
					n++
				}
				if err := s.AddEntries(ctx, es); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/entry")
		})
	}
}

// The totals the prune relies on (kept by triggers) agree with the entries, through
// drops by count and by bytes, and the newest entries are the ones kept.
func TestJournalTotalsFollowTheEntries(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(when string) journal.Stats {
		t.Helper()
		st, err := s.JournalStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n, bytes, first, last int64
		if err := s.reader.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(size), 0), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM journal").
			Scan(&n, &bytes, &first, &last); err != nil {
			t.Fatal(err)
		}
		if int64(st.Entries) != n || st.Bytes != bytes {
			t.Fatalf("%s: stats %+v, the table holds %d entries of %d bytes", when, st, n, bytes)
		}
		if n > 0 && last-first+1 != n {
			t.Fatalf("%s: entries %d..%d are not the newest %d", when, first, last, n)
		}
		return st
	}
	check("empty")
	i := 0
	add := func(count, body int) {
		es := []*journal.Entry{}
		for j := 0; j < count; j++ {
			es = append(es, entry(i, body))
			i++
		}
		if err := s.AddEntries(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	add(journal.MaxEntries-1, 10)
	if st := check("one short of the limit"); st.Entries != journal.MaxEntries-1 || st.Dropped != 0 {
		t.Fatalf("dropped before the limit: %+v", st)
	}
	add(3, 10)
	if st := check("two over the count"); st.Entries != journal.MaxEntries || st.Dropped != 2 {
		t.Fatalf("two over the count: %+v", st)
	}
	for k := 0; k < 12; k++ { // 12 × 10 × 320 KB, well over MaxBytes
		add(10, journal.MaxBody)
	}
	st := check("over the bytes")
	if st.Bytes > journal.MaxBytes || st.Bytes < journal.MaxBytes*8/10 {
		t.Fatalf("over the bytes: %+v, want just under %d bytes", st, journal.MaxBytes)
	}
	if int64(st.Entries)+st.Dropped != int64(i) {
		t.Fatalf("%d kept + %d dropped of %d added", st.Entries, st.Dropped, i)
	}
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if st := check("after a reset"); st.Entries != 0 || st.Bytes != 0 {
		t.Fatalf("after a reset: %+v", st)
	}
	add(2, 10)
	check("after a reset and two entries")
}

// A store of version 5 (before journal_totals) keeps its journal and its totals start
// from what it holds.
func TestJournalTotalsStartFromAnOlderStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	es := []*journal.Entry{entry(1, 100), entry(2, 200), entry(3, 300)}
	if err := s.AddEntries(ctx, es); err != nil {
		t.Fatal(err)
	}
	want, _ := s.JournalStats(ctx)
	// Back to version 5: no totals, and the indexes version 7 drops.
	if _, err := s.writer.ExecContext(ctx, `DROP TABLE journal_totals;
	  CREATE INDEX journal_kind ON journal (kind); CREATE INDEX journal_function ON journal (function);
	  CREATE INDEX journal_user ON journal (user_id); PRAGMA user_version = 5`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.JournalStats(ctx)
	if err != nil || got != want || got.Entries != 3 {
		t.Fatalf("after the upgrade: %+v (%v), want %+v", got, err, want)
	}
	// The totals go on from there as entries come.
	if err := s.AddEntries(ctx, []*journal.Entry{entry(4, 400)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.JournalStats(ctx); err != nil || got.Entries != 4 || got.Bytes <= want.Bytes+400 {
		t.Fatalf("after one more entry: %+v (%v), from %+v", got, err, want)
	}
}

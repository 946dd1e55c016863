package devserver

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/term"
)

// batchStore records each AddEntries call's batch.
type batchStore struct {
	journal.Store
	mu      sync.Mutex
	batches [][]string
}

func (s *batchStore) AddEntries(_ context.Context, es []*journal.Entry) error {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	s.mu.Lock()
	s.batches = append(s.batches, ids)
	s.mu.Unlock()
	return nil
}

func (s *batchStore) seen() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.batches...)
}

func writerWithLinger(store journal.Store, linger time.Duration) *journalWriter {
	return startJournalWriter(store, term.NewLogger(io.Discard), linger)
}

// returnsSoon runs f, failing if it waits for the batch's linger (an hour in these tests).
func returnsSoon(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s waited for the batch's linger", what)
	}
}

// Entries added while a batch gathers are written in one transaction, and a reader's
// sync writes the batch at once rather than after the linger (an hour here: a sync
// that waited for it would hang the test).
func TestJournalWriterBatchesUntilAReaderSyncs(t *testing.T) {
	store := &batchStore{}
	w := writerWithLinger(store, time.Hour)
	defer w.close()
	for i := range 3 {
		w.add(&journal.Entry{ID: fmt.Sprintf("e%d", i), Kind: journal.KindFunction})
	}
	returnsSoon(t, "sync", w.sync)
	if got := store.seen(); len(got) != 1 || fmt.Sprint(got[0]) != "[e0 e1 e2]" {
		t.Fatalf("batches %v, want one of e0 e1 e2", got)
	}

	// A sync with nothing pending returns at once, and the next batch gathers anew.
	w.sync()
	w.add(&journal.Entry{ID: "e3", Kind: journal.KindFunction})
	w.sync()
	if got := store.seen(); len(got) != 2 || fmt.Sprint(got[1]) != "[e3]" {
		t.Fatalf("batches %v, want a second of e3", got)
	}
}

// Closing writes what is still gathering.
func TestJournalWriterCloseWritesTheBatch(t *testing.T) {
	store := &batchStore{}
	w := writerWithLinger(store, time.Hour)
	w.add(&journal.Entry{ID: "a", Kind: journal.KindFunction})
	w.add(&journal.Entry{ID: "b", Kind: journal.KindFunction})
	returnsSoon(t, "close", w.close)
	if got := store.seen(); len(got) != 1 || fmt.Sprint(got[0]) != "[a b]" {
		t.Fatalf("batches %v, want one of a b", got)
	}
	w.add(&journal.Entry{ID: "late", Kind: journal.KindFunction}) // after close: dropped, no panic
}

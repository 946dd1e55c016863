package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
)

var _ journal.Store = (*SQLite)(nil)

// JournalLimit is how many entries the journal keeps; older ones are dropped.
const JournalLimit = journal.MaxEntries

const (
	qJournalTotals       = "SELECT entries, bytes FROM journal_totals WHERE id = 1"
	qOldestJournal       = "SELECT seq, size FROM journal ORDER BY seq"
	qOldestJournalRange  = "SELECT max(seq), coalesce(sum(size), 0) FROM (SELECT seq, size FROM journal ORDER BY seq LIMIT ?)"
	qSetJournalTotals    = "UPDATE journal_totals SET entries = ?, bytes = ? WHERE id = 1"
	qDropJournalThrough  = "DELETE FROM journal WHERE seq <= ?"
	qCountJournalDropped = `INSERT INTO settings (key, value) VALUES ('journal_dropped', ?)
	  ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)`
)

// AddEntries records entries in one transaction, then drops the oldest beyond
// journal.MaxEntries entries or journal.MaxBytes bytes, counting what it dropped. It keeps
// journal_totals, as every write of the journal does (AddEntries and Reset).
// Entries are stored as journal.Kept makes them.
func (s *SQLite) AddEntries(ctx context.Context, es []*journal.Entry) error {
	return s.Update(ctx, func(t identity.Tx) error {
		x := t.(*tx)
		var entries, bytes int64
		if err := x.queryRow(qJournalTotals).Scan(&entries, &bytes); err != nil {
			return fmt.Errorf("count journal entries: %w", err)
		}
		args := make([]any, 0, journalColumns*min(len(es), journalRowsPerInsert[0]))
		var buf []byte // each entry's JSON, in turn
		for rest := es; len(rest) > 0; {
			rows := journalRowsPerInsert[len(journalRowsPerInsert)-1]
			for _, n := range journalRowsPerInsert {
				if len(rest) >= n {
					rows = n
					break
				}
			}
			args = args[:0]
			for _, e := range rest[:rows] {
				var err error
				if buf, err = e.AppendJSON(buf[:0]); err != nil {
					return fmt.Errorf("encode journal entry: %w", err)
				}
				args = append(args, e.ID, string(e.Kind), e.Function, e.UserID,
					strings.ToLower(e.UserEmail), string(buf), e.CreatedAt.UnixMilli(), len(buf))
				entries, bytes = entries+1, bytes+int64(len(buf))
			}
			if _, err := x.exec(qInsertJournalRows[rows], args...); err != nil {
				return fmt.Errorf("write journal entry: %w", err)
			}
			rest = rest[rows:]
		}
		dropped, size, err := x.pruneJournal(entries, bytes)
		if err != nil {
			return err
		}
		if _, err := x.exec(qSetJournalTotals, entries-dropped, bytes-size); err != nil {
			return fmt.Errorf("count journal entries: %w", err)
		}
		if dropped > 0 {
			if _, err := x.exec(qCountJournalDropped, strconv.FormatInt(dropped, 10)); err != nil {
				return fmt.Errorf("count dropped journal entries: %w", err)
			}
		}
		return nil
	})
}

// A batch of entries is written with statements of these many rows, the largest that
// fits first: a statement's fixed cost (its own savepoint, database/sql's work on each
// call) was a third of an entry's write when each had its own.
var journalRowsPerInsert = []int{32, 8, 1}

const journalColumns = 8

// qInsertJournalRows holds, for each size in journalRowsPerInsert, the INSERT of that
// many entries.
var qInsertJournalRows = func() map[int]string {
	m := map[int]string{}
	for _, n := range journalRowsPerInsert {
		m[n] = "INSERT INTO journal (id, kind, function, user_id, user_email, entry, created_at, size) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", n), ",")
	}
	return m
}()

// JournalStats counts the entries kept, their bytes, and the entries dropped to stay
// within the journal's limits.
func (s *SQLite) JournalStats(ctx context.Context) (journal.Stats, error) {
	var st journal.Stats
	var dropped sql.NullString
	err := s.reader.QueryRowContext(ctx, `SELECT entries, bytes,
	  (SELECT value FROM settings WHERE key = 'journal_dropped') FROM journal_totals WHERE id = 1`).Scan(&st.Entries, &st.Bytes, &dropped)
	if err != nil {
		return st, fmt.Errorf("count journal entries: %w", err)
	}
	if dropped.Valid {
		st.Dropped, _ = strconv.ParseInt(dropped.String, 10, 64)
	}
	return st, nil
}

// Entries lists journal entries, newest first: at most q.Limit (100 when 0), and no
// more than q.MaxBytes bytes of entries (journal.MaxPage when 0) after the first.
func (s *SQLite) Entries(ctx context.Context, q journal.Query) ([]*journal.Entry, error) {
	where, args := []string{"1=1"}, []any{}
	if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(q.Kind))
	}
	if q.Function != "" {
		where, args = append(where, "function = ?"), append(args, q.Function)
	}
	if q.User != "" {
		where, args = append(where, "(user_id = ? OR user_email = ?)"), append(args, q.User, strings.ToLower(q.User))
	}
	if q.Before != "" {
		where, args = append(where, "seq < coalesce((SELECT seq FROM journal WHERE id = ?), 0)"), append(args, q.Before)
	}
	limit, maxBytes := q.Limit, q.MaxBytes
	if limit <= 0 {
		limit = 100
	}
	if maxBytes <= 0 {
		maxBytes = journal.MaxPage
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT entry FROM journal WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list journal: %w", err)
	}
	defer rows.Close()
	out := []*journal.Entry{}
	size := 0
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("read journal entry: %w", err)
		}
		if size += len(raw); size > maxBytes && len(out) > 0 {
			break
		}
		var e journal.Entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("decode journal entry: %w", err)
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// Entry is one journal entry; identity.ErrNotFound when there is none.
func (s *SQLite) Entry(ctx context.Context, id string) (*journal.Entry, error) {
	var raw string
	err := s.reader.QueryRowContext(ctx, "SELECT entry FROM journal WHERE id = ?", id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identity.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read journal entry %s: %w", id, err)
	}
	var e journal.Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return nil, fmt.Errorf("decode journal entry %s: %w", id, err)
	}
	return &e, nil
}

// pruneJournal drops the oldest entries beyond journal.MaxEntries entries or
// journal.MaxBytes bytes, given the journal's totals, and says how many entries and bytes
// it dropped. It reads only the entries it drops, oldest first, so a write costs what it
// drops, not what is kept.
func (t *tx) pruneJournal(entries, bytes int64) (n, size int64, err error) {
	overEntries, overBytes := entries-journal.MaxEntries, bytes-journal.MaxBytes
	if overEntries <= 0 && overBytes <= 0 {
		return 0, 0, nil
	}
	n, through, size, err := t.oldestJournal(entries, overEntries, overBytes)
	if err != nil || n == 0 {
		return 0, 0, err
	}
	if _, err := t.exec(qDropJournalThrough, through); err != nil {
		return 0, 0, fmt.Errorf("drop old journal entries: %w", err)
	}
	return n, size, nil
}

// oldestJournal finds the oldest entries that cover overEntries entries and overBytes
// bytes, and says how many they are, the last one's seq and their bytes. The newest entry
// is never among them: journal.Kept makes each smaller than MaxBytes.
func (t *tx) oldestJournal(entries, overEntries, overBytes int64) (n, through, size int64, err error) {
	if overBytes <= 0 {
		// Over by count only, as a journal of small entries always is: SQLite finds the
		// last of them by its place, without a row each coming back to Go.
		n = min(overEntries, entries-1)
		if n <= 0 {
			return 0, 0, 0, nil
		}
		if err := t.queryRow(qOldestJournalRange, n).Scan(&through, &size); err != nil {
			return 0, 0, 0, fmt.Errorf("find old journal entries: %w", err)
		}
		return n, through, size, nil
	}
	rows, err := t.query(qOldestJournal)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("find old journal entries: %w", err)
	}
	defer rows.Close()
	for n < entries-1 && (n < overEntries || overBytes > 0) && rows.Next() {
		var seq, sz int64
		if err := rows.Scan(&seq, &sz); err != nil {
			return 0, 0, 0, fmt.Errorf("find old journal entries: %w", err)
		}
		n, through, size, overBytes = n+1, seq, size+sz, overBytes-sz
	}
	if err := rows.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("find old journal entries: %w", err)
	}
	return n, through, size, nil
}

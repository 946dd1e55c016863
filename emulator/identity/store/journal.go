package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
)

var _ journal.Store = (*SQLite)(nil)

// JournalLimit is how many entries the journal keeps; older ones are dropped.
const JournalLimit = 5000

// AddEntries records entries in one transaction, dropping the oldest beyond JournalLimit.
func (s *SQLite) AddEntries(ctx context.Context, es []*journal.Entry) error {
	return s.Update(ctx, func(t identity.Tx) error {
		for _, e := range es {
			b, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode journal entry: %w", err)
			}
			if _, err := t.(*tx).exec(qInsertJournal, e.ID, string(e.Kind), e.Function, e.UserID,
				strings.ToLower(e.UserEmail), string(b), e.CreatedAt.UnixMilli()); err != nil {
				return fmt.Errorf("write journal entry: %w", err)
			}
		}
		if _, err := t.(*tx).exec(qPruneJournal, JournalLimit); err != nil {
			return fmt.Errorf("drop old journal entries: %w", err)
		}
		return nil
	})
}

// Entries lists journal entries, newest first.
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
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT entry FROM journal WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list journal: %w", err)
	}
	defer rows.Close()
	out := []*journal.Entry{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("read journal entry: %w", err)
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

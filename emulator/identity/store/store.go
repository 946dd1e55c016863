// Package store keeps the identity service's data in SQLite through modernc.org/sqlite
// (pure Go, no cgo): for the life of the process by default, in a file with --db. The
// schema is a series of versioned .sql files applied in order, so a saved database
// survives upgrades.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/identity-dev/dev/emulator/identity"
)

//go:embed schemas/*.sql
var schemas embed.FS

// Memory is the path that selects the default database, which lasts as long as the
// process that opened it.
const Memory = ":memory:"

// privateCacheKiB is how much of the default database SQLite keeps in memory. The rest
// is in its temporary file, in the page cache, where the kernel can drop it: the
// journal (up to journal.MaxBytes) fills the database most, and all of it used to stay
// in dev's heap. The journal's churn fills whatever cache it is given: at 1 MiB dev
// serve held 1.5 MiB more after ten connections' load than at 256 KiB, with the same
// throughput (64 KiB saved nothing more), and adding an entry to a full journal took
// 11.7-12.0 µs in batches of 50 against 10.9-11.2 (BenchmarkAddEntryToAFullJournal).
const privateCacheKiB = 256

// SQLite is an identity.Store. Writes go through one connection, one transaction at a
// time; reads of a file database use a pool of their own (WAL lets them run beside the
// writer). The default database has one connection for both, which keeps it alive.
type SQLite struct {
	writer *sql.DB
	reader *sql.DB
	// Prepared statements, per database handle, keyed by their SQL: preparing is a
	// good part of a small query's cost, and a transaction reuses a statement already
	// prepared on its connection.
	stmts sync.Map // stmtKey → *sql.Stmt
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// stmt is the statement prepared for query on db, or nil. Statements are prepared
// at Open, never inside a transaction: the in-memory database has one connection,
// which the transaction holds.
func (s *SQLite) stmt(db *sql.DB, query string) *sql.Stmt {
	if st, ok := s.stmts.Load(stmtKey{db, query}); ok {
		return st.(*sql.Stmt)
	}
	return nil
}

// prepare prepares the fixed queries on both handles.
func (s *SQLite) prepare(ctx context.Context) error {
	for _, db := range []*sql.DB{s.writer, s.reader} {
		for _, q := range preparedQueries {
			if _, ok := s.stmts.Load(stmtKey{db, q}); ok {
				continue
			}
			st, err := db.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("prepare %q: %w", q, err)
			}
			s.stmts.Store(stmtKey{db, q}, st)
		}
	}
	return nil
}

var _ identity.Store = (*SQLite)(nil)

// Open opens (creating if needed) the database at path, or an in-memory one for
// ":memory:" or "", and brings its schema up to date.
func Open(ctx context.Context, path string) (*SQLite, error) {
	s := &SQLite{}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
	if path == "" || path == Memory {
		// An empty name makes a private temporary database: SQLite creates it unnamed
		// in the temporary folder (O_TMPFILE, mode 0600), so that nothing is left
		// behind however dev ends, and it exists for its one connection, which is
		// never closed while the store is open. Its rollback journal stays in memory
		// (a transaction still rolls back); nothing is synced, as nothing outlives
		// the process.
		dsn := "file:?" + pragmas + "&_pragma=cache_size(-" + strconv.Itoa(privateCacheKiB) + ")" +
			"&_pragma=journal_mode(MEMORY)&_pragma=synchronous(OFF)"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open the private database: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.writer, s.reader = db, db
	} else {
		base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
		w, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", base)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		r.SetMaxOpenConns(4)
		s.writer, s.reader = w, r
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the schema files newer than the database's user_version.
func (s *SQLite) migrate(ctx context.Context) error {
	var version int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version (is this a dev database?): %w", err)
	}
	names, err := fs.Glob(schemas, "schemas/*.sql")
	if err != nil {
		return fmt.Errorf("list schemas: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "schemas/"), ".sql"))
		if err != nil {
			return fmt.Errorf("schema file %s: name is not a number", name)
		}
		if n <= version {
			continue
		}
		body, err := schemas.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		tx, err := s.writer.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("apply %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("apply %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("apply %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("apply %s: %w", name, err)
		}
	}
	return nil
}

// View runs fn in a read transaction.
func (s *SQLite) View(ctx context.Context, fn func(identity.Tx) error) error {
	return s.run(ctx, s.reader, fn, false)
}

// Update runs fn in a write transaction, committed when fn returns nil.
func (s *SQLite) Update(ctx context.Context, fn func(identity.Tx) error) error {
	return s.run(ctx, s.writer, fn, true)
}

func (s *SQLite) run(ctx context.Context, db *sql.DB, fn func(identity.Tx) error, write bool) error {
	// The identity operation has already done its slow work (hooks, bcrypt); a client
	// that hangs up now must not leave half an operation behind, so the transaction
	// does not follow the request's cancellation.
	ctx = context.WithoutCancel(ctx)
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: !write && db != s.writer})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t := &tx{ctx: ctx, tx: sqlTx, store: s, db: db}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Reset deletes all users, tokens, mail, audit entries and the journal.
func (s *SQLite) Reset(ctx context.Context) error {
	return s.Update(ctx, func(t identity.Tx) error {
		for _, table := range []string{"refresh_tokens", "users", "mail", "audit_log", "journal"} {
			if _, err := t.(*tx).tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("reset %s: %w", table, err)
			}
		}
		if _, err := t.(*tx).tx.ExecContext(ctx, "UPDATE journal_totals SET entries = 0, bytes = 0 WHERE id = 1"); err != nil {
			return fmt.Errorf("reset the journal's totals: %w", err)
		}
		return nil
	})
}

// Close closes the database; the default (private) one is gone.
func (s *SQLite) Close() error {
	var errs []error
	s.stmts.Range(func(_, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		return true
	})
	if s.reader != nil && s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	return errors.Join(errs...)
}

// EachUser calls fn with every user, oldest first, reading in pages so that memory
// stays flat for any number of users; each page is its own read transaction.
func (s *SQLite) EachUser(ctx context.Context, fn func(*identity.User) error) error {
	const page = 500
	var lastCreated, lastRow int64 = -1 << 62, 0
	for {
		rows, err := s.reader.QueryContext(ctx, "SELECT "+userColumns+", created_at, rowid FROM users WHERE (created_at, rowid) > (?, ?) ORDER BY created_at, rowid LIMIT ?", lastCreated, lastRow, page)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		var users []*identity.User
		for rows.Next() {
			u, created, rowid, err := scanUserAt(rows)
			if err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
			lastCreated, lastRow = created, rowid
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		for _, u := range users {
			if err := fn(u); err != nil {
				return err
			}
		}
		if len(users) < page {
			return nil
		}
	}
}

// scanUserAt reads a user followed by its created_at and rowid columns.
func scanUserAt(rows *sql.Rows) (*identity.User, int64, int64, error) {
	var created, rowid int64
	u, err := scanUser(extraScanner{row: rows, extra: []any{&created, &rowid}})
	return u, created, rowid, err
}

// extraScanner scans a row's further columns after the ones asked for.
type extraScanner struct {
	row   scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

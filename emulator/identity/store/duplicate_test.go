package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/identity-dev/dev/emulator/identity"
)

func openBoth(t *testing.T) map[string]*SQLite {
	t.Helper()
	dbs := map[string]*SQLite{}
	for name, path := range map[string]string{"memory": Memory, "file": filepath.Join(t.TempDir(), "dev.db")} {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[name] = db
	}
	return dbs
}

// sqliteCode is the extended result code of the SQLite error inside err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// A taken address is identity.ErrDuplicateEmail whether a user is created with it or
// changed to it, recognised by SQLite's UNIQUE result code; the SQLite error and the
// operation stay in the chain for the log.
func TestDuplicateEmailIsIdentitysTypedError(t *testing.T) {
	ctx := context.Background()
	for name, db := range openBoth(t) {
		t.Run(name, func(t *testing.T) {
			err := db.Update(ctx, func(tx identity.Tx) error {
				if err := tx.CreateUser(newUser("a", "taken@example.com")); err != nil {
					return err
				}
				return tx.CreateUser(newUser("b", "free@example.com"))
			})
			if err != nil {
				t.Fatal(err)
			}
			created := db.Update(ctx, func(tx identity.Tx) error { return tx.CreateUser(newUser("c", " Taken@Example.com")) })
			moved := db.Update(ctx, func(tx identity.Tx) error {
				u := newUser("b", "TAKEN@example.com")
				return tx.UpdateUser(u)
			})
			for op, err := range map[string]error{"create user": created, "update user": moved} {
				if !errors.Is(err, identity.ErrDuplicateEmail) {
					t.Errorf("%s with a taken address: %v, want identity.ErrDuplicateEmail", op, err)
				}
				if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
					t.Errorf("%s: the SQLite cause is lost (code %d): %v", op, code, err)
				}
				if err != nil && !strings.HasPrefix(err.Error(), op+" ") {
					t.Errorf("%s: error %q does not say what failed", op, err)
				}
			}
		})
	}
}

// A unique violation that is not the email's (here the primary key) is not reported
// as a taken address.
func TestOtherConstraintIsNotDuplicateEmail(t *testing.T) {
	ctx := context.Background()
	for name, db := range openBoth(t) {
		t.Run(name, func(t *testing.T) {
			if err := db.Update(ctx, func(tx identity.Tx) error { return tx.CreateUser(newUser("same-id", "one@example.com")) }); err != nil {
				t.Fatal(err)
			}
			err := db.Update(ctx, func(tx identity.Tx) error { return tx.CreateUser(newUser("same-id", "two@example.com")) })
			if err == nil || errors.Is(err, identity.ErrDuplicateEmail) {
				t.Fatalf("a second user with the same id: %v, want an error that is not ErrDuplicateEmail", err)
			}
			if code := sqliteCode(err); code != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
				t.Errorf("code %d, want SQLITE_CONSTRAINT_PRIMARYKEY: %v", code, err)
			}
		})
	}
}

// Fifty writers that each look an address up and then create it, as signup does,
// leave one user; every other writer is told the address is taken. No writer meets
// SQLITE_BUSY or a locked table: writes queue for the one writer connection.
func TestConcurrentCreatesOfOneEmail(t *testing.T) {
	ctx := context.Background()
	for name, db := range openBoth(t) {
		t.Run(name, func(t *testing.T) {
			for round := range 5 {
				email := fmt.Sprintf("race%d@example.com", round)
				errs := make([]error, 50)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range errs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						err := db.View(ctx, func(tx identity.Tx) error {
							_, err := tx.UserByEmail(email, "")
							return err
						})
						if err != nil && !errors.Is(err, identity.ErrNotFound) {
							errs[i] = fmt.Errorf("look up: %w", err)
							return
						}
						errs[i] = db.Update(ctx, func(tx identity.Tx) error {
							return tx.CreateUser(newUser(fmt.Sprintf("%d-%d", round, i), email))
						})
					}()
				}
				close(start)
				wg.Wait()
				created := 0
				for _, err := range errs {
					switch {
					case err == nil:
						created++
					case !errors.Is(err, identity.ErrDuplicateEmail):
						t.Errorf("round %d: %v", round, err)
					}
				}
				if created != 1 {
					t.Errorf("round %d: %d users created, want 1", round, created)
				}
			}
		})
	}
}

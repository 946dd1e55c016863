package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
)

func newUser(id, email string) *identity.User {
	now := time.Now().UTC()
	return &identity.User{ID: id, Email: email, AppMetaData: map[string]any{"provider": "email"}, CreatedAt: now, UpdatedAt: now}
}

func TestFileDatabaseKeepsEverythingAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dev.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx identity.Tx) error {
		if err := tx.CreateUser(newUser("11111111-1111-4111-8111-111111111111", "Keep@Example.com")); err != nil {
			return err
		}
		if err := tx.CreateRefreshToken(&identity.RefreshToken{Token: "tok", UserID: "11111111-1111-4111-8111-111111111111", CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := tx.CreateMail(&identity.Mail{ID: "m1", To: "keep@example.com", Kind: identity.MailConfirmation, CreatedAt: time.Now()}); err != nil {
			return err
		}
		return tx.SetSetting("jwt_secret", "s3")
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx identity.Tx) error {
		u, err := tx.UserByEmail("keep@example.com", "")
		if err != nil {
			return err
		}
		if u.Email != "Keep@Example.com" || u.AppMetaData["provider"] != "email" {
			t.Errorf("user read back as %+v", u)
		}
		if _, err := tx.RefreshToken("tok"); err != nil {
			return err
		}
		if mails, err := tx.ListMail("KEEP@example.com"); err != nil || len(mails) != 1 {
			t.Errorf("mail read back: %v %v", mails, err)
		}
		if v, err := tx.Setting("jwt_secret"); err != nil || v != "s3" {
			t.Errorf("secret read back: %q %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Concurrent writers of an in-memory store all land in the one database (its single
// connection serialises them), and a second in-memory store is another database.
func TestMemoryStoreConcurrentWritesAndIsolation(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := db.Update(ctx, func(tx identity.Tx) error {
				return tx.SetSetting("k"+string(rune('a'+i)), "v")
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	err = db.View(ctx, func(tx identity.Tx) error {
		for i := 0; i < 20; i++ {
			if _, err := tx.Setting("k" + string(rune('a'+i))); err != nil {
				return fmt.Errorf("write %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.View(ctx, func(tx identity.Tx) error {
		_, err := tx.Setting("ka")
		return err
	})
	if !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("two in-memory stores share data: %v", err)
	}
}

func TestDuplicateEmailIsRefusedCaseInsensitively(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx identity.Tx) error { return tx.CreateUser(newUser("a", "x@example.com")) })
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx identity.Tx) error { return tx.CreateUser(newUser("b", "X@EXAMPLE.COM")) })
	if !errors.Is(err, identity.ErrDuplicateEmail) {
		t.Fatalf("second user with the same email: %v", err)
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boom := errors.New("boom")
	err = db.Update(ctx, func(tx identity.Tx) error {
		if err := tx.CreateUser(newUser("a", "x@example.com")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx identity.Tx) error {
		_, err := tx.UserByID("a")
		return err
	})
	if !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("rolled-back user exists: %v", err)
	}
}

func TestSchemaVersionIsRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != 7 {
		t.Fatalf("user_version = %d, %v", v, err)
	}
}

func TestJournalKeepsTheNewestEntries(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var batch []*journal.Entry
	for i := 0; i < JournalLimit+10; i++ {
		batch = append(batch, &journal.Entry{ID: fmt.Sprint(i), Kind: journal.KindFunction, Function: "f", CreatedAt: time.Now()})
	}
	if err := db.AddEntries(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got, err := db.Entries(ctx, journal.Query{Limit: JournalLimit + 100})
	if err != nil || len(got) != JournalLimit || got[0].ID != fmt.Sprint(JournalLimit+9) {
		t.Fatalf("%d entries, newest %v, err %v", len(got), got[0].ID, err)
	}
	if _, err := db.Entry(ctx, "0"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("the oldest entry is still there: %v", err)
	}
}

// EachUser pages through the users by (created_at, rowid): users that share a second
// across a page boundary are each given once, oldest first.
func TestEachUserGivesEveryUserOnce(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 1234
	err = db.Update(ctx, func(tx identity.Tx) error {
		for i := range n {
			u := newUser(fmt.Sprintf("u%04d", i), fmt.Sprintf("u%04d@example.com", i))
			u.CreatedAt = time.Unix(1_800_000_000+int64(i/300), 0) // 300 users a second
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var last time.Time
	err = db.EachUser(ctx, func(u *identity.User) error {
		if seen[u.ID] {
			return fmt.Errorf("%s twice", u.ID)
		}
		if u.CreatedAt.Before(last) {
			return fmt.Errorf("%s out of order", u.ID)
		}
		seen[u.ID], last = true, u.CreatedAt
		return nil
	})
	if err != nil || len(seen) != n {
		t.Fatalf("%v; %d of %d users", err, len(seen), n)
	}
}

// The captured mail and the audit log keep their newest rows, so that a store in memory
// stays bounded under hours of signups.
func TestMailAndAuditLogKeepTheNewest(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx identity.Tx) error {
		for i := 0; i < MaxMail+5; i++ {
			m := &identity.Mail{ID: fmt.Sprint("m", i), To: "a@example.com", Kind: identity.MailKind("confirm"), CreatedAt: time.Now()}
			if err := tx.CreateMail(m); err != nil {
				return err
			}
		}
		for i := 0; i < MaxAuditEntries+5; i++ {
			e := &identity.AuditEntry{ID: fmt.Sprint("a", i), Payload: map[string]any{"action": "login"}, CreatedAt: time.Now()}
			if err := tx.CreateAuditEntry(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx identity.Tx) error {
		mails, err := tx.ListMail("")
		if err != nil {
			return err
		}
		if len(mails) != MaxMail || mails[0].ID != fmt.Sprint("m", MaxMail+4) || mails[len(mails)-1].ID != "m5" {
			t.Errorf("%d mails, from %s to %s; want %d, m%d to m5", len(mails), mails[0].ID, mails[len(mails)-1].ID, MaxMail, MaxMail+4)
		}
		entries, total, err := tx.ListAudit(identity.AuditQuery{Page: identity.Page{Number: 1, PerPage: 1}})
		if err != nil {
			return err
		}
		if total != MaxAuditEntries || entries[0].ID != fmt.Sprint("a", MaxAuditEntries+4) {
			t.Errorf("%d audit entries, newest %s; want %d, a%d", total, entries[0].ID, MaxAuditEntries, MaxAuditEntries+4)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The default store holds more than SQLite keeps of it in memory (its pages spill to
// its temporary file and are read back whole), and that file has no name anyone could
// open: it is gone however dev ends.
func TestDefaultStoreSpillsToAFileWithNoName(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/fd, which only Linux has")
	}
	ctx := context.Background()
	before := openFiles(t)
	db, err := Open(ctx, Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 40 // 40 entries of 200 KiB: 8 MiB, eight times the cache
	for i := 0; i < n; i++ {
		if err := db.AddEntries(ctx, []*journal.Entry{entry(i, 200<<10)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Entries(ctx, journal.Query{Limit: n, MaxBytes: 64 << 20})
	if err != nil || len(got) != n {
		t.Fatalf("read back %d of %d entries (%v)", len(got), n, err)
	}
	for i, e := range got {
		if want := fmt.Sprintf("e%05d", n-1-i); e.ID != want || len(e.Request.Body) != 200<<10 {
			t.Fatalf("entry %d: %s with a %d-byte body, want %s with 204800", i, e.ID, len(e.Request.Body), want)
		}
	}
	spilled := false
	for fd, target := range openFiles(t) {
		if before[fd] == target {
			continue
		}
		if !strings.HasSuffix(target, " (deleted)") && !strings.HasPrefix(target, "socket:") &&
			!strings.HasPrefix(target, "pipe:") && !strings.HasPrefix(target, "anon_inode:") {
			t.Errorf("the default store opened %s, a file with a name", target)
		}
		spilled = spilled || strings.HasSuffix(target, " (deleted)")
	}
	if !spilled {
		t.Errorf("8 MiB of entries did not reach the store's temporary file (cache %d KiB)", privateCacheKiB)
	}
}

// openFiles is what this process's file descriptors point to, by descriptor.
func openFiles(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			out[e.Name()] = target
		}
	}
	return out
}

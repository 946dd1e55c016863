package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

// seedUsers fills a file store with n users, created a second apart, in batches.
func seedUsers(b *testing.B, n int) *SQLite {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "users.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 1000 {
		err := s.Update(context.Background(), func(tx identity.Tx) error {
			for j := i; j < i+1000 && j < n; j++ {
				at := start.Add(time.Duration(j) * time.Second)
				u := &identity.User{ID: tokens.NewUUID(), Email: fmt.Sprintf("user%06d@example.com", j),
					UserMetaData: map[string]any{"full_name": fmt.Sprintf("User Number %d", j)},
					AppMetaData:  map[string]any{"provider": "email"}, CreatedAt: at, UpdatedAt: at}
				if err := tx.CreateUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkListUsers100k: the admin list of a store of 100,000 users, with a filter
// and at a deep page (page 1000 of 50).
func BenchmarkListUsers100k(b *testing.B) {
	s := seedUsers(b, 100_000)
	for _, c := range []struct {
		name string
		q    identity.UserQuery
	}{
		{"filter", identity.UserQuery{Filter: "user0999", Page: identity.Page{Number: 1, PerPage: 50}}},
		{"page1000", identity.UserQuery{Page: identity.Page{Number: 1000, PerPage: 50}}},
		{"page1", identity.UserQuery{Page: identity.Page{Number: 1, PerPage: 50}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				err := s.View(context.Background(), func(tx identity.Tx) error {
					users, total, err := tx.ListUsers(c.q)
					if err == nil && (len(users) == 0 || total == 0) {
						err = fmt.Errorf("no users: %d of %d", len(users), total)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateUser100k: creating a user (one transaction each, as signup does) in an
// empty file store and in one of 100,000 users: it must not slow down as the store grows.
func BenchmarkCreateUser100k(b *testing.B) {
	for _, size := range []int{0, 100_000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			s := seedUsers(b, size)
			at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				err := s.Update(context.Background(), func(tx identity.Tx) error {
					return tx.CreateUser(&identity.User{ID: tokens.NewUUID(), Email: fmt.Sprintf("new%07d@example.com", i),
						UserMetaData: map[string]any{"full_name": fmt.Sprintf("New User %d", i)},
						AppMetaData:  map[string]any{"provider": "email"}, CreatedAt: at, UpdatedAt: at})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

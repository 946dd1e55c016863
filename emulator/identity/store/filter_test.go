package store

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
)

// The admin list's filter through the trigram index: GoTrue's LIKE '%filter%' on the
// email or the full name, case-insensitive, % and _ wildcards, filters shorter than a
// trigram, and the index following updates and deletes.
func TestListUsersFilter(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{Memory, t.TempDir() + "/f.db"} {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		base := time.Unix(1_800_000_000, 0)
		mk := func(id, email, name string, i int) *identity.User {
			u := newUser(id, email)
			u.CreatedAt = base.Add(time.Duration(i) * time.Second)
			if name != "" {
				u.UserMetaData = map[string]any{"full_name": name}
			}
			return u
		}
		err = db.Update(ctx, func(tx identity.Tx) error {
			for _, u := range []*identity.User{
				mk("1", "ann@example.com", "Ann Lee", 1), mk("2", "bob@example.com", "Robert Annan", 2),
				mk("3", "carl@other.test", "", 3), mk("4", "dora_x@example.com", "Dora", 4),
			} {
				if err := tx.CreateUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		list := func(filter string) ([]string, int) {
			t.Helper()
			var ids []string
			var total int
			err := db.View(ctx, func(tx identity.Tx) error {
				users, n, err := tx.ListUsers(identity.UserQuery{Filter: filter, Page: identity.Page{Number: 1, PerPage: 50}})
				for _, u := range users {
					ids = append(ids, u.ID)
				}
				total = n
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids, total
		}
		for _, c := range []struct {
			filter string
			want   []string
		}{
			{"ANN", []string{"2", "1"}}, // email of 1, name of 2; newest first
			{"an", []string{"2", "1"}},  // shorter than a trigram
			{"example", []string{"4", "2", "1"}},
			{"a_n", []string{"2", "1"}}, // _ is any one character
			{"o%a", []string{"4", "2"}}, // % is anything
			{"x@", []string{"4"}},
			{"zzz", nil},
			{"", []string{"4", "3", "2", "1"}},
		} {
			ids, total := list(c.filter)
			if !reflect.DeepEqual(ids, c.want) || total != len(c.want) {
				t.Errorf("%s filter %q: %v (total %d), want %v", path, c.filter, ids, total, c.want)
			}
		}
		err = db.Update(ctx, func(tx identity.Tx) error {
			u, err := tx.UserByID("3")
			if err != nil {
				return err
			}
			u.Email = "carla@example.com"
			u.UserMetaData = map[string]any{"full_name": "Carla Annex"}
			if err := tx.UpdateUser(u); err != nil {
				return err
			}
			return tx.DeleteUser("1")
		})
		if err != nil {
			t.Fatal(err)
		}
		ids, total := list("ann")
		sort.Strings(ids)
		if !reflect.DeepEqual(ids, []string{"2", "3"}) || total != 2 {
			t.Errorf("%s after update and delete: %v (total %d)", path, ids, total)
		}
		if ids, total := list("other.test"); len(ids) != 0 || total != 0 {
			t.Errorf("%s: the old email still matches: %v", path, ids)
		}
		if _, total := list(""); total != 3 {
			t.Errorf("%s: count after a delete %d, want 3", path, total)
		}
	}
}

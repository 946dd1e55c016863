package site

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
)

// UsersIO says where users go in and out: a running dev serve (URL, or the one of the
// site in Dir, as dev mail finds it), or a store file when DB is set.
type UsersIO struct {
	URL string
	Dir string
	DB  string
}

// ExportUsers writes every user as JSON Lines to w and says how many.
func ExportUsers(ctx context.Context, where UsersIO, w io.Writer) (int, error) {
	if where.DB == "" {
		c, err := Client(ctx, where.URL, where.Dir)
		if err != nil {
			return 0, err
		}
		return c.ExportUsers(ctx, w)
	}
	if _, err := os.Stat(where.DB); errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("--db %s: no such store; dev serve --db %s creates one", where.DB, where.DB)
	}
	db, err := store.Open(ctx, where.DB)
	if err != nil {
		return 0, fmt.Errorf("open store %s: %w", where.DB, err)
	}
	defer db.Close()
	n := 0
	err = db.EachUser(ctx, func(u *identity.User) error {
		line, err := identity.ExportLine(u)
		if err != nil {
			return err
		}
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		n++
		return nil
	})
	return n, err
}

// ImportUsers reads an export from r into the server or the store file: the whole
// file is checked first, and a bad line refuses all of it.
func ImportUsers(ctx context.Context, where UsersIO, r io.Reader) (*devapi.ImportResult, error) {
	if where.DB == "" {
		c, err := Client(ctx, where.URL, where.Dir)
		if err != nil {
			return nil, err
		}
		return c.ImportUsers(ctx, r)
	}
	lines, err := identity.ReadImport(r)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was imported", err)
	}
	// A new store holds password hashes: only its owner may read it, as dev serve makes it.
	if f, err := os.OpenFile(where.DB, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		f.Close()
	}
	db, err := store.Open(ctx, where.DB)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where.DB, err)
	}
	defer db.Close()
	var res *identity.ImportResult
	err = db.Update(ctx, func(tx identity.Tx) error {
		var err error
		res, err = identity.ImportUsers(tx, lines)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import into %s: %w; nothing was imported", where.DB, err)
	}
	return res, nil
}

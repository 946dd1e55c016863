package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/site"
)

func newCmdUsers(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Users of a running dev serve: list, change, confirm, delete, create, invite; export and import (also on a --db store)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdUsersAdmin(f)...)
	cmd.AddCommand(newCmdUsersExport(f, nil), newCmdUsersImport(f, nil))
	return cmd
}

// UsersExportOptions are dev users export's.
type UsersExportOptions struct {
	IO    streams
	Where site.UsersIO
	Out   string
}

func newCmdUsersExport(f *factory, runF func(context.Context, *UsersExportOptions) error) *cobra.Command {
	o := &UsersExportOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every user as JSON Lines (GoTrue's admin user JSON, password hashes kept)",
		Long: `export writes every user, oldest first, one JSON object per line: GoTrue's admin user JSON with
encrypted_password (the bcrypt hash), so that imported users log in with their old passwords.
It reads from the running dev serve (found as dev mail finds it), or from a store file with --db.`,
		Example: `  dev users export > users.jsonl
  dev users export --out users.jsonl --db .netlify/dev/identity.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runUsersExport(cmd.Context(), o)
		},
	}
	addServerFlags(cmd, &o.Where.URL, &o.Where.Dir)
	cmd.Flags().StringVar(&o.Where.DB, "db", "", "read this store file instead of a running dev serve")
	cmd.Flags().StringVarP(&o.Out, "out", "o", "", "write to this file (default: standard output)")
	return cmd
}

func runUsersExport(ctx context.Context, o *UsersExportOptions) error {
	if o.Out == "" {
		_, err := site.ExportUsers(ctx, o.Where, o.IO.Out)
		return err
	}
	// Written beside the target and renamed into place: a failed export leaves no
	// half-written file under the name.
	tmp, err := os.CreateTemp(filepath.Dir(o.Out), ".users-export-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	defer os.Remove(tmp.Name())
	n, err := site.ExportUsers(ctx, o.Where, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	if err := os.Rename(tmp.Name(), o.Out); err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	fmt.Fprintf(o.IO.Err, "%d users written to %s (it holds password hashes: keep it private)\n", n, o.Out)
	return nil
}

// UsersImportOptions are dev users import's.
type UsersImportOptions struct {
	IO    streams
	Where site.UsersIO
	File  string
	JSON  bool
}

func newCmdUsersImport(f *factory, runF func(context.Context, *UsersImportOptions) error) *cobra.Command {
	o := &UsersImportOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Add the users of an export (JSON Lines); users already there are skipped",
		Long: `import adds the users of a file dev users export wrote (- reads standard input). The whole
file is checked first: a line that is not a user refuses the file, naming the line, and nothing is
written. A user whose id or email is taken already is skipped and listed, so importing a file twice
adds no one the second time. Imports fire no identity events: the users are restored, not signed up.`,
		Example: `  dev users import users.jsonl
  dev users import users.jsonl --db .netlify/dev/identity.db --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runUsersImport(cmd.Context(), o)
		},
	}
	addServerFlags(cmd, &o.Where.URL, &o.Where.Dir)
	cmd.Flags().StringVar(&o.Where.DB, "db", "", "write into this store file instead of a running dev serve")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the result as JSON")
	return cmd
}

func runUsersImport(ctx context.Context, o *UsersImportOptions) error {
	var r io.Reader = o.IO.In
	if o.File != "-" {
		f, err := os.Open(o.File)
		if err != nil {
			return fmt.Errorf("open %s: %w", o.File, err)
		}
		defer f.Close()
		r = f
	}
	res, err := site.ImportUsers(ctx, o.Where, r)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(o.IO.Out, "imported %d users, skipped %d\n", res.Imported, len(res.Skipped))
	for _, s := range res.Skipped {
		fmt.Fprintf(o.IO.Out, "  line %d  %s  %s\n", s.Line, s.Email, s.Reason)
	}
	return nil
}

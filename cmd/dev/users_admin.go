package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
)

// UsersOptions are the dev users commands' that act on a running dev serve: the same
// actions as the dashboard's Users view, through the dev API.
type UsersOptions struct {
	IO     streams
	URL    string
	Dir    string
	JSON   bool
	client func(ctx context.Context, url, dir string) (*devapi.Client, error)

	Query        string
	Page         int
	Roles        []string
	AppMetaData  string
	UserMetaData string
	Password     string
	Unconfirmed  bool
}

// newCmdUsersAdmin are dev users list, get, update, confirm, delete, create, invite and recover.
func newCmdUsersAdmin(f *factory) []*cobra.Command {
	o := &UsersOptions{IO: f.IO, client: f.Client}
	mk := func(use, short, example string, args cobra.PositionalArgs, run func(*cobra.Command, *devapi.Client, []string) error) *cobra.Command {
		cmd := &cobra.Command{Use: use, Short: short, Example: example, Args: args, RunE: func(cmd *cobra.Command, a []string) error {
			c, err := o.client(cmd.Context(), o.URL, o.Dir)
			if err != nil {
				return err
			}
			return run(cmd, c, a)
		}}
		addServerFlags(cmd, &o.URL, &o.Dir)
		cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
		return cmd
	}
	list := mk("list [QUERY]", "List users, newest first; QUERY is a substring of the email or name, or an id", "  dev users list\n  dev users list example.com --page 2 --json", cobra.MaximumNArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			if len(a) == 1 {
				o.Query = a[0]
			}
			page, err := c.Users(ctx, o.Query, o.Page, 0)
			if err != nil {
				return err
			}
			if o.JSON {
				return o.printJSON(page)
			}
			tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EMAIL\tID\tROLES\tCONFIRMED\tCREATED")
			for _, u := range page.Users {
				roles, _ := u.AppMetaData["roles"].([]any)
				var rs []string
				for _, r := range roles {
					rs = append(rs, fmt.Sprint(r))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", u.Email, u.ID, strings.Join(rs, ","), u.ConfirmedAt != nil, u.CreatedAt.Format("2006-01-02 15:04:05"))
			}
			tw.Flush()
			fmt.Fprintf(o.IO.Err, "page %d, %d users in all\n", page.Page, page.Total)
			return nil
		})
	list.Flags().IntVar(&o.Page, "page", 1, "the page (50 users a page)")

	get := mk("get USER", "Show one user (by id or email) as GoTrue's admin API shows it", "  dev users get ann@example.com", cobra.ExactArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			u, err := o.find(ctx, c, a[0])
			if err != nil {
				return err
			}
			return o.printJSON(u)
		})

	update := mk("update USER", "Change a user's roles and metadata (through GoTrue's admin update: usermodified handlers run)", "  dev users update ann@example.com --role editor --role tester\n  dev users update ann@example.com --user-metadata '{\"plan\":\"pro\"}'", cobra.ExactArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			u, err := o.find(ctx, c, a[0])
			if err != nil {
				return err
			}
			var up devapi.UserUpdate
			if cmd.Flags().Changed("role") {
				up.Roles = &o.Roles
			}
			for flag, raw := range map[string]string{"--app-metadata": o.AppMetaData, "--user-metadata": o.UserMetaData} {
				if raw == "" {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(raw), &m); err != nil || m == nil {
					return fmt.Errorf("%s %q: give a JSON object, such as '{\"plan\":\"pro\"}'", flag, raw)
				}
				if flag == "--app-metadata" {
					up.AppMetaData = m
				} else {
					up.UserMetaData = m
				}
			}
			if up.Roles == nil && up.AppMetaData == nil && up.UserMetaData == nil {
				return fmt.Errorf("nothing to change: give --role, --app-metadata or --user-metadata")
			}
			out, err := c.UpdateUser(ctx, u.ID, up)
			if err != nil {
				return err
			}
			return o.printJSON(out)
		})
	update.Flags().StringSliceVar(&o.Roles, "role", nil, "the user's roles (repeatable; --role= clears them)")
	update.Flags().StringVar(&o.AppMetaData, "app-metadata", "", "JSON merged into app_metadata (null removes a key)")
	update.Flags().StringVar(&o.UserMetaData, "user-metadata", "", "JSON merged into user_metadata (null removes a key)")

	confirm := mk("confirm USER", "Confirm a user's email", "  dev users confirm ann@example.com", cobra.ExactArgs(1), func(cmd *cobra.Command, c *devapi.Client, a []string) error {
		ctx := cmd.Context()
		u, err := o.find(ctx, c, a[0])
		if err != nil {
			return err
		}
		out, err := c.UpdateUser(ctx, u.ID, devapi.UserUpdate{Confirm: true})
		if err != nil {
			return err
		}
		return o.printJSON(out)
	})
	del := mk("delete USER", "Delete a user (userdeleted handlers run)", "  dev users delete ann@example.com", cobra.ExactArgs(1), func(cmd *cobra.Command, c *devapi.Client, a []string) error {
		ctx := cmd.Context()
		u, err := o.find(ctx, c, a[0])
		if err != nil {
			return err
		}
		if err := c.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(o.IO.Out, "deleted %s (%s)\n", u.Email, u.ID)
		return nil
	})
	create := mk("create EMAIL", "Create a user, confirmed unless --unconfirmed (GoTrue's admin create)", "  dev users create ann@example.com --password pw-123456", cobra.ExactArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			out, err := c.CreateUser(ctx, devapi.NewUser{Email: a[0], Password: o.Password, Confirm: !o.Unconfirmed})
			if err != nil {
				return err
			}
			return o.printJSON(out)
		})
	create.Flags().StringVar(&o.Password, "password", "", "the user's password")
	create.Flags().BoolVar(&o.Unconfirmed, "unconfirmed", false, "leave the email unconfirmed")
	invite := mk("invite EMAIL", "Invite a user: dev captures the invite mail (dev mail shows it)", "  dev users invite bob@example.com && dev mail --to bob@example.com", cobra.ExactArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			out, err := c.InviteUser(ctx, a[0])
			if err != nil {
				return err
			}
			return o.printJSON(out)
		})
	recover := mk("recover USER", "Send a user a recovery mail (dev mail shows it)", "  dev users recover ann@example.com", cobra.ExactArgs(1),
		func(cmd *cobra.Command, c *devapi.Client, a []string) error {
			ctx := cmd.Context()
			u, err := o.find(ctx, c, a[0])
			if err != nil {
				return err
			}
			if err := c.RecoverUser(ctx, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(o.IO.Out, "recovery mail sent to %s\n", u.Email)
			return nil
		})
	return []*cobra.Command{list, get, update, confirm, del, create, invite, recover}
}

// find is the user a command names, by id or by exact email.
func (o *UsersOptions) find(ctx context.Context, c *devapi.Client, who string) (*devapi.User, error) {
	if !strings.Contains(who, "@") {
		return c.User(ctx, who)
	}
	page, err := c.Users(ctx, who, 1, 1000)
	if err != nil {
		return nil, err
	}
	for _, u := range page.Users {
		if strings.EqualFold(u.Email, who) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("no user %s (dev users list shows them)", who)
}

func (o *UsersOptions) printJSON(v any) error {
	enc := json.NewEncoder(o.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
)

// MailOptions are dev mail's.
type MailOptions struct {
	IO     streams
	URL    string
	Dir    string
	To     string
	JSON   bool
	client func(ctx context.Context, url, dir string) (*devapi.Client, error)
}

func newCmdMail(f *factory, runF func(context.Context, *MailOptions) error) *cobra.Command {
	opts := &MailOptions{IO: f.IO, client: f.Client}
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Show the mail a running dev serve captured (confirmation, recovery, invite, email change)",
		Example: `  dev mail                       # the dev serve of the site in this folder
  dev mail --to ann@example.com  # one address
  dev mail --url 127.0.0.1:9999 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMail(cmd.Context(), opts)
		},
	}
	addServerFlags(cmd, &opts.URL, &opts.Dir)
	cmd.Flags().StringVar(&opts.To, "to", "", "only mail to this address")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the mail as JSON")
	return cmd
}

// addServerFlags are how a command finds the running dev serve.
func addServerFlags(cmd *cobra.Command, url, dir *string) {
	cmd.PersistentFlags().StringVar(url, "url", "", "the running dev serve (default: the one of the site in --dir, else "+devapi.DefaultURL+")")
	cmd.PersistentFlags().StringVar(dir, "dir", ".", "the site whose running dev serve to ask")
}

func runMail(ctx context.Context, o *MailOptions) error {
	c, err := o.client(ctx, o.URL, o.Dir)
	if err != nil {
		return err
	}
	if o.JSON {
		path := "/mail"
		if o.To != "" {
			path += "?to=" + url.QueryEscape(o.To)
		}
		raw, err := c.Raw(ctx, path)
		if err != nil {
			return err
		}
		_, err = o.IO.Out.Write(raw)
		return err
	}
	mails, err := c.Mail(ctx, o.To)
	if err != nil {
		return err
	}
	return printMail(o.IO.Out, mails)
}

func printMail(w io.Writer, mails []*devapi.Mail) error {
	if len(mails) == 0 {
		_, err := fmt.Fprintln(w, "No mail captured yet.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tKIND\tTO\tLINK")
	for _, m := range mails {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.CreatedAt.Local().Format("15:04:05"), m.Kind, m.To, m.Link)
	}
	return tw.Flush()
}

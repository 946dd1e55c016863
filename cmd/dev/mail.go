package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/identity"
)

type mailOptions struct {
	io   streams
	URL  string
	To   string
	JSON bool
}

func newMailCmd(io streams) *cobra.Command {
	opts := &mailOptions{io: io}
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Show the mail a running dev serve captured (confirmation, recovery, invite, email change)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMail(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "the running dev serve (default: the one of the site in this folder, else http://127.0.0.1:8888)")
	cmd.Flags().StringVar(&opts.To, "to", "", "only mail to this address")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the mail as JSON")
	return cmd
}

func runMail(ctx context.Context, o *mailOptions) error {
	path := "/mail"
	if o.To != "" {
		path += "?to=" + url.QueryEscape(o.To)
	}
	var mails []identity.Mail
	if done, err := fetchData(ctx, o.io.Out, o.JSON, http.MethodGet, o.URL, path, &mails); done || err != nil {
		return err
	}
	return printMail(o.io.Out, mails)
}

func printMail(w io.Writer, mails []identity.Mail) error {
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

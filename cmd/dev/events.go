package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
)

// eventsQuery is the list's filters.
type eventsQuery devapi.EventsQuery

// EventsOptions are dev events'.
type EventsOptions struct {
	IO       streams
	URL      string
	Dir      string
	JSON     bool
	Query    eventsQuery
	Function string // replay: send it to this function instead
	client   func(ctx context.Context, url, dir string) (*devapi.Client, error)
}

func newCmdEvents(f *factory) *cobra.Command {
	opts := &EventsOptions{IO: f.IO, client: f.Client}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "The journal of a running dev serve: hook requests, webhook deliveries, function calls",
		Example: `  dev events list --kind hook --user ann@example.com
  dev events show 3f1c…            # one entry with its exact request and answer
  dev events replay 3f1c… --function identity-signup`,
	}
	addServerFlags(cmd, &opts.URL, &opts.Dir)
	cmd.PersistentFlags().BoolVar(&opts.JSON, "json", false, "print JSON")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List journal entries, newest first",
		Example: "  dev events list --kind hook --function identity-signup --limit 20",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runEventsList(cmd.Context(), opts) },
	}
	list.Flags().StringVar(&opts.Query.Kind, "kind", "", "hook, webhook or function")
	list.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions([]string{"hook", "webhook", "function"}, cobra.ShellCompDirectiveNoFileComp))
	list.Flags().StringVar(&opts.Query.Function, "function", "", "only this function")
	list.Flags().StringVar(&opts.Query.User, "user", "", "only this user (email or id)")
	list.Flags().IntVar(&opts.Query.Limit, "limit", 50, "at most this many")

	show := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one entry with its exact request and response",
		Example: "  dev events show 3f1c2a… --json > entry.json",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return runEventsShow(cmd.Context(), opts, args[0]) },
	}

	replay := &cobra.Command{
		Use:     "replay ID",
		Short:   "Send a recorded hook request again, re-signed, and show the new answer beside the old",
		Example: "  dev events replay 3f1c2a… --function identity-signup",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return runEventsReplay(cmd.Context(), opts, args[0]) },
	}
	replay.Flags().StringVar(&opts.Function, "function", "", "send it to this function instead")
	cmd.AddCommand(list, show, replay)
	return cmd
}

func runEventsList(ctx context.Context, o *EventsOptions) error {
	c, err := o.client(ctx, o.URL, o.Dir)
	if err != nil {
		return err
	}
	if o.JSON {
		v := url.Values{}
		for k, s := range map[string]string{"kind": o.Query.Kind, "function": o.Query.Function, "user": o.Query.User} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("limit", fmt.Sprint(o.Query.Limit))
		return writeRaw(ctx, c, o.IO.Out, "/events?"+v.Encode())
	}
	page, err := c.Events(ctx, devapi.EventsQuery(o.Query))
	if err != nil {
		return err
	}
	if len(page.Entries) == 0 {
		if f := o.Query.filters(); f != "" {
			_, err := fmt.Fprintf(o.IO.Out, "No journal entries match %s (dev events list without them shows every entry).\n", f)
			return err
		}
		_, err := fmt.Fprintln(o.IO.Out, "Nothing journaled yet.")
		return err
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tKIND\tTARGET\tEVENT\tUSER\tATTEMPT\tOUTCOME\tSTATUS\tMS")
	for _, e := range page.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n", e.ID, e.CreatedAt.Local().Format("15:04:05"), e.Kind,
			targetOf(e), dash(e.Event), dash(e.UserEmail), attemptOf(e), e.Outcome, statusOf(e.Response), e.DurationMS)
	}
	return tw.Flush()
}

func runEventsShow(ctx context.Context, o *EventsOptions, id string) error {
	c, err := o.client(ctx, o.URL, o.Dir)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeRaw(ctx, c, o.IO.Out, "/events/"+url.PathEscape(id))
	}
	e, err := c.Event(ctx, id)
	if err != nil {
		return err
	}
	printEntry(o.IO.Out, e)
	return nil
}

func runEventsReplay(ctx context.Context, o *EventsOptions, id string) error {
	c, err := o.client(ctx, o.URL, o.Dir)
	if err != nil {
		return err
	}
	pair, err := c.Replay(ctx, id, o.Function)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(pair)
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tRECORDED\tREPLAYED")
	fmt.Fprintf(tw, "entry\t%s\t%s\n", pair.Old.ID, pair.New.ID)
	fmt.Fprintf(tw, "target\t%s\t%s\n", targetOf(pair.Old), targetOf(pair.New))
	fmt.Fprintf(tw, "outcome\t%s\t%s\n", pair.Old.Outcome, pair.New.Outcome)
	fmt.Fprintf(tw, "status\t%s\t%s\n", statusOf(pair.Old.Response), statusOf(pair.New.Response))
	fmt.Fprintf(tw, "duration\t%.1f ms\t%.1f ms\n", pair.Old.DurationMS, pair.New.DurationMS)
	fmt.Fprintf(tw, "body\t%s\t%s\n", bodyOf(pair.Old.Response), bodyOf(pair.New.Response))
	if err := tw.Flush(); err != nil {
		return err
	}
	if pair.New.Outcome != "pass" {
		return &exitError{code: 1} // the replayed request would not pass
	}
	return nil
}

// writeRaw prints a dev API answer as it came, for --json.
func writeRaw(ctx context.Context, c *devapi.Client, w io.Writer, path string) error {
	raw, err := c.Raw(ctx, path)
	if err != nil {
		return err
	}
	_, err = w.Write(raw)
	return err
}

func printEntry(w io.Writer, e *devapi.Entry) {
	fmt.Fprintf(w, "%s  %s  %s  %s\n", e.ID, e.CreatedAt.Local().Format(time.DateTime), e.Kind, targetOf(e))
	if e.Event != "" {
		fmt.Fprintf(w, "event %s for %s (%s), attempt %s\n", e.Event, e.UserEmail, e.UserID, attemptOf(e))
	}
	fmt.Fprintf(w, "outcome %s in %.1f ms", e.Outcome, e.DurationMS)
	if e.Error != "" {
		fmt.Fprintf(w, ": %s", e.Error)
	}
	fmt.Fprintf(w, "\n\n> %s %s\n", e.Request.Method, e.Request.URL)
	writeHeaders(w, "> ", e.Request.Header)
	fmt.Fprintf(w, ">\n%s\n", e.Request.Body)
	if e.Response != nil {
		fmt.Fprintf(w, "\n< %d\n", e.Response.Status)
		writeHeaders(w, "< ", e.Response.Header)
		fmt.Fprintf(w, "<\n%s\n", e.Response.Body)
	}
}

func writeHeaders(w io.Writer, prefix string, h http.Header) {
	for _, k := range sortedHeaderKeys(h) {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, k, v)
		}
	}
}

func sortedHeaderKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func targetOf(e *devapi.Entry) string {
	if e.Function != "" {
		return e.Function
	}
	if e.Target != "" {
		return e.Target
	}
	return e.Request.URL
}

func attemptOf(e *devapi.Entry) string {
	if e.Attempts == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", e.Attempt, e.Attempts)
}

func statusOf(r *devapi.Response) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprint(r.Status)
}

func bodyOf(r *devapi.Response) string {
	if r == nil || len(r.Body) == 0 {
		return "(empty)"
	}
	s := strings.ReplaceAll(string(r.Body), "\n", " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// eventsFilters names the filters of a query, as the flags say them.
func (q eventsQuery) filters() string {
	var out []string
	for _, f := range []struct{ flag, v string }{{"--kind", q.Kind}, {"--function", q.Function}, {"--user", q.User}} {
		if f.v != "" {
			out = append(out, f.flag+" "+f.v)
		}
	}
	return strings.Join(out, " ")
}

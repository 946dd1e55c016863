package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/journal"
)

type eventsOptions struct {
	io       streams
	URL      string
	JSON     bool
	Kind     string
	Function string
	User     string
	Limit    int
}

func newEventsCmd(io streams) *cobra.Command {
	opts := &eventsOptions{io: io}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "The journal of a running dev serve: hook requests, webhook deliveries, function calls",
	}
	cmd.PersistentFlags().StringVar(&opts.URL, "url", "", "the running dev serve (default: the one of the site in this folder, else http://127.0.0.1:8888)")
	cmd.PersistentFlags().BoolVar(&opts.JSON, "json", false, "print JSON")

	list := &cobra.Command{
		Use:   "list",
		Short: "List journal entries, newest first",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runEventsList(cmd.Context(), opts) },
	}
	list.Flags().StringVar(&opts.Kind, "kind", "", "hook, webhook or function")
	list.Flags().StringVar(&opts.Function, "function", "", "only this function")
	list.Flags().StringVar(&opts.User, "user", "", "only this user (email or id)")
	list.Flags().IntVar(&opts.Limit, "limit", 50, "at most this many")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one entry with its exact request and response",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runEventsShow(cmd.Context(), opts, args[0]) },
	}

	var function string
	replay := &cobra.Command{
		Use:   "replay ID",
		Short: "Send a recorded hook request again, re-signed, and show the new answer beside the old",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEventsReplay(cmd.Context(), opts, args[0], function)
		},
	}
	replay.Flags().StringVar(&function, "function", "", "send it to this function instead")
	cmd.AddCommand(list, show, replay)
	return cmd
}

func runEventsList(ctx context.Context, o *eventsOptions) error {
	q := url.Values{}
	for k, v := range map[string]string{"kind": o.Kind, "function": o.Function, "user": o.User} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("limit", fmt.Sprint(o.Limit))
	var entries []journal.Entry
	if done, err := fetchData(ctx, o.io.Out, o.JSON, http.MethodGet, o.URL, "/events?"+q.Encode(), &entries); done || err != nil {
		return err
	}
	if len(entries) == 0 {
		_, err := fmt.Fprintln(o.io.Out, "Nothing journaled yet.")
		return err
	}
	tw := tabwriter.NewWriter(o.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tKIND\tTARGET\tEVENT\tUSER\tATTEMPT\tOUTCOME\tSTATUS\tMS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n", e.ID, e.CreatedAt.Local().Format("15:04:05"), e.Kind,
			targetOf(&e), dash(e.Event), dash(e.UserEmail), attemptOf(&e), e.Outcome, statusOf(e.Response), e.DurationMS)
	}
	return tw.Flush()
}

func runEventsShow(ctx context.Context, o *eventsOptions, id string) error {
	var e journal.Entry
	if done, err := fetchData(ctx, o.io.Out, o.JSON, http.MethodGet, o.URL, "/events/"+url.PathEscape(id), &e); done || err != nil {
		return err
	}
	printEntry(o.io.Out, &e)
	return nil
}

func runEventsReplay(ctx context.Context, o *eventsOptions, id, function string) error {
	path := "/events/" + url.PathEscape(id) + "/replay"
	if function != "" {
		path += "?function=" + url.QueryEscape(function)
	}
	var pair struct{ Old, New journal.Entry }
	if done, err := fetchData(ctx, o.io.Out, o.JSON, http.MethodPost, o.URL, path, &pair); done || err != nil {
		return err
	}
	tw := tabwriter.NewWriter(o.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tRECORDED\tREPLAYED")
	fmt.Fprintf(tw, "entry\t%s\t%s\n", pair.Old.ID, pair.New.ID)
	fmt.Fprintf(tw, "target\t%s\t%s\n", targetOf(&pair.Old), targetOf(&pair.New))
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

func printEntry(w io.Writer, e *journal.Entry) {
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

func targetOf(e *journal.Entry) string {
	if e.Function != "" {
		return e.Function
	}
	if e.Target != "" {
		return e.Target
	}
	return e.Request.URL
}

func attemptOf(e *journal.Entry) string {
	if e.Attempts == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", e.Attempt, e.Attempts)
}

func statusOf(r *journal.Response) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprint(r.Status)
}

func bodyOf(r *journal.Response) string {
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

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/payload"
	"github.com/identity-dev/dev/emulator/site"
	"github.com/identity-dev/dev/emulator/term"
)

// InvokeOptions are dev invoke's.
type InvokeOptions struct {
	IO       streams
	Dir      string
	Payload  string
	JSON     bool
	Query    []string
	Req      devapi.InvokeRequest
	Settings site.InvokeSettings
	open     func(string) (*site.Site, error)
}

// exitError carries a command's exit code: the function failed or would block.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newCmdInvoke(f *factory, runF func(context.Context, *InvokeOptions) error) *cobra.Command {
	o := &InvokeOptions{IO: f.IO, open: f.OpenSite}
	cmd := &cobra.Command{
		Use:   "invoke NAME",
		Short: "Invoke one function once and print its answer (identity-* names and typed handlers get production's hook request)",
		Long: `invoke runs one function once and prints its answer. identity-* functions get the request
production sends (body {"event","instance_id","user"}, X-Netlify-Event, X-Webhook-Signature) with a
user for that event's moment, and the answer is read as production reads it: pass or block, the
attempts, and the user before and after.

A function whose default export has typed handlers (export default { userSignup(event) {...} })
gets the same request for the event it handles (--event picks one when it handles several). NAME may
also be a typed handler's method (userValidate, userSignup, userLogin, userModified, userDeleted): the
event then goes to every function that receives it, in production's order, each seeing the answers
before it, as a real signup or login would.

With --url, or when a dev serve runs for this site (it leaves .netlify/dev/servers/PID.json), the
invocation goes through that server: it is journaled and --as names one of its users. Otherwise the
function is built and run alone, with the environment dev serve would give it.

--payload takes a file, - for standard input, or inline JSON: a hook body, a bare user, a journal
entry (dev events show --json), a Lambda event, or netlify-cli's mock. It is read as data.

The exit status is 1 when the function failed or production would block the operation.`,
		Example: `  dev invoke identity-signup                         # production's signup hook request
  dev invoke identity-signup --email ann@example.com --provider github
  dev invoke identity-validate --payload p.json      # a payload from dev payload or dev events show --json
  dev invoke userSignup --email ann@example.com       # every function that receives signup, in order
  dev invoke identity --event userLogin               # identity.mts's userLogin handler
  dev invoke hello --method POST --body '{"a":1}' --as ann@example.com`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Req.Function = args[0]
			o.Settings.TimeoutSet = cmd.Flags().Changed("timeout")
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runInvoke(cmd.Context(), o)
		},
	}
	cmd.ValidArgsFunction = completeFunctions(f, &o.Dir, &o.Settings.Functions)
	fl := cmd.Flags()
	fl.StringVar(&o.Dir, "dir", ".", "the site's root folder")
	fl.StringVar(&o.Settings.Functions, "functions", "", "the functions folder (default as dev serve finds it)")
	fl.StringVar(&o.Settings.URL, "url", "", "send it through this running dev serve")
	fl.BoolVar(&o.Settings.Standalone, "standalone", false, "run the function alone even when a dev serve runs for the site")
	fl.StringVar(&o.Payload, "payload", "", "the payload: FILE, - for stdin, or inline JSON")
	fl.BoolVar(&o.JSON, "json", false, "print one JSON object")
	fl.StringVar(&o.Settings.JWTSecret, "jwt-secret", "", "standalone: the instance secret that signs X-Webhook-Signature (default: netlify.toml's [dev.identity] jwt_secret, else random)")
	fl.DurationVar(&o.Settings.Timeout, "timeout", site.DefaultServeSettings().FunctionTimeout, "the function's time limit (hooks: 5s per attempt, as production)")
	addMockFlags(cmd, &o.Req.Mock)
	cmd.RegisterFlagCompletionFunc("method", completeFixed("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
	fl.StringVar(&o.Req.Event, "event", "", "typed handlers: the event to send a function that handles several (userSignup, userLogin, ...)")
	cmd.RegisterFlagCompletionFunc("event", completeFixed(typedMethods()...))
	fl.StringVar(&o.Req.Method, "method", "", "plain functions: the HTTP method (GET, or POST with --body)")
	fl.StringVar(&o.Req.Path, "path", "", "plain functions: a path after /.netlify/functions/NAME")
	fl.StringSliceVar(&o.Query, "query", nil, "plain functions: a query parameter, name=value (repeatable)")
	fl.StringArrayVar(&o.Req.Headers, "header", nil, `plain functions: a header, "Name: value" (repeatable)`)
	fl.StringVar(&o.Req.Body, "body", "", "plain functions: the request body")
	fl.StringVar(&o.Req.As, "as", "", "plain functions: send a real access token of this user, so the function sees clientContext.user")
	return cmd
}

func runInvoke(ctx context.Context, o *InvokeOptions) error {
	if o.Payload != "" {
		raw, err := readPayload(o.IO.In, o.Payload)
		if err != nil {
			return err
		}
		if err := payload.CheckJSON(payloadSource(o.Payload), raw); err != nil {
			return fmt.Errorf("--payload %w", err)
		}
		o.Req.Payload = raw
	}
	o.Req.Query = payload.QueryString(o.Query)
	s, err := o.open(o.Dir)
	if err != nil {
		return err
	}
	res, err := s.Invoke(ctx, o.Req, o.Settings, term.NewLogger(o.IO.Err))
	if err != nil {
		return err
	}
	if o.JSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(o.IO.Out, string(b))
	} else {
		printResult(o.IO.Out, res)
	}
	if code := res.ExitCode(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// payloadSource names where --payload came from, for errors.
func payloadSource(arg string) string {
	switch t := strings.TrimSpace(arg); {
	case arg == "-":
		return "stdin"
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return "inline JSON"
	}
	return arg
}

// readPayload reads --payload: inline JSON, - for stdin, or a file.
func readPayload(stdin io.Reader, arg string) ([]byte, error) {
	trimmed := strings.TrimSpace(arg)
	switch {
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		return []byte(trimmed), nil
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, maxPayload))
		if err != nil {
			return nil, fmt.Errorf("--payload -: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("--payload %s: %w (give a file, - for stdin, or inline JSON)", arg, err)
	}
	return b, nil
}

// maxPayload bounds a payload read from standard input: a function event's 6 MB.
const maxPayload = 6 << 20

func printResult(w io.Writer, r *devapi.InvokeResult) {
	mode := "through dev serve (journaled)"
	if r.Mode == "standalone" {
		mode = "standalone: built and run once, no dev serve for this site"
	}
	fmt.Fprintf(w, "%s  %s\n", r.Function, mode)
	if r.PayloadKind != "" {
		fmt.Fprintf(w, "payload   %s, sent as production sends it\n", r.PayloadKind)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning   %s\n", warn)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "> %s %s\n", r.Request.Method, r.Request.URL)
	writeHeaders(w, "> ", r.Request.Header)
	if len(r.Request.Body) > 0 {
		fmt.Fprintf(w, "%s\n", r.Request.Body)
	}
	for _, a := range r.Attempts {
		printAttempt(w, a, a.Function != r.Function)
	}
	if len(r.Attempts) == 0 && r.Response != nil {
		fmt.Fprintf(w, "\n< %d  (%.1f ms)\n", r.Response.Status, r.DurationMS)
		writeHeaders(w, "< ", r.Response.Header)
		fmt.Fprintf(w, "%s\n", r.Response.Body)
	}
	fmt.Fprintln(w)
	switch r.Verdict {
	case "pass":
		if len(r.Changes) == 0 {
			fmt.Fprintf(w, "PASS   production goes on (%s), the user unchanged\n", r.Event)
			return
		}
		fmt.Fprintf(w, "PASS   production goes on (%s), with the user's maps replaced:\n", r.Event)
		for _, c := range r.Changes {
			fmt.Fprintf(w, "         %s\n", c)
		}
	case "block":
		fmt.Fprintf(w, "BLOCK  after %d attempt(s) production refuses the operation; the browser gets %d %s\n", len(r.Attempts), r.Client.Status, r.Client.Body)
	case "ok":
		fmt.Fprintf(w, "OK     %d in %.1f ms\n", r.Response.Status, r.DurationMS)
	default:
		fmt.Fprintf(w, "ERROR  the function failed: %d in %.1f ms\n", r.Response.Status, r.DurationMS)
	}
}

func printAttempt(w io.Writer, a *devapi.Entry, chain bool) {
	fmt.Fprintf(w, "\n< ")
	if chain {
		fmt.Fprintf(w, "%s ", a.Function)
	}
	fmt.Fprintf(w, "attempt %d of %d: %s", a.Attempt, a.Attempts, a.Outcome)
	if a.Response != nil {
		fmt.Fprintf(w, " %d", a.Response.Status)
	}
	fmt.Fprintf(w, "  (%.1f ms)\n", a.DurationMS)
	if a.Error != "" {
		fmt.Fprintf(w, "< %s\n", a.Error)
	}
	if a.Response != nil && len(a.Response.Body) > 0 {
		fmt.Fprintf(w, "%s\n", a.Response.Body)
	}
}

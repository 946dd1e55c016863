package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/config"
	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/term"
)

type invokeOptions struct {
	io         streams
	Dir        string
	Functions  string
	URL        string
	Standalone bool
	Payload    string
	JSON       bool
	Timeout    time.Duration
	timeoutSet bool // --timeout was given: only a standalone run can honour it
	JWTSecret  string
	Query      []string
	req        invoke.Request
}

// exitError carries dev invoke's exit code: the function failed or would block.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newInvokeCmd(io streams) *cobra.Command {
	o := &invokeOptions{io: io}
	cmd := &cobra.Command{
		Use:   "invoke NAME",
		Short: "Invoke one function once and print its answer (identity-* names get production's hook request)",
		Long: `invoke runs one function once and prints its answer. identity-* functions get the request
production sends (body {"event","instance_id","user"}, X-Netlify-Event, X-Webhook-Signature) with a
user for that event's moment, and the answer is read as production reads it: pass or block, the
attempts, and the user before and after.

With --url, or when a dev serve runs for this site (it leaves .netlify/dev/state.json), the
invocation goes through that server: it is journaled and --as names one of its users. Otherwise the
function is built and run alone, with the environment dev serve would give it.

--payload takes a file, - for standard input, or inline JSON: a hook body, a bare user, a journal
entry (dev events show --json), a Lambda event, or netlify-cli's mock. It is read as data.

The exit status is 1 when the function failed or production would block the operation.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.req.Function = args[0]
			o.timeoutSet = cmd.Flags().Changed("timeout")
			return runInvoke(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", ".", "the site's root folder")
	f.StringVar(&o.Functions, "functions", "", "the functions folder (default as dev serve finds it)")
	f.StringVar(&o.URL, "url", "", "send it through this running dev serve")
	f.BoolVar(&o.Standalone, "standalone", false, "run the function alone even when a dev serve runs for the site")
	f.StringVar(&o.Payload, "payload", "", "the payload: FILE, - for stdin, or inline JSON")
	f.BoolVar(&o.JSON, "json", false, "print one JSON object")
	f.StringVar(&o.JWTSecret, "jwt-secret", "", "standalone: the instance secret that signs X-Webhook-Signature (default: netlify.toml's [dev.identity] jwt_secret, else random)")
	f.DurationVar(&o.Timeout, "timeout", functions.DefaultTimeout, "the function's time limit (hooks: 5s per attempt, as production)")
	addMockFlags(cmd, &o.req.Mock)
	f.StringVar(&o.req.Method, "method", "", "plain functions: the HTTP method (GET, or POST with --body)")
	f.StringVar(&o.req.Path, "path", "", "plain functions: a path after /.netlify/functions/NAME")
	f.StringSliceVar(&o.Query, "query", nil, "plain functions: a query parameter, name=value (repeatable)")
	f.StringArrayVar(&o.req.Headers, "header", nil, `plain functions: a header, "Name: value" (repeatable)`)
	f.StringVar(&o.req.Body, "body", "", "plain functions: the request body")
	f.StringVar(&o.req.As, "as", "", "plain functions: send a real access token of this user, so the function sees clientContext.user")
	return cmd
}

func runInvoke(ctx context.Context, o *invokeOptions) error {
	if o.Payload != "" {
		raw, err := readPayload(o.io.In, o.Payload)
		if err != nil {
			return err
		}
		o.req.Payload = raw
	}
	o.req.Query = invoke.QueryString(o.Query)
	res, err := o.run(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(o.io.Out, string(b))
	} else {
		printResult(o.io.Out, res)
	}
	if code := res.ExitCode(); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// run sends the invocation through a running dev serve, or runs it alone.
func (o *invokeOptions) run(ctx context.Context) (*invoke.Result, error) {
	siteDir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", o.Dir, err)
	}
	url := o.URL
	if url == "" && !o.Standalone {
		if st, err := devserver.ReadState(siteDir); err == nil && serverAnswers(ctx, st.URL) {
			url = st.URL
		}
	}
	if url != "" {
		if o.timeoutSet {
			return nil, fmt.Errorf("--timeout: the dev serve at %s runs the function with its own --function-timeout; add --standalone to run it alone with yours", url)
		}
		return invokeThrough(ctx, url, o.req)
	}
	site, err := config.Load(siteDir)
	if err != nil {
		return nil, err
	}
	env, _, err := site.FunctionEnv(siteDir, os.Environ(), map[string]string{
		"URL": "http://127.0.0.1:8888", "DEPLOY_URL": "http://127.0.0.1:8888", "CONTEXT": "dev", "NETLIFY_DEV": "true",
	})
	if err != nil {
		return nil, err
	}
	secret := o.JWTSecret
	if secret == "" && site.Dev.Identity.JWTSecret != nil {
		secret = *site.Dev.Identity.JWTSecret
	}
	sa := invoke.Standalone{
		SiteDir: siteDir, FunctionsDir: site.FunctionsDir(siteDir, o.Functions), Function: o.req.Function,
		Env: env, Timeout: o.Timeout, Seed: o.req.Mock.Seed, Secret: secret, Log: term.NewLogger(o.io.Err),
		Runtimes: map[functions.Kind]functions.Runtime{
			functions.KindJS: nodejs.New(nodejs.Options{}),
			functions.KindGo: golang.New(golang.Options{}),
		},
	}
	ienv, closeFn, err := sa.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	if !ienv.Functions.Has(o.req.Function) {
		return nil, fmt.Errorf("no function %q in %s", o.req.Function, sa.FunctionsDir)
	}
	return invoke.Run(ctx, ienv, o.req)
}

func serverAnswers(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := devAPI(ctx, http.MethodGet, url, "/functions", nil)
	return err == nil
}

func invokeThrough(ctx context.Context, url string, req invoke.Request) (*invoke.Result, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	body, err := devAPI(ctx, http.MethodPost, url, "/invoke", b)
	if err != nil {
		return nil, err
	}
	var res invoke.Result
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("%s did not answer as a dev serve does (/invoke): %w", url, err)
	}
	return &res, nil
}

// readPayload reads --payload: inline JSON, - for stdin, or a file.
func readPayload(stdin io.Reader, arg string) ([]byte, error) {
	trimmed := strings.TrimSpace(arg)
	switch {
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		return []byte(trimmed), nil
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, functions.MaxEventBody))
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

func printResult(w io.Writer, r *invoke.Result) {
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
		printAttempt(w, a)
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

func printAttempt(w io.Writer, a *journal.Entry) {
	fmt.Fprintf(w, "\n< attempt %d of %d: %s", a.Attempt, a.Attempts, a.Outcome)
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

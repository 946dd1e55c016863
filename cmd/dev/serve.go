package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/site"
	"github.com/identity-dev/dev/emulator/term"
)

// ServeOptions are dev serve's: the site and its settings.
type ServeOptions struct {
	IO       streams
	Dir      string
	Settings site.ServeSettings
	Site     *site.Site
}

func newCmdServe(f *factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Settings: site.DefaultServeSettings()}
	opts.Settings.Version = f.Version
	set := &opts.Settings
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the identity API (and the site's functions) on " + devapi.DefaultURL,
		Long: `serve runs a Netlify Identity (GoTrue) compatible API at /.netlify/identity.
Nothing is mailed: every mail is captured and printed with its link, and listed
at /.netlify/dev/api/mail (or with "dev mail").

Settings come from flags, then netlify.toml's [dev.identity] table, then defaults.`,
		Example: `  dev serve                              # the site in this folder
  dev serve --dir examples/demo-site     # another folder
  dev serve --db users.db --autoconfirm  # keep users across runs; no confirmation mail
  dev serve --debug identity-signup      # attach a debugger to one function`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.OpenSite(opts.Dir)
			if err != nil {
				return err
			}
			opts.Site = s
			if err := s.Settle(set, cmd.Flags().Changed); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", ".", "the site's root folder (where netlify.toml is)")
	fl.StringVar(&set.Host, "host", set.Host, "address to listen on (loopback by default; anything else exposes your users)")
	fl.StringArrayVar(&set.AllowHosts, "allow-host", nil, "a name besides localhost and 127.0.0.1 to answer in the Host header (repeatable; .example.test allows its subdomains too); others get 403, against DNS rebinding")
	fl.IntVar(&set.Port, "port", set.Port, "port to listen on")
	fl.StringVar(&set.Command, "command", "", "start the site's framework dev server with this command (netlify.toml [dev] command) and serve it behind dev")
	fl.IntVar(&set.TargetPort, "target-port", 0, "the port the framework's dev server listens on (netlify.toml [dev] targetPort)")
	fl.StringVar(&set.SiteURL, "site-url", "", "the site URL mail links point to (default: this server's URL)")
	fl.StringVar(&set.JWTSecret, "jwt-secret", "", "the instance JWT secret (default: random per run, or the one kept in --db)")
	fl.StringVar(&set.DB, "db", set.DB, "where users, tokens and mail live: :memory: or a file that keeps them across runs")
	fl.BoolVar(&set.Autoconfirm, "autoconfirm", false, "confirm signups without a confirmation mail")
	fl.BoolVar(&set.DisableSignup, "disable-signup", false, "refuse signups (\"Invite only\" in Netlify's settings)")
	fl.BoolVar(&set.WidgetSetup, "identity-widget-setup", set.WidgetSetup, "point netlify-identity-widget on served pages at this server (no site URL prompt; nf_jwt cookies as on the deployed site)")
	fl.StringSliceVar(&set.External, "external", nil, "external providers to report enabled in /settings (github, gitlab, bitbucket, google, facebook)")
	fl.StringVar(&set.WebhookURL, "webhook-url", "", "an outgoing webhook that receives identity events instead of the identity-* functions, as in production")
	fl.StringVar(&set.WebhookSecret, "webhook-secret", "", "the secret that signs X-Webhook-Signature for --webhook-url")
	fl.StringSliceVar(&set.WebhookEvents, "webhook-events", set.WebhookEvents, "the events --webhook-url receives (validate, signup, login, usermodified, userdeleted)")
	fl.IntVar(&set.HookAttempts, "hook-attempts", set.HookAttempts, "attempts per identity event before the operation is blocked (production: 3)")
	fl.DurationVar(&set.HookTimeout, "hook-timeout", set.HookTimeout, "time limit of one hook attempt (production: 5s)")
	fl.StringVar(&set.DenyProfile, "deny-profile", set.DenyProfile, "documented: a typed handler's event.deny() answers the user 401 (as Netlify documents); gotrue: retried, then 422 (as public GoTrue's code)")
	fl.StringVar(&set.GoTrueProfile, "gotrue-profile", set.GoTrueProfile, "current: identity-* functions fire for external providers (GoTrue since March 2026); 2024: only the outgoing webhook did")
	fl.StringArrayVar(&set.Debug, "debug", nil, "run this function under a debugger (repeatable, or all): delve for Go, the Node inspector for JS")
	fl.IntVar(&set.DebugPort, "debug-port", set.DebugPort, "the first delve port for --debug Go functions (JSON-RPC and DAP); more functions take the next")
	fl.StringVar(&set.Debugger, "debugger", set.Debugger, "for --debug Go functions: delve (built into dev, nothing to install) or dlv (the dlv on PATH, run as dlv attach --headless behind the same port)")
	fl.BoolVar(&set.DebugWait, "debug-wait", false, "hold each --debug function's first invocations until a debugger has attached, set its breakpoints and continued")
	fl.IntVar(&set.InspectPort, "inspect-port", set.InspectPort, "the first Node inspector port for --debug JS functions")
	fl.StringVar(&set.Functions, "functions", "", "the functions folder (default: netlify.toml's [functions] directory, else [build] functions, else netlify/functions)")
	fl.DurationVar(&set.FunctionTimeout, "function-timeout", set.FunctionTimeout, "time limit of one function invocation, as production's 10s")
	fl.IntVar(&set.FunctionConcurrency, "function-concurrency", set.FunctionConcurrency, "warm instances per function at most; more requests wait in a queue")
	fl.IntVar(&set.BcryptCost, "bcrypt-cost", set.BcryptCost, "bcrypt cost for password hashes (production uses 10; 4 keeps local logins instant)")
	events := []string{}
	for _, e := range site.Events {
		events = append(events, string(e))
	}
	cmd.RegisterFlagCompletionFunc("webhook-events", completeFixed(events...))
	cmd.RegisterFlagCompletionFunc("external", completeFixed(site.Providers...))
	cmd.RegisterFlagCompletionFunc("debug", completeFunctions(f, &opts.Dir, &set.Functions))
	cmd.RegisterFlagCompletionFunc("gotrue-profile", completeFixed("current", "2024"))
	cmd.RegisterFlagCompletionFunc("debugger", completeFixed("delve", "dlv"))
	return cmd
}

func runServe(ctx context.Context, o *ServeOptions) error {
	log := term.NewLogger(o.IO.Err)
	set := o.Settings
	srv, stop, err := o.Site.Serve(ctx, set, log)
	if err != nil {
		return err
	}
	defer stop()
	store := "for this run only (gone when dev stops; --db FILE keeps it)"
	if set.DB != ":memory:" && set.DB != "" {
		store = set.DB
	}
	log.Event(term.KindServer, "serving "+srv.URL(), term.OK, "identity at "+srv.URL()+"/.netlify/identity", 0)
	log.Event(term.KindServer, "dashboard", term.Info, srv.URL()+devapi.DashboardPath+"  users, mail, events and functions, live", 0)
	log.Event(term.KindServer, "store", term.Info, store, 0)
	pages := "pages from " + o.Site.PublishDir()
	if set.Command != "" {
		pages = fmt.Sprintf("pages from the framework on port %d (%s)", set.TargetPort, set.Command)
	} else if _, err := os.Stat(filepath.Join(o.Site.PublishDir(), "index.html")); err != nil {
		pages += " (no index.html: / answers with dev's own page, which finishes mail links)"
	}
	log.Event(term.KindServer, "site", term.Info, pages, 0)
	if fns := srv.Functions(); fns != nil {
		fnDir := o.Site.FunctionsDir(set.Functions)
		if _, err := os.Stat(fnDir); err != nil {
			log.Event(term.KindServer, "functions", term.Info, "no folder "+fnDir+" yet: functions are served once it exists", 0)
		} else {
			log.Event(term.KindServer, "functions", term.Info, fmt.Sprintf("%d in %s, at %s/.netlify/functions/", len(fns.List()), fnDir, srv.URL()), 0)
		}
		if set.WebhookURL == "" {
			for _, line := range srv.HookLines(ctx) {
				log.Event(term.KindHook, "identity events", term.Info, line, 0)
			}
		}
	}
	for _, lack := range o.Site.Preflight(set.Functions) {
		log.Event(term.KindServer, "functions", term.Warn, lack, 0)
	}
	if set.WebhookURL != "" {
		log.Event(term.KindHook, "webhook "+set.WebhookURL, term.Info, "receives "+strings.Join(set.WebhookEvents, ", ")+" instead of the identity-* functions, as in production", 0)
		if isLoopback(set.WebhookURL) {
			log.Event(term.KindHook, "webhook "+set.WebhookURL, term.Warn, "is on this machine: production refuses loopback and private addresses (502), dev allows them", 0)
		}
	}
	if set.Exposed() {
		log.Event(term.KindServer, "listening on "+set.Host, term.Warn, "reachable beyond this machine: anyone who can reach it can sign in as your users", 0)
	}
	err = srv.Serve(ctx)
	if ctx.Err() != nil {
		left := "users, mail and the journal were kept for this run only and are gone"
		if set.DB != ":memory:" && set.DB != "" {
			left = "users, mail and the journal are kept in " + set.DB
		}
		log.Event(term.KindServer, "stopped", term.OK, left, 0)
	}
	return err
}

// isLoopback reports whether a URL's host is this machine.
func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

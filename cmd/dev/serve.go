package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
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
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

type serveOptions struct {
	io            streams
	Dir           string
	Host          string
	AllowHosts    []string
	Port          int
	SiteURL       string
	JWTSecret     string
	DB            string
	Autoconfirm   bool
	DisableSignup bool
	External      []string
	BcryptCost    int
	WebhookURL    string
	WebhookSecret string
	WebhookEvents []string
	HookAttempts  int
	HookTimeout   time.Duration

	GoTrueProfile       string
	Debug               []string
	DebugPort           int
	InspectPort         int
	DebugWait           bool
	Debugger            string
	Functions           string
	FunctionTimeout     time.Duration
	FunctionConcurrency int
	site                *config.Site
}

func newServeCmd(io streams, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{io: io}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the identity API (and the site's functions) on 127.0.0.1:8888",
		Long: `serve runs a Netlify Identity (GoTrue) compatible API at /.netlify/identity.
Nothing is mailed: every mail is captured and printed with its link, and listed
at /.netlify/dev/api/mail (or with "dev mail").

Settings come from flags, then netlify.toml's [dev.identity] table, then defaults.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.applySiteFile(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", ".", "the site's root folder (where netlify.toml is)")
	f.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on (loopback by default; anything else exposes your users)")
	f.StringArrayVar(&opts.AllowHosts, "allow-host", nil, "a name besides localhost and 127.0.0.1 to answer in the Host header (repeatable; .example.test allows its subdomains too); others get 403, against DNS rebinding")
	f.IntVar(&opts.Port, "port", 8888, "port to listen on")
	f.StringVar(&opts.SiteURL, "site-url", "", "the site URL mail links point to (default: this server's URL)")
	f.StringVar(&opts.JWTSecret, "jwt-secret", "", "the instance JWT secret (default: random per run, or the one kept in --db)")
	f.StringVar(&opts.DB, "db", ":memory:", "where users, tokens and mail live: :memory: or a file that keeps them across runs")
	f.BoolVar(&opts.Autoconfirm, "autoconfirm", false, "confirm signups without a confirmation mail")
	f.BoolVar(&opts.DisableSignup, "disable-signup", false, "refuse signups (\"Invite only\" in Netlify's settings)")
	f.StringSliceVar(&opts.External, "external", nil, "external providers to report enabled in /settings (github, gitlab, bitbucket, google, facebook)")
	f.StringVar(&opts.WebhookURL, "webhook-url", "", "an outgoing webhook that receives identity events instead of the identity-* functions, as in production")
	f.StringVar(&opts.WebhookSecret, "webhook-secret", "", "the secret that signs X-Webhook-Signature for --webhook-url")
	f.StringSliceVar(&opts.WebhookEvents, "webhook-events", []string{"validate", "signup", "login"}, "the events --webhook-url receives (validate, signup, login, usermodified, userdeleted)")
	f.IntVar(&opts.HookAttempts, "hook-attempts", hooks.DefaultAttempts, "attempts per identity event before the operation is blocked (production: 3)")
	f.DurationVar(&opts.HookTimeout, "hook-timeout", hooks.DefaultTimeout, "time limit of one hook attempt (production: 5s)")
	f.StringVar(&opts.GoTrueProfile, "gotrue-profile", "current", "current: identity-* functions fire for external providers (GoTrue since March 2026); 2024: only the outgoing webhook did")
	f.StringArrayVar(&opts.Debug, "debug", nil, "run this function under a debugger (repeatable, or all): delve for Go, the Node inspector for JS")
	f.IntVar(&opts.DebugPort, "debug-port", devserver.DefaultDebugPort, "the first delve port for --debug Go functions (JSON-RPC and DAP); more functions take the next")
	f.StringVar(&opts.Debugger, "debugger", "delve", "for --debug Go functions: delve (built into dev, nothing to install) or dlv (the dlv on PATH, run as dlv attach --headless behind the same port)")
	f.BoolVar(&opts.DebugWait, "debug-wait", false, "hold each --debug function's first invocations until a debugger has attached, set its breakpoints and continued")
	f.IntVar(&opts.InspectPort, "inspect-port", devserver.DefaultInspectPort, "the first Node inspector port for --debug JS functions")
	f.StringVar(&opts.Functions, "functions", "", "the functions folder (default: netlify.toml's [functions] directory, else [build] functions, else netlify/functions)")
	f.DurationVar(&opts.FunctionTimeout, "function-timeout", functions.DefaultTimeout, "time limit of one function invocation, as production's 10s")
	f.IntVar(&opts.FunctionConcurrency, "function-concurrency", functions.DefaultConcurrency, "warm instances per function at most; more requests wait in a queue")
	f.IntVar(&opts.BcryptCost, "bcrypt-cost", identity.DefaultBcryptCost, "bcrypt cost for password hashes (production uses 10; 4 keeps local logins instant)")
	return cmd
}

// applySiteFile fills every option the command line left unset from netlify.toml.
func (o *serveOptions) applySiteFile(cmd *cobra.Command) error {
	site, err := config.Load(o.Dir)
	if err != nil {
		return err
	}
	o.site = site
	set := func(name string) bool { return !cmd.Flags().Changed(name) }
	id := site.Dev.Identity
	if site.Dev.AllowedHosts != nil && set("allow-host") {
		o.AllowHosts = site.Dev.AllowedHosts
	}
	if site.Dev.Port != nil && set("port") {
		o.Port = *site.Dev.Port
	}
	if id.SiteURL != nil && set("site-url") {
		o.SiteURL = *id.SiteURL
	}
	if id.JWTSecret != nil && set("jwt-secret") {
		o.JWTSecret = *id.JWTSecret
	}
	if id.DB != nil && set("db") {
		o.DB = *id.DB
	}
	if id.Autoconfirm != nil && set("autoconfirm") {
		o.Autoconfirm = *id.Autoconfirm
	}
	if id.DisableSignup != nil && set("disable-signup") {
		o.DisableSignup = *id.DisableSignup
	}
	if id.BcryptCost != nil && set("bcrypt-cost") {
		o.BcryptCost = *id.BcryptCost
	}
	if id.External != nil && set("external") {
		o.External = id.External
	}
	if id.GoTrueProfile != nil && set("gotrue-profile") {
		o.GoTrueProfile = *id.GoTrueProfile
	}
	if id.WebhookURL != nil && set("webhook-url") {
		o.WebhookURL = *id.WebhookURL
	}
	if id.WebhookSecret != nil && set("webhook-secret") {
		o.WebhookSecret = *id.WebhookSecret
	}
	if id.WebhookEvents != nil && set("webhook-events") {
		o.WebhookEvents = id.WebhookEvents
	}
	return o.validate()
}

func (o *serveOptions) validate() error {
	if o.BcryptCost < 4 || o.BcryptCost > 31 {
		return fmt.Errorf("--bcrypt-cost %d is out of range: use 4 (fast, the default) to 31", o.BcryptCost)
	}
	if o.GoTrueProfile != "current" && o.GoTrueProfile != "2024" {
		return fmt.Errorf("--gotrue-profile %q: use current (GoTrue since March 2026) or 2024", o.GoTrueProfile)
	}
	if o.Debugger != "delve" && o.Debugger != "dlv" {
		return fmt.Errorf("--debugger %q: use delve (built into dev) or dlv (the dlv on PATH)", o.Debugger)
	}
	if o.FunctionTimeout <= 0 {
		return fmt.Errorf("--function-timeout %s: give a positive duration such as 10s", o.FunctionTimeout)
	}
	if o.FunctionConcurrency < 1 {
		return fmt.Errorf("--function-concurrency %d: at least one instance is needed", o.FunctionConcurrency)
	}
	if o.HookAttempts < 1 {
		return fmt.Errorf("--hook-attempts %d: at least one attempt is needed (production makes 3)", o.HookAttempts)
	}
	if o.HookTimeout <= 0 {
		return fmt.Errorf("--hook-timeout %s: give a positive duration such as 5s", o.HookTimeout)
	}
	if o.WebhookURL != "" {
		u, err := url.Parse(o.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--webhook-url %q is not an http(s) URL", o.WebhookURL)
		}
	}
	for _, e := range o.WebhookEvents {
		if !webhookEvent(e) {
			return fmt.Errorf("--webhook-events %q: GoTrue's webhook events are validate, signup, login, usermodified and userdeleted", e)
		}
	}
	for _, h := range o.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/:@ \t") {
			return fmt.Errorf("--allow-host %q: give a host name such as myapp.test (or .myapp.test for it and its subdomains), without scheme or port", h)
		}
	}
	for _, p := range o.External {
		if !knownProvider(p) {
			return fmt.Errorf("--external %q is not a provider GoTrue knows: use github, gitlab, bitbucket, google or facebook", p)
		}
	}
	return nil
}

func webhookEvent(name string) bool {
	for _, e := range []identity.Event{identity.EventValidate, identity.EventSignup, identity.EventLogin, identity.EventUserModified, identity.EventUserDeleted} {
		if string(e) == name {
			return true
		}
	}
	return false
}

func knownProvider(name string) bool {
	for _, p := range identity.Providers {
		if p == name {
			return true
		}
	}
	return false
}

func runServe(ctx context.Context, o *serveOptions) error {
	log := term.NewLogger(o.io.Err)
	db := o.DB
	if db != ":memory:" && db != "" {
		abs, err := filepath.Abs(db)
		if err != nil {
			return fmt.Errorf("--db %s: %w", db, err)
		}
		db = abs
	}
	siteDir, err := filepath.Abs(o.Dir)
	if err != nil {
		return fmt.Errorf("--dir %s: %w", o.Dir, err)
	}
	fnDir := o.site.FunctionsDir(siteDir, o.Functions)
	opts := devserver.Options{
		SiteDir: siteDir, FunctionsDir: fnDir, PublishDir: o.site.PublishDir(siteDir), FunctionTimeout: o.FunctionTimeout, FunctionConcurrency: o.FunctionConcurrency,
		Runtimes: map[functions.Kind]functions.Runtime{
			functions.KindJS: nodejs.New(nodejs.Options{}),
			functions.KindGo: golang.New(golang.Options{}),
		},
		Host: o.Host, AllowedHosts: o.AllowHosts, Port: o.Port, SiteURL: o.SiteURL, JWTSecret: o.JWTSecret, DB: db,
		Autoconfirm: o.Autoconfirm, DisableSignup: o.DisableSignup, External: o.External,
		BcryptCost: o.BcryptCost, Version: version, Log: log,
		HookAttempts: o.HookAttempts, HookTimeout: o.HookTimeout, GoTrueProfile: o.GoTrueProfile,
		Debug: o.Debug, DebugPort: o.DebugPort, InspectPort: o.InspectPort, DebugWait: o.DebugWait, Debugger: o.Debugger,
	}
	if o.WebhookURL != "" {
		opts.Webhook = &hooks.Webhook{URL: o.WebhookURL, Secret: o.WebhookSecret, Events: o.WebhookEvents}
	}
	// dev serve adds URL and DEPLOY_URL once it listens.
	env, _, err := o.site.FunctionEnv(siteDir, os.Environ(), map[string]string{"CONTEXT": "dev", "NETLIFY_DEV": "true"})
	if err != nil {
		return err
	}
	opts.FunctionEnv = env
	srv, err := devserver.New(ctx, opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	if remove, err := devserver.WriteState(siteDir, srv.URL(), srv.DebugTargets()...); err != nil {
		log.Event(term.KindServer, "state", term.Warn, err.Error()+": dev invoke will not find this server on its own (give it --url)", 0)
	} else {
		defer remove()
	}
	store := "in memory (gone when dev stops; --db FILE keeps it)"
	if db != ":memory:" && db != "" {
		store = db
	}
	log.Event(term.KindServer, "serving "+srv.URL(), term.OK, "identity at "+srv.URL()+devserver.IdentityPrefix, 0)
	log.Event(term.KindServer, "store", term.Info, store, 0)
	if fns := srv.Functions(); fns != nil {
		n := len(fns.List())
		if _, err := os.Stat(fnDir); err != nil {
			log.Event(term.KindServer, "functions", term.Info, "no folder "+fnDir+" yet: functions are served once it exists", 0)
		} else {
			log.Event(term.KindServer, "functions", term.Info, fmt.Sprintf("%d in %s, at %s%s", n, fnDir, srv.URL(), functions.Prefix), 0)
		}
	}
	if o.WebhookURL != "" {
		log.Event(term.KindHook, "webhook "+o.WebhookURL, term.Info, "receives "+strings.Join(o.WebhookEvents, ", ")+" instead of the identity-* functions, as in production", 0)
		if isLoopback(o.WebhookURL) {
			log.Event(term.KindHook, "webhook "+o.WebhookURL, term.Warn, "is on this machine: production refuses loopback and private addresses (502), dev allows them", 0)
		}
	}
	if o.Host != "127.0.0.1" && o.Host != "localhost" && o.Host != "::1" {
		log.Event(term.KindServer, "listening on "+o.Host, term.Warn, "reachable beyond this machine: anyone who can reach it can sign in as your users", 0)
	}
	return srv.Serve(ctx)
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

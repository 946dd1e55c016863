package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/config"
	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

type serveOptions struct {
	io            streams
	Dir           string
	Host          string
	Port          int
	SiteURL       string
	JWTSecret     string
	DB            string
	Autoconfirm   bool
	DisableSignup bool
	External      []string
	BcryptCost    int
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
	f.IntVar(&opts.Port, "port", 8888, "port to listen on")
	f.StringVar(&opts.SiteURL, "site-url", "", "the site URL mail links point to (default: this server's URL)")
	f.StringVar(&opts.JWTSecret, "jwt-secret", "", "the instance JWT secret (default: random per run, or the one kept in --db)")
	f.StringVar(&opts.DB, "db", ":memory:", "where users, tokens and mail live: :memory: or a file that keeps them across runs")
	f.BoolVar(&opts.Autoconfirm, "autoconfirm", false, "confirm signups without a confirmation mail")
	f.BoolVar(&opts.DisableSignup, "disable-signup", false, "refuse signups (\"Invite only\" in Netlify's settings)")
	f.StringSliceVar(&opts.External, "external", nil, "external providers to report enabled in /settings (github, gitlab, bitbucket, google, facebook)")
	f.IntVar(&opts.BcryptCost, "bcrypt-cost", identity.DefaultBcryptCost, "bcrypt cost for password hashes (production uses 10; 4 keeps local logins instant)")
	return cmd
}

// applySiteFile fills every option the command line left unset from netlify.toml.
func (o *serveOptions) applySiteFile(cmd *cobra.Command) error {
	site, err := config.Load(o.Dir)
	if err != nil {
		return err
	}
	set := func(name string) bool { return !cmd.Flags().Changed(name) }
	id := site.Dev.Identity
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
	return o.validate()
}

func (o *serveOptions) validate() error {
	if o.BcryptCost < 4 || o.BcryptCost > 31 {
		return fmt.Errorf("--bcrypt-cost %d is out of range: use 4 (fast, the default) to 31", o.BcryptCost)
	}
	for _, p := range o.External {
		if !knownProvider(p) {
			return fmt.Errorf("--external %q is not a provider GoTrue knows: use github, gitlab, bitbucket, google or facebook", p)
		}
	}
	return nil
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
	srv, err := devserver.New(ctx, devserver.Options{
		Host: o.Host, Port: o.Port, SiteURL: o.SiteURL, JWTSecret: o.JWTSecret, DB: db,
		Autoconfirm: o.Autoconfirm, DisableSignup: o.DisableSignup, External: o.External,
		BcryptCost: o.BcryptCost, Version: version, Log: log,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	store := "in memory (gone when dev stops; --db FILE keeps it)"
	if db != ":memory:" && db != "" {
		store = db
	}
	log.Event(term.KindServer, "serving "+srv.URL(), term.OK, "identity at "+srv.URL()+devserver.IdentityPrefix, 0)
	log.Event(term.KindServer, "store", term.Info, store, 0)
	if o.Host != "127.0.0.1" && o.Host != "localhost" && o.Host != "::1" {
		log.Event(term.KindServer, "listening on "+o.Host, term.Warn, "reachable beyond this machine: anyone who can reach it can sign in as your users", 0)
	}
	return srv.Serve(ctx)
}

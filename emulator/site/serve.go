package site

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/framework"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/internal/procs"
)

// ServeSettings are dev serve's settings. Their names are the flags'.
type ServeSettings struct {
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
	GoTrueProfile string
	// DenyProfile is what a typed handler's event.deny() does to the end user's request:
	// hooks.DenyDocumented (401) or hooks.DenyGoTrue (retried, then 422).
	DenyProfile string
	// MailTemplates are the site paths of custom mail templates and MailSubjects the
	// subjects, by mail kind (confirmation, recovery, invite, email_change).
	MailTemplates map[string]string
	MailSubjects  map[string]string
	// WidgetSetup points netlify-identity-widget on served pages at this server.
	WidgetSetup bool

	// Command and TargetPort run the site's framework dev server behind dev.
	Command    string
	TargetPort int

	Functions           string
	FunctionTimeout     time.Duration
	FunctionConcurrency int

	Debug       []string
	DebugPort   int
	InspectPort int
	DebugWait   bool
	Debugger    string

	Version string
}

// DefaultServeSettings are what dev serve does when neither a flag nor netlify.toml says.
func DefaultServeSettings() ServeSettings {
	return ServeSettings{
		Host: devapi.DefaultHost, Port: devapi.DefaultPort, DB: ":memory:",
		BcryptCost: identity.DefaultBcryptCost, WebhookEvents: []string{"validate", "signup", "login"},
		HookAttempts: identity.HookAttempts, HookTimeout: identity.HookTimeout, GoTrueProfile: "current",
		DenyProfile:     hooks.DenyDocumented,
		FunctionTimeout: functions.DefaultTimeout, FunctionConcurrency: functions.DefaultConcurrency,
		DebugPort: devserver.DefaultDebugPort, InspectPort: devserver.DefaultInspectPort, Debugger: "delve",
		WidgetSetup: true,
	}
}

// Events are the identity events GoTrue delivers, from identity's table of rules.
var Events = func() []identity.Event {
	var out []identity.Event
	for _, r := range identity.Events {
		out = append(out, r.Event)
	}
	return out
}()

// Providers are the external providers GoTrue knows.
var Providers = identity.Providers

// Settle fills every setting the command line did not give (given reports whether a
// flag was) from netlify.toml, and checks them all: flags, then netlify.toml, then
// defaults.
func (s *Site) Settle(set *ServeSettings, given func(flag string) bool) error {
	dev, id := s.Config.Dev, s.Config.Dev.Identity
	take := func(flag string) bool { return !given(flag) }
	if dev.AllowedHosts != nil && take("allow-host") {
		set.AllowHosts = dev.AllowedHosts
	}
	if dev.Port != nil && take("port") {
		set.Port = *dev.Port
	}
	if dev.Command != nil && take("command") {
		set.Command = *dev.Command
	}
	if dev.TargetPort != nil && take("target-port") {
		set.TargetPort = *dev.TargetPort
	}
	if id.SiteURL != nil && take("site-url") {
		set.SiteURL = *id.SiteURL
	}
	if id.JWTSecret != nil && take("jwt-secret") {
		set.JWTSecret = *id.JWTSecret
	}
	if id.DB != nil && take("db") {
		set.DB = *id.DB
	}
	if id.Autoconfirm != nil && take("autoconfirm") {
		set.Autoconfirm = *id.Autoconfirm
	}
	if id.DisableSignup != nil && take("disable-signup") {
		set.DisableSignup = *id.DisableSignup
	}
	if id.BcryptCost != nil && take("bcrypt-cost") {
		set.BcryptCost = *id.BcryptCost
	}
	if id.External != nil && take("external") {
		set.External = id.External
	}
	if id.GoTrueProfile != nil && take("gotrue-profile") {
		set.GoTrueProfile = *id.GoTrueProfile
	}
	if id.DenyProfile != nil && take("deny-profile") {
		set.DenyProfile = *id.DenyProfile
	}
	if id.Templates != nil {
		set.MailTemplates = id.Templates
	}
	if id.Subjects != nil {
		set.MailSubjects = id.Subjects
	}
	if id.WebhookURL != nil && take("webhook-url") {
		set.WebhookURL = *id.WebhookURL
	}
	if id.WebhookSecret != nil && take("webhook-secret") {
		set.WebhookSecret = *id.WebhookSecret
	}
	if id.WebhookEvents != nil && take("webhook-events") {
		set.WebhookEvents = id.WebhookEvents
	}
	if id.WidgetSetup != nil && take("identity-widget-setup") {
		set.WidgetSetup = *id.WidgetSetup
	}
	return set.validate()
}

func (o *ServeSettings) validate() error {
	if o.BcryptCost < 4 || o.BcryptCost > 31 {
		return fmt.Errorf("--bcrypt-cost %d is out of range: use 4 (fast, the default) to 31", o.BcryptCost)
	}
	if o.GoTrueProfile != "current" && o.GoTrueProfile != "2024" {
		return fmt.Errorf("--gotrue-profile %q: use current (GoTrue since March 2026) or 2024", o.GoTrueProfile)
	}
	if o.DenyProfile != hooks.DenyDocumented && o.DenyProfile != hooks.DenyGoTrue {
		return fmt.Errorf("--deny-profile %q: use documented (event.deny() answers the user 401, as Netlify documents) or gotrue (retried, then 422, as public GoTrue's code does)", o.DenyProfile)
	}
	if err := checkMailSettings(o.MailTemplates, o.MailSubjects); err != nil {
		return err
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
		if !knownEvent(e) {
			return fmt.Errorf("--webhook-events %q: GoTrue's webhook events are validate, signup, login, usermodified and userdeleted", e)
		}
	}
	if o.Command != "" && o.TargetPort == 0 {
		return fmt.Errorf("[dev] command %q needs targetPort: the port your framework's dev server listens on (--target-port)", o.Command)
	}
	if o.TargetPort != 0 && o.Command == "" {
		return fmt.Errorf("--target-port %d needs the command that starts the framework's dev server: --command or [dev] command in netlify.toml", o.TargetPort)
	}
	if o.TargetPort != 0 && o.TargetPort == o.Port {
		return fmt.Errorf("--port %d is also the framework's targetPort: dev serve listens on port, in front of the framework on targetPort; give them different numbers", o.Port)
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

func knownEvent(name string) bool {
	_, ok := identity.RuleOf(identity.Event(name))
	return ok
}

func knownProvider(name string) bool {
	for _, p := range identity.Providers {
		if p == name {
			return true
		}
	}
	return false
}

// Serve builds dev serve for the site with set and starts listening; Serve on the
// result answers until ctx ends. The running server is recorded in the site, so that
// commands find it; stop removes the record and closes the server.
//
// While it serves, dev runs its Go code on one thread, widening while it bundles or runs
// a slow bcrypt hash (internal/procs says why); stop gives the choice back to Go. It
// narrows once the server listens and its spare worker is spawned: the switch stops the
// world and waits for a collection under way (0.3–2 ms at the start), which would hold
// up the spawn that a function's first answer waits for.
func (s *Site) Serve(ctx context.Context, set ServeSettings, log *term.Logger) (srv *devserver.Server, stop func(), err error) {
	fnDir := s.FunctionsDir(set.Functions)
	opts := devserver.Options{
		SiteDir: s.Dir, FunctionsDir: fnDir, PublishDir: s.PublishDir(), Runtimes: runtimes(), NoWidgetSetup: !set.WidgetSetup,
		FunctionTimeout: set.FunctionTimeout, FunctionConcurrency: set.FunctionConcurrency,
		Host: set.Host, AllowedHosts: set.AllowHosts, Port: set.Port, SiteURL: set.SiteURL, JWTSecret: set.JWTSecret, DB: set.DB,
		Autoconfirm: set.Autoconfirm, DisableSignup: set.DisableSignup, External: set.External,
		BcryptCost: set.BcryptCost, Version: set.Version, Log: log,
		HookAttempts: set.HookAttempts, HookTimeout: set.HookTimeout, GoTrueProfile: set.GoTrueProfile, DenyProfile: set.DenyProfile,
		MailTemplates: mailKinds(set.MailTemplates), MailSubjects: mailKinds(set.MailSubjects),
		Debug: set.Debug, DebugPort: set.DebugPort, InspectPort: set.InspectPort, DebugWait: set.DebugWait, Debugger: set.Debugger,
	}
	if set.WebhookURL != "" {
		opts.Webhook = &hooks.Webhook{URL: set.WebhookURL, Secret: set.WebhookSecret, Events: set.WebhookEvents}
	}
	// dev serve sets URL and DEPLOY_URL once it listens.
	if opts.FunctionEnv, _, err = s.Config.FunctionEnv(s.Dir, os.Environ(), map[string]string{"CONTEXT": "dev", "NETLIFY_DEV": "true"}); err != nil {
		return nil, nil, err
	}
	var fw *framework.Server
	if set.Command != "" {
		fwEnv, err := s.FunctionEnv(fmt.Sprintf("http://%s", net.JoinHostPort(set.Host, fmt.Sprint(set.Port))))
		if err != nil {
			return nil, nil, err
		}
		log.Event(term.KindServer, "framework", term.Info, fmt.Sprintf("starting %q, for port %d", set.Command, set.TargetPort), 0)
		// The framework's server rendering gets production's per-request context through
		// dev's preload, which trusts only requests carrying this run's secret.
		secret := tokens.Secure()
		fw, err = framework.Start(ctx, framework.Options{Command: set.Command, Dir: s.Dir, TargetPort: set.TargetPort, Env: fwEnv, Log: log, ContextSecret: secret})
		if err != nil {
			return nil, nil, err
		}
		opts.Upstream, opts.FrameworkSecret = fw, secret
	}
	srv, err = devserver.New(ctx, opts)
	if err != nil {
		if fw != nil {
			fw.Close()
		}
		return nil, nil, err
	}
	wideAgain := procs.Narrow()
	st := devapi.State{URL: srv.URL(), Debug: srv.DebugTargets()}
	unregister, werr := devapi.WriteState(s.Dir, st)
	if werr != nil {
		log.Event(term.KindServer, "state", term.Warn, werr.Error()+": dev invoke will not find this server on its own (give it --url)", 0)
		unregister = func() {}
	}
	return srv, func() {
		unregister()
		srv.Close()
		if fw != nil {
			fw.Close()
		}
		wideAgain()
	}, nil
}

// Exposed reports whether the settings listen beyond this machine.
func (o *ServeSettings) Exposed() bool {
	if o.Host == "localhost" {
		return false
	}
	ip := net.ParseIP(o.Host)
	return ip == nil || !ip.IsLoopback()
}

// checkMailSettings checks [dev.identity.templates] and [dev.identity.subjects].
func checkMailSettings(templates, subjects map[string]string) error {
	known := func(table, key string) error {
		for _, k := range identity.MailKinds {
			if string(k) == key {
				return nil
			}
		}
		return fmt.Errorf("[dev.identity.%s] %s: not a mail GoTrue sends; use confirmation, recovery, invite or email_change", table, key)
	}
	for k, path := range templates {
		if err := known("templates", k); err != nil {
			return err
		}
		if err := identity.CheckTemplatePath(path); err != nil {
			return fmt.Errorf("[dev.identity.templates] %s: %w", k, err)
		}
	}
	for k, subject := range subjects {
		if err := known("subjects", k); err != nil {
			return err
		}
		if err := identity.CheckSubject(subject); err != nil {
			return fmt.Errorf("[dev.identity.subjects] %s: %w", k, err)
		}
	}
	return nil
}

func mailKinds(m map[string]string) map[identity.MailKind]string {
	if len(m) == 0 {
		return nil
	}
	out := map[identity.MailKind]string{}
	for k, v := range m {
		out[identity.MailKind(k)] = v
	}
	return out
}

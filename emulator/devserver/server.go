// Package devserver composes dev serve: it opens the store, keeps the instance's secret
// and id, mounts the identity API, the dev API and (later) functions on one listener,
// and reports what happens to the log.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
)

// IdentityPrefix is where the identity API is served, as on Netlify.
const IdentityPrefix = "/.netlify/identity"

// Options configure a server. Zero values take the defaults of dev serve.
type Options struct {
	Host string // 127.0.0.1
	// AllowedHosts are names besides this machine's that may reach the server in a
	// Host header ("name", or ".name" for it and its subdomains).
	AllowedHosts  []string
	Port          int    // 0 picks a free port (dev serve gives devapi.DefaultPort)
	SiteURL       string // defaults to the server's own URL
	JWTSecret     string // random, or the one kept in DB
	DB            string // ":memory:" or a file
	Autoconfirm   bool
	DisableSignup bool
	External      []string
	BcryptCost    int
	Version       string
	Log           *term.Logger
	// Webhook, when its URL is set, receives identity events instead of the function hooks.
	Webhook      *hooks.Webhook
	HookAttempts int           // production's 3 when 0
	HookTimeout  time.Duration // production's 5 s when 0
	// GoTrueProfile "2024" keeps function hooks out of external sign-ins, as GoTrue
	// did before March 2026; "current" or "" fires them.
	GoTrueProfile string
	// DenyProfile is hooks.DenyDocumented (or "") or hooks.DenyGoTrue.
	DenyProfile string
	// MailTemplates are site paths of custom mail templates, read through the site on
	// every mail; MailSubjects replace the default subjects.
	MailTemplates map[identity.MailKind]string
	MailSubjects  map[identity.MailKind]string

	// Functions: served when FunctionsDir is set and Runtimes has a runtime for them.
	SiteDir             string
	FunctionsDir        string
	Runtimes            map[functions.Kind]functions.Runtime
	FunctionEnv         []string
	FunctionTimeout     time.Duration
	FunctionConcurrency int
	AdminTokenTTL       time.Duration
	// PublishDir is served for every other path, when set.
	PublishDir string
	// Upstream, when set, is the site's framework dev server: what dev does not answer
	// itself goes to it instead of the publish folder.
	Upstream Upstream
	// FrameworkSecret, when set, is the secret of dev's preload in the framework's
	// process: each request proxied to it carries functions.FrameworkHeader with it.
	FrameworkSecret string
	// NoWidgetSetup serves pages that load netlify-identity-widget as they are, without
	// the snippet that points the widget at this server (see widget.go).
	NoWidgetSetup bool
	// Debug names the functions to run under a debugger ("all" for every one);
	// DebugPort is the first delve port (2345), InspectPort the first Node one (9229).
	Debug       []string
	DebugPort   int
	InspectPort int
	DebugWait   bool // hold the first invocation until a debugger attaches
	// Debugger "dlv" debugs Go functions with the dlv found on PATH instead of the
	// delve built into dev; "" or "delve" is dev's own.
	Debugger string
}

// Upstream is a framework's dev server behind dev (emulator/framework).
type Upstream interface {
	// Handler proxies a request to it.
	Handler() http.Handler
	// Try proxies a request unless the framework answers 404, which it leaves unwritten.
	Try(w http.ResponseWriter, r *http.Request) bool
}

// Server is a running dev serve.
type Server struct {
	site     http.Handler // the site: rules, static files or the framework; nil without one
	contexts *functions.ClientContexts
	news     *notifier // tells the dashboard's pages what changed
	siteID   string
	opts     Options
	store    *store.SQLite
	api      *identity.API
	listener net.Listener
	http     *http.Server
	url      string
	fns      *functions.Server
	hooks    *hooks.Dispatcher
	notes    notes
	journal  *journalWriter
	debug    *debugger
}

// New opens the store and listens; Serve then answers requests.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Host == "" {
		opts.Host = devapi.DefaultHost
	}
	var dlv string
	if len(opts.Debug) > 0 {
		var err error
		if dlv, err = findDlv(opts.Debugger); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("listen on %s:%d: %w (is another dev serve running? pick another with --port)", opts.Host, opts.Port, err)
	}
	base := "http://" + hostForURL(opts.Host, ln.Addr())
	siteURL := opts.SiteURL
	if siteURL == "" {
		siteURL = base
	}
	// Known only now that the server listens (--port 0 picks one); dev's own, so they
	// override any other source, as config.FunctionEnv's extras do.
	opts.FunctionEnv = setEnv(opts.FunctionEnv, "URL", siteURL)
	opts.FunctionEnv = setEnv(opts.FunctionEnv, "DEPLOY_URL", siteURL)
	withFunctions := opts.FunctionsDir != "" && len(opts.Runtimes) > 0
	var prepared *functions.Discovery
	if withFunctions && len(opts.Debug) == 0 {
		// A function's first call waits above all for node's own start: begin it now,
		// while the store opens (SQLite's first open takes 10-15 ms).
		prepared, err = functions.Prepare(functions.Options{
			SiteDir: opts.SiteDir, FunctionsDir: opts.FunctionsDir, Runtimes: opts.Runtimes, Env: opts.FunctionEnv, Log: opts.Log,
		})
		if err != nil {
			ln.Close()
			return nil, err
		}
	}
	fail := func(err error) (*Server, error) {
		ln.Close()
		functions.StopPrepared(opts.Runtimes)
		return nil, err
	}
	if err := privateStoreFiles(opts.DB); err != nil {
		return fail(err)
	}
	db, err := store.Open(ctx, opts.DB)
	if err != nil {
		return fail(fmt.Errorf("open store %s: %w", opts.DB, err))
	}
	s := &Server{opts: opts, store: db, listener: ln, news: newNotifier(), url: base}
	s.journal = newJournalWriter(db, opts.Log)
	secret, instanceID, err := s.instanceSettings(ctx)
	if err != nil {
		s.Close()
		functions.StopPrepared(opts.Runtimes)
		return nil, err
	}
	external := map[string]bool{}
	for _, p := range opts.External {
		external[p] = true
	}
	cfg := identity.Config{
		SiteURL: siteURL, JWTSecret: secret, InstanceID: instanceID,
		Autoconfirm: opts.Autoconfirm, DisableSignup: opts.DisableSignup,
		External: external, BcryptCost: opts.BcryptCost, Version: opts.Version,
		TemplatePaths: opts.MailTemplates, Subjects: opts.MailSubjects,
	}
	if len(opts.MailTemplates) > 0 {
		cfg.MailTemplates = &siteTemplates{server: s}
	}
	if len(opts.Debug) > 0 {
		s.debug = newDebugger(s, opts.Debug, opts.DebugPort, opts.InspectPort)
		s.debug.wait = opts.DebugWait
		s.debug.dlv = dlv
	}
	// Built in the order they depend on each other, each whole once built: the
	// functions (which sign with the instance secret), the hooks that call them, the
	// identity API that calls the hooks.
	s.contexts = &functions.ClientContexts{
		Signer: tokens.NewSigner(secret), IdentityURL: s.url + IdentityPrefix, SiteURL: siteURL, AdminTTL: opts.AdminTokenTTL,
	}
	s.siteID = instanceID
	if withFunctions {
		fopts := functions.Options{
			SiteDir: opts.SiteDir, FunctionsDir: opts.FunctionsDir, Runtimes: opts.Runtimes,
			Concurrency: opts.FunctionConcurrency, Timeout: opts.FunctionTimeout, Env: opts.FunctionEnv,
			Contexts: s.contexts,
			BaseURL:  s.URL, SiteID: instanceID, Log: opts.Log, OnInvoke: s.recordInvocation,
		}
		if s.debug != nil {
			fopts.Supervisor = debugSupervisor{s.debug}
		}
		s.fns = functions.NewServer(fopts)
	}
	var fns hooks.Functions // a nil interface when there are no functions, not a nil *Server
	if s.fns != nil {
		fns = s.fns
	}
	dispatcher := &hooks.Dispatcher{
		InstanceID: instanceID, Secret: secret, Webhook: opts.Webhook, Functions: fns,
		Attempts: opts.HookAttempts, Timeout: opts.HookTimeout,
		Record: s.recordHook, Profile: opts.GoTrueProfile, Skipped: s.hookSkipped, Deny: opts.DenyProfile,
	}
	s.hooks = dispatcher
	s.api = identity.New(cfg, db, identity.WithObserver(&logObserver{log: opts.Log, server: s}), identity.WithHooks(dispatcher))
	if s.fns != nil {
		if prepared != nil {
			s.fns.LoadPrepared(ctx, prepared)
		} else if err := s.fns.Load(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	handler := &guard{hosts: newHostPolicy(opts.Host, opts.SiteURL, opts.AllowedHosts), log: opts.Log, next: s.routes()}
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// DebugTargets are the functions under a debugger and their addresses.
func (s *Server) DebugTargets() []DebugTarget { return s.debug.Targets() }

// Functions is the function server, nil when the site has no functions folder set.
func (s *Server) Functions() *functions.Server { return s.fns }

// instanceSettings returns the JWT secret and instance id: the flag's secret wins and
// is kept; otherwise what the database kept; otherwise new random ones, kept.
func (s *Server) instanceSettings(ctx context.Context) (secret, instanceID string, err error) {
	err = s.store.Update(ctx, func(tx identity.Tx) error {
		secret, err = tx.Setting("jwt_secret")
		if s.opts.JWTSecret != "" {
			secret = s.opts.JWTSecret
		} else if errors.Is(err, identity.ErrNotFound) {
			secret = tokens.NewSecret()
		} else if err != nil {
			return err
		}
		if err := tx.SetSetting("jwt_secret", secret); err != nil {
			return err
		}
		instanceID, err = tx.Setting("instance_id")
		if errors.Is(err, identity.ErrNotFound) {
			instanceID = tokens.NewUUID()
			return tx.SetSetting("instance_id", instanceID)
		}
		return err
	})
	if err != nil {
		return "", "", fmt.Errorf("load instance settings: %w", err)
	}
	return secret, instanceID, nil
}

// privateStoreFiles makes the --db file, and the -wal and -shm files SQLite gives the
// same mode, readable by their owner only: they hold the instance's JWT secret, the
// users' password hashes and live tokens.
func privateStoreFiles(db string) error {
	if db == "" || db == store.Memory {
		return nil
	}
	f, err := os.OpenFile(db, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open store %s: %w", db, err)
	}
	f.Close()
	for _, p := range []string{db, db + "-wal", db + "-shm", db + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("make store %s private: %w", p, err)
		}
	}
	return nil
}

func hostForURL(host string, addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// setEnv sets key to value in a KEY=VALUE list, in place of an earlier value.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// URL is the server's base URL, such as devapi.DefaultURL.
func (s *Server) URL() string { return s.url }

// API is the identity API.
func (s *Server) API() *identity.API { return s.api }

// Store is the server's store.
func (s *Server) Store() identity.Store { return s.store }

// Handler is everything the server answers, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve answers requests until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.listener) }()
	if s.fns != nil {
		go func() {
			if err := s.fns.Watch(ctx); err != nil {
				s.opts.Log.Event(term.KindBuild, "watch", term.Warn, "hot reload is off: "+err.Error(), 0)
			}
		}()
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		s.news.close() // the dashboard's streams end now, not after Shutdown's wait
		// Let requests in flight finish; connections a browser opened ahead and never
		// used would hold Shutdown for its whole wait, so they are closed after it.
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.http.Shutdown(shutdown); err != nil {
			s.http.Close()
		}
		return nil
	}
}

// Close stops listening and closes the store.
func (s *Server) Close() error {
	s.news.close()
	if s.fns != nil {
		s.fns.Close()
	}
	s.debug.close()
	s.journal.close()
	if s.http != nil {
		s.http.Close()
	} else {
		s.listener.Close()
	}
	return s.store.Close()
}

// AdminToken mints the functions' admin token, valid for ttl.
func (s *Server) AdminToken(ttl time.Duration) (string, error) {
	return s.api.Signer().AdminToken(time.Now().Add(ttl))
}

// debugSupervisor is the debugger as the function server sees it.
type debugSupervisor struct{ d *debugger }

func (v debugSupervisor) RuntimeFor(fn *functions.Function) functions.Runtime {
	return v.d.runtimeFor(fn)
}
func (v debugSupervisor) ConcurrencyFor(name string) int { return v.d.concurrencyFor(name) }
func (v debugSupervisor) OnStart(fn *functions.Function, in functions.Instance) {
	v.d.onStart(fn, in)
}
func (v debugSupervisor) OnOutput(fn *functions.Function, stream, line string) bool {
	return v.d.onOutput(fn, stream, line)
}
func (v debugSupervisor) Held(name string) bool { return v.d.heldFn(name) }
func (v debugSupervisor) BeforeInvoke(ctx context.Context, name string) error {
	return v.d.beforeInvoke(ctx, name)
}
func (v debugSupervisor) Prestart(name string) bool { return v.d.wants(name) }

// HookLines say, one line per identity event that reaches functions, which functions
// receive it and in what order: "signup → identity-signup, identity (typed), welcome (typed)".
func (s *Server) HookLines(ctx context.Context) []string {
	if s.fns == nil {
		return nil
	}
	var out []string
	for _, rule := range identity.Events {
		names := s.hooks.Receivers(ctx, rule.Event)
		if len(names) == 0 {
			continue
		}
		typed := map[string]bool{}
		for _, n := range s.fns.Subscribers(rule.NetlifyEvent) {
			typed[n] = true
		}
		for i, n := range names {
			var notes []string
			if typed[n] {
				notes = append(notes, rule.Method)
			}
			if d, _ := s.fns.DeclaredBy(n); d.Background && !strings.HasSuffix(n, identity.BackgroundSuffix) {
				notes = append(notes, "background")
			}
			if len(notes) > 0 {
				names[i] = n + " (" + strings.Join(notes, ", ") + ")"
			}
		}
		out = append(out, string(rule.Event)+" → "+strings.Join(names, ", "))
	}
	return out
}

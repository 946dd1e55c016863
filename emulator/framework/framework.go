// Package framework runs a site's framework dev server (Vite, Astro, Next, Eleventy…)
// behind dev, as netlify dev does with netlify.toml's [dev] command and targetPort: it
// starts the command in a process group of its own, waits for the target port to answer,
// proxies to it what dev itself does not answer (websockets included, for hot reload),
// and stops the whole group when dev stops.
package framework

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/term"
)

const (
	// defaultWait is how long Start waits for the port, as netlify dev does.
	defaultWait = 10 * time.Minute
	// killGrace is how long Close waits after SIGTERM before SIGKILL.
	killGrace = 3 * time.Second
)

// logSubject names the framework in dev's log.
const logSubject = "framework"

// Options say what to run and where it listens.
type Options struct {
	Command    string        // run with the shell (sh -c; cmd /c on Windows) in Dir
	Dir        string        // the site root; empty is the current directory
	TargetPort int           // where the framework listens
	Env        []string      // the command's environment (nil: dev's own); see commandEnv for what Start adds
	Log        *term.Logger  // one line per event and per line of output; nil logs nothing
	Wait       time.Duration // how long Start waits for TargetPort; 0 is 10 minutes
	// ContextSecret, when set, loads dev's preload into the command's Node processes
	// (NODE_OPTIONS), which gives server-side rendering the per-request context dev
	// sends with this secret (functions.FrameworkHeader).
	ContextSecret string
}

func (o Options) validate() error {
	if strings.TrimSpace(o.Command) == "" {
		return errors.New("the framework command is empty: set [dev] command in netlify.toml (e.g. \"npm run dev\")")
	}
	if o.TargetPort < 1 || o.TargetPort > 65535 {
		return fmt.Errorf("the framework's target port %d is not a port (1-65535): set [dev] targetPort in netlify.toml to the port its dev server listens on", o.TargetPort)
	}
	return nil
}

// Server is a running framework dev server.
type Server struct {
	opts      Options
	child     *functions.Child
	out       *output
	addr      string
	proxy     *httputil.ReverseProxy
	transport *http.Transport

	exited  chan struct{} // closed once the command has ended and been reaped
	exitErr error         // the command's Wait error, set before exited is closed

	ready     atomic.Bool // Start has returned the Server: an exit now is news for the log
	closing   atomic.Bool
	closeOnce sync.Once

	preloadDir string // dev's preload, removed at Close
}

// Start runs the command and returns once TargetPort answers on 127.0.0.1, ::1 or
// localhost (frameworks bind differently). It fails, saying what to do, when something
// already answers there before the command starts, when the command exits first (with
// its exit status and last lines of output), or when the port does not answer within
// Wait. ctx bounds the start only: once Start returns, Close stops the framework.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Wait <= 0 {
		opts.Wait = defaultWait
	}
	if addr, ok := dialTarget(ctx, opts.TargetPort); ok {
		return nil, fmt.Errorf("port %d already answers (at %s) before %q has started: stop what listens there, or set [dev] targetPort to the port this command's server listens on",
			opts.TargetPort, addr, opts.Command)
	}
	began := time.Now()
	s, err := launch(opts)
	if err != nil {
		return nil, err
	}
	addr, err := s.waitForPort(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.addr = addr
	s.proxy, s.transport = newProxy(addr, opts)
	s.ready.Store(true)
	opts.Log.Event(term.KindServer, logSubject, term.OK, "answers at "+addr, time.Since(began))
	return s, nil
}

// launch starts the command with its output going to the log.
func launch(opts Options) (*Server, error) {
	cmd := shellCommand(opts.Command)
	cmd.Dir = opts.Dir
	cmd.Env = commandEnv(opts.Env, opts.Dir)
	var preloadDir string
	if opts.ContextSecret != "" {
		var err error
		if preloadDir, cmd.Env, err = writePreload(cmd.Env, opts.ContextSecret); err != nil {
			return nil, err
		}
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdoutR.Close()
		stdoutW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	child, err := functions.StartChild(cmd)
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		stdoutR.Close()
		stderrR.Close()
		if preloadDir != "" {
			os.RemoveAll(preloadDir)
		}
		return nil, fmt.Errorf("start the framework command %q in %s: %w", opts.Command, dirName(opts.Dir), err)
	}
	opts.Log.Event(term.KindServer, logSubject, term.Info,
		fmt.Sprintf("started %q in %s (pid %d); waiting for port %d", opts.Command, dirName(opts.Dir), child.Pid(), opts.TargetPort), 0)
	s := &Server{opts: opts, child: child, exited: make(chan struct{}), preloadDir: preloadDir}
	s.out = newOutput(opts.Log, stdoutR, stderrR)
	go s.watch()
	return s, nil
}

// watch reaps the command and logs an exit nobody asked for.
func (s *Server) watch() {
	err := s.child.Wait()
	s.exitErr = err
	if s.ready.Load() && !s.closing.Load() {
		s.opts.Log.Event(term.KindServer, logSubject, term.Fail,
			"exited ("+exitStatus(err)+"): dev answers 502 where it would proxy to it; restart dev to start it again", 0)
	}
	close(s.exited)
}

// Addr is where the framework answered (host:port).
func (s *Server) Addr() string { return s.addr }

// Close stops the framework's whole process group (SIGTERM, then SIGKILL after a few
// seconds) and waits for it. Once Close returns, Log is not called again, except for
// requests still being proxied. Safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		s.stop()
		s.out.finish()
		if s.transport != nil {
			s.transport.CloseIdleConnections()
		}
		if s.preloadDir != "" {
			os.RemoveAll(s.preloadDir)
		}
	})
	return nil
}

func (s *Server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	// Windows has no SIGTERM: Signal fails there and the kill comes at once.
	if s.child.Signal(syscall.SIGTERM) == nil {
		t := time.NewTimer(killGrace)
		defer t.Stop()
		select {
		case <-s.exited:
			return
		case <-t.C:
		}
	}
	s.child.Signal(syscall.SIGKILL)
	<-s.exited
}

// exitStatus says how the command ended: "exit status 1", "signal: killed".
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func dirName(dir string) string {
	if dir == "" {
		return "the current directory"
	}
	return dir
}

package site

import (
	"context"
	"fmt"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/emulator/suggest"
	"github.com/identity-dev/dev/emulator/term"
)

// InvokeSettings say where and how dev invoke runs a function.
type InvokeSettings struct {
	URL        string        // through this dev serve
	Standalone bool          // alone even when a dev serve runs for the site
	Functions  string        // the functions folder flag
	Timeout    time.Duration // standalone: the function's time limit
	TimeoutSet bool          // Timeout was given: only a standalone run honours it
	JWTSecret  string        // standalone: the instance secret (else netlify.toml's, else random)
}

// Invoke runs one function once: through the running dev serve of the site (or the one
// at set.URL), where it is journaled and --as names one of its users; otherwise built
// and run alone with the environment dev serve would give it.
func (s *Site) Invoke(ctx context.Context, req devapi.InvokeRequest, set InvokeSettings, log *term.Logger) (*devapi.InvokeResult, error) {
	url := set.URL
	if url == "" && !set.Standalone {
		if st := s.Running(ctx); st != nil {
			url = st.URL
		}
	}
	if url != "" {
		if set.TimeoutSet {
			return nil, fmt.Errorf("--timeout: the dev serve at %s runs the function with its own --function-timeout; add --standalone to run it alone with yours", url)
		}
		c, err := devapi.NewClient(url)
		if err != nil {
			return nil, err
		}
		return c.Invoke(ctx, req)
	}
	env, err := s.FunctionEnv(devapi.DefaultURL)
	if err != nil {
		return nil, err
	}
	secret := set.JWTSecret
	if secret == "" && s.Config.Dev.Identity.JWTSecret != nil {
		secret = *s.Config.Dev.Identity.JWTSecret
	}
	sa := invoke.Standalone{
		SiteDir: s.Dir, FunctionsDir: s.FunctionsDir(set.Functions), Function: req.Function,
		Env: env, Timeout: set.Timeout, Seed: req.Mock.Seed, Secret: secret, Log: log, Runtimes: runtimes(),
	}
	ienv, closeFn, err := sa.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	if !ienv.Functions.Has(req.Function) && !invoke.IsEventMethod(req.Function) {
		return nil, s.noFunction(req.Function, set.Functions)
	}
	return invoke.Run(ctx, ienv, req)
}

// noFunction says that a function does not exist, and which near name does.
func (s *Site) noFunction(name, flag string) error {
	msg := fmt.Sprintf("no function %q in %s", name, s.FunctionsDir(flag))
	if fns, err := s.Functions(flag); err == nil {
		var names []string
		for _, fn := range fns {
			names = append(names, fn.Name)
		}
		if near := suggest.Nearest(name, names); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
	}
	return fmt.Errorf("%s", msg)
}

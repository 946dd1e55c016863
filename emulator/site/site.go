// Package site is dev's composition root. Open reads a site's folder once (netlify.toml,
// .env files, the functions and publish folders); from the Site, every command takes
// what it needs: Serve builds the identity API, the store, the secret, the function
// runtimes (debug variants included), hooks and the journal, and starts dev serve;
// Invoke runs one function alone or through the running server; Server finds the
// running dev serve of the site. Commands hold no wiring of their own.
package site

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/identity-dev/dev/emulator/config"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
)

// Site is one site folder, read.
type Site struct {
	Dir    string // absolute
	Config *config.Site
}

// Open reads the site in dir. A folder that does not exist is refused, so that a typo
// in --dir does not serve an empty site.
func Open(dir string) (*Site, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--dir %s: no such folder (give the folder of your site, where netlify.toml is)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--dir %s is a file, not a folder (give the folder of your site, where netlify.toml is)", dir)
	}
	cfg, err := config.Load(abs)
	if err != nil {
		return nil, err
	}
	return &Site{Dir: abs, Config: cfg}, nil
}

// FunctionsDir is the functions folder: flag, else netlify.toml's, else netlify/functions.
func (s *Site) FunctionsDir(flag string) string { return s.Config.FunctionsDir(s.Dir, flag) }

// PublishDir is the folder of the site's pages.
func (s *Site) PublishDir() string { return s.Config.PublishDir(s.Dir) }

// Functions lists the functions in the functions folder (for completion and "did you
// mean"); a folder that does not exist has none.
func (s *Site) Functions(flag string) ([]*functions.Function, error) {
	d, err := functions.Discover(s.Dir, s.FunctionsDir(flag))
	if err != nil {
		return nil, err
	}
	return d.Functions, nil
}

// FunctionEnv is the environment the site's functions get, with dev's own variables
// for a server at url.
func (s *Site) FunctionEnv(url string) ([]string, error) {
	env, _, err := s.Config.FunctionEnv(s.Dir, os.Environ(), map[string]string{
		"URL": url, "DEPLOY_URL": url, "CONTEXT": "dev", "NETLIFY_DEV": "true",
	})
	return env, err
}

// runtimes are the function runtimes: JS and TypeScript in node, Go built with go.
func runtimes() map[functions.Kind]functions.Runtime {
	return map[functions.Kind]functions.Runtime{
		functions.KindJS: nodejs.New(nodejs.Options{}),
		functions.KindGo: golang.New(golang.Options{}),
	}
}

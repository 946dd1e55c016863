package config

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FunctionsDir is the site's functions folder: the flag, else netlify.toml's
// [functions] directory, else [build] functions, else netlify/functions.
// A relative path is relative to the site root.
func (s *Site) FunctionsDir(siteDir, flag string) string {
	dir := "netlify/functions"
	switch {
	case flag != "":
		dir = flag
	case s.Functions.Directory != nil && *s.Functions.Directory != "":
		dir = *s.Functions.Directory
	case s.Build.Functions != nil && *s.Build.Functions != "":
		dir = *s.Build.Functions
	case s.Dev.Functions != nil && *s.Dev.Functions != "":
		dir = *s.Dev.Functions
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(siteDir, dir)
	}
	return dir
}

// PublishDir is the folder of the site's pages: [dev] publish, else [build] publish,
// else the site root. A relative path is relative to the site root.
func (s *Site) PublishDir(siteDir string) string {
	var dir string
	switch {
	case s.Dev.Publish != nil && *s.Dev.Publish != "":
		dir = *s.Dev.Publish
	case s.Build.Publish != nil && *s.Build.Publish != "":
		dir = *s.Build.Publish
	default:
		return siteDir
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(siteDir, dir)
	}
	return dir
}

// EnvSource names where a function's environment variable came from.
type EnvSource string

// FunctionEnv is the environment functions get, built in this order, each later source
// overriding the earlier ones:
//
//  1. netlify.toml [build.environment]
//  2. netlify.toml [context.dev.environment]
//  3. netlify.toml [dev.environment]
//  4. .env in the site root
//  5. .env.development in the site root
//  6. dev's own environment (the shell), as netlify-cli does: an exported variable wins
//  7. what dev sets itself (extra): URL, DEPLOY_URL, CONTEXT, NETLIFY_DEV
//
// It returns KEY=VALUE pairs, sorted, and where each key came from.
func (s *Site) FunctionEnv(siteDir string, shell []string, extra map[string]string) ([]string, map[string]EnvSource, error) {
	vars := map[string]string{}
	from := map[string]EnvSource{}
	set := func(m map[string]string, src EnvSource) {
		for k, v := range m {
			vars[k], from[k] = v, src
		}
	}
	set(s.Build.Environment, "netlify.toml [build.environment]")
	if c, ok := s.Context["dev"]; ok {
		set(c.Environment, "netlify.toml [context.dev.environment]")
	}
	set(s.Dev.Environment, "netlify.toml [dev.environment]")
	for _, name := range []string{".env", ".env.development"} {
		m, err := readDotEnv(filepath.Join(siteDir, name))
		if err != nil {
			return nil, nil, err
		}
		set(m, EnvSource(name))
	}
	for _, kv := range shell {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			vars[k], from[k] = v, "shell"
		}
	}
	set(extra, "dev")
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, from, nil
}

// readDotEnv reads a .env file: KEY=VALUE lines, # comments, optional "export ",
// values optionally in single or double quotes (double quotes understand \n).
func readDotEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a byte-order mark is not part of the first key
		}
		line := strings.TrimSpace(text)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE, got %q", path, n, sc.Text())
		}
		out[k] = dotEnvValue(v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// dotEnvValue reads a value as the dotenv package netlify-cli uses does: quoted (the
// quotes removed, a comment after them dropped; double quotes understand \n, \" and
// \\), or bare up to the first # (so COLOR=#fff is empty: quote it).
func dotEnvValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		for i := 1; i < len(v); i++ {
			if q == '"' && v[i] == '\\' {
				i++
				continue
			}
			if v[i] == q {
				rest := strings.TrimSpace(v[i+1:])
				if rest == "" || strings.HasPrefix(rest, "#") {
					inner := v[1:i]
					if q == '"' {
						inner = strings.NewReplacer(`\n`, "\n", `\"`, `"`, `\\`, `\`).Replace(inner)
					}
					return inner
				}
				break
			}
		}
		return v // unbalanced or followed by more: kept as written
	}
	if i := strings.IndexByte(v, '#'); i >= 0 {
		return strings.TrimSpace(v[:i])
	}
	return v
}

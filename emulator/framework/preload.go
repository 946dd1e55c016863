package framework

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/identity-dev/dev/emulator/functions/nodejs"
)

//go:embed preload.cjs
var preloadScript string

// SecretEnv carries the run's secret to the preload: a context header without it is
// ignored.
const SecretEnv = "NETLIFY_DEV_CONTEXT_SECRET"

// writePreload writes the preload into a new private folder and returns the folder and
// the environment that loads it into every Node process the command starts: env's
// NODE_OPTIONS with --require added (the user's options kept), and the secret.
func writePreload(env []string, secret string) (string, []string, error) {
	dir, err := os.MkdirTemp("", "dev-framework-")
	if err != nil {
		return "", nil, fmt.Errorf("write the framework preload: %w", err)
	}
	path := filepath.Join(dir, "netlify-context.cjs")
	if err := os.WriteFile(path, []byte(nodejs.WithCookies(preloadScript)), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("write the framework preload: %w", err)
	}
	opts := `--require "` + strings.ReplaceAll(path, `"`, `\"`) + `"`
	env = append([]string(nil), env...)
	if i := envIndex(env, "NODE_OPTIONS"); i >= 0 {
		_, old, _ := strings.Cut(env[i], "=")
		env[i] = "NODE_OPTIONS=" + strings.TrimSpace(old+" "+opts)
	} else {
		env = append(env, "NODE_OPTIONS="+opts)
	}
	if i := envIndex(env, SecretEnv); i >= 0 {
		env[i] = SecretEnv + "=" + secret
	} else {
		env = append(env, SecretEnv+"="+secret)
	}
	return dir, env, nil
}

package framework

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// commandEnv is env (dev's own environment when nil) with what a framework's command
// expects under netlify dev, where env does not already say otherwise:
//   - the site's node_modules/.bin (and its parents') first on PATH, as npm scripts and
//     netlify dev have it, so that `vite` or `astro dev` runs as a command;
//   - NETLIFY_DEV=true, which Netlify's framework plugins read to leave the emulation to dev;
//   - BROWSER=none, so that the framework does not open a browser at its own port, where
//     Identity and functions are missing.
func commandEnv(env []string, dir string) []string {
	if env == nil {
		env = os.Environ()
	}
	env = append([]string(nil), env...)
	env = prependPath(env, localBins(dir))
	for _, kv := range []string{"NETLIFY_DEV=true", "BROWSER=none"} {
		key, _, _ := strings.Cut(kv, "=")
		if envIndex(env, key) < 0 {
			env = append(env, kv)
		}
	}
	return env
}

// localBins are the node_modules/.bin folders from dir up to the root, nearest first.
func localBins(dir string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	var bins []string
	for {
		bin := filepath.Join(abs, "node_modules", ".bin")
		if fi, err := os.Stat(bin); err == nil && fi.IsDir() {
			bins = append(bins, bin)
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return bins
		}
		abs = parent
	}
}

func prependPath(env, dirs []string) []string {
	if len(dirs) == 0 {
		return env
	}
	path := strings.Join(dirs, string(os.PathListSeparator))
	i := envIndex(env, "PATH")
	if i < 0 {
		return append(env, "PATH="+path)
	}
	key, old, _ := strings.Cut(env[i], "=")
	if old != "" {
		path += string(os.PathListSeparator) + old
	}
	env[i] = key + "=" + path
	return env
}

// envIndex is the index of key's last entry in env (the one a process sees), or -1.
func envIndex(env []string, key string) int {
	for i := len(env) - 1; i >= 0; i-- {
		k, _, ok := strings.Cut(env[i], "=")
		if ok && (k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key)) {
			return i
		}
	}
	return -1
}
